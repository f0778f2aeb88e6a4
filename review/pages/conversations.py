"""The conversation list (filtered, keyset-paged) and one conversation's transcript."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from responses.flags import flag_labels
from review.context import config_of, render, see_other, sessions_of, user_of
from review.params import HOME, query_cursor
from review.queries.audit import audit
from review.queries.conversations import RISK_FLAGS, Filters, list_conversations
from review.queries.flags import flags_of
from review.queries.transcript import consent_of, transcript
from storage.flags import MAX_DAYS

NO_CONSENT = (
    "This patient did not consent to their messages being used to improve the service: "
    "only a supervisor may open this conversation."
)


async def index(_request: web.Request) -> web.StreamResponse:
    raise see_other(HOME)


async def conversations(request: web.Request) -> web.StreamResponse:
    cfg = config_of(request)
    filters = Filters.parse(request.query, list(cfg.intents))
    after, before = query_cursor(request, "after"), query_cursor(request, "before")
    async with sessions_of(request)() as session:
        page = await list_conversations(
            session, filters, cfg.threshold, after=after, before=before, size=cfg.page_size
        )
    base = filters.query()
    return render(
        request,
        "conversations.html",
        page=page,
        filters=filters,
        intents=cfg.intents,
        risk_flags=RISK_FLAGS,
        threshold=cfg.threshold,
        next_url="?" + urlencode({**base, "after": page.next_cursor}) if page.next_cursor else None,
        prev_url="?" + urlencode({**base, "before": page.prev_cursor})
        if page.prev_cursor
        else None,
        first_url="?" + urlencode(base),
    )


async def conversation(request: web.Request) -> web.StreamResponse:
    """A transcript. The bot promises patients who did not say yes to `consent_improve` that
    their messages will not serve to improve the service: theirs is for supervisors only (a
    reviewer gets 403 before any text is read), and a supervisor's opening is audited as such."""
    pseudonym = request.match_info["pseudonym"]
    user = user_of(request)
    async with sessions_of(request)() as session, session.begin():
        consent = await consent_of(session, pseudonym)
        if consent is None:
            return render(request, "error.html", status=404, message="No such conversation.")
        if not consent and not user.is_supervisor:
            return render(request, "error.html", status=403, message=NO_CONSENT)
        found = await transcript(session, pseudonym, config_of(request).threshold)
        if found is None:
            return render(request, "error.html", status=404, message="No such conversation.")
        action = "open_conversation" if consent else "open_conversation_no_consent"
        await audit(session, user.name, action, found.pseudonym)
        flags = await flags_of(session, found.pseudonym)
    return render(
        request,
        "transcript.html",
        t=found,
        threshold=config_of(request).threshold,
        flags=flags,
        flag_labels=flag_labels()["en"],  # the workspace is in English
        flag_max_days=MAX_DAYS,
    )
