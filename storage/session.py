"""The project's database session: the one place where what a transaction holds back is written,
and where a commit that queued something for the agents' group is announced.

Every session of the helpline is a `HelplineSession` (`storage.db.session_factory`); the hooks
below are attached to that class only, never to SQLAlchemy's global `Session`.

How a turn writes. The ORM's unit of work cost ~15% of the bot's CPU per message under load
(py-spy) for a turn's few rows, so the turn's messages and patient changes are plain Core
statements, gathered in `TurnWrites` (`MessageRepository.add`, `PatientRepository.change`) and
sent in one go: before any other statement of the same session (as the ORM's autoflush does, so a
query always sees them) and at commit. Everything else (cases, outbox rows, deliveries) goes
through the ORM or its own Core statement at once. Change a patient with `PatientRepository.change`:
it updates the loaded object too. Assigning an attribute directly would be written by the ORM
at flush, after these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from storage.models import ChatMessage, Message, Patient

PATIENTS = Patient.__table__
ADD_MESSAGES = Message.__table__.insert()
ADD_CHAT_MESSAGES = ChatMessage.__table__.insert()
# built once (building it per turn was a third of the writes' cost); SET takes the columns given
CHANGE_PATIENT = PATIENTS.update().where(PATIENTS.c.id == bindparam("patient"))

# Session.info keys
WRITES = "turn_writes"
AGENTS_OUTBOX_WRITTEN = "agents_outbox_written"
ON_AGENTS_OUTBOX = "on_agents_outbox"  # set by session_factory: called after such a commit


class HelplineSession(Session):
    """The synchronous session under every `AsyncSession` the project opens."""


class TurnWrites:
    """A transaction's messages and patient changes, not yet sent."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.patients: dict[int, dict[str, Any]] = {}
        # ids of the patient's messages in their chat (storage.chat_messages): no content
        self.chat_messages: list[dict[str, Any]] = []

    @staticmethod
    def of(session: AsyncSession) -> TurnWrites:
        writes = session.info.get(WRITES)
        if writes is None:
            writes = session.info[WRITES] = TurnWrites()
        return writes


def agents_outbox_written(session: AsyncSession) -> None:
    """Note that this transaction queued something for the agents' group: its commit wakes the
    delivery (which otherwise waits for its next check)."""
    session.info[AGENTS_OUTBOX_WRITTEN] = True


def wrote_agents_outbox(session: AsyncSession) -> bool:
    """Whether this transaction queued something for the agents' group."""
    return bool(session.info.get(AGENTS_OUTBOX_WRITTEN))


@event.listens_for(HelplineSession, "do_orm_execute")
def _write_before_statement(state: ORMExecuteState) -> None:
    _write(state.session)


@event.listens_for(HelplineSession, "before_commit")
def _write(session: Session) -> None:
    writes: TurnWrites | None = session.info.pop(WRITES, None)
    if writes is None:
        return
    connection = session.connection()
    if writes.messages:
        connection.execute(ADD_MESSAGES, writes.messages)
    if writes.chat_messages:
        connection.execute(ADD_CHAT_MESSAGES, writes.chat_messages)
    for patient_id, values in writes.patients.items():
        connection.execute(CHANGE_PATIENT, {"patient": patient_id, **values})


@event.listens_for(HelplineSession, "after_commit")
def _announce(session: Session) -> None:
    if session.info.pop(AGENTS_OUTBOX_WRITTEN, False):
        callback: Callable[[], None] | None = session.info.get(ON_AGENTS_OUTBOX)
        if callback is not None:
            callback()


@event.listens_for(HelplineSession, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(WRITES, None)
    session.info.pop(AGENTS_OUTBOX_WRITTEN, None)
