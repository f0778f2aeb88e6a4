"""The scam checker in the conversation: asked for by a button or /check, or answering a pasted
message with a flagged link; the pasted message is never stored, nor the addresses it held."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scam_flow import SCAM
from tests.engine_helpers import make_engine, say, stored
from tests.fake_parser import KeywordParser

SCAM_SMS = (
    "Bonjour Marie Lefort, ameli : votre remboursement de 48,50 EUR vous attend. "
    "Confirmez vos coordonnées sur https://ameli-remboursement-fr.com/d0ss1er avant 24h"
)
FRIEND = "coucou c'est Paul, on se voit toujours samedi pour le cinéma ?"


def texts(turn) -> list[str]:
    return [reply.text for reply in turn.replies]


def buttons(turn) -> list[str]:
    return [button.data for reply in turn.replies for button in reply.buttons]


async def test_the_phishing_answer_offers_a_check_and_the_next_message_is_checked(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, _ = make_engine(fake_nlu, sessions)
    answer = await say(engine, "j'ai reçu un sms bizarre, un refund")
    assert SCAM + "check" in buttons(answer)
    asked = await say(engine, button=SCAM + "check")
    assert "Collez ici le message suspect" in texts(asked)[0]
    verdict = await say(engine, FRIEND)  # no link, nothing asked: checked all the same
    assert "aucun des signes habituels" in texts(verdict)[0]
    assert "sûr" not in texts(verdict)[0]
    again = await say(engine, FRIEND)  # the check was for one message: back to the usual
    assert "aucun des signes habituels" not in " ".join(texts(again))


async def test_a_pasted_scam_with_a_link_gets_the_verdict_without_asking(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, _ = make_engine(fake_nlu, sessions)
    turn = await say(engine, SCAM_SMS)
    shown = texts(turn)[-1]  # after the welcome
    assert "arnaque" in shown and "ameli-remboursement-fr[.]com" in shown
    assert "33700" in shown
    rows = await stored(sessions, "SELECT direction, text, kind FROM messages ORDER BY id")
    everything = " ".join(text for _, text, _ in rows)
    assert ("in", "", "pasted") in rows  # that a message was checked, never the message
    assert "Lefort" not in everything and "remboursement-fr" not in everything
    assert "[…]" in everything  # the verdict is kept, its addresses left out


async def test_check_command_and_an_official_link_is_not_flagged_unasked(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, _ = make_engine(fake_nlu, sessions)
    plain = await say(engine, "le site cnil.fr explique comment porter plainte ?")
    assert all("arnaque" not in text for text in texts(plain))
    asked = await say(engine, "/check")
    assert "Collez ici le message suspect" in texts(asked)[0]
    verdict = await say(
        engine, "URGENT ameli: carte vitale expirée, frais 1,99€ sur bit.ly/cv-2026"
    )
    assert "arnaque" in texts(verdict)[0] or "suspect" in texts(verdict)[0]


async def test_a_crisis_pasted_while_a_check_is_awaited_gets_the_emergency_answer(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    engine, _ = make_engine(fake_nlu, sessions)
    await say(engine, "/check")
    turn = await say(engine, "je veux mourir, je vais me tuer ce soir")
    assert "3114" in texts(turn)[0]
    assert all("Ce que j'ai relevé" not in text for text in texts(turn))
