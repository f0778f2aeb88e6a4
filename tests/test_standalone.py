"""The repository stands on its own: a copy with nothing beside it imports, collects and checks.

The copy holds what `git clone` would bring (tracked files, and new files git does not ignore), in
an empty temporary folder: no `../shared`, no trained model, no database. Everything is imported and
every test collected there, and the tests that read the project's own files (the intent contract,
the fact sheet, the answers, the training data) run there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings

pytestmark = pytest.mark.slow  # starts a copy of the repository, tested on its own: seconds each

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "nlu", "responses", "review", "storage")
# Rasa's own components run inside .venv-rasa (Python 3.10), never in the helpline's environment.
NOT_IMPORTABLE_HERE = ("nlu.components.",)
# The tests that read the project's content files; the rest of the suite needs no file of its own.
CONTENT_TESTS = ("tests/test_responses.py", "tests/test_nlu_data.py")

IMPORT_EVERYTHING = f"""
import importlib, pathlib, pkgutil, sys
here = pathlib.Path.cwd().resolve()
names = []
for package in {PACKAGES!r}:
    module = importlib.import_module(package)
    names += [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]
for name in names:
    if name.startswith({NOT_IMPORTABLE_HERE!r}):
        continue
    module = importlib.import_module(name)
    assert here in pathlib.Path(module.__file__).resolve().parents, (name, module.__file__)
print(len(names), "modules")
"""


def repository_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def lone_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    copy = tmp_path_factory.mktemp("alone") / "helpline"
    for name in repository_files():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    assert not (copy.parent / "shared").exists()
    return copy


def run_in(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # `python -m` puts the copy first on sys.path, ahead of the editable install of this checkout.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPLINE_", "PYTEST_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=600
    )


def test_every_module_imports_from_a_lone_copy(lone_copy: Path) -> None:
    result = run_in(lone_copy, "-c", IMPORT_EVERYTHING)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_test_is_collected_in_a_lone_copy(lone_copy: Path) -> None:
    result = run_in(lone_copy, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert " tests collected" in result.stdout or "tests collected" in result.stdout


def test_the_content_tests_pass_in_a_lone_copy(lone_copy: Path) -> None:
    result = run_in(lone_copy, "-m", "pytest", "-p", "no:cacheprovider", "-q", *CONTENT_TESTS)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def readme_variables() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table)) - {"HELPLINE_TEST_RASA_URL"}


def example_variables() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    found = (re.fullmatch(r"#\s*([A-Z][A-Z0-9_]+)=(.*)", line.strip()) for line in lines)
    return {m[1]: m[2] for m in found if m}


def test_env_example_lists_every_setting_and_every_readme_variable_without_a_value() -> None:
    settings = {name.upper() for name in Settings.model_fields}
    example = example_variables()
    assert settings <= readme_variables()
    assert readme_variables() == set(example)
    secrets = {
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "HELPLINE_REVIEW_PASSWORD",
        "RASA_TOKEN",
    }
    assert {name: example[name] for name in secrets} == dict.fromkeys(secrets, "")
    # every line is commented out: copying the file changes no default
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert all(not line or line.startswith("#") for line in text.splitlines())


def test_env_files_stay_out_of_git() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0
