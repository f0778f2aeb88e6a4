"""Several agents' groups in the database (bot/agents_groups.py): which group a case, an outbox row
or an agent belongs to, and each group's load. A case's or a row's group is a chat id, or NULL
for the default group (every case opened before the groups were recorded). No Telegram here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import CASE_IS_OPEN, Agent, Case, CaseStatus, GroupPost
from storage.outbox import OutboxKind


def in_group(
    column: InstrumentedAttribute[int | None], chat_id: int | None, default: bool
) -> ColumnElement[bool]:
    """`column` (a case's or a row's group) is `chat_id`; with `default`, NULL is too."""
    if chat_id is None:
        return column.is_(None)
    return or_(column.is_(None), column == chat_id) if default else column == chat_id


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def loads(self, exclude: int | None = None) -> dict[int | None, tuple[int, int]]:
        """(open cases, of which waiting) per stored group (None: the default group's old
        cases), `exclude` (a case being placed) left out."""
        waiting = func.sum(when((Case.status == CaseStatus.WAITING, 1), else_=0))
        query = select(Case.agents_chat_id, func.count(), waiting).where(CASE_IS_OPEN)
        if exclude is not None:
            query = query.where(Case.id != exclude)
        rows = await self.session.execute(query.group_by(Case.agents_chat_id))
        return {chat: (int(count), int(waits or 0)) for chat, count, waits in rows}

    async def move_pending(self, case: Case, to: int | None) -> None:
        """The case's rows not delivered yet follow it to the group `to` (they are about the
        case, not about its old topic), except the edits of messages in the old topic: message
        ids mean nothing in another group."""
        await self.session.execute(
            delete(GroupPost).where(
                GroupPost.case_id == case.id, GroupPost.kind == OutboxKind.EDIT_TEXT.value
            )
        )
        await self.session.execute(
            update(GroupPost).where(GroupPost.case_id == case.id).values(group_chat_id=to)
        )

    async def join(self, agent: Agent, chat_id: int | None) -> None:
        """The agent wrote in this group: they are one of its members from now on."""
        if chat_id is not None and chat_id not in agent.groups:
            agent.groups = [*agent.groups, chat_id]


def is_member(agent: Agent, chat_id: int | None, default: bool) -> bool:
    """Whether the agent takes the cases of this group: seen writing in it, or, for the
    default group, seen in no group at all (agents known before the groups were recorded)."""
    groups = agent.groups or []
    return chat_id in groups or (default and (not groups or chat_id is None))
