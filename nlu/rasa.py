"""Drive the Rasa 3.6 CLI that lives in `.venv-rasa/` (Python 3.10): train, serve, cross-validate.

The helpline never imports Rasa: it only runs its command line and talks to its HTTP API.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yml"
DATA_DIR = ROOT / "nlu" / "data"
MODELS_DIR = ROOT / "nlu" / "models"
PIPELINES_DIR = ROOT / "nlu" / "pipelines"
DOMAIN = ROOT / "nlu" / "domain.yml"
RASA_VENV = ROOT / ".venv-rasa"
RASA_REQUIREMENTS = ROOT / "nlu" / "requirements.txt"
# The NLU server's HTTP API can replace or delete the model: it answers only with this token.
# Written by the set-up (git-ignored, 0600); RASA_TOKEN overrides it for a server elsewhere.
TOKEN_FILE = ROOT / "var" / "rasa-token"


class RasaError(RuntimeError):
    pass


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",  # offline machines; and nothing leaves the machine anyway
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONWARNINGS="ignore",
        # Rasa logs the parsed text at DEBUG: force INFO so patient text never reaches its logs.
        LOG_LEVEL="INFO",
        # lets Rasa import our custom components (nlu.components.*) by module path
        PYTHONPATH=str(ROOT),
    )
    return env


def auth_token(path: Path = TOKEN_FILE) -> str:
    """The token of the NLU server's HTTP API: read from `path`, made there (0600) if missing."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    return token


def rasa_command(*args: str) -> list[str]:
    rasa = RASA_VENV / "bin" / "rasa"
    if not rasa.exists():
        raise RasaError(f"{rasa} is missing: run `make setup` (scripts/setup.sh) first")
    return [str(rasa), *args]


def validate_data(data: Path = DATA_DIR) -> subprocess.CompletedProcess[str]:
    """`rasa data validate --fail-on-warnings` on `data` with our domain and config."""
    return subprocess.run(
        rasa_command(
            "data", "validate", "--data", str(data), "--domain", str(DOMAIN),
            "--config", str(CONFIG), "--fail-on-warnings",
        ),
        cwd=ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def fallback_threshold(config: Path = CONFIG) -> float:
    """The FallbackClassifier threshold of the config: the engine uses the same bar."""
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8")).get("pipeline", [])
    for component in pipeline:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.0


def intents_from_domain() -> list[str]:
    """The intents the model knows (nlu/domain.yml; tests check it equals nlu/intents.md)."""
    return list(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["intents"])


def data_files() -> list[Path]:
    return sorted(p for p in DATA_DIR.rglob("*.yml") if p.is_file())


def fingerprint(config: Path = CONFIG) -> str:
    """Hash of everything a trained model depends on: config, training data, Rasa's pins."""
    digest = hashlib.sha256()
    for path in [config, DOMAIN, RASA_REQUIREMENTS, *data_files()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(config: Path = CONFIG) -> Path:
    return MODELS_DIR / f"nlu-{fingerprint(config)}.tar.gz"


def train(config: Path = CONFIG, *, force: bool = False) -> tuple[Path, float | None]:
    """Train unless a model for this data and config exists. Returns (model, seconds or None)."""
    target = model_path(config)
    if target.exists() and not force:
        return target, None
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        rasa_command(
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(DATA_DIR),
            "--domain",
            str(DOMAIN),
            "--out",
            str(MODELS_DIR),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ),
        cwd=ROOT,
        env=rasa_env(),
        check=True,
    )
    if not target.exists():
        raise RasaError(f"rasa train finished but {target} is missing")
    return target, time.perf_counter() - started


class RasaServer:
    """`rasa run --enable-api` on loopback, as a child process that can be waited on and stopped."""

    def __init__(
        self,
        model: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 5005,
        log: IO[bytes] | None = None,
        token: str | None = None,
    ) -> None:
        self.model = model
        self.host = host
        self.port = port
        self.token = token or auth_token()
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        if not self.model.exists():
            raise RasaError(f"no trained model at {self.model}: run `helpline nlu train`")
        self._process = subprocess.Popen(
            rasa_command(
                "run",
                "--enable-api",
                "--model",
                str(self.model),
                "--interface",
                self.host,
                "--port",
                str(self.port),
                "--auth-token",
                self.token,
            ),
            cwd=ROOT,
            env=rasa_env(),
            stdout=self._log if self._log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop Rasa ourselves
        )

    def is_ready(self) -> bool:
        try:
            status = f"{self.url}/status?{urllib.parse.urlencode({'token': self.token})}"
            with urllib.request.urlopen(status, timeout=2) as response:
                return bool(json.load(response).get("model_file"))
        except (OSError, ValueError, urllib.error.URLError):
            return False

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Block until the model is loaded; returns the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self._process is not None and self._process.poll() is not None:
                raise RasaError(f"rasa exited with code {self._process.returncode} while starting")
            if self.is_ready():
                return time.monotonic() - started
            time.sleep(0.25)
        raise RasaError(f"rasa was not ready after {timeout:.0f} s")

    def wait(self) -> int:
        assert self._process is not None
        return self._process.wait()

    def stop(self, timeout: float = 20.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> Self:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
