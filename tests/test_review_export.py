"""NLU inbox annotations exported as Rasa NLU data: consenting patients only, nothing Rasa would
read differently, nothing that would put one sentence under two intents; Rasa accepts the file
merged into the training data (`rasa data validate --fail-on-warnings`)."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.settings import get_settings
from nlu import rasa
from nlu.dataset import load_examples
from review.auth import add_user, authenticate
from review.export import export_nlu
from review.queries.annotations import AnnotationError, annotate
from review.queries.inbox import inbox
from storage.models import Message
from storage.repositories import MessageRepository, PatientRepository

INTENTS = rasa.intents_from_domain()
KNOWN_FR = load_examples()["fr"]["greet"][0]


async def write(
    sessions: async_sessionmaker[AsyncSession],
    chat_id: str,
    consent: bool,
    texts: list[tuple[str, str, float]],
) -> list[int]:
    async with sessions() as session, session.begin():
        patient, _ = await PatientRepository(session).get_or_create("telegram", chat_id, "fr")
        patient.consent_improve = consent
        ids = []
        for text, intent, confidence in texts:
            MessageRepository(session).add(
                patient, "in", text, intent=intent, confidence=confidence
            )
            ids.append(await session.scalar(select(func.max(Message.id))))
        return ids


async def annotated_database(sessions: async_sessionmaker[AsyncSession]) -> None:
    consenting = await write(
        sessions,
        "1",
        True,
        [
            ("je crois que zorglub a vu mes résultats d'analyse", "nlu_fallback", 0.2),
            ("mon voisin zorglub a reçu un sms bizarre de la sécu", "phishing_report", 0.41),
            ("zorglub zorglub", "nlu_fallback", 0.1),
            ("[clique ici](phishing_report) zorglub", "nlu_fallback", 0.1),
            (KNOWN_FR, "nlu_fallback", 0.2),
            ("quelqu'un   zorglub a pris\nmon identité", "nlu_fallback", 0.25),
        ],
    )
    other_consenting = await write(
        sessions, "2", True, [("Quelqu'un zorglub a pris mon identité !", "scam_victim", 0.35)]
    )
    refusing = await write(
        sessions, "3", False, [("mon dossier zorglub est sur le darknet ?", "nlu_fallback", 0.2)]
    )
    verdicts = [
        (consenting[0], "relabel", "sensitive_data_exposed"),
        (consenting[1], "correct", None),
        (consenting[2], "discard", None),
        (consenting[3], "relabel", "phishing_report"),
        (consenting[4], "relabel", "greet"),
        (consenting[5], "relabel", "identity_theft"),
        (other_consenting[0], "correct", None),  # scam_victim: conflicts with the one above
        (refusing[0], "relabel", "leak_details"),
    ]
    async with sessions() as session, session.begin():
        for message_id, verdict, intent in verdicts:
            await annotate(session, message_id, verdict, intent, "rita", INTENTS)


async def test_export_keeps_consenting_patients_only_and_what_rasa_reads_as_written(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await annotated_database(sessions)
    async with sessions() as session:
        exported = await export_nlu(session)
    assert exported.examples == {
        "phishing_report": ["mon voisin zorglub a reçu un sms bizarre de la sécu"],
        "sensitive_data_exposed": ["je crois que zorglub a vu mes résultats d'analyse"],
    }
    assert "darknet" not in exported.yaml  # the patient said no
    assert (exported.skipped_known, exported.skipped_conflict, exported.skipped_syntax) == (1, 1, 1)
    data = yaml.safe_load(exported.yaml)
    assert data["version"] == "3.1"
    assert data["nlu"] == [
        {
            "intent": "phishing_report",
            "examples": "- mon voisin zorglub a reçu un sms bizarre de la sécu\n",
        },
        {
            "intent": "sensitive_data_exposed",
            "examples": "- je crois que zorglub a vu mes résultats d'analyse\n",
        },
    ]


async def test_export_redacts_again_once_the_spaces_are_squeezed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Export squeezes spaces: a NIR spaced out with NBSP in a row stored before the redaction
    knew NBSP, or spaced wider than redaction looks, must not come out a clean number."""
    [before_the_fix, wide] = await write(
        sessions,
        "9",
        True,
        [
            ("zorglub mon numéro a fuité", "nlu_fallback", 0.2),
            ("zorglub 2    94    03    2A    123    456    92 perdu", "nlu_fallback", 0.2),
        ],
    )
    raw = "zorglub mon numéro 1\u00a085\u00a005\u00a075\u00a0123\u00a0456\u00a073 a fuité"
    async with sessions() as session, session.begin():
        await session.execute(update(Message).where(Message.id == before_the_fix).values(text=raw))
        for message_id in (before_the_fix, wide):
            await annotate(
                session, message_id, "relabel", "sensitive_data_exposed", "rita", INTENTS
            )
    async with sessions() as session:
        exported = await export_nlu(session)
    assert exported.examples["sensitive_data_exposed"] == [
        "zorglub <NIR> perdu",
        "zorglub mon numéro <NIR> a fuité",
    ]
    assert not re.search(r"\d", "".join(yaml.safe_load(exported.yaml)["nlu"][0]["examples"]))


async def test_consent_given_later_brings_the_examples_in(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await annotated_database(sessions)
    async with sessions() as session, session.begin():
        patient, _ = await PatientRepository(session).get_or_create("telegram", "3")
        patient.consent_improve = True
    async with sessions() as session:
        exported = await export_nlu(session)
    assert exported.examples["leak_details"] == ["mon dossier zorglub est sur le darknet ?"]


async def test_annotations_are_checked_and_leave_the_inbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    [fallback, low, _sure] = await write(
        sessions,
        "7",
        True,
        [
            ("zorglub ?", "nlu_fallback", 0.2),
            ("zorglub fuite", "leak_details", 0.45),
            ("zorglub merci", "thanks", 0.97),
        ],
    )
    async with sessions() as session, session.begin():
        todo = [i.message_id for i in await inbox(session, 0.3, 0.5)]
        assert todo == [low, fallback]  # newest first; the confident one is not there
        with pytest.raises(AnnotationError):  # nothing to confirm on a fallback
            await annotate(session, fallback, "correct", None, "rita", INTENTS)
        with pytest.raises(AnnotationError):
            await annotate(session, fallback, "relabel", "not_an_intent", "rita", INTENTS)
        with pytest.raises(AnnotationError):
            await annotate(session, 999_999, "discard", None, "rita", INTENTS)
        await annotate(session, fallback, "relabel", "what_to_do", "rita", INTENTS)
        await annotate(session, fallback, "relabel", "help", "sam", INTENTS)  # changed mind
        assert [i.message_id for i in await inbox(session, 0.3, 0.5)] == [low]
        [done] = await inbox(session, 0.3, 0.5, done=True)
    assert (done.message_id, done.annotation) == (fallback, "relabel: help")


@pytest.mark.rasa  # Rasa's own `data validate`, in .venv-rasa
async def test_export_merged_into_the_training_data_passes_rasa_validate(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await annotated_database(sessions)
    async with sessions() as session:
        exported = await export_nlu(session)
    data = tmp_path / "data"
    shutil.copytree(rasa.DATA_DIR, data)
    (data / "fr" / "review-export.yml").write_text(exported.yaml, encoding="utf-8")
    completed = await asyncio.to_thread(rasa.validate_data, data)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    # and the project's own reader sees the new examples where they belong
    merged = load_examples(data)["fr"]
    assert "mon voisin zorglub a reçu un sms bizarre de la sécu" in merged["phishing_report"]


async def test_cli_export_nlu_writes_the_file(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await annotated_database(sessions)
    bind = sessions.kw["bind"]
    monkeypatch.setenv("DATABASE_URL", str(bind.url))
    get_settings.cache_clear()
    out = tmp_path / "export.yml"
    try:
        assert await asyncio_to_thread(main, ["review", "export-nlu", "--out", str(out)]) == 0
    finally:
        get_settings.cache_clear()
    async with sessions() as session:
        assert out.read_text(encoding="utf-8") == (await export_nlu(session)).yaml


async def test_cli_add_user_reads_the_password_from_stdin(
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bind = sessions.kw["bind"]
    monkeypatch.setenv("DATABASE_URL", str(bind.url))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    get_settings.cache_clear()
    try:
        args = ["review", "add-user", "nora", "--role", "supervisor", "--password-stdin"]
        assert await asyncio_to_thread(main, args) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
        assert await asyncio_to_thread(main, [*args[:2], "nina", *args[3:]]) == 1
    finally:
        get_settings.cache_clear()
    assert "at least 12 characters" in capsys.readouterr().err
    async with sessions() as session:
        user = await authenticate(session, "nora", "a long enough password")
        assert user is not None and user.role == "supervisor"
        assert await authenticate(session, "nora", "a long enough passwor") is None
        # names are unique
        with pytest.raises(ValueError, match="exists already"):
            await add_user(session, "nora", "reviewer", "another long password")


async def asyncio_to_thread(function: object, argv: list[str]) -> int:
    """The CLI runs its own event loop: call it from a thread."""
    assert callable(function)
    return int(await asyncio.to_thread(function, argv))
