"""Several agents' groups (issue 18): which forum supergroups the agents work in, and which one a
new case goes to. Telegram takes about 20 messages a minute into one group, so one group caps
what can be relayed to the agents whatever the team's size; each group is paced on its own.

`HELPLINE_AGENTS_CHAT_IDS` lists them, comma-separated, each as `CHAT_ID:NAME[:RULES]`:

    -1001000:fr, -1002000:en, -1003000:urgent
    -1001000:paris:fr, -1002000:lyon:fr, -1003000:intl:en+urgent, -1004000:overflow

NAME is what `/transfer NAME` uses (lower-case letters, digits, `-` and `_`). RULES, joined by
`+`: a language (`fr`, `en`: the group takes that language's cases) and `urgent` (it takes the
urgent cases, in any language). Without RULES, a name that is a rule is its own rule (`fr`,
`urgent`); any other name makes a general group. The default group, where the cases opened
before this setting stay (their group is not recorded), is `HELPLINE_AGENTS_CHAT_ID`'s if set
(it must then be in the list), else the first one. `HELPLINE_AGENTS_CHAT_ID` alone is one group.

A new case goes (`route`): if urgent, to an urgent group; else to a group of its language; else
to a general group; else to any. Among those, to the least loaded: the fewest open cases, then
the fewest waiting, then the first listed (`route` is pure; `AgentGroups.place` reads the
loads). No Telegram here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from responses import LANGUAGES
from storage.agents_groups import GroupRepository, in_group
from storage.cases import CaseRepository
from storage.models import Case, Priority

if TYPE_CHECKING:
    from bot.settings import Settings

URGENT = "urgent"
RULES = frozenset({*LANGUAGES, URGENT})
NAME = re.compile(r"[a-z0-9_-]{1,32}")
SINGLE = "main"  # the name of the one group of HELPLINE_AGENTS_CHAT_ID alone


@dataclass(frozen=True, slots=True)
class AgentsGroup:
    chat_id: int
    name: str
    languages: frozenset[str] = frozenset()
    urgent: bool = False

    @property
    def general(self) -> bool:
        """Takes no case in particular: any case may come here."""
        return not self.languages and not self.urgent


@dataclass(frozen=True, slots=True)
class GroupLoad:
    """A group's open cases, and how many of them wait for an agent."""

    open: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class AgentGroups:
    """The configured groups, the default first. Empty: no group (tests, the console)."""

    groups: tuple[AgentsGroup, ...] = ()

    @property
    def default_chat(self) -> int | None:
        return self.groups[0].chat_id if self.groups else None

    @property
    def chat_ids(self) -> tuple[int, ...]:
        return tuple(group.chat_id for group in self.groups)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(group.name for group in self.groups)

    def by_name(self, name: str) -> AgentsGroup | None:
        wanted = name.strip().lower()
        return next((group for group in self.groups if group.name == wanted), None)

    def by_chat(self, chat_id: int | None) -> AgentsGroup | None:
        chat = self.chat_of(chat_id)
        return next((group for group in self.groups if group.chat_id == chat), None)

    def chat_of(self, stored: int | None) -> int | None:
        """The group of a case or an outbox row: what was stored, else the default group."""
        return stored if stored is not None else self.default_chat

    def is_default(self, chat_id: int | None) -> bool:
        """Whether rows with no group recorded are this group's: the default group's (with
        no group configured, whichever group the caller means)."""
        return not self.groups or chat_id is None or chat_id == self.default_chat

    def name_of(self, stored: int | None) -> str:
        group = self.by_chat(stored)
        return group.name if group is not None else SINGLE

    def route(
        self, language: str, urgent: bool, loads: Mapping[int, GroupLoad]
    ) -> AgentsGroup | None:
        """The group a new case goes to (see the module's docstring); None without groups."""
        return route(self.groups, language, urgent, loads)

    def cases_of(self, stored: int | None) -> ColumnElement[bool]:
        """The cases of the group stored as `stored` (storage.agents_groups.in_group)."""
        chat = self.chat_of(stored)
        return in_group(Case.agents_chat_id, chat, self.is_default(chat))

    async def place(self, session: AsyncSession, case: Case) -> None:
        """A new case goes to its group (`route`), before anything is written for it."""
        if len(self.groups) < 2:
            case.agents_chat_id = self.default_chat
            return
        counts = await GroupRepository(session).loads(exclude=case.id)
        loads: dict[int, GroupLoad] = {}
        for stored, (count, waiting) in counts.items():
            chat = self.chat_of(stored)
            if chat is not None:
                before = loads.get(chat, GroupLoad())
                loads[chat] = GroupLoad(before.open + count, before.waiting + waiting)
        group = self.route(case.language, case.priority == Priority.URGENT, loads)
        case.agents_chat_id = group.chat_id if group is not None else None

    async def queue_position(self, session: AsyncSession, case: Case) -> int:
        """The case's place in its group's queue."""
        return await CaseRepository(session).queue_position(
            case, self.cases_of(case.agents_chat_id)
        )

    @classmethod
    def parse(cls, text: str, default_chat: int | None = None) -> AgentGroups:
        """`HELPLINE_AGENTS_CHAT_IDS` (and `HELPLINE_AGENTS_CHAT_ID`, `default_chat`); a
        ValueError saying what is wrong, never a half-read list."""
        entries = [entry.strip() for entry in re.split(r"[,\n]", text) if entry.strip()]
        if not entries:
            if default_chat is None:
                return cls()
            return cls((AgentsGroup(default_chat, SINGLE),))
        groups = [_entry(entry) for entry in entries]
        names, chats = [g.name for g in groups], [g.chat_id for g in groups]
        for what, values in (("name", names), ("chat id", chats)):
            twice = sorted({str(v) for v in values if values.count(v) > 1})
            if twice:
                raise ValueError(f"HELPLINE_AGENTS_CHAT_IDS: {what} listed twice: {twice}")
        if default_chat is not None:
            first = [g for g in groups if g.chat_id == default_chat]
            if not first:
                raise ValueError(
                    "HELPLINE_AGENTS_CHAT_ID must be one of HELPLINE_AGENTS_CHAT_IDS (the default "
                    "group, where the cases opened before stay)"
                )
            groups = first + [g for g in groups if g.chat_id != default_chat]
        return cls(tuple(groups))


def _entry(entry: str) -> AgentsGroup:
    parts = [part.strip() for part in entry.split(":")]
    if len(parts) not in (2, 3):
        raise ValueError(f"HELPLINE_AGENTS_CHAT_IDS: {entry!r} is not CHAT_ID:NAME[:RULES]")
    chat, name = parts[0], parts[1].lower()
    if not re.fullmatch(r"-\d+", chat):
        raise ValueError(f"HELPLINE_AGENTS_CHAT_IDS: {chat!r} is no group id (-100...)")
    if not NAME.fullmatch(name):
        raise ValueError(f"HELPLINE_AGENTS_CHAT_IDS: {name!r}: a-z, 0-9, - and _ only")
    if len(parts) == 3:
        rules = {rule.strip().lower() for rule in parts[2].split("+") if rule.strip()}
    else:
        rules = {name} & RULES
    if unknown := rules - RULES:
        raise ValueError(
            f"HELPLINE_AGENTS_CHAT_IDS: unknown rule(s) {sorted(unknown)}; "
            f"rules are {sorted(RULES)}"
        )
    return AgentsGroup(int(chat), name, frozenset(rules & set(LANGUAGES)), URGENT in rules)


def route(
    groups: Sequence[AgentsGroup], language: str, urgent: bool, loads: Mapping[int, GroupLoad]
) -> AgentsGroup | None:
    """An urgent case to an urgent group; else a group of its language; else a general group;
    else any. Among those the least loaded (open cases, then waiting), then the first listed."""
    if not groups:
        return None
    candidates = [g for g in groups if g.urgent] if urgent else []
    candidates = candidates or [g for g in groups if language in g.languages]
    candidates = candidates or [g for g in groups if g.general] or list(groups)
    order = {group.chat_id: index for index, group in enumerate(groups)}

    def load(group: AgentsGroup) -> tuple[int, int, int]:
        current = loads.get(group.chat_id, GroupLoad())
        return current.open, current.waiting, order[group.chat_id]

    return min(candidates, key=load)


def groups_from_settings(settings: Settings) -> AgentGroups:
    return AgentGroups.parse(settings.helpline_agents_chat_ids, settings.helpline_agents_chat_id)
