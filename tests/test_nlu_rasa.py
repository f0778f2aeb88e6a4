"""The Rasa side as the CLI drives it: data validation, idempotent training, serving, stopping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from nlu import rasa
from nlu.dataset import intents_contract
from tests.conftest import free_port


def test_domain_declares_exactly_the_contract_intents() -> None:
    domain = yaml.safe_load(rasa.DOMAIN.read_text())
    assert domain["intents"] == intents_contract()


@pytest.mark.rasa  # Rasa's CLI, in .venv-rasa
def test_rasa_data_validate_passes() -> None:
    completed = rasa.validate_data()
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]


@pytest.mark.rasa  # the trained model
def test_train_does_nothing_when_data_and_config_are_unchanged() -> None:
    model, seconds = rasa.train()  # `make test` trained already
    assert seconds is None
    assert model == rasa.model_path()


def test_fingerprint_follows_the_config(tmp_path) -> None:
    other = tmp_path / "config.yml"
    other.write_text(rasa.CONFIG.read_text() + "\n# a change\n")
    assert rasa.fingerprint(other) != rasa.fingerprint()


@pytest.mark.rasa
def test_serve_waits_for_the_model_then_stops_cleanly_on_sigterm() -> None:
    port = free_port()
    env = {**os.environ, "RASA_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "nlu", "serve"],
        cwd=rasa.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()  # printed only once the model answers /status
        assert f"ready on http://127.0.0.1:{port}" in first_line
        assert rasa.RasaServer(rasa.model_path(), port=port).is_ready()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    deadline = time.monotonic() + 10
    while rasa.RasaServer(rasa.model_path(), port=port).is_ready() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not rasa.RasaServer(rasa.model_path(), port=port).is_ready()
