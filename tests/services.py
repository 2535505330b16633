"""Real PostgreSQL and Redis for tests: from TEST_DATABASE_URL / TEST_REDIS_URL, or private.

When the variables are unset, a private redis-server or PostgreSQL cluster is
started in a temp dir on a free port, if the binaries are installed. Otherwise the
tests that need the service are skipped with a reason that says how to enable them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with closing(socket.socket()) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


class PrivateRedis:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="cc-redis-")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """initdb + postgres in a temp dir, run as the ``postgres`` user when we are root."""

    def __init__(self) -> None:
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bindirs:
            raise FileNotFoundError("PostgreSQL server binaries are not installed")
        bindir = Path(bindirs[-1])
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="cc-pg-")
        os.chmod(self.dir, 0o777)  # noqa: S103  (the postgres user must write its socket here)
        as_user: list[str] = []
        if os.geteuid() == 0:
            as_user = ["runuser", "-u", "postgres", "--"]
        data = Path(self.dir) / "data"
        subprocess.run(
            [
                *as_user,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.proc = subprocess.Popen(
            [
                *as_user,
                str(bindir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-k",
                self.dir,
                "-h",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)
        time.sleep(0.5)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        shutil.rmtree(self.dir, ignore_errors=True)


def create_database(server_url: str) -> tuple[str, str]:
    """A fresh, uniquely named database on the server; returns (url, name)."""
    import psycopg

    name = "cc_test_" + uuid.uuid4().hex[:10]
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = dsn.rsplit("/", 1)[0]
    return f"{base}/{name}", name


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    dsn = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
