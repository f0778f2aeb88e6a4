# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
.PHONY: run test test-fast setup train lint evaluate bench bench-review capacity screenshots clean

VENV_BIN := .venv/bin

setup:
	@bash scripts/setup.sh

train: setup
	@$(VENV_BIN)/helpline nlu train

run: train
	@$(VENV_BIN)/helpline run

# pytest starts the real Rasa server itself (tests/conftest.py) and stops it at the end.
test: train
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/pytest

# the tests that need no Rasa (no NLU server, no model, no .venv-rasa): the engine with a keyword
# parser (tests/fake_parser.py), storage, redaction, review; `make test` runs them all. (setup.sh
# still builds .venv-rasa: on a machine without it, run `.venv/bin/pytest -m "not rasa and not slow" -n auto`.)
test-fast: setup
	$(VENV_BIN)/pytest -m "not rasa and not slow" -n auto

lint: setup
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .

evaluate: setup
	$(VENV_BIN)/helpline nlu evaluate

bench: train
	$(VENV_BIN)/python bench/nlu_parse.py
	$(VENV_BIN)/python bench/engine_turn.py
	$(VENV_BIN)/python bench/telegram_throughput.py
	$(VENV_BIN)/python bench/telegram_limits.py
	$(VENV_BIN)/python bench/agents_pacing.py
	$(VENV_BIN)/python bench/redaction.py
	$(VENV_BIN)/python bench/agents_desk.py
	$(VENV_BIN)/python bench/nlu_pool.py
	$(VENV_BIN)/python bench/agents_groups.py
	$(VENV_BIN)/python bench/cluster_workers.py
	$(VENV_BIN)/python bench/surge.py

# docs/capacity.md from the figures the benches wrote in reports/bench/*.json (`make bench`)
capacity: setup
	$(VENV_BIN)/python scripts/capacity.py

bench-review: setup
	$(VENV_BIN)/python bench/review_pages.py

# the README's pictures (docs/*.png): the review workspace, a patient's chat, an agents' topic
screenshots: train
	$(VENV_BIN)/python -m tests.screenshots

clean:
	rm -rf nlu/models var .pytest_cache .ruff_cache
