"""Supervisors set and remove flags on a conversation's patient ("prefers English", "sensitive:
HIV status"), from its transcript page. Each change is audited (by the flag's id, never its
kind: the audit log outlives the flag), and the pinned card of the patient's open case is
shown again with it, through the agents' outbox (storage/flags.py)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy

from review.context import render, see_other, sessions_of, user_of
from review.params import BadRequest, row_id
from review.queries.audit import audit
from review.queries.flags import patient_id_of
from storage.flags import KNOWN_KINDS, MAX_DAYS, FlagKind, FlagRepository, refresh_card


def _kind(form: MultiDictProxy[str | bytes | web.FileField]) -> FlagKind:
    value = str(form.get("kind", ""))
    if value not in KNOWN_KINDS:
        raise BadRequest("Choose a flag from the list.")
    return FlagKind(value)


def _days(form: MultiDictProxy[str | bytes | web.FileField]) -> int | None:
    value = str(form.get("days", "")).strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_DAYS:
        raise BadRequest(f"A flag expires after 1 to {MAX_DAYS} days, or leave it empty.")
    return int(value)


def _back(pseudonym: str) -> web.HTTPSeeOther:
    return see_other(f"/conversations/{quote(pseudonym, safe='')}#flags")


async def flag_add(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    form = await request.post()
    kind, days = _kind(form), _days(form)
    note = str(form.get("note", ""))  # redacted and shortened by FlagRepository.set
    pseudonym = request.match_info["pseudonym"]
    async with sessions_of(request)() as session, session.begin():
        patient_id = await patient_id_of(session, pseudonym)
        if patient_id is None:
            return render(request, "error.html", status=404, message="No such conversation.")
        flags = FlagRepository(session)
        flag = await flags.set(patient_id, kind, f"review:{user.name}", days=days, note=note)
        await refresh_card(session, patient_id)
        await audit(session, user.name, "add_flag", f"{pseudonym} flag {flag.id}")
    raise _back(pseudonym)


async def flag_remove(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    form = await request.post()
    flag_id = row_id(str(form.get("flag", "")))
    if flag_id is None:
        raise BadRequest("No such flag.")
    pseudonym = request.match_info["pseudonym"]
    async with sessions_of(request)() as session, session.begin():
        patient_id = await patient_id_of(session, pseudonym)
        flags = FlagRepository(session)
        if patient_id is None or await flags.remove(patient_id, flag_id) is None:
            return render(request, "error.html", status=404, message="No such flag.")
        await refresh_card(session, patient_id)
        await audit(session, user.name, "remove_flag", f"{pseudonym} flag {flag_id}")
    raise _back(pseudonym)
