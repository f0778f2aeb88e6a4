"""Messages the patient asks the helpline to send them later: the end of the month a lab has to
answer their letter (bot/letters_flow.py), and check-ins 1, 3 and 6 months on, opt-in only,
offered after a plan or a letter. Scheduled in the database (storage/followups.py), so that they
survive restarts; sent by bot/followup_messages.py through the same durable, paced path as every
reply. `/stop` cancels all of them; `/delete` erases them with the patient.

Every scheduled message goes out at SEND_HOUR, Paris time: never a buzz in the night.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.letters import LetterKind, reply_deadline
from bot.replies import Button
from storage.followups import FollowupRepository
from storage.models import FollowupKind, Patient

if TYPE_CHECKING:
    from bot.conversation import Conversation

FOLLOWUP = "fu:"  # button data: "fu:on" (opt in to check-ins), "fu:off" (/stop)
PATIENTS_TIMEZONE = ZoneInfo("Europe/Paris")  # the patients of a French lab's leak
SEND_HOUR = time(10)
CHECKINS = {FollowupKind.CHECKIN_1M: 1, FollowupKind.CHECKIN_3M: 3, FollowupKind.CHECKIN_6M: 6}


def local_day(now: datetime) -> date:
    """The patient's day (Paris) at `now`, a naive UTC time as the clock gives it."""
    return now.replace(tzinfo=UTC).astimezone(PATIENTS_TIMEZONE).date()


def send_time(day: date) -> datetime:
    """SEND_HOUR in Paris on `day`, as naive UTC (as stored)."""
    local = datetime.combine(day, SEND_HOUR, PATIENTS_TIMEZONE)
    return local.astimezone(UTC).replace(tzinfo=None)


def months_later(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it has no such day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def format_day(conv: Conversation, day: date) -> str:
    return format(day, conv.catalogue.phrase("date_format", conv.language))


async def schedule_deadline(
    session: AsyncSession, patient: Patient, letter: LetterKind, sent_on: date
) -> date:
    """Remind the patient when the lab's month to answer `letter` runs out; returns that day."""
    deadline = reply_deadline(sent_on)
    await FollowupRepository(session).schedule(
        patient.id,
        FollowupKind.LETTER_DEADLINE,
        send_time(deadline),
        letter=letter.value,
        sent_on=sent_on,
    )
    return deadline


async def checkin_days(session: AsyncSession, patient: Patient) -> list[date]:
    """The days of the check-ins still to come (none: not opted in, or all sent)."""
    pending = await FollowupRepository(session).pending(patient.id)
    return [local_day(f.due_at) for f in pending if f.kind in CHECKINS]


async def offer(conv: Conversation) -> tuple[Button, ...]:
    """The check-ins' opt-in button, unless they are on already."""
    if await checkin_days(conv.messages.session, conv.patient):
        return ()
    return (Button(conv.catalogue.phrase("checkins_button", conv.language), FOLLOWUP + "on"),)


async def opt_in(conv: Conversation) -> None:
    session, phrase = conv.messages.session, conv.catalogue.phrase
    days = await checkin_days(session, conv.patient)
    if days:
        conv.say(phrase("checkins_already", conv.language, next=format_day(conv, days[0])))
        return
    today = local_day(conv.engine.clock())
    followups = FollowupRepository(session)
    for kind, months in CHECKINS.items():
        day = months_later(today, months)
        days.append(day)
        await followups.schedule(conv.patient.id, kind, send_time(day))
    first, second, third = (format_day(conv, day) for day in days)
    conv.say(phrase("checkins_on", conv.language, first=first, second=second, third=third))


async def stop(conv: Conversation) -> None:
    """/stop: no more messages of the helpline's own initiative."""
    stopped = await FollowupRepository(conv.messages.session).stop(conv.patient.id)
    conv.say(conv.catalogue.phrase("stop_done" if stopped else "stop_nothing", conv.language))


async def on_button(conv: Conversation, value: str) -> None:
    if value == "on":
        await opt_in(conv)
    elif value == "off":
        await stop(conv)
    else:
        conv.menu("stale_button")
