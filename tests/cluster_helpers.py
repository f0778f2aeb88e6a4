"""A helpline cluster on one machine, as deploy/README.md runs it: a PostgreSQL cluster of its
own, nginx from deploy/nginx.conf on loopback, N webhook workers (`.venv/bin/helpline serve
--webhook`, one WEBHOOK_PORT each) and the Bot API emulator (tests/telegram_emulator.py), which
posts Telegram's webhook to nginx. Used by tests/test_cluster_*.py and by bench/ scripts:

    cluster = Cluster(nlu_urls=["http://127.0.0.1:5599", ...], workers=2)
    await cluster.start()             # PostgreSQL, migrations, nginx, workers; webhook delivery
    cluster.emulator.push_text(...)   # patients write; the emulator posts it like Telegram
    cluster.kill_worker(0)            # kill -9
    await cluster.start_worker(0)     # the same port again, waits until it serves
    cluster.postgres.restart()        # pg_ctl restart -m fast
    await cluster.lock_holder(space, key)   # which worker holds an advisory lock
    await cluster.stop()

Readiness is read from events, never waited out: a worker is up once the emulator saw its
setWebhook call and its port accepts connections; nginx once its start command returned (the
master daemonizes after binding). Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from nlu.rasa import RasaServer, auth_token, model_path
from tests.postgres_helpers import Postgres, free_port
from tests.reaper_helpers import forget, kill_group_later, stop_later
from tests.telegram_emulator import BotAPIEmulator

ROOT = Path(__file__).resolve().parent.parent
HELPLINE = ROOT / ".venv" / "bin" / "helpline"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
MODELS = ROOT / "nlu" / "models"
SECRET = "cluster-webhook-secret"
# two agents' groups: French cases in one, English and urgent ones in the other
FR_GROUP, EN_GROUP = -1001000, -1002000
GROUPS = f"{FR_GROUP}:fr, {EN_GROUP}:en:en+urgent"
AGENT = 7001
ROOT_USER = os.geteuid() == 0


def render_nginx(workers: list[int], listen: str, server_name: str = "_") -> str:
    """deploy/nginx.conf with its placeholders filled in (the site, not a whole nginx.conf)."""
    upstream = " ".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in workers)
    site = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in (("@WORKERS@", upstream), ("@LISTEN@", listen)):
        site = site.replace(placeholder, value)
    return site.replace("@SERVER_NAME@", server_name)


class Nginx:
    """nginx with its own prefix, pid file and logs, serving the rendered site on loopback."""

    def __init__(self, workers: list[int]) -> None:
        self.prefix = Path(tempfile.mkdtemp(prefix="helpline-cluster-nginx-"))
        self.port = free_port()
        self.site = render_nginx(workers, f"listen 127.0.0.1:{self.port};")
        self._reaper: str | None = None  # should the test process be killed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _command(self, *args: str) -> None:
        conf = self.prefix / "nginx.conf"
        subprocess.run(
            ["/usr/sbin/nginx", "-p", str(self.prefix), "-c", str(conf), *args],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def start(self) -> None:
        temp = self.prefix / "temp"
        temp.mkdir()
        if ROOT_USER:  # its workers run as nobody
            nobody = pwd.getpwnam("nobody")
            os.chown(temp, nobody.pw_uid, nobody.pw_gid)
        (self.prefix / "site.conf").write_text(self.site, encoding="utf-8")
        temps = " ".join(
            f"{kind}_temp_path {temp}/{kind};" for kind in ("client_body", "proxy", "fastcgi")
        )
        temps += f" uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;"
        (self.prefix / "nginx.conf").write_text(
            f"pid {self.prefix}/nginx.pid;\nerror_log {self.prefix}/error.log warn;\n"
            "worker_processes 1;\nevents { worker_connections 512; }\n"
            "http { log_format upstream '$status $upstream_addr';\n"
            f"access_log {self.prefix}/access.log upstream; {temps}\n"
            f"include {self.prefix}/site.conf; }}\n",
            encoding="utf-8",
        )
        self._command()  # the master daemonizes once it listens
        self._reaper = stop_later(
            [
                "/usr/sbin/nginx",
                "-p",
                str(self.prefix),
                "-c",
                str(self.prefix / "nginx.conf"),
                "-s",
                "stop",
            ]
        )

    def upstreams(self) -> Counter[str]:
        """How many posts each worker answered (its 127.0.0.1:PORT), from the access log."""
        log = self.prefix / "access.log"
        lines = log.read_text().splitlines() if log.exists() else []
        return Counter(address for line in lines for address in line.partition(" ")[2].split(", "))

    def stop(self) -> None:
        pid_file = self.prefix / "nginx.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
        shutil.rmtree(self.prefix, ignore_errors=True)
        if self._reaper is not None:
            forget(self._reaper)


@dataclass
class Worker:
    """One `helpline serve --webhook` process and its port."""

    number: int
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    reaper: str | None = None  # should the test process be killed (reaper_helpers.py)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Cluster:
    """PostgreSQL + nginx + `workers` webhook workers + the emulator, on loopback.

    `nlu_urls`: the NLU servers (RASA_URLS); `env`: more settings for every worker."""

    nlu_urls: list[str]
    workers_count: int = 2
    env: dict[str, str] = field(default_factory=dict)
    emulator: BotAPIEmulator = field(default_factory=BotAPIEmulator)
    # each worker keeps up to 30 + 10 connections (storage/db.py, send_budget.py): 4 workers
    postgres: Postgres = field(default_factory=lambda: Postgres(settings=("max_connections=200",)))
    workers: list[Worker] = field(default_factory=list)
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="helpline-logs-")))
    nginx: Nginx | None = None
    _delivery: asyncio.Task[None] | None = None

    @property
    def database_url(self) -> str:
        return self.postgres.url("helpline")

    def worker_env(self, worker: Worker) -> dict[str, str]:
        assert self.nginx is not None
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")}
        return {
            **keep,
            "DATABASE_URL": self.database_url,
            "TELEGRAM_BOT_TOKEN": self.emulator.token,
            "TELEGRAM_API_URL": self.emulator.base_url,
            "TELEGRAM_WEBHOOK_URL": self.nginx.url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(worker.port),
            "RASA_URLS": ",".join(self.nlu_urls),
            "RASA_TOKEN": auth_token(),
            "HELPLINE_AGENTS_CHAT_IDS": GROUPS,
            "AGENTS_HOURS": "always",  # the tests must not depend on the time they run at
            "HELPLINE_OPERATOR": "Helpline test",
            **self.env,
        }

    async def start(self) -> None:
        """Everything up and serving; the emulator delivers the webhook from then on."""
        await self.emulator.start()
        for group in (FR_GROUP, EN_GROUP):
            self.emulator.set_member(group, AGENT, "member")
        self.postgres.start()
        admin = await asyncpg.connect(self.postgres.dsn())
        await admin.execute("CREATE DATABASE helpline")
        await admin.close()
        ports = [free_port() for _ in range(self.workers_count)]
        self.workers = [
            Worker(n, port, self.logs / f"worker-{n}.log") for n, port in enumerate(ports)
        ]
        self.nginx = Nginx(ports)
        self.nginx.start()
        # the operator's upgrade step (deploy/README.md): migrations before the workers start
        env = self.worker_env(self.workers[0])
        process = await asyncio.create_subprocess_exec(
            str(HELPLINE),
            "purge",
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"`helpline purge` failed:\n{output.decode(errors='replace')}")
        await self.start_workers(*range(self.workers_count))
        self._delivery = asyncio.create_task(self.emulator.deliver_webhook_forever())

    async def start_workers(self, *numbers: int) -> None:
        """Start these workers (again: same port) and wait until each serves."""
        before = len(self.emulator.calls("setWebhook"))
        starting = [self.workers[n] for n in numbers]
        for worker in starting:
            log = worker.log.open("ab")
            worker.process = subprocess.Popen(  # noqa: ASYNC220 - returns at once
                [str(HELPLINE), "serve", "--webhook"],
                cwd=ROOT,
                env=self.worker_env(worker),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # kill -9 reaches it alone
            )
            log.close()
            if worker.reaper is not None:
                forget(worker.reaper)
            worker.reaper = kill_group_later(worker.process.pid)

        def up_or_dead() -> bool:
            if any(not worker.alive for worker in starting):
                return True
            return len(self.emulator.calls("setWebhook")) >= before + len(starting)

        await self.emulator.wait_until(up_or_dead, timeout=120, what="the workers' setWebhook")
        for worker in starting:
            if not worker.alive:
                raise RuntimeError(f"worker {worker.number} died starting:\n{worker.tail()}")
            await _port_open(worker)

    async def start_worker(self, number: int) -> None:
        await self.start_workers(number)

    def kill_worker(self, number: int) -> Worker:
        """kill -9; returns once it is gone."""
        worker = self.workers[number]
        assert worker.process is not None
        worker.process.kill()
        worker.process.wait()
        return worker

    async def lock_holder(self, space: int, key: int) -> Worker | None:
        """The worker whose database connection holds the advisory lock (space, key), if any:
        the lock's backend, its client port, the process owning that socket (/proc)."""
        connection = await asyncpg.connect(self.postgres.dsn("helpline"))
        try:
            port = await connection.fetchval(
                "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
                "AND l.classid::bigint = $1 AND l.objid::bigint = $2",
                space,
                key,
            )
        finally:
            await connection.close()
        if port is None:
            return None
        inode = _inode_of_local_port(int(port))
        for worker in self.workers:
            if worker.alive and inode is not None and inode in _socket_inodes(worker):
                return worker
        return None

    async def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(self.postgres.dsn("helpline"))
        try:
            return [tuple(row) for row in await connection.fetch(sql, *args)]
        finally:
            await connection.close()

    async def stop(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
        for worker in self.workers:
            if worker.alive:
                assert worker.process is not None
                worker.process.terminate()
        for worker in self.workers:
            if worker.process is not None:
                try:
                    await asyncio.to_thread(worker.process.wait, 20)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
        for worker in self.workers:
            if worker.reaper is not None:
                forget(worker.reaper)
        if self.nginx is not None:
            self.nginx.stop()
        self.postgres.stop()
        await self.emulator.stop()

    async def __aenter__(self) -> Cluster:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


@contextlib.asynccontextmanager
async def cluster_with_two_nlu_servers(
    shared_nlu: str, logs: Path, **env: str
) -> AsyncIterator[tuple[Cluster, RasaServer]]:
    """The tests' cluster: `shared_nlu` (the session's Rasa server) and one more, started here
    (the NLU fault test kills it), with `env` for every worker. Rasa loads its model (~20 s)
    while PostgreSQL, nginx and the workers start."""
    with (logs / "rasa.log").open("wb") as log:
        extra = RasaServer(_model_of(shared_nlu), port=free_port(), log=log)
        extra.start()
        try:
            cluster = Cluster(nlu_urls=[shared_nlu, extra.url], env=env, logs=logs)
            async with cluster:
                await asyncio.to_thread(extra.wait_ready)
                yield cluster, extra
        finally:
            extra.stop()


def _model_of(url: str) -> Path:
    """The model the server at `url` serves, for the other one to serve the same (the data may
    have changed since it started); the current data's model if it serves none of ours."""
    status = f"{url}/status?{urllib.parse.urlencode({'token': auth_token()})}"
    with contextlib.suppress(OSError, ValueError):
        with urllib.request.urlopen(status, timeout=5) as response:
            served = MODELS / str(json.load(response).get("model_file"))
        if served.is_file():
            return served
    return model_path()


async def _port_open(worker: Worker) -> None:
    """Its webhook server listens a moment after setWebhook (app.py: set_webhook, then the
    site): try to connect until it accepts."""
    for _ in range(400):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", worker.port)
        except OSError:
            if not worker.alive:
                raise RuntimeError(f"worker {worker.number} died:\n{worker.tail()}") from None
            await asyncio.sleep(0.025)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError(f"worker {worker.number} never opened port {worker.port}")


def _socket_inodes(worker: Worker) -> set[str]:
    assert worker.process is not None
    inodes = set()
    for fd in Path(f"/proc/{worker.process.pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def _inode_of_local_port(port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                return fields[9]
    return None
