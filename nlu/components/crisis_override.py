"""A Rasa component that makes the crisis safety net part of the model itself.

The bot checks `bot.safety.read` before trusting any parse; doing the same inside the model
means every client of the NLU server (not only our engine) gets `crisis` for a message with
suicidal or self-harm wording, at confidence 1.0, whatever the classifier said.

The other way round, a message whose only risk words were a figure of speech (« ce mot de passe
va me tuer », "I'm dead tired") and whose crisis score is then too low to ask anything
(`NetReading.with_score` is NONE) does not keep `crisis` as its intent: the next intent takes the
top, and `crisis` stays in the ranking with its confidence (its score is still read). Otherwise
the engine, which answers a top intent `crisis` with the emergency answer, would raise the alarm
that the net and the thresholds decided against.
Placed after the intent classifier and before the FallbackClassifier.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety import Risk, read

CRISIS = "crisis"
RANKING_LENGTH = 10


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisOverride(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisOverride:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            reading = read(message.get(TEXT) or "")
            ranking = message.get("intent_ranking") or []
            others = [item for item in ranking if item["name"] != CRISIS]
            if reading.risk >= Risk.CLEAR:
                top = {"name": CRISIS, "confidence": 1.0}
                message.set("intent", top, add_to_output=True)
                message.set("intent_ranking", [top, *others][:RANKING_LENGTH], add_to_output=True)
                continue
            intent = message.get("intent") or {}
            if intent.get("name") != CRISIS or not others:
                continue
            score = float(intent.get("confidence") or 0.0)
            if reading.with_score(score) is not Risk.NONE:
                continue
            crisis = (
                next(item for item in ranking if item["name"] == CRISIS)
                if len(others) < len(ranking)
                else {"name": CRISIS, "confidence": score}
            )
            message.set("intent", others[0], add_to_output=True)
            message.set(
                "intent_ranking", [*others[: RANKING_LENGTH - 1], crisis], add_to_output=True
            )
        return messages
