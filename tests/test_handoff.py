"""The engine's one question about its setting: who answers when a person is needed. Without a
team (the console, or no agents' group) no case opens and no person is promised; with one, the
same turn opens a case and says so."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import Engine
from bot.escalation import Escalations
from bot.handoff import Handoff, NoTeam
from tests.engine_helpers import CATALOGUE, make_engine, say, stored
from tests.fake_parser import KeywordParser


def test_both_settings_answer_the_same_questions() -> None:
    names = {n for n in vars(Handoff) if not n.startswith("_")}
    for handoff in (NoTeam, Escalations):
        assert names <= set(dir(handoff)), handoff


async def test_without_a_team_nothing_opens_and_nobody_is_promised(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine = Engine(CATALOGUE, fake_nlu, sessions, threshold=0.3)  # NoTeam, the default
    crisis = await say(engine, "je ne vois plus aucune raison de continuer")
    # the emergency answer and no promise of a person, then the privacy notice
    assert [r.text for r in crisis.replies][-2] == CATALOGUE.phrase("crisis_no_team", "fr")
    human = await say(engine, "/human")
    assert human.replies[-1].text == CATALOGUE.phrase("no_team", "fr")
    assert await stored(sessions, "SELECT count(*) FROM cases") == [(0,)]
    rated = await say(engine, button="sat:5")  # no case was ever closed: nothing to rate
    assert rated.replies[-1].text == CATALOGUE.phrase("rate_stale", "fr")


async def test_with_the_team_the_same_turn_opens_a_case(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, _ = make_engine(fake_nlu, sessions)
    crisis = await say(engine, "je ne vois plus aucune raison de continuer")
    assert CATALOGUE.answer("crisis", "fr").text in [r.text for r in crisis.replies]
    assert await stored(sessions, "SELECT reason, priority FROM cases") == [("crisis", "urgent")]
