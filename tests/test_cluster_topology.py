"""The deployment of deploy/README.md, on loopback: PostgreSQL, nginx from deploy/nginx.conf, two
webhook workers (`helpline serve --webhook`), two NLU servers, two agents' groups, and the Bot
API emulator posting Telegram's webhook through nginx (tests/cluster_helpers.py)."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nlu.rasa import intents_from_domain
from responses import Catalogue, load_catalogue
from tests.cluster_helpers import (
    AGENT,
    EN_GROUP,
    FR_GROUP,
    Cluster,
    cluster_with_two_nlu_servers,
    render_nginx,
)
from tests.cluster_traffic_helpers import Patients, until_quiet

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture(scope="module")
async def cluster(
    rasa_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    logs = tmp_path_factory.mktemp("cluster")
    async with cluster_with_two_nlu_servers(
        rasa_url, logs, AGENTS_RATE_LIMIT="1", AGENTS_RATE_WINDOW="0.3"
    ) as (cluster, _):
        yield cluster


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(intents_from_domain())


def test_the_operators_nginx_site_is_valid(tmp_path: Path) -> None:
    """deploy/nginx.conf rendered as deploy/README.md says, before certbot, passes `nginx -t`."""
    site = tmp_path / "helpline"
    site.write_text(render_nginx([8081, 8082], "listen 127.0.0.1:8443;", "helpline.example.org"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; include {site}; }}\n"
    )
    checked = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "@" not in site.read_text().split("#")[0]  # no placeholder left


async def test_many_patients_through_nginx_each_answered_once_in_order_and_agents_reply(
    cluster: Cluster, catalogue: Catalogue
) -> None:
    emulator = cluster.emulator
    patients = Patients(emulator, catalogue, first_chat=10_000, count=40, messages=4)
    sent = patients.push_all()
    # two patients ask for a person: a French case lands in the French group, an English one
    # in the English group
    french, english = 20_001, 20_002
    emulator.push_text(french, "/human", language_code="fr")
    emulator.push_text(english, "/human", language_code="en")
    await patients.settle()
    assert patients.problems() == []
    assert patients.answered() == sent == 160

    topics = {}
    for group in (FR_GROUP, EN_GROUP):
        [pin] = await emulator.wait_for_calls("pinChatMessage", 1, chat_id=group, timeout=60)
        message = emulator.message(group, pin.params["message_id"])
        assert message is not None
        topics[group] = message["message_thread_id"]
    replies = (
        (FR_GROUP, french, "Bonjour, je suis Camille, je lis votre message."),
        (EN_GROUP, english, "Hello, I am Sam, I am reading your message."),
    )
    for group, patient, reply in replies:
        emulator.push_text(
            group, reply, user_id=AGENT, chat_type="supergroup", message_thread_id=topics[group]
        )
        await emulator.wait_until(
            lambda patient=patient, reply=reply: any(
                m.get("text") == reply for m in emulator.sent(patient)
            ),
            timeout=60,
            what="the agent's reply in the patient's chat",
        )
    await until_quiet(emulator, [french, english, FR_GROUP, EN_GROUP], quiet=3.0)
    for group, patient, reply in replies:
        assert len(emulator.calls("createForumTopic", chat_id=group)) == 1  # one case each
        assert [m.get("text") for m in emulator.sent(patient)].count(reply) == 1  # once
    # nginx spread the posts over both workers
    served = cluster.nginx.upstreams() if cluster.nginx else {}
    for worker in cluster.workers:
        assert served[f"127.0.0.1:{worker.port}"] > 0, served
