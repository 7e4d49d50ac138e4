"""Real processes for the deploy tests: `plus serve` instances, nginx, redis-server, on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from bench.serving import free_port
from tests.checkout.helpers import wait_for

PLUS = str(Path(sys.executable).with_name("plus"))
REPO = Path(__file__).resolve().parents[2]


def children(pid: int) -> set[int]:
    """The live child processes of `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) "
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


class Process:
    """A command in the background, its output in a log file, stopped at the end of the test."""

    def __init__(self, args: list[str], log: Path, env: dict | None = None, ready: str | None = None):
        self.args, self.log, self.ready = args, log, ready
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.process is not None
        return self.process.pid

    def start(self, wait: bool = True) -> Process:
        """Start it (and wait until `ready` answers)."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the `ready` URL answers 200."""
        if self.ready:
            wait_for(self._answers, timeout=timeout)

    def _answers(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, f"{self.args[:3]} exited:\n{self.log.read_text()[-3000:]}"
        try:
            return requests.get(self.ready, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it (SIGTERM, then SIGKILL after 15 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class PlusServe(Process):
    """`plus serve` on a free loopback port."""

    def __init__(self, tmp: Path, env: dict, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {"PUBLIC_URL": self.url, **env}
        super().__init__(
            [PLUS, "serve", "--port", str(self.port), *args], tmp / f"serve-{self.port}.log", env, ready=f"{self.url}/api/health"
        )


def start_two_instances(tmp: Path, env: dict, site: Path, started: list) -> tuple[PlusServe, PlusServe]:
    """Two app instances on one store (one with 2 gunicorn workers), each with its own instance folder.

    Both are started before either is awaited, so they come up (and migrate) concurrently; each is
    appended to `started` so the caller's clean-up stops it.
    """
    serving = ("--no-build", "--output", str(site))
    first = PlusServe(tmp, env, *serving, "--workers", "2")
    second = PlusServe(tmp, {**env, "PLUS_INSTANCE": env["PLUS_INSTANCE"] + "-b"}, *serving)
    for instance in (first, second):
        started.append(instance.start(wait=False))
    for instance in (first, second):
        instance.wait_ready()
    return first, second


class Nginx(Process):
    """nginx in the foreground with its own prefix (config written by the test)."""

    def __init__(self, prefix: Path, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        super().__init__(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], prefix / "nginx.out", ready=None)

    def start(self, wait: bool = True) -> Nginx:
        """Start nginx and wait until it accepts connections."""
        super().start(wait=False)
        wait_for(self._listening, timeout=15)
        return self

    def _listening(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, self.log.read_text()
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self, sig: int = signal.SIGQUIT) -> None:
        """Stop nginx (SIGQUIT: finish requests, then exit)."""
        super().stop(sig)


class Redis(Process):
    """redis-server on a free loopback port, nothing saved to disk."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        folder.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)]
        super().__init__(args, folder / "redis.log")

    def start(self, wait: bool = True) -> Redis:
        """Start redis and wait for PONG."""
        super().start(wait=False)
        wait_for(self._pong, timeout=15)
        return self

    def _pong(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, self.log.read_text()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def have(binary: str) -> bool:
    """Whether a program is on PATH (or in /usr/sbin, where Debian puts nginx)."""
    return shutil.which(binary) is not None or Path("/usr/sbin", binary).exists()
