"""The personal plan in the conversation: the patient ticks what they know or fear leaked, gets
one ordered plan for exactly that mix (bot/plan_steps.py, responses/<lang>/_plan.yml), ticks
the steps they did, and finds it again with `/plan`. Offered from the menu and under the
what_to_do answer.

Kept: the kinds of data ticked and the ids of the steps done (storage.models.PatientPlan), never
a detail; while the patient ticks, their choice waits in the conversation state (`plan_draft`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import followups, letters_flow
from bot.plan_steps import EXPOSURES, Exposure, Step, steps_for, texts
from bot.replies import Button
from responses import Catalogue
from storage.models import PatientPlan
from storage.plans import PlanRepository

if TYPE_CHECKING:
    from bot.conversation import Conversation

PLAN = "plan:"  # button data: show, edit, go, tick, x:<exposure>, d:<step id>
TICKED, UNTICKED = "☑️", "☐"
DONE, TO_DO = "✅", "⬜"


def button(conv: Conversation) -> Button:
    """The plan, from the menu and the what_to_do answer."""
    return button_for(conv.catalogue, conv.language)


def button_for(catalogue: Catalogue, language: str) -> Button:
    return Button(catalogue.phrase("plan_button", language), PLAN + "show")


def _ordered(exposed: list[str]) -> list[Exposure]:
    return [e for e in Exposure if e in exposed]


def _draft(conv: Conversation) -> list[str] | None:
    draft = conv.patient.state.get("plan_draft")
    return None if draft is None else [e for e in draft if e in EXPOSURES]


def _set_draft(conv: Conversation, exposed: list[str] | None) -> None:
    conv.patients.change(conv.patient, state={**conv.patient.state, "plan_draft": exposed})


def _choice(conv: Conversation, ticked: list[str], text: str) -> None:
    """Toggle buttons, one per kind of data, and "see my plan"."""
    _set_draft(conv, ticked)
    labels = texts(conv.language).labels
    buttons = [
        Button(f"{TICKED if e in ticked else UNTICKED} {labels[e]}", f"{PLAN}x:{e}")
        for e in Exposure
    ]
    buttons.append(Button(conv.catalogue.phrase("plan_see", conv.language), PLAN + "go"))
    conv.say(text, tuple(buttons))


def ask(conv: Conversation, ticked: list[str], phrase: str = "plan_ask") -> None:
    """What leaked, or what do you fear leaked?"""
    _choice(conv, ticked, conv.catalogue.phrase(phrase, conv.language))


def toggle(conv: Conversation, value: str) -> None:
    if value not in EXPOSURES:
        conv.menu("stale_button")
        return
    draft = _draft(conv) or []
    draft = [e for e in draft if e != value] if value in draft else [*draft, value]
    phrase, language = conv.catalogue.phrase, conv.language
    names = texts(language).names
    ticked = ", ".join(names[e] for e in _ordered(draft)) or phrase("plan_nothing", language)
    _choice(conv, draft, phrase("plan_ticked", language, ticked=ticked))


async def _load(conv: Conversation) -> PatientPlan | None:
    plan = await PlanRepository(conv.messages.session).get(conv.patient.id)
    return plan if plan is not None and plan.exposed else None


async def finish(conv: Conversation) -> None:
    """ "See my plan": the ticks become the plan; steps done that are still in it stay done."""
    draft = _draft(conv)
    if not draft:
        existing = await _load(conv)
        if draft is None and existing is not None:  # a stale button: the plan as it is
            await show_plan(conv, existing)
        else:
            ask(conv, [], "plan_none")
        return
    exposed = [e.value for e in _ordered(draft)]
    existing = await _load(conv)
    ids = {step.id for step in steps_for(exposed, conv.language)}
    done = [s for s in (existing.done if existing else []) if s in ids]
    await PlanRepository(conv.messages.session).save(conv.patient.id, exposed, done)
    _set_draft(conv, None)
    await show_plan(conv, PatientPlan(patient_id=conv.patient.id, exposed=exposed, done=done))


def render(conv: Conversation, plan: PatientPlan) -> str:
    """The whole plan: each step with what to do, how long the risk lasts, what to watch."""
    phrase, language = conv.catalogue.phrase, conv.language
    names = texts(language).names
    exposed = ", ".join(names[e] for e in _ordered(plan.exposed))
    parts = [phrase("plan_heading", language, exposed=exposed)]
    steps = steps_for(plan.exposed, language)
    for number, step in enumerate(steps, 1):
        mark = DONE if step.id in plan.done else TO_DO
        parts.append(
            f"{mark} **{number}. {step.title}**\n{step.do}\n"
            f"{phrase('plan_lasts', language)} {step.lasts}\n"
            f"{phrase('plan_watch', language)} {step.watch}"
        )
    parts.append(_progress(conv, plan, steps))
    return "\n\n".join(parts)


def _progress(conv: Conversation, plan: PatientPlan, steps: list[Step]) -> str:
    done = sum(step.id in plan.done for step in steps)
    key = "plan_complete" if done == len(steps) else "plan_progress"
    return conv.catalogue.phrase(key, conv.language, done=str(done), total=str(len(steps)))


async def show_plan(conv: Conversation, plan: PatientPlan) -> None:
    phrase, language = conv.catalogue.phrase, conv.language
    steps = steps_for(plan.exposed, language)
    buttons: list[Button] = []
    if any(step.id not in plan.done for step in steps):
        buttons.append(Button(phrase("plan_tick_button", language), PLAN + "tick"))
    letters = [s.letter for s in steps if s.letter is not None and s.id not in plan.done]
    buttons += [letters_flow.letter_button(conv, kind) for kind in dict.fromkeys(letters)]
    buttons += await followups.offer(conv)
    buttons.append(Button(phrase("plan_edit_button", language), PLAN + "edit"))
    conv.say(render(conv, plan), tuple(buttons))


def tick_list(conv: Conversation, plan: PatientPlan, lead: str) -> None:
    """The steps, short, each a button that ticks it (or unticks it)."""
    steps = steps_for(plan.exposed, conv.language)
    lines = [
        f"{DONE if s.id in plan.done else TO_DO} {n}. {s.title}" for n, s in enumerate(steps, 1)
    ]
    text = "\n\n".join((lead, "\n".join(lines), _progress(conv, plan, steps)))
    buttons = [
        Button(f"{DONE if s.id in plan.done else TO_DO} {n}. {s.title}", f"{PLAN}d:{s.id}")
        for n, s in enumerate(steps, 1)
    ]
    buttons.append(Button(conv.catalogue.phrase("plan_show_button", conv.language), PLAN + "show"))
    conv.say(text, tuple(buttons))


async def tick_step(conv: Conversation, step_id: str) -> None:
    plan = await _load(conv)
    steps = {s.id: s for s in steps_for(plan.exposed, conv.language)} if plan else {}
    if plan is None or step_id not in steps:
        conv.menu("stale_button")
        return
    doing = step_id not in plan.done
    done = [*plan.done, step_id] if doing else [s for s in plan.done if s != step_id]
    await PlanRepository(conv.messages.session).save(conv.patient.id, plan.exposed, done)
    plan = PatientPlan(patient_id=conv.patient.id, exposed=plan.exposed, done=done)
    key = "plan_step_done" if doing else "plan_step_undone"
    tick_list(conv, plan, conv.catalogue.phrase(key, conv.language, title=steps[step_id].title))


async def show(conv: Conversation) -> None:
    """/plan and its button: the plan with its ticks, or the question that makes it."""
    plan = await _load(conv)
    if plan is None:
        ask(conv, _draft(conv) or [])
    else:
        await show_plan(conv, plan)


async def on_button(conv: Conversation, value: str) -> None:
    action, _, argument = value.partition(":")
    if action == "show":
        await show(conv)
    elif action == "edit":
        plan = await _load(conv)
        ask(conv, list(plan.exposed) if plan else [])
    elif action == "x":
        toggle(conv, argument)
    elif action == "go":
        await finish(conv)
    elif action == "tick":
        plan = await _load(conv)
        if plan is None:
            ask(conv, [])
        else:
            tick_list(conv, plan, conv.catalogue.phrase("plan_tick_prompt", conv.language))
    elif action == "d":
        await tick_step(conv, argument)
    else:
        conv.menu("stale_button")
