"""Engine conversations on a real SQLite file, with the keyword parser (tests/fake_parser.py) in
place of the NLU server: what the model reads is tested against the real server in
test_nlu_client.py, test_crisis.py and test_fake_parser.py (the model reads these tests' messages
as the fake does)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import Engine, Incoming, Turn
from bot.letters_flow import LETTER
from bot.safety import Risk, read
from bot.scam_flow import SCAM
from nlu.client import NLUClient
from tests.engine_helpers import CATALOGUE, make_engine, stored
from tests.fake_parser import KeywordParser
from tests.postgres_helpers import free_port


@pytest.fixture
def engine(fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]) -> Engine:
    """The engine as deployed with an agents' group: the team answers, cases open."""
    return make_engine(fake_nlu, sessions)[0]


async def say(
    engine: Engine,
    text: str = "",
    *,
    button: str | None = None,
    lang: str | None = None,
    chat: str = "100",
) -> Turn:
    return await engine.handle(Incoming("test", chat, text, button, lang))


def answer_text(intent: str, language: str) -> str:
    return CATALOGUE.answer(intent, language).text


def case_opened(number: int, position: int = 1) -> str:
    """What a patient is told when their case opens (the team answers at any hour here)."""
    return CATALOGUE.phrase("case_opened", "fr", number=f"C-{number:05d}", position=str(position))


async def test_first_contact_gets_the_privacy_notice_then_the_answer(engine: Engine) -> None:
    turn = await say(engine, "bonjour")
    assert turn.language == "fr"
    assert turn.replies[0].text == CATALOGUE.phrase("welcome", "fr")
    assert "90" in turn.replies[0].text and "/delete" in turn.replies[0].text
    assert turn.replies[1].text == answer_text("greet", "fr")
    again = await say(engine, "bonjour")
    assert [r.text for r in again.replies] == [answer_text("greet", "fr")]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("j'ai reçu un sms soi-disant de l'ameli qui demande ma carte bancaire", "phishing_report"),
        ("je veux porter plainte contre le labo au commissariat", "file_complaint"),
        ("comment je sais si mes données sont dans la fuite ?", "am_i_affected"),
    ],
)
async def test_french_questions_get_their_answer_with_buttons(
    engine: Engine, text: str, intent: str
) -> None:
    turn = await say(engine, text)
    reply = turn.replies[-1]
    assert reply.text == answer_text(intent, "fr")
    assert 2 <= len(reply.buttons) <= 5
    # topics, a person, the scam check under the phishing answer, a letter under the complaint
    assert all(b.data.startswith(("t:", SCAM, LETTER)) or b.data == "person" for b in reply.buttons)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I got an email saying I'm owed a health refund, is it a scam?", "phishing_report"),
        ("how do I complain to the CNIL about this", "cnil_complaint"),
        ("someone opened a bank account in my name", "identity_theft"),
    ],
)
async def test_english_client_gets_english_answers(engine: Engine, text: str, intent: str) -> None:
    turn = await say(engine, text, lang="en-GB")
    assert turn.language == "en"
    assert turn.replies[-1].text == answer_text(intent, "en")


async def test_identity_theft_answer_offers_a_person(engine: Engine) -> None:
    turn = await say(engine, "quelqu'un a ouvert un crédit à mon nom")
    assert "person" in {b.data for b in turn.replies[-1].buttons}


async def test_low_confidence_asks_did_you_mean_then_offers_a_person(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    strict = Engine(CATALOGUE, fake_nlu, sessions, threshold=1.01)  # every parse falls short
    first = await say(strict, "euh je sais pas trop en fait")
    assert first.replies[-1].text == CATALOGUE.phrase("did_you_mean", "fr")
    data = [b.data for b in first.replies[-1].buttons]
    assert data[-1] == "person" and 1 <= len([d for d in data if d.startswith("t:")]) <= 2
    second = await say(strict, "bof")
    assert second.replies[-1].text == CATALOGUE.phrase("offer_person", "fr")
    assert second.replies[-1].buttons[0].data == "person"


async def test_a_good_answer_resets_the_fallback_rounds(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    strict = Engine(CATALOGUE, fake_nlu, sessions, threshold=1.01)
    await say(strict, "euh")
    await say(Engine(CATALOGUE, fake_nlu, sessions), "je veux porter plainte")
    turn = await say(strict, "bof")
    assert turn.replies[-1].text == CATALOGUE.phrase("did_you_mean", "fr")


async def test_crisis_through_the_safety_net_while_the_nlu_is_down(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with NLUClient(f"http://127.0.0.1:{free_port()}", timeout=0.5) as down:
        engine = make_engine(down, sessions)[0]
        for message in ["J'AI ENVIE D'EN FINIR", "i want to kill myself"]:
            turn = await say(engine, message, chat=message)
            crisis = turn.replies[0]  # before the first-contact notice
            assert crisis.text == answer_text("crisis", turn.language)
            assert [(e.reason, e.priority) for e in turn.escalations] == [("crisis", "urgent")]


async def test_crisis_from_the_model_also_escalates(engine: Engine) -> None:
    message = "je ne vois plus aucune raison de continuer"
    assert read(message).risk < Risk.CLEAR  # the keyword net alone would not raise the alarm
    turn = await say(engine, message)
    # the emergency numbers at once, the case, then the new patient's privacy notice
    assert [r.text for r in turn.replies] == [
        answer_text("crisis", "fr"),
        case_opened(1),
        CATALOGUE.phrase("welcome", "fr"),
    ]
    assert turn.escalations[0].priority == "urgent"


async def test_degraded_mode_when_the_nlu_is_down(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with NLUClient(f"http://127.0.0.1:{free_port()}", timeout=0.5) as down:
        turn = await say(Engine(CATALOGUE, down, sessions), "j'ai reçu un sms bizarre")
    reply = turn.replies[-1]
    assert reply.text == CATALOGUE.phrase("nlu_down", "fr")
    assert "person" in {b.data for b in reply.buttons} and len(reply.buttons) >= 4


async def test_blackmail_opens_an_urgent_escalation(engine: Engine) -> None:
    turn = await say(
        engine, "un type menace de dire à mon patron que je suis séropo si je paie pas"
    )
    assert [r.text for r in turn.replies[-3:]] == [
        answer_text("blackmail", "fr"),
        case_opened(1),
        CATALOGUE.phrase("case_urgent", "fr"),
    ]
    assert [(e.reason, e.priority) for e in turn.escalations] == [("blackmail", "urgent")]


async def test_handoff_by_text_asks_confirmation_then_escalates(engine: Engine) -> None:
    ask = await say(engine, "je voudrais parler à un humain svp")
    assert ask.replies[-1].text == CATALOGUE.phrase("handoff_confirm", "fr")
    assert ask.escalations == []
    done = await say(engine, "oui")
    assert [r.text for r in done.replies] == [answer_text("human_handoff", "fr"), case_opened(1)]
    assert [(e.reason, e.priority) for e in done.escalations] == [("human_handoff", "normal")]


async def test_commands(engine: Engine) -> None:
    start = await say(engine, "/start campagne-affiche")
    assert start.replies[-1].buttons  # menu after the notice
    help_ = await say(engine, "/help")
    assert help_.replies[-1].text == CATALOGUE.phrase("menu", "fr")
    privacy = await say(engine, "/privacy")
    assert privacy.replies[-1].text == answer_text("bot_privacy", "fr")
    human = await say(engine, "/human")
    assert human.escalations[0].reason == "human_handoff"


async def test_language_switch_sticks(engine: Engine) -> None:
    prompt = await say(engine, "/language")
    assert {b.data for b in prompt.replies[-1].buttons} == {"lang:fr", "lang:en"}
    switched = await say(engine, button="lang:en")
    assert switched.replies[-1].text == CATALOGUE.phrase("language_set", "en")
    turn = await say(engine, "j'ai reçu un sms bizarre de l'ameli")  # French text, English chosen
    assert turn.language == "en"
    assert turn.replies[-1].text == answer_text("phishing_report", "en")


async def test_forged_or_stale_buttons_get_the_menu(engine: Engine) -> None:
    for data in ["t:not_an_intent", "lang:de", "x" * 300, "handoff:maybe", ""]:
        turn = await say(engine, button=data)
        assert turn.replies[-1].text == CATALOGUE.phrase("stale_button", "fr"), data


async def test_empty_text_gets_a_kind_answer(engine: Engine) -> None:
    turn = await say(engine, "   ")
    assert turn.replies[-1].text == CATALOGUE.phrase("empty", "fr")


async def test_stored_text_is_redacted(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(
        engine, "mon numéro de sécu 2 95 10 99 126 111 93 a fuité, appelez-moi au 06 12 34 56 78"
    )
    rows = await stored(
        sessions, "SELECT direction, text, intent FROM messages WHERE direction='in'"
    )
    assert rows[0][1] == "mon numéro de sécu <NIR> a fuité, appelez-moi au <PHONE>"
    everything = " ".join(r[0] for r in await stored(sessions, "SELECT text FROM messages"))
    assert "06 12" not in everything and "126 111" not in everything


async def test_delete_really_deletes_after_confirmation(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "bonjour", chat="7")
    await say(engine, "bonjour", chat="8")
    ask = await say(engine, "/delete", chat="7")
    assert {b.data for b in ask.replies[-1].buttons} == {"delete:yes", "delete:no"}
    kept = await say(engine, button="delete:no", chat="7")
    assert kept.replies[-1].text == CATALOGUE.phrase("delete_cancelled", "fr")
    assert await stored(sessions, "SELECT count(*) FROM patients WHERE chat_id='7'") == [(1,)]
    done = await say(engine, button="delete:yes", chat="7")
    assert done.replies[-1].text == CATALOGUE.phrase("deleted", "fr")
    assert await stored(sessions, "SELECT count(*) FROM patients WHERE chat_id='7'") == [(0,)]
    assert await stored(
        sessions,
        "SELECT count(*) FROM messages JOIN patients ON patients.id = messages.patient_id "
        "WHERE chat_id='8'",
    ) != [(0,)]
    assert await stored(
        sessions, "SELECT count(*) FROM messages WHERE patient_id NOT IN (SELECT id FROM patients)"
    ) == [(0,)]
    comeback = await say(engine, "bonjour", chat="7")
    assert comeback.replies[0].text == CATALOGUE.phrase("welcome", "fr")


async def test_consent_to_reuse_messages_is_asked_once_and_off_by_default(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await say(engine, "bonjour")
    assert [b.data for b in first.replies[0].buttons] == ["consent:yes", "consent:no"]
    again = await say(engine, "bonjour")
    assert all("consent:yes" not in [b.data for b in r.buttons] for r in again.replies)
    assert await stored(sessions, "SELECT consent_improve FROM patients") == [(0,)]
    yes = await say(engine, button="consent:yes")
    assert yes.replies[0].text == CATALOGUE.phrase("consent_yes_done", "fr")
    assert await stored(sessions, "SELECT consent_improve FROM patients") == [(1,)]
    asked = await say(engine, "/consent")
    assert asked.replies[0].text == CATALOGUE.phrase("consent_on", "fr")
    await say(engine, button="consent:no")
    assert await stored(sessions, "SELECT consent_improve FROM patients") == [(0,)]


async def test_a_caption_goes_through_the_crisis_net_but_is_not_kept(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    calm = await engine.handle(Incoming("test", "7", "voici le sms", attachment="photo"))
    assert calm.replies[-1].text == CATALOGUE.phrase("attachment_received", "fr")
    crisis = await engine.handle(Incoming("test", "7", "je vais me tuer", attachment="photo"))
    assert crisis.replies[0].text == answer_text("crisis", "fr")
    assert [(e.reason, e.priority) for e in crisis.escalations] == [("crisis", "urgent")]
    # (another patient: patient 7 now has a case, and a person reads their photos)
    command = await engine.handle(Incoming("test", "8", "/delete", attachment="photo"))
    assert command.replies[-1].text == CATALOGUE.phrase("attachment_received", "fr")
    rows = await stored(sessions, "SELECT text FROM messages WHERE direction = 'in'")
    assert len(rows) == 3 and all(text == "" for (text,) in rows)
