"""Faults under load in the deployment of deploy/README.md (tests/cluster_helpers.py): a worker
killed, an NLU server killed, PostgreSQL restarted, the worker delivering an agents' group's
outbox killed. In each: no update lost, none answered twice, each patient's order kept
(tests/cluster_traffic_helpers.py reads it from the emulator's record of what was sent)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator

import pytest

from nlu.rasa import RasaServer, intents_from_domain
from responses import Catalogue, load_catalogue
from tests.cluster_helpers import FR_GROUP, Cluster, cluster_with_two_nlu_servers
from tests.cluster_traffic_helpers import Patients, until_quiet

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

PATIENTS, MESSAGES = 40, 4
HIT_AFTER = 30  # answers sent before the fault: it strikes with most of the load still to come
# seconds before a kill -9 in which a message Telegram accepted may not be marked sent yet: the
# worker reads the answer, then deletes the delivery's row (a pooled connection, under load)
IN_FLIGHT = 1.0


@pytest.fixture(scope="module")
async def running(
    rasa_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Cluster, RasaServer]]:
    logs = tmp_path_factory.mktemp("cluster")
    async with cluster_with_two_nlu_servers(
        rasa_url, logs, AGENTS_RATE_LIMIT="1", AGENTS_RATE_WINDOW="0.3"
    ) as started:
        yield started


@pytest.fixture
async def cluster(running: tuple[Cluster, RasaServer]) -> Cluster:
    """The module's cluster with every worker up (a test before may have killed one)."""
    cluster = running[0]
    if dead := [worker.number for worker in cluster.workers if not worker.alive]:
        await cluster.start_workers(*dead)
    return cluster


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(intents_from_domain())


async def test_a_worker_killed_under_load_loses_and_repeats_nothing(
    cluster: Cluster, catalogue: Catalogue
) -> None:
    patients = Patients(cluster.emulator, catalogue, 30_000, PATIENTS, MESSAGES)
    patients.push_all()
    await patients.wait_answered(HIT_AFTER)
    cluster.kill_worker(0)
    killed_at = time.monotonic()
    assert patients.answered() < patients.total  # killed with work in flight
    await patients.settle()
    # what Telegram accepted in the instant before the kill may go twice, nothing else
    in_flight = patients.sent_between(killed_at - IN_FLIGHT, killed_at)
    assert patients.problems(repeatable=in_flight) == []
    assert cluster.workers[1].alive
    await cluster.start_worker(0)  # it comes back on its port and serves again
    again = Patients(cluster.emulator, catalogue, 31_000, 10, 2)
    again.push_all()
    await again.settle()
    assert again.problems() == []


async def test_postgresql_restarted_under_load_workers_reconnect(
    cluster: Cluster, catalogue: Catalogue
) -> None:
    patients = Patients(cluster.emulator, catalogue, 50_000, PATIENTS, MESSAGES)
    patients.push_all()
    await patients.wait_answered(HIT_AFTER)
    await asyncio.to_thread(cluster.postgres.restart)  # pg_ctl restart -m fast
    assert patients.answered() < patients.total
    await patients.settle()
    assert patients.problems() == []
    assert all(worker.alive for worker in cluster.workers)


async def test_the_worker_delivering_a_groups_outbox_killed_another_takes_over_nothing_twice(
    cluster: Cluster, catalogue: Catalogue
) -> None:
    """The group is paced to one request per 0.3 s here, so a backlog forms. The holder of the
    group's outbox lock is killed between two rows: a row sent and not yet deleted when its
    worker dies is sent again by design (at least once, bot/telegram/group_delivery.py)."""
    from storage.job_locks import JOB_SPACE
    from storage.workers import lock_key  # issue 18 (B): the outbox's lock

    emulator, key = cluster.emulator, lock_key(f"outbox:{FR_GROUP}")
    cases = range(60_000, 60_004)
    words = ("pomme", "poire", "prune", "cerise")
    for chat in cases:
        emulator.push_text(chat, "/human", language_code="fr")
    await emulator.wait_for_calls("createForumTopic", len(cases), chat_id=FR_GROUP, timeout=90)
    relayed = {f"ma question {word} {chat - 60_000}": chat for chat in cases for word in words}
    for text, chat in relayed.items():
        emulator.push_text(chat, text, language_code="fr")

    async def backlog() -> set[int]:
        query = "SELECT id FROM agent_outbox WHERE group_chat_id = $1 OR group_chat_id IS NULL"
        return {row[0] for row in await cluster.rows(query, FR_GROUP)}

    pending = set()
    for _ in range(500):  # the relays queue up in the group's outbox
        if len(pending := await backlog()) >= 8:
            break
        await asyncio.sleep(0.02)
    assert len(pending) >= 8, "no backlog formed"
    holder = await cluster.lock_holder(JOB_SPACE, key)
    assert holder is not None, "no worker holds the group's outbox lock"
    for _ in range(3000):  # until the holder finished a row: it is between two rows then
        if not pending <= await backlog():
            break
        await asyncio.sleep(0.01)
    cluster.kill_worker(holder.number)

    def in_group() -> list[str]:
        """The patients' texts as relayed into their topics (the bot's "💬 ..." messages)."""
        texts = [m.get("text", "") for m in emulator.sent(FR_GROUP)]
        return [text.removeprefix("💬 ") for text in texts if text.startswith("💬 ")]

    await emulator.wait_until(
        lambda: set(relayed) <= set(in_group()),
        timeout=120,
        what="every relayed message in the group",
    )
    await until_quiet(emulator, [FR_GROUP], quiet=3.0)
    assert sorted(in_group()) == sorted(relayed)  # each once
    assert len(emulator.calls("createForumTopic", chat_id=FR_GROUP)) == len(cases)
    assert len(emulator.calls("pinChatMessage", chat_id=FR_GROUP)) == len(cases)  # one card each
    survivor = await cluster.lock_holder(JOB_SPACE, key)
    assert survivor is not None and survivor.number != holder.number
    assert not await backlog()


async def test_an_nlu_server_killed_under_load_parsing_goes_on(
    running: tuple[Cluster, RasaServer], cluster: Cluster, catalogue: Catalogue
) -> None:
    """Last in the module: the killed NLU server stays down (nlu/pool.py skips it)."""
    extra = running[1]
    patients = Patients(cluster.emulator, catalogue, 40_000, PATIENTS, MESSAGES)
    patients.push_all()
    await patients.wait_answered(HIT_AFTER)
    assert extra.pid is not None
    os.kill(extra.pid, signal.SIGKILL)
    assert patients.answered() < patients.total
    await patients.settle()
    assert patients.problems() == []  # every answer the model's, no topic menu
