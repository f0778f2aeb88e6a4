"""A Rasa component that makes the crisis safety net part of the model itself.

The bot checks `bot.safety.is_crisis` before trusting any parse; doing the same inside the model
means every client of the NLU server (not only our engine) gets `crisis` for a message with
suicidal or self-harm wording, at confidence 1.0, whatever the classifier said.
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

from bot.safety import is_crisis

CRISIS = "crisis"


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
            if not is_crisis(message.get(TEXT) or ""):
                continue
            ranking = [
                item for item in message.get("intent_ranking") or [] if item["name"] != CRISIS
            ]
            top = {"name": CRISIS, "confidence": 1.0}
            message.set("intent", top, add_to_output=True)
            message.set("intent_ranking", [top, *ranking][:10], add_to_output=True)
        return messages
