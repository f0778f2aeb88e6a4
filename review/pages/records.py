"""What supervisors check of the records themselves: the retention view (what the next purge
deletes, what the anonymous daily counts keep) and the audit log."""

from __future__ import annotations

from aiohttp import web

from review.context import config_of, render, sessions_of
from review.params import query_id
from review.queries.audit import audit_page
from review.queries.retention import retention
from storage.stats import fold_cutoff


async def retention_page(request: web.Request) -> web.StreamResponse:
    cutoff = fold_cutoff(config_of(request).retention_days)
    async with sessions_of(request)() as session:
        kept = await retention(session, cutoff)
    return render(
        request,
        "retention.html",
        cutoff=cutoff,
        oldest=kept.oldest,
        due=kept.due,
        archived_from=kept.archived_from,
        archived_to=kept.archived_to,
        archived_rows=kept.archived_rows,
    )


async def audit_log(request: web.Request) -> web.StreamResponse:
    before = query_id(request, "before")
    async with sessions_of(request)() as session:
        entries = await audit_page(session, before)
    return render(
        request,
        "audit.html",
        entries=entries,
        next_url=f"?before={entries[-1].id}" if len(entries) == 100 else None,
    )
