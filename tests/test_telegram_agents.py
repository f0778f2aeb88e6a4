"""End to end: escalation to agents in a forum group, through the Bot API emulator, with the real
NLU server and a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import open_helpline
from tests.agents_helpers import (
    AGENT,
    AGENTS,
    PHOTO,
    agent_says,
    agents_settings,
    in_topic,
    open_case_by_button,
    relayed,
    topic_of_case,
    until_relayed,
)
from tests.desk_helpers import close_with
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import (
    PATIENT,
    RunningBot,
    button_data,
    html_of,
    plain,
    push_album,
    replies,
    start_bot,
)

pytestmark = pytest.mark.rasa  # end to end, with the real NLU server


@pytest.fixture
def running(running_with_agents: RunningBot) -> RunningBot:
    return running_with_agents  # every test here runs with the agents' forum group


@pytest.mark.parametrize(("language", "place"), [("fr", "position 1"), ("en", "number 1")])
async def test_handoff_by_button_opens_a_topic_with_a_pinned_card_and_no_identity(
    running: RunningBot, language: str, place: str
) -> None:
    topic = await open_case_by_button(running, language)
    answer, waiting = (await replies(running, 4))[2:]
    assert answer["text"] == html_of(running.catalogue, "human_handoff", language)
    assert "C-00001" in waiting["text"] and place in waiting["text"]
    name = running.emulator.topic(AGENTS, topic)["name"]
    assert "C-00001" in name and name.endswith(language.upper())
    [card] = [m for m in in_topic(running, topic) if "Dossier C-00001" in m["text"]]
    assert card["message_id"] in running.emulator.pinned(AGENTS)
    assert set(button_data(card)) == {"case:take:1", "case:close:1", "case:urgent:1"}
    assert f"Langue : {language.upper()}" in card["text"] and "Priorité" in card["text"]
    for secret in ("Jeanne", str(PATIENT)):
        assert secret not in card["text"] and secret not in name


@pytest.mark.parametrize(
    ("language", "ask", "yes", "queue"),
    [
        ("fr", "je voudrais parler à une vraie personne svp", "oui", "file d'attente"),
        ("en", "can I talk to a real person please", "yes please", "queue"),
    ],
)
async def test_handoff_by_text_after_a_confirmation(
    running: RunningBot, language: str, ask: str, yes: str, queue: str
) -> None:
    running.emulator.push_text(PATIENT, ask, language_code=language)
    confirm = (await replies(running, 2))[-1]
    assert confirm["text"] == plain(running.catalogue.phrase("handoff_confirm", language))
    assert not running.emulator.calls("createForumTopic")  # not before the patient says yes
    running.emulator.push_text(PATIENT, yes, language_code=language)
    topic = await topic_of_case(running)
    *_, answer, waiting = await replies(running, 4)
    assert answer["text"] == html_of(running.catalogue, "human_handoff", language)
    assert "C-00001" in waiting["text"] and queue in waiting["text"]
    assert running.emulator.topic(AGENTS, topic)["name"].endswith(language.upper())


async def test_crisis_opens_an_urgent_case_with_the_emergency_answer_first(
    running: RunningBot,
) -> None:
    running.emulator.push_text(PATIENT, "je veux mourir, je n'en peux plus", first_name="Jeanne")
    topic = await topic_of_case(running)
    crisis, waiting, notice = await replies(running, 3)  # the privacy notice comes last
    assert crisis["text"] == html_of(running.catalogue, "crisis", "fr")
    assert notice["text"].startswith("Bonjour.")
    assert crisis["text"].index("15") < 200  # the numbers come first
    assert "C-00001" in waiting["text"]
    assert "URGENT" in running.emulator.topic(AGENTS, topic)["name"]
    await running.emulator.wait_until(  # announced in the General topic too
        lambda: any(
            "C-00001" in m["text"] and "urgent" in m["text"].lower()
            for m in running.emulator.sent(AGENTS)
            if "message_thread_id" not in m
        )
    )
    rows = await running.rows("SELECT priority, risk_flags, status FROM cases")
    assert rows == [("urgent", '["crisis"]', "waiting")]
    for message in running.emulator.sent(AGENTS):  # the card quotes messages, not identity
        assert "Jeanne" not in message["text"] and str(PATIENT) not in message["text"]


async def test_relay_of_text_and_photo_both_ways_and_internal_notes(running: RunningBot) -> None:
    emulator = running.emulator
    topic = await open_case_by_button(running)
    to_patient = len(await replies(running, 4))
    emulator.push_text(PATIENT, "j'ai reçu un SMS bizarre hier")
    emulator.push_message(PATIENT, **PHOTO)
    [copy] = await emulator.wait_for_calls("copyMessage", 1, chat_id=AGENTS)
    assert copy.params["message_thread_id"] == topic and copy.params["from_chat_id"] == PATIENT
    assert await until_relayed(running, topic) == ["j'ai reçu un SMS bizarre hier"]
    assert "photo" in in_topic(running, topic)[-1]
    assert len(emulator.sent(PATIENT)) == to_patient  # the bot kept quiet

    agent_says(running, topic, "! à vérifier avec la juriste")  # internal note
    agent_says(running, topic, "Bonjour, je suis là. Que disait ce SMS ?")
    emulator.push_message(
        AGENTS, user_id=AGENT, chat_type="supergroup", message_thread_id=topic, **PHOTO
    )
    back = await emulator.wait_for_calls("copyMessage", 2, chat_id=PATIENT)
    assert [c.params["from_chat_id"] for c in back] == [AGENTS, AGENTS]
    seen = emulator.sent(PATIENT)[-2:]
    assert seen[0]["text"] == "Bonjour, je suis là. Que disait ce SMS ?" and "photo" in seen[1]
    assert not any("juriste" in m.get("text", "") for m in emulator.sent(PATIENT))
    stored = await running.rows("SELECT kind, text FROM messages WHERE case_id IS NOT NULL")
    assert ("agent", "Bonjour, je suis là. Que disait ce SMS ?") in stored
    assert ("photo", "") in stored
    [(status, first_reply)] = await running.rows("SELECT status, first_agent_reply_at FROM cases")
    assert status == "taken" and first_reply is not None


async def test_the_agents_read_the_patients_text_redacted_and_never_the_raw_identifiers(
    running: RunningBot,
) -> None:
    """The agents' group is not end-to-end encrypted and outlives our retention: it gets what the
    database keeps, never the identifier the patient typed (text, or a photo's caption)."""
    emulator = running.emulator
    topic = await open_case_by_button(running)
    await replies(running, 4)
    emulator.push_text(
        PATIENT, "mon numéro de sécu 1 85 05 78 006 084 91, rappelez-moi au 06 12 34 56 78"
    )
    emulator.push_message(PATIENT, caption="mon iban FR76 3000 6000 0112 3456 7890 189", **PHOTO)
    [text] = await until_relayed(running, topic)
    assert text.startswith("mon numéro de sécu <NIR>, rappelez-moi au <PHONE>")
    assert "(masqué par le bot : n° de sécurité sociale, téléphone)" in text
    await emulator.wait_for_calls("copyMessage", 1, chat_id=AGENTS)
    photo = in_topic(running, topic)[-1]
    assert "photo" in photo and photo["caption"] == "mon iban <IBAN>"
    everything = json.dumps(emulator.history(AGENTS), ensure_ascii=False)
    for raw in ("006 084", "185057800608491", "12 34 56", "3000 6000", "0112 3456"):
        assert raw not in everything, raw


async def test_delete_erases_the_patients_topic_from_the_agents_group(
    running: RunningBot,
) -> None:
    """Right to erasure: /delete during a case also deletes the case's topic, and with it the
    card and the copies of the patient's messages; the agents are told which case went."""
    emulator = running.emulator
    topic = await open_case_by_button(running)
    await replies(running, 4)
    emulator.push_text(PATIENT, "mon numéro de sécu a fuité")
    await until_relayed(running, topic)
    kept = [m["message_id"] for m in in_topic(running, topic)]  # card, copy, notices
    emulator.push_text(PATIENT, "/delete")
    confirm = (await replies(running, 5))[-1]
    emulator.push_callback(PATIENT, "delete:yes", message_id=confirm["message_id"])
    await emulator.wait_until(
        lambda: any(
            "C-00001" in m["text"] and "effacé" in m["text"]
            for m in emulator.sent(AGENTS)
            if "message_thread_id" not in m
        )
    )
    topic_state = emulator.topic(AGENTS, topic)
    assert topic_state is not None and topic_state["deleted"]
    assert len(kept) >= 2 and all(emulator.message(AGENTS, i) is None for i in kept)
    assert await running.rows("SELECT count(*) FROM cases") == [(0,)]
    assert await running.rows("SELECT count(*) FROM patients") == [(0,)]


async def test_a_non_member_cannot_close_a_case(running: RunningBot) -> None:
    topic = await open_case_by_button(running)
    running.emulator.set_member(AGENTS, 666, "left")
    agent_says(running, topic, "/close", user_id=666)
    agent_says(running, topic, "/note avant de clore", user_id=AGENT)  # handled after the above
    await running.emulator.wait_until(
        lambda: any("Note ajoutée" in m["text"] for m in in_topic(running, topic))
    )
    assert await running.rows("SELECT status FROM cases") == [("waiting",)]
    assert not running.emulator.calls("copyMessage", chat_id=PATIENT)


async def test_two_simultaneous_first_messages_give_one_topic(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "je veux en finir")
    running.emulator.push_text(PATIENT, "je vais me suicider ce soir")
    topic = await topic_of_case(running)
    await until_relayed(running, topic)  # the 2nd is relayed
    assert len(running.emulator.calls("createForumTopic")) == 1
    assert await running.rows("SELECT count(*) FROM cases") == [(1,)]


async def test_a_deleted_topic_is_recreated_with_its_card(running: RunningBot) -> None:
    topic = await open_case_by_button(running)
    running.emulator.delete_topic(AGENTS, topic)
    running.emulator.push_text(PATIENT, "vous êtes là ?")
    new_topic = await topic_of_case(running, 2)
    assert new_topic != topic
    assert await until_relayed(running, new_topic) == ["vous êtes là ?"]
    assert await running.rows("SELECT topic_id FROM cases") == [(new_topic,)]


async def test_a_topic_closed_by_hand_is_reopened_when_the_patient_writes(
    running: RunningBot,
) -> None:
    topic = await open_case_by_button(running)
    running.emulator.close_topic(AGENTS, topic)
    running.emulator.push_text(PATIENT, "vous êtes là ?")
    assert await until_relayed(running, topic) == ["vous êtes là ?"]
    assert not running.emulator.topic(AGENTS, topic)["closed"]


async def test_close_asks_satisfaction_and_the_bot_takes_over_again(running: RunningBot) -> None:
    emulator = running.emulator
    topic = await open_case_by_button(running)
    await close_with(running, topic)  # /close, then the outcome and categories (issue 17)
    await emulator.wait_until(
        lambda: any("sat:5" in button_data(m) for m in emulator.sent(PATIENT))
    )
    closing = emulator.sent(PATIENT)[-1]
    assert closing["text"] == plain(running.catalogue.phrase("case_closed", "fr"))
    assert button_data(closing) == [f"sat:{n}" for n in range(1, 6)]
    await emulator.wait_until(lambda: running.emulator.topic(AGENTS, topic)["closed"])
    emulator.push_callback(PATIENT, "sat:4", message_id=closing["message_id"])
    count = len(emulator.sent(PATIENT))
    thanks = (await replies(running, count + 1))[-1]
    assert thanks["text"] == plain(running.catalogue.phrase("rated", "fr"))
    assert await running.rows("SELECT status, satisfaction FROM cases") == [("closed", 4)]
    emulator.push_text(PATIENT, "comment porter plainte ?")
    answer = (await replies(running, count + 2))[-1]
    assert answer["text"] == html_of(running.catalogue, "file_complaint", "fr")


async def test_a_risk_case_is_closed_only_after_confirmation(running: RunningBot) -> None:
    emulator = running.emulator
    emulator.push_text(PATIENT, "ils me font du chantage avec mes résultats VIH, ils veulent 500€")
    topic = await topic_of_case(running)
    [(flags,)] = await running.rows("SELECT risk_flags FROM cases")
    assert flags == '["blackmail"]'
    await close_with(running, topic, "complaint_help", ["blackmail"])  # then the confirmation
    await emulator.wait_until(
        lambda: any("case:confirm:1" in button_data(m) for m in in_topic(running, topic))
    )
    assert await running.rows("SELECT status FROM cases") == [("waiting",)]
    [prompt] = [m for m in in_topic(running, topic) if "case:confirm:1" in button_data(m)]
    emulator.push_callback(AGENTS, "case:confirm:1", message_id=prompt["message_id"], user_id=AGENT)
    await emulator.wait_until(
        lambda: any("sat:1" in button_data(m) for m in emulator.sent(PATIENT))
    )
    assert await running.rows("SELECT status FROM cases") == [("closed",)]


async def test_a_card_button_acts_only_in_its_cases_topic(running: RunningBot) -> None:
    """A card's button names its case: pressed on a message outside the case's topic (forged,
    or copied elsewhere) it does nothing."""
    emulator = running.emulator
    topic = await open_case_by_button(running)
    await replies(running, 4)
    general = emulator.push_text(AGENTS, "qui prend ?", user_id=AGENT, chat_type="supergroup")
    elsewhere = emulator.push_text(
        AGENTS, "autre sujet", user_id=AGENT, chat_type="supergroup", message_thread_id=topic + 50
    )
    for data, message in [
        ("case:confirm:1", general["message"]["message_id"]),
        ("case:close:1", elsewhere["message"]["message_id"]),
        ("case:take:1", 999),  # a message the bot cannot see
    ]:
        emulator.push_callback(AGENTS, data, message_id=message, user_id=AGENT)
    [card] = [m for m in in_topic(running, topic) if "case:urgent:1" in button_data(m)]
    emulator.push_callback(AGENTS, "case:urgent:1", message_id=card["message_id"], user_id=AGENT)
    await emulator.wait_until(lambda: "URGENT" in emulator.topic(AGENTS, topic)["name"])
    rows = await running.rows("SELECT status, priority, assigned_agent_id FROM cases")
    assert rows == [("waiting", "urgent", None)]
    assert len(emulator.sent(PATIENT)) == 4  # neither "taken" nor "closed"


async def test_a_caption_is_never_a_command(running: RunningBot) -> None:
    emulator = running.emulator
    topic = await open_case_by_button(running)
    await replies(running, 4)
    emulator.push_message(
        AGENTS,
        user_id=AGENT,
        chat_type="supergroup",
        message_thread_id=topic,
        caption="/close",
        **PHOTO,
    )
    [copy] = await emulator.wait_for_calls("copyMessage", 1, chat_id=PATIENT)
    assert copy.params["from_chat_id"] == AGENTS  # relayed like any photo
    assert await running.rows("SELECT status FROM cases") == [("taken",)]
    assert not any("sat:1" in button_data(m) for m in emulator.sent(PATIENT))


async def test_an_album_in_a_case_reaches_the_agents_whole_and_unanswered(
    running: RunningBot,
) -> None:
    emulator = running.emulator
    topic = await open_case_by_button(running)
    to_patient = len(await replies(running, 4))
    push_album(emulator, PATIENT, 8)
    emulator.push_text(PATIENT, "voilà les captures")
    copies = await emulator.wait_for_calls("copyMessage", 8, chat_id=AGENTS)
    assert [c.params["message_thread_id"] for c in copies] == [topic] * 8
    assert await until_relayed(running, topic) == ["voilà les captures"]
    assert len(emulator.sent(PATIENT)) == to_patient  # the bot kept quiet


async def test_relay_goes_on_after_a_restart_mid_case(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    emulator.set_member(AGENTS, AGENT, "member")
    settings = agents_settings(emulator, rasa_url, tmp_path / "bot.db")
    async with open_helpline(settings) as helpline:
        first = await start_bot(emulator, helpline)
        topic = await open_case_by_button(first)
        await first.stop()
    async with open_helpline(settings) as helpline:
        second = await start_bot(emulator, helpline)
        emulator.push_text(PATIENT, "toujours là ?")
        agent_says(second, topic, "Oui, je vous écoute.")
        await until_relayed(second, topic)
        await emulator.wait_for_calls("copyMessage", 1, chat_id=PATIENT)
        await second.stop()
    assert relayed(second, topic) == ["toujours là ?"]
    assert emulator.sent(PATIENT)[-1]["text"] == "Oui, je vous écoute."
    assert len(emulator.calls("createForumTopic")) == 1


async def test_a_burst_of_100_messages_reaches_the_topic_in_order_paced(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    emulator.set_member(AGENTS, AGENT, "member")
    emulator.limit_rate(AGENTS, 10, 1.0)  # Telegram's ~20/min, scaled so the test stays short
    settings = agents_settings(
        emulator, rasa_url, tmp_path / "bot.db", agents_rate_limit=10, agents_rate_window=1.0
    )
    async with open_helpline(settings) as helpline:
        running = await start_bot(emulator, helpline)
        topic = await open_case_by_button(running)
        for n in range(100):
            emulator.push_text(PATIENT, f"message {n}")
        await emulator.wait_until(
            lambda: len(relayed(running, topic)) >= 100,
            timeout=120,  # 100 messages at 10 a second: about 10 s
        )
        await running.stop()
    texts = [t for t in relayed(running, topic) if t.startswith("message ")]
    assert texts == [f"message {n}" for n in range(100)]  # all, in order, once
    assert emulator.rate_refusals == 0  # the pacing kept under the group's limit


async def test_a_long_wait_is_recalled_in_the_general_topic(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    settings = agents_settings(emulator, rasa_url, tmp_path / "bot.db", case_reminder_minutes=0.01)
    async with open_helpline(settings) as helpline:
        running = await start_bot(emulator, helpline)
        await open_case_by_button(running)
        await emulator.wait_until(
            lambda: any(
                "attend depuis" in m["text"] and "C-00001" in m["text"]
                for m in emulator.sent(AGENTS)
                if "message_thread_id" not in m
            )
        )
        await running.stop()


async def test_an_agent_is_told_when_the_patient_blocked_the_bot(running: RunningBot) -> None:
    topic = await open_case_by_button(running)
    await replies(running, 4)
    running.emulator.block(PATIENT)
    agent_says(running, topic, "Bonjour ?")
    await running.emulator.wait_until(
        lambda: any("bloqué le bot" in m["text"] for m in in_topic(running, topic))
    )
    [(blocked,)] = await running.rows("SELECT blocked_at FROM patients")
    assert blocked is not None


async def test_a_shared_contact_is_not_copied_to_the_agents(running: RunningBot) -> None:
    topic = await open_case_by_button(running)
    await replies(running, 4)
    running.emulator.push_message(
        PATIENT, contact={"phone_number": "+33612345678", "first_name": "Paul"}
    )
    notice = (await replies(running, 5))[-1]
    assert notice["text"] == plain(running.catalogue.phrase("case_not_relayed", "fr"))
    await running.emulator.wait_until(
        lambda: any("non transmis : contact" in m["text"] for m in in_topic(running, topic))
    )
    assert not running.emulator.calls("copyMessage", chat_id=AGENTS)
    for message in running.emulator.sent(AGENTS):
        assert "612345678" not in message["text"] and "Paul" not in message["text"]


async def test_nothing_is_lost_while_the_bot_is_out_of_the_agents_group(
    running: RunningBot,
) -> None:
    emulator = running.emulator
    emulator.set_member(AGENTS, emulator.bot_id, "left")
    emulator.push_text(PATIENT, "bonjour")
    _, greet = await replies(running, 2)
    emulator.push_callback(PATIENT, "person", message_id=greet["message_id"])
    *_, waiting = await replies(running, 4)  # the patient is answered as usual
    assert "C-00001" in waiting["text"]
    emulator.push_text(PATIENT, "je reste là")
    await emulator.wait_until(
        lambda: any(not c.ok for c in emulator.calls("createForumTopic")), what="a refusal"
    )
    emulator.set_member(AGENTS, emulator.bot_id, "administrator")  # someone adds it back
    topic = await topic_of_case(running)
    assert await until_relayed(running, topic) == ["je reste là"]
