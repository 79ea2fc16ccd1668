"""Scaffolding that the fault test (tests/faults/) and the benchmarks
(bench/) share: child processes in sessions of their own, a throwaway
Redis, scratch PostgreSQL databases, and how busy the machine is. Nothing
here runs in the web app or the workers."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HOST = "127.0.0.1"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def wait_for(condition, seconds: float, step: float = 0.2) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` have passed."""
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if condition():
            return True
        time.sleep(step)
    return condition()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, seconds: float = 15) -> None:
    """Stop a process started in a session of its own, with its children."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError):  # a child that outlived its parent
        os.killpg(process.pid, signal.SIGKILL)


def process_group_cpu(pid: int) -> float:
    """CPU seconds used by the living processes of the group led by ``pid``
    (a Celery worker and its pool), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pid:
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU time of all cores since boot, in ticks."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class RedisServer:
    """A throwaway Redis on 127.0.0.1 and a free port that persists nothing,
    so a restart loses every queued task."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - the system's redis-server
                [
                    *(REDIS_SERVER, "--bind", HOST, "--port", str(self.port)),
                    *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not wait_for(self.answers, 10):
            raise RuntimeError(self.log_path.read_text(errors="replace")[-2000:])

    def answers(self) -> bool:
        import redis

        client = redis.Redis(host=HOST, port=self.port, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def kill(self) -> None:
        if self.process is not None:
            stop(self.process, signal.SIGKILL)


# --- Scratch databases on a PostgreSQL server ---------------------------------------------


def database_url(server_url: str, name: str) -> str:
    """``server_url`` pointing at database ``name`` instead."""
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def _on_server(server_url: str, statement, params=None):
    import psycopg2

    connection = psycopg2.connect(server_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchone() if cursor.description else None
    finally:
        connection.close()


def create_database(server_url: str, name: str) -> bool:
    """Create database ``name`` unless it exists; True when it was created."""
    from psycopg2 import sql

    if _on_server(server_url, "SELECT 1 FROM pg_database WHERE datname = %s", [name]):
        return False
    _on_server(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, closing its connections."""
    from psycopg2 import sql

    _on_server(
        server_url,
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
    )
