"""Patients writing to a cluster (tests/cluster_helpers.py) and what each of their messages got.

The bot's answers do not echo what the patient wrote, so every message of a patient asks about a
different topic, each with a distinct, known answer (the real NLU model places these phrases
with high confidence): the answers a patient gets, read back in their chat from the emulator's
record, name the messages they answer. Per patient that shows a message lost (its answer
missing), one handled twice (its answer twice) and the order kept or not. A patient's first
message also gets the privacy notice, once, first; anything else in the chat (the "something
failed" notice, a "slow down", a "did you mean") is a problem too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from responses import Catalogue
from tests.telegram_emulator import BotAPIEmulator

# (what the patient writes, the intent whose answer they must get), French patients
PHRASES = (
    ("je veux porter plainte", "file_complaint"),
    ("quelqu'un a ouvert un crédit à mon nom", "identity_theft"),
    ("j'ai reçu un SMS bizarre hier", "phishing_report"),
    ("mon numéro de sécu a fuité", "change_nir"),
    ("comment saisir la CNIL ?", "cnil_complaint"),
)
SIGNATURE = 60  # an answer is known by its first characters (a long one comes in parts)


def _plain(text: str) -> str:
    return text.replace("**", "")  # what the patient reads once Telegram parsed the HTML


def signatures(catalogue: Catalogue) -> dict[str, str]:
    """The first characters of each phrase's answer, as the patient reads it -> its intent."""
    return {
        _plain(catalogue.answer(intent, "fr").text)[:SIGNATURE]: intent for _, intent in PHRASES
    }


def _sent_to(emulator: BotAPIEmulator, chats: Iterable[int]) -> int:
    return sum(len(emulator.sent(chat)) for chat in chats)


async def until_quiet(emulator: BotAPIEmulator, chats: Iterable[int], quiet: float) -> None:
    """Return once nothing was sent to `chats` for `quiet` seconds."""
    while True:
        before = _sent_to(emulator, chats)
        try:
            await emulator.wait_until(
                lambda before=before: _sent_to(emulator, chats) > before, timeout=quiet
            )
        except TimeoutError:
            return


def _without_repeats(replies: list[str], allowed: int) -> list[str]:
    """`replies` without up to `allowed` second copies of a reply (the first copies stay)."""
    seen: set[str] = set()
    kept = []
    for reply in replies:
        if reply in seen and allowed > 0:
            allowed -= 1
            continue
        seen.add(reply)
        kept.append(reply)
    return kept


@dataclass
class Patients:
    """`count` patients from chat id `first_chat` on, each sending `messages` messages (at most
    len(PHRASES)), patient n starting at phrase n: the topics come in every order."""

    emulator: BotAPIEmulator
    catalogue: Catalogue
    first_chat: int
    count: int
    messages: int = 4
    expected: dict[int, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.messages > len(PHRASES):
            raise ValueError(f"at most {len(PHRASES)} messages per patient")
        self._known = signatures(self.catalogue)

    @property
    def chats(self) -> range:
        return range(self.first_chat, self.first_chat + self.count)

    def push_all(self) -> int:
        """Every patient's messages queued at once, interleaved as they would arrive
        (first messages, then second ones...), like a burst; returns how many."""
        for chat in self.chats:
            self.expected[chat] = []
        for turn in range(self.messages):
            for n, chat in enumerate(self.chats):
                text, intent = PHRASES[(n + turn) % len(PHRASES)]
                self.emulator.push_text(chat, text, language_code="fr")
                self.expected[chat].append(intent)
        return self.count * self.messages

    def replies(self, chat: int) -> list[str]:
        """What the chat got, in order: an intent for a known answer, else the text's start."""
        return [
            self._known.get(
                message.get("text", "")[:SIGNATURE], "? " + message.get("text", "")[:50]
            )
            for message in self.emulator.sent(chat)
        ]

    def answered(self) -> int:
        """Known answers sent so far, all patients together."""
        return sum(
            1 for chat in self.chats for reply in self.replies(chat) if not reply.startswith("?")
        )

    @property
    def total(self) -> int:
        return sum(len(intents) for intents in self.expected.values())

    async def wait_answered(self, count: int, timeout: float = 120.0) -> None:  # noqa: ASYNC109
        await self.emulator.wait_until(
            lambda: self.answered() >= count, timeout=timeout, what=f"{count} answers"
        )

    async def settle(self, timeout: float = 180.0, quiet: float = 3.0) -> None:  # noqa: ASYNC109
        """Wait until every message has its answer and every update was delivered, then for
        `quiet` seconds without a message to these patients: a duplicate (a re-delivered
        update handled again, a dead worker's reply sent again) would come in that time. A
        timeout is not raised: `problems()` says what is missing."""
        try:
            await self.emulator.wait_until(
                lambda: self.answered() >= self.total and not self._pending(),
                timeout=timeout,
                what="every answer",
            )
        except TimeoutError:
            return
        await until_quiet(self.emulator, self.chats, quiet)

    def _pending(self) -> bool:
        """Updates not yet answered 2xx by the webhook (Telegram would post them again)."""
        return bool(self.emulator._updates)

    def sent_between(self, start: float, end: float) -> Counter[int]:
        """Per patient, the messages Telegram accepted for them between `start` and `end`
        (time.monotonic(), the emulator's clock)."""
        return Counter(
            chat
            for chat in self.chats
            for call in self.emulator.calls("sendMessage", chat_id=chat)
            if call.ok and start <= call.at <= end
        )

    def problems(self, repeatable: Counter[int] | None = None) -> list[str]:
        """Per patient: messages lost, answered twice, out of order, or anything unexpected;
        empty when every message got exactly one answer, in order.

        `repeatable`: per patient, how many messages Telegram accepted from a worker in the
        instant before it was killed. Telegram has no idempotency key: a message accepted just
        before a kill -9, and not yet marked sent, is sent again by the worker taking over (at
        least once, never lost). Up to that many second copies are taken out before checking;
        any other repeat, or a repeat in another chat, is still a problem."""
        found = []
        for chat in self.chats:
            replies = _without_repeats(self.replies(chat), (repeatable or Counter())[chat])
            got = [reply for reply in replies if not reply.startswith("?")]
            other = [reply for reply in replies if reply.startswith("?")]
            expected = self.expected[chat]
            lost = Counter(expected) - Counter(got)
            twice = Counter(got) - Counter(expected)
            if lost:
                found.append(f"{chat}: lost {sorted(lost)}")
            if twice:
                found.append(f"{chat}: answered twice {sorted(twice)}")
            if not lost and not twice and got != expected:
                found.append(f"{chat}: out of order {got} (sent {expected})")
            if len(other) != 1 or (replies and replies[0] != other[0]):
                found.append(f"{chat}: besides the answers {other} (the privacy notice, first)")
        return found
