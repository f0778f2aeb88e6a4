"""A Rasa intent classifier: TF-IDF word and character n-grams into a logistic regression.

Why not Rasa's own LogisticRegressionClassifier: it learns from raw counts (long messages weigh
more) and exposes neither the regularization strength nor accent folding. Patients type
"securite sociale" as often as "sécurité sociale"; folding accents and sublinear TF-IDF generalize
better on short, misspelled phone messages (see reports/nlu/summary.md for the measured comparison).
"""

from __future__ import annotations

import logging
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_union

logger = logging.getLogger(__name__)
MODEL_FILE = "tfidf_classifier.joblib"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 10.0,
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "char_analyzer": "char_wb",  # or "char": n-grams across word boundaries
            "class_weight": "balanced",
            "ranking_length": 10,
            "random_state": 42,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TfidfIntentClassifier:
        return cls(config, model_storage, resource)

    def _new_pipeline(self) -> Pipeline:
        common = {"lowercase": True, "strip_accents": "unicode", "sublinear_tf": True}
        features = make_union(
            TfidfVectorizer(
                analyzer="word",
                ngram_range=tuple(self.config["word_ngrams"]),
                token_pattern=r"(?u)\b\w+\b",
                **common,
            ),
            TfidfVectorizer(
                analyzer=self.config["char_analyzer"],
                ngram_range=tuple(self.config["char_ngrams"]),
                **common,
            ),
        )
        classifier = LogisticRegression(
            C=self.config["C"],
            class_weight=self.config["class_weight"],
            max_iter=5000,
            random_state=self.config["random_state"],
        )
        return Pipeline([("features", features), ("classifier", classifier)])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        self.pipeline = self._new_pipeline()
        self.pipeline.fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])
        with self._model_storage.write_to(self._resource) as model_dir:
            joblib.dump(self.pipeline, model_dir / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfIntentClassifier:
        try:
            with model_storage.read_from(resource) as model_dir:
                pipeline = joblib.load(model_dir / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.debug("no trained TfidfIntentClassifier in %s", resource.name)
            pipeline = None
        return cls(config, model_storage, resource, pipeline)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.pipeline is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        probabilities = self.pipeline.predict_proba(texts)
        labels = self.pipeline.classes_
        for message, probs in zip(messages, probabilities, strict=True):
            ranking = sorted(
                (
                    {"name": str(n), "confidence": float(p)}
                    for n, p in zip(labels, probs, strict=True)
                ),
                key=lambda item: -item["confidence"],
            )
            message.set("intent", ranking[0], add_to_output=True)
            message.set(
                "intent_ranking", ranking[: self.config["ranking_length"]], add_to_output=True
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
