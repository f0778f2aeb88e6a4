"""The agents' desk as a service (bot/desk.py), without Telegram: availability, assignment by
load under the cap, the queue, hand-backs, response-time targets on an injected clock, and the
break suggested after heavy cases. The keyword parser in place of the NLU server, a real SQLite
file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.desk import DeskPolicy
from bot.engine import Engine
from bot.escalation import Escalations
from bot.hours import OpeningHours
from bot.sla import parse_first_reply
from bot.telegram.group_delivery import GroupDelivery
from storage.cases import OutboxRepository
from storage.models import Case
from storage.outbox import AgentDM
from tests.engine_helpers import ALWAYS, CATALOGUE, say, stored
from tests.fake_parser import KeywordParser

A, B = 7001, 7002
AGENTS = -1001000
CRISIS = "je veux mourir"
BLACKMAIL = "on me fait du chantage avec mes résultats, ils veulent de l'argent"


class Desk:
    """An engine with the agents' team behind it, on a clock the test moves."""

    def __init__(
        self,
        nlu: KeywordParser,
        sessions: async_sessionmaker[AsyncSession],
        hours: OpeningHours = ALWAYS,
        **policy: Any,
    ) -> None:
        self.clock = [datetime.now(UTC)]
        self.sessions = sessions
        self.escalations = Escalations(
            CATALOGUE, sessions, hours, now=lambda: self.clock[0], desk=DeskPolicy(**policy)
        )
        self.desk = self.escalations.desk
        self.engine = Engine(CATALOGUE, nlu, sessions, threshold=0.3, handoff=self.escalations)

    async def case(self, chat: str, text: str = "/human") -> None:
        await say(self.engine, text, chat=chat)

    async def later(self, **delta: float) -> int:
        """Move the clock on and run the scheduled check; how many targets were missed."""
        self.clock[0] += timedelta(**delta)
        return await self.desk.check()

    async def assigned(self) -> list[tuple[int, int | None]]:
        return await stored(self.sessions, "SELECT id, assigned_agent_id FROM cases ORDER BY id")

    async def said(self, kind: str = "announce", case_id: int | None = None) -> list[str]:
        rows = await stored(self.sessions, "SELECT case_id, kind, payload FROM agent_outbox")
        return [
            json.loads(payload)["text"]
            for case, row_kind, payload in rows
            if row_kind == kind and (case_id is None or case == case_id)
        ]


@pytest.fixture
def desk(fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]) -> Desk:
    return Desk(fake_nlu, sessions, max_cases=2)


async def test_a_new_case_goes_to_the_available_agent_with_the_fewest_cases_under_the_cap(
    desk: Desk,
) -> None:
    await desk.case("1")  # nobody available yet: it waits
    await desk.desk.set_available(A, "@alice", True)  # and goes to the first one who is
    await desk.desk.set_available(B, "Bob", True)
    for chat in "2345":
        await desk.case(chat)
    assert await desk.assigned() == [(1, A), (2, B), (3, A), (4, B), (5, None)]  # cap: 2
    general = await desk.said()
    assert "✅ @alice est disponible (dossiers en cours : 0)." in general
    assert "📌 C-00001 (⚪ normal, FR) → @alice" in general
    assert "📌 C-00005" not in " ".join(general)
    async with desk.sessions() as session:
        case = await session.get(Case, 3)
        assert case is not None
        card, _ = await desk.escalations.card(session, case)
        queued = await session.get(Case, 5)
        assert queued is not None
        queued_card, _ = await desk.escalations.card(session, queued)
    assert "Attribué à : @alice" in card.splitlines()
    assert "Attribué à : personne (dans la file)" in queued_card.splitlines()
    # an assigned case waits for its agent to take it up: the patient is not told anything yet
    assert await stored(desk.sessions, "SELECT DISTINCT status FROM cases") == [("waiting",)]


async def test_the_queue_is_served_urgent_first_then_oldest_as_slots_free(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    desk = Desk(fake_nlu, sessions, max_cases=1)
    await desk.desk.set_available(A, "@alice", True)
    await desk.case("1")
    await desk.case("2")
    await desk.case("3")
    await desk.case("4", CRISIS)  # urgent, but the latest
    assert await desk.assigned() == [(1, A), (2, None), (3, None), (4, None)]
    await desk.escalations.close(1)
    assert (await desk.assigned())[3] == (4, A)  # urgent first
    await desk.escalations.close(4, confirmed=True)
    assert await desk.assigned() == [(1, A), (2, A), (3, None), (4, A)]  # then the oldest


async def test_away_hands_back_the_cases_whose_patient_waits_and_another_agent_gets_them(
    desk: Desk,
) -> None:
    await desk.desk.set_available(A, "@alice", True)
    await desk.case("1")
    await desk.case("2")
    await desk.escalations.agent_message(2, A, "Bonjour, je suis là.", "text")  # her last word
    await desk.desk.set_available(A, "@alice", False)
    assert await desk.assigned() == [(1, None), (2, A)]
    assert "↩️ @alice n'est plus disponible : le dossier retourne dans la file." in (
        await desk.said("text", 1)
    )
    assert "💤 @alice n'est plus disponible. Retour dans la file : C-00001." in await desk.said()
    await desk.desk.set_available(B, "Bob", True)
    assert await desk.assigned() == [(1, B), (2, A)]
    # the patient of case 2 writes while she is away: past the next-reply target, it goes too
    await say(desk.engine, "vous êtes là ?", chat="2", message_id=5)
    assert await desk.later(minutes=30) == 0
    assert await desk.later(minutes=31) == 1
    assert await desk.assigned() == [(1, B), (2, B)]
    assert await stored(desk.sessions, "SELECT status FROM cases WHERE id = 2") == [("waiting",)]


async def test_release_puts_the_case_back_and_not_back_to_the_same_agent(desk: Desk) -> None:
    await desk.desk.set_available(A, "@alice", True)
    await desk.case("1")
    await desk.escalations.take(1, A, "@alice")
    await desk.desk.release(1, A, "@alice")
    assert await desk.assigned() == [(1, None)]  # she is the only one: it waits
    assert "↩️ @alice a remis le dossier dans la file." in await desk.said("text", 1)
    await desk.desk.set_available(B, "Bob", True)
    assert await desk.assigned() == [(1, B)]


async def test_assign_by_name_or_by_reply_and_unknown_names(desk: Desk) -> None:
    await desk.case("1")
    await desk.desk.seen(B, "@bob")
    await desk.desk.assign(1, "@alice", user_id=None, name="bob")  # "@" optional, any case
    assert await desk.assigned() == [(1, B)]
    await desk.desk.assign(1, "@bob", user_id=A, name="@alice")  # a reply to her message
    assert await desk.assigned() == [(1, A)]
    await desk.desk.assign(1, "@alice", user_id=None, name="@carol")
    await desk.desk.say_usage(1)
    topic = await desk.said("text", 1)
    assert topic[:2] == [
        "📌 Dossier attribué à @bob par @alice.",
        "📌 Dossier attribué à @alice par @bob.",
    ]
    assert "Je ne connais aucun agent nommé « @carol »" in topic[2]
    assert topic[3].startswith("Usage : /assign @agent")
    assert await desk.assigned() == [(1, A)]
    await desk.escalations.close(1)
    await desk.desk.assign(1, "@alice", user_id=B, name="@bob")  # closed: nothing moves
    assert await desk.assigned() == [(1, A)]


async def test_a_missed_first_reply_is_recalled_once_raises_the_priority_and_counts(
    desk: Desk,
) -> None:
    await desk.case("1")
    assert await desk.later(minutes=239) == 0
    assert await desk.later(minutes=2) == 1
    [recall] = [t for t in await desk.said() if t.startswith("⏱")]
    assert recall.startswith("⏱ C-00001 (⚪ normal, FR) : pas de première réponse après 241 min")
    assert recall.endswith("Priorité relevée : 🟠 prioritaire.")
    assert await desk.later(minutes=60) == 0  # the high target passed too: still one breach
    rows = await stored(desk.sessions, "SELECT priority, sla_breaches FROM cases")
    assert rows == [("high", 1)]
    [(breached,)] = await stored(desk.sessions, "SELECT breached_at FROM cases")
    assert breached.startswith(f"{desk.clock[0] - timedelta(minutes=60):%Y-%m-%d %H:%M}")


async def test_a_wait_out_of_opening_hours_is_not_late(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    hours = OpeningHours.parse("mon-fri 09:00-18:00", "Europe/Paris")
    desk = Desk(fake_nlu, sessions, hours)
    await desk.case("1")
    async with sessions() as session, session.begin():
        case = await session.get(Case, 1)
        assert case is not None
        case.opened_at = datetime(2026, 11, 27, 16, 0)  # Friday 17:00 in Paris
    desk.clock[0] = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 11:00: 3 h open
    assert await desk.desk.check() == 0
    assert await desk.later(minutes=61) == 1  # Monday 12:01: 4 h 01 open


async def test_an_agent_who_never_took_up_a_case_in_time_is_presumed_away(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    desk = Desk(fake_nlu, sessions, first_reply=parse_first_reply("urgent=5,high=30,normal=60"))
    await desk.desk.set_available(A, "@alice", True)
    await desk.case("1")
    async with sessions() as session, session.begin():
        case = await session.get(Case, 1)
        assert case is not None
        case.opened_at -= timedelta(minutes=20)
    await desk.case("2")
    await desk.case("3")
    await desk.escalations.take(3, A, "@alice")  # taken up: stays hers whatever happens to 1
    await desk.desk.set_available(B, "Bob", True)  # the fewest cases: the next ones are his
    assert await desk.assigned() == [(1, A), (2, A), (3, A)]
    assert await desk.later(minutes=41) == 1
    assert await desk.assigned() == [(1, B), (2, B), (3, A)]
    assert await stored(desk.sessions, "SELECT user_id, available FROM agents") == [
        (A, 0),
        (B, 1),
    ]
    assert any(
        t.startswith("💤 @alice n'a pas pris en charge C-00001 dans le délai")
        and t.endswith("Retour dans la file : C-00001, C-00002.")
        for t in await desk.said()
    )
    assert "↩️ Délai de réponse dépassé : le dossier retourne dans la file." in await desk.said(
        "text", 1
    )


async def test_past_the_heavy_case_threshold_an_agent_is_spared_and_offered_a_break_once(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    desk = Desk(fake_nlu, sessions, heavy_per_shift=1)
    await desk.desk.set_available(B, "Bob", True)
    await desk.case("1")
    await desk.case("2")
    await desk.desk.set_available(A, "@alice", True)
    await desk.case("3", CRISIS)  # to her: she has fewer cases
    await desk.case("4", BLACKMAIL)  # to him although she still has fewer: she had her share
    await desk.case("5")  # an ordinary case: her again
    assert await desk.assigned() == [(1, B), (2, B), (3, A), (4, B), (5, A)]
    dms = await break_suggestions(desk)
    assert [dm["user_id"] for dm in dms] == [A, B]
    private, general = dms[0]["text"], dms[0]["fallback"]
    assert private.startswith("Bonjour @alice, vous avez suivi des situations de crise ou de")
    assert "(1 depuis le début de votre service)" in private
    assert general.startswith("💛 @alice, plusieurs situations difficiles")
    assert "C-0000" not in private + general  # no case named, above all not in General
    await desk.later(minutes=1)
    assert len(await break_suggestions(desk)) == 2  # once per shift
    # a break starts a new shift: her count starts again
    await desk.desk.set_available(A, "@alice", False)
    desk.clock[0] += timedelta(minutes=15)
    await desk.desk.set_available(A, "@alice", True)
    await desk.case("6", CRISIS)
    assert (await desk.assigned())[5] == (6, A)


async def test_a_case_that_turns_heavy_after_it_was_given_counts_at_the_next_check(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    desk = Desk(fake_nlu, sessions, heavy_per_shift=1)
    await desk.desk.set_available(A, "@alice", True)
    await desk.case("1")
    assert await break_suggestions(desk) == []
    await say(desk.engine, CRISIS, chat="1", message_id=3)  # within the case: raised, flagged
    await desk.later(seconds=1)
    assert [dm["user_id"] for dm in await break_suggestions(desk)] == [A]


async def test_the_break_suggestion_goes_privately_else_to_general(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        outbox = OutboxRepository(session)
        await outbox.add_general(AgentDM(A, "privately", "in general"))
        await outbox.add_general(AgentDM(B, "privately", "in general"))
    delivery = GroupDelivery(Escalations(CATALOGUE, sessions, ALWAYS), sessions, AGENTS)
    bot = PrivateChats(started={A})
    while await delivery.deliver_one(bot):  # type: ignore[arg-type]
        pass
    assert bot.sent == [(A, "privately"), (AGENTS, "in general")]


async def break_suggestions(desk: Desk) -> list[dict[str, Any]]:
    rows = await stored(
        desk.sessions, "SELECT case_id, payload FROM agent_outbox WHERE kind = 'agent_dm'"
    )
    assert all(case is None for case, _ in rows)  # about no case
    return [json.loads(payload) for _, payload in rows]


class PrivateChats:
    """Answers like Telegram: a user who never started the bot cannot be written to."""

    def __init__(self, started: set[int]) -> None:
        self.started = started
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **kw: Any) -> Any:
        if chat_id > 0 and chat_id not in self.started:
            method = SendMessage(chat_id=chat_id, text=text)
            raise TelegramForbiddenError(method, "Forbidden: bot can't initiate conversation")
        self.sent.append((chat_id, text))
        return type("Sent", (), {"message_id": len(self.sent)})()
