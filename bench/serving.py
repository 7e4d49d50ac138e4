"""Start `plus serve` (or nginx) on a free loopback port for benchmarks and browser tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def stop_on_sigterm() -> None:
    """A SIGTERM (`kill`, `timeout`) stops a benchmark as Ctrl-C does, so its temporary folders (in
    /dev/shm, which is memory) and servers are removed on the way out, not left behind."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def stop_and_leave(servers: Iterable[subprocess.Popen], folder: Path) -> None:
    """In a benchmark's `finally`: stop its servers (the last started first), then remove its temporary
    folder (database, logs, mail) when the run ended or was stopped with Ctrl-C; when it failed, or a
    server would not stop, keep it and say where (its logs say what went wrong)."""
    try:
        for server in reversed(list(servers)):
            server.terminate()
            server.wait(timeout=20)
    finally:
        _leave_work_folder(folder)


def _leave_work_folder(folder: Path) -> None:
    failed = sys.exc_info()[1]
    if failed is None or isinstance(failed, KeyboardInterrupt):
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"the servers' logs are kept in {folder}", file=sys.stderr)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 120.0, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers (any HTTP status), or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def running(command: list[str], ready: str, log: Path, env: dict | None = None, timeout: float = 120.0) -> Iterator[subprocess.Popen]:
    """A server process for the length of the block, once `ready` answers (stopped with SIGTERM, then SIGKILL)."""
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, env={**os.environ, **(env or {})})
    try:
        wait_for(ready, timeout=timeout, process=process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def plus_serve(instance: Path, *args: str, env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[str]:
    """Run `plus serve` in a subprocess with its own instance folder; yield its base URL."""
    port = free_port()
    plus = Path(sys.executable).with_name("plus")
    instance.mkdir(parents=True, exist_ok=True)
    environment = {"PLUS_INSTANCE": str(instance), "CI": "true", **(env or {})}
    base = f"http://127.0.0.1:{port}"
    with running([str(plus), "serve", "--port", str(port), *args], base + "/", log or instance / "serve.log", environment):
        yield base
