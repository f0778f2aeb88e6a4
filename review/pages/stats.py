"""The statistics page (charts) and its CSV, over a span of days (a year at most)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from urllib.parse import urlencode

from aiohttp import web

from review import charts
from review.context import config_of, render, sessions_of, user_of
from review.params import query_day
from review.queries.audit import audit
from review.queries.desk_stats import desk_statistics
from review.queries.stats import statistics
from storage.models import utcnow


def stats_span(request: web.Request) -> tuple[date, date]:
    end = query_day(request, "to") or utcnow().date()
    start = query_day(request, "from") or end - timedelta(days=29)
    if start > end:
        start, end = end, start
    return max(start, end - timedelta(days=366)), end  # a year at most per page


async def stats_page(request: web.Request) -> web.StreamResponse:
    start, end = stats_span(request)
    async with sessions_of(request)() as session:
        stats = await statistics(session, config_of(request).threshold, start, end)
        desk = await desk_statistics(session, start, end)  # the agents' response times
    labels = [d.strftime("%m-%d") for d in stats.days]

    def daily(metric: str) -> list[float]:
        return [stats.per_day.get(d, {}).get(metric, 0) for d in stats.days]

    satisfaction = [(f"{score} / 5", stats.satisfaction.get(score, 0)) for score in range(1, 6)]
    return render(
        request,
        "stats.html",
        stats=stats,
        messages_chart=charts.columns(
            "Messages per day",
            labels,
            [("from patients", daily("messages_in")), ("bot and agents", daily("messages_out"))],
        ),
        conversations_chart=charts.columns(
            "Conversations and escalations per day",
            labels,
            [("conversations", daily("conversations")), ("escalations", daily("escalations"))],
        ),
        fallback_chart=charts.columns(
            "Fallbacks per day", labels, [("fallbacks", daily("fallbacks"))]
        ),
        intents_chart=charts.bars("Intents of patient messages", stats.intents),
        satisfaction_chart=charts.bars("Satisfaction (closed cases)", satisfaction),
        desk=desk,
        query=urlencode({"from": start.isoformat(), "to": end.isoformat()}),
    )


async def stats_csv(request: web.Request) -> web.StreamResponse:
    start, end = stats_span(request)
    user = user_of(request)
    async with sessions_of(request)() as session, session.begin():
        stats = await statistics(session, config_of(request).threshold, start, end)
        await audit(session, user.name, "export_csv", f"{start}..{end}")
    out = io.StringIO()
    csv.writer(out).writerows(stats.csv_rows())
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="helpline-{start}-{end}.csv"'},
    )
