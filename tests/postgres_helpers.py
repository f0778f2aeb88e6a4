"""A throwaway PostgreSQL cluster on a loopback port (Debian's postgresql, installed by
scripts/setup.sh): the tests' `postgres` fixture, the cluster harness (tests/cluster_helpers.py,
whose fault tests restart it) and the benches start theirs here. PostgreSQL refuses to run as
root: as root, the cluster runs as `nobody`."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

from tests.reaper_helpers import forget, stop_later


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is missing: `make setup` installs it")
    return found


class Postgres:
    """initdb, then a server on a free loopback port with `fsync=off` (throwaway data) and any
    further `-c name=value` in `settings`."""

    def __init__(self, prefix: str = "helpline-pg-", settings: tuple[str, ...] = ()) -> None:
        self.home = tempfile.mkdtemp(prefix=prefix)
        self.port = free_port()
        self.data = f"{self.home}/data"
        self.settings = settings
        self._as: list[str] = []
        self._reapers: list[str] = []  # should the test process be killed (reaper_helpers.py)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.home, nobody.pw_uid, nobody.pw_gid)
            self._as = ["runuser", "-u", "nobody", "--"]

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._ctl(
            postgres_bin("initdb"), "-D", self.data, "-U", "helpline", "--auth=trust", "-E", "UTF8"
        )
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {setting}" for setting in self.settings)
        log = f"{self.home}/log"  # not our stdout: the server would hold our pipe open
        self._ctl(postgres_bin("pg_ctl"), "-D", self.data, "-l", log, "-o", options, "-w", "start")
        stop = [*self._as, postgres_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop"]
        self._reapers = [stop_later(stop), stop_later(["rm", "-rf", self.home])]

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut; returns once it accepts again."""
        log = f"{self.home}/log"
        self._ctl(postgres_bin("pg_ctl"), "-D", self.data, "-l", log, "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl(postgres_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.home, ignore_errors=True)
        for reaper in self._reapers:
            forget(reaper)

    @property
    def base_url(self) -> str:
        """SQLAlchemy's URL without a database name."""
        return f"postgresql+asyncpg://helpline@127.0.0.1:{self.port}"

    def url(self, database: str = "postgres") -> str:
        return f"{self.base_url}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://helpline@127.0.0.1:{self.port}/{database}"
