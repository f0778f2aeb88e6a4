"""What an agent says of a case when closing it (issue 17). `/close`, or the card's close button,
first asks how the case ended (one outcome), then what it was about (one or more categories,
ticked and unticked, then "done"); only then does the case close, by `Escalations.close`: a case
with a risk flag still asks its confirmation, the patient still gets the satisfaction question.
Each answer is stored on the case as it comes (cases.outcome, cases.categories), for the
statistics; the labels are in responses/case_categories.yml.

One message in the topic carries the questions: the outcome's buttons; edited, the categories'
toggles; edited again, what was chosen. No Telegram here: the group is told through the outbox.
"""

from __future__ import annotations

from bot.agent_texts import case_button
from bot.escalation import AgentOutcome, Escalations
from storage.cases import CaseRepository, OutboxRepository
from storage.models import Case, CaseStatus, Outcome
from storage.outbox import EditTopicText, TopicText

# the buttons' actions: "case:outcome:<case id>:<outcome>", "case:cat:<case id>:<category>",
# "case:done:<case id>"
OUTCOME, CATEGORY, DONE = "outcome", "cat", "done"
STEPS = frozenset({OUTCOME, CATEGORY, DONE})
OUTCOME_COLUMNS = 2  # short labels
CATEGORY_COLUMNS = 1  # longer ones, ticked: one a row reads at a glance

Question = tuple[str, tuple[tuple[str, str], ...], int]  # text, buttons, buttons per row


async def ask_outcome(escalations: Escalations, case_id: int) -> AgentOutcome:
    """/close and the card's close button: the first question, how the case ended."""
    async with escalations.sessions() as session, session.begin():
        case = await session.get(Case, case_id)
        if case is None or case.status == CaseStatus.CLOSED:
            return AgentOutcome(case)
        await OutboxRepository(session).add(case, TopicText(*_outcome_question(escalations, case)))
        return AgentOutcome(case)


async def step(
    escalations: Escalations, action: str, case_id: int, argument: str, message_id: int
) -> AgentOutcome:
    """A button of the questions, pressed on the message `message_id`: an outcome chosen, a
    category ticked or unticked, or "done", which closes the case once both are answered.
    What the button names is checked: a forged or stale one changes nothing."""
    if action not in STEPS:
        return AgentOutcome()
    async with escalations.sessions() as session, session.begin():
        cases, outbox = CaseRepository(session), OutboxRepository(session)
        case = await cases.for_closing(case_id)
        if case is None or case.status == CaseStatus.CLOSED:
            return AgentOutcome(case)
        taxonomy = escalations.taxonomy
        if action == OUTCOME:
            if argument not in taxonomy.outcomes:
                return AgentOutcome(case)
            await cases.set_outcome(case, Outcome(argument))
        elif action == CATEGORY and case.outcome is not None:
            if argument not in taxonomy.categories:
                return AgentOutcome(case)
            await cases.set_categories(case, _toggled(escalations, case, argument))
        if case.outcome is None:  # a button from before the case was reopened: start again
            await outbox.add(case, EditTopicText(message_id, *_outcome_question(escalations, case)))
            return AgentOutcome(case)
        if action != DONE or not _chosen(escalations, case):
            question = _categories_question(escalations, case, warn=action == DONE)
            await outbox.add(case, EditTopicText(message_id, *question))
            return AgentOutcome(case)
        await outbox.add(case, EditTopicText(message_id, _summary(escalations, case)))
    return await escalations.close(case_id)


async def confirm(escalations: Escalations, case_id: int) -> AgentOutcome:
    """The risk confirmation's button: closes the case, once its outcome and categories were
    given (a confirmation from before a reopening asks them again)."""
    async with escalations.sessions() as session:
        case = await session.get(Case, case_id)
        answered = case is not None and case.outcome is not None and _chosen(escalations, case)
    if case is not None and case.status != CaseStatus.CLOSED and not answered:
        return await ask_outcome(escalations, case_id)
    return await escalations.close(case_id, confirmed=True)


def _chosen(escalations: Escalations, case: Case) -> list[str]:
    """The case's categories that are in the file, in its order."""
    return [c for c in escalations.taxonomy.categories if c in case.categories]


def _toggled(escalations: Escalations, case: Case, category: str) -> list[str]:
    chosen = set(_chosen(escalations, case)) ^ {category}
    return [c for c in escalations.taxonomy.categories if c in chosen]


def _outcome_question(escalations: Escalations, case: Case) -> Question:
    texts, taxonomy = escalations.texts, escalations.taxonomy
    buttons = tuple(
        (taxonomy.outcome_label(outcome, texts.language), case_button(OUTCOME, case.id, outcome))
        for outcome in taxonomy.outcomes
    )
    return texts.phrase("closing.outcome", number=case.number), buttons, OUTCOME_COLUMNS


def _categories_question(escalations: Escalations, case: Case, *, warn: bool) -> Question:
    texts, taxonomy = escalations.texts, escalations.taxonomy
    assert case.outcome is not None
    outcome = taxonomy.outcome_label(case.outcome, texts.language)
    text = texts.phrase("closing.categories", number=case.number, outcome=outcome)
    if warn:
        text += "\n" + texts.phrase("closing.choose_one")
    chosen = _chosen(escalations, case)
    buttons = []
    for category in taxonomy.categories:
        label = taxonomy.category_label(category, texts.language)
        if category in chosen:
            label = texts.phrase("closing.ticked", label=label)
        buttons.append((label, case_button(CATEGORY, case.id, category)))
    buttons.append((texts.phrase("closing.done"), case_button(DONE, case.id)))
    return text, tuple(buttons), CATEGORY_COLUMNS


def _summary(escalations: Escalations, case: Case) -> str:
    texts, taxonomy = escalations.texts, escalations.taxonomy
    assert case.outcome is not None
    categories = (taxonomy.category_label(c, texts.language) for c in _chosen(escalations, case))
    return texts.phrase(
        "closing.summary",
        number=case.number,
        outcome=taxonomy.outcome_label(case.outcome, texts.language),
        categories=", ".join(categories),
    )
