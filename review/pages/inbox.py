"""The NLU inbox: patient texts to give a verdict, the verdicts given, and their export as
Rasa training data (supervisors)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from aiohttp import web

from review.context import config_of, render, see_other, sessions_of, user_of
from review.export import export_nlu, known_examples
from review.params import BadRequest, query_id, row_id
from review.queries.annotations import ANNOTATION_ERRORS, AnnotationError, annotate
from review.queries.audit import audit
from review.queries.inbox import inbox


async def inbox_page(request: web.Request) -> web.StreamResponse:
    """Patient texts (consenting patients only); every view is audited, by its tab and page,
    never by what it shows."""
    cfg = config_of(request)
    user = user_of(request)
    done = request.query.get("view") == "done"
    before_id = query_id(request, "before")
    async with sessions_of(request)() as session, session.begin():
        items = await inbox(
            session,
            cfg.threshold,
            cfg.low_confidence,
            done=done,
            before_id=before_id,
            size=cfg.page_size,
        )
        view = "annotated" if done else "to-review"
        page = "" if before_id is None else f" before message {before_id}"
        await audit(session, user.name, "open_inbox", view + page)
    more = len(items) == cfg.page_size
    return render(
        request,
        "inbox.html",
        items=items,
        done=done,
        intents=cfg.intents,
        low=max(cfg.threshold, cfg.low_confidence),
        next_url=(
            "?" + urlencode({**({"view": "done"} if done else {}), "before": items[-1].message_id})
            if more
            else None
        ),
        # only our own messages: a link must not make the page say what its author wants
        error=ANNOTATION_ERRORS.get(request.query.get("error", "")),
    )


async def inbox_annotate(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    form = await request.post()
    message_id = row_id(request.match_info["message_id"])
    if message_id is None:
        raise BadRequest("No such patient message.")
    back = "/inbox" + ("?view=done" if form.get("view") == "done" else "")
    async with sessions_of(request)() as session, session.begin():
        try:
            await annotate(
                session,
                message_id,
                str(form.get("verdict", "")),
                str(form.get("intent", "")) or None,
                user.name,
                list(config_of(request).intents),
                consenting_only=True,
            )
        except AnnotationError as exc:
            sep = "&" if "?" in back else "?"
            raise see_other(back + sep + urlencode({"error": exc.code})) from None
        await audit(session, user.name, "annotate", f"message {message_id}")
    raise see_other(back)


async def inbox_export(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    async with sessions_of(request)() as session, session.begin():
        exported = await export_nlu(session, await asyncio.to_thread(known_examples))
        await audit(session, user.name, "export_nlu", f"{exported.count} examples")
    return web.Response(
        text=exported.yaml,
        content_type="application/x-yaml",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="nlu-review.yml"'},
    )
