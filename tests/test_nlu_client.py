"""The NLU client against the real Rasa server, and against servers that fail."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from nlu.client import NLUClient, NLUUnavailable
from nlu.dataset import load_examples, normalize
from nlu.rasa import auth_token
from tests.conftest import free_port

# Phrases written for this test, absent from nlu/data (checked below), as patients would type them.
UNSEEN = [
    (
        "fr",
        "slt jai eu un texto ma carte vitale expire faut cliquer sur un lien c'est louche non",
        "phishing_report",
    ),
    (
        "fr",
        "je voudrais déposer plainte au commissariat pour cette fuite de mes données",
        "file_complaint",
    ),
    (
        "fr",
        "quelqu'un a pris un crédit conso en utilisant mon nom et mon numéro de sécu",
        "identity_theft",
    ),
    ("fr", "j'ai tapé mon code de carte bleue sur le faux site ameli hier soir", "scam_victim"),
    (
        "fr",
        "comment je fais pour savoir si mon dossier au labo faisait partie du fichier volé",
        "am_i_affected",
    ),
    ("fr", "je ne vois plus aucune raison de continuer à vivre", "crisis"),
    ("fr", "est ce que je pourrais avoir un vrai conseiller au bout du fil", "human_handoff"),
    (
        "fr",
        "ils menacent d'envoyer mes résultats VIH à ma famille si je paie pas 300 euros",
        "blackmail",
    ),
    (
        "en",
        "I got a text saying my health card needs renewing with a payment link, is it fake?",
        "phishing_report",
    ),
    ("en", "somebody took out a phone contract under my name", "identity_theft"),
    ("en", "how do I file a complaint with the French data protection authority", "cnil_complaint"),
    ("en", "I just want to die, I can't take this anymore", "crisis"),
    ("en", "could I speak with an actual person please", "human_handoff"),
]


def test_unseen_phrases_are_not_in_the_training_data() -> None:
    seen = {normalize(t) for by in load_examples().values() for ts in by.values() for t in ts}
    assert [text for _, text, _ in UNSEEN if normalize(text) in seen] == []


@pytest.mark.rasa
@pytest.mark.parametrize(("lang", "text", "intent"), UNSEEN, ids=[f"{u[0]}-{u[2]}" for u in UNSEEN])
async def test_unseen_phrase_lands_on_its_intent(
    rasa_url: str, lang: str, text: str, intent: str
) -> None:
    async with NLUClient(rasa_url, token=auth_token()) as client:
        result = await client.parse(text)
    assert result.intent == intent, (lang, text, result.ranking[:3])
    assert result.ranking[0].name == intent
    assert 0.0 < result.confidence <= 1.0


@pytest.mark.rasa
@pytest.mark.parametrize("text", ["", "   \n"])
async def test_empty_text_gives_a_fallback_result(rasa_url: str, text: str) -> None:
    async with NLUClient(rasa_url, token=auth_token()) as client:
        result = await client.parse(text)
    assert result.fell_back
    assert result.confidence == 0.0


@pytest.mark.rasa
async def test_huge_text_is_capped_and_classified(rasa_url: str) -> None:
    text = "j'ai reçu un SMS bizarre de l'ameli avec un lien. " * 400
    assert len(text) >= 20_000
    async with NLUClient(rasa_url, max_chars=1000, token=auth_token()) as client:
        result = await client.parse(text)
    assert len(result.text) == 1000
    assert result.intent == "phishing_report"


@pytest.mark.rasa
async def test_one_session_serves_many_concurrent_parses(rasa_url: str) -> None:
    async with NLUClient(rasa_url, token=auth_token()) as client:
        results = await asyncio.gather(*(client.parse("bonjour") for _ in range(20)))
    assert {r.intent for r in results} == {"greet"}


async def test_stopped_server_raises_nlu_unavailable() -> None:
    async with NLUClient(f"http://127.0.0.1:{free_port()}", timeout=2.0) as client:
        with pytest.raises(NLUUnavailable):
            await asyncio.wait_for(client.parse("bonjour"), timeout=5)


@pytest.fixture
async def misbehaving_server() -> AsyncIterator[str]:
    """A loopback server whose /slow never answers in time and whose /broken answers HTTP 500."""
    release = asyncio.Event()

    async def slow(_: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({})

    async def broken(_: web.Request) -> web.Response:
        return web.json_response({"status": "failure"}, status=500)

    async def not_json(_: web.Request) -> web.Response:
        return web.Response(text="<html>proxy error</html>", content_type="text/html")

    app = web.Application()
    app.router.add_post("/slow/model/parse", slow)
    app.router.add_post("/broken/model/parse", broken)
    app.router.add_post("/html/model/parse", not_json)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    release.set()
    await runner.cleanup()


async def test_hanging_server_raises_within_the_timeout(misbehaving_server: str) -> None:
    async with NLUClient(f"{misbehaving_server}/slow", timeout=0.5) as client:
        with pytest.raises(NLUUnavailable):
            # the outer bound is only a guard: the client's own timeout must fire first
            await asyncio.wait_for(client.parse("bonjour"), timeout=5)


@pytest.mark.parametrize("path", ["broken", "html"])
async def test_failing_server_raises_nlu_unavailable(misbehaving_server: str, path: str) -> None:
    async with NLUClient(f"{misbehaving_server}/{path}") as client:
        with pytest.raises(NLUUnavailable):
            await client.parse("bonjour")


@pytest.mark.rasa
async def test_the_nlu_server_answers_only_with_its_token(rasa_url: str) -> None:
    """Rasa's HTTP API can replace or delete the model: without the token, nothing."""
    if os.environ.get("HELPLINE_TEST_RASA_URL"):
        pytest.skip("a server started elsewhere, maybe without a token")
    async with NLUClient(rasa_url) as client, aiohttp.ClientSession() as http:
        with pytest.raises(NLUUnavailable):
            await client.parse("bonjour")
        async with http.delete(f"{rasa_url}/model") as response:
            assert response.status == 401
        async with http.put(f"{rasa_url}/model", json={"model_file": "/tmp/x.tar.gz"}) as response:
            assert response.status == 401
    async with NLUClient(rasa_url, token=auth_token()) as client:
        assert (await client.parse("bonjour")).intent == "greet"


def test_the_token_file_is_made_private_once(tmp_path: Path) -> None:
    path = tmp_path / "var" / "rasa-token"
    token = auth_token(path)
    assert len(token) >= 40 and auth_token(path) == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
