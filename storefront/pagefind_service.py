"""A small client for `pagefind --service`: the indexer as a separate process fed record by record.

Pagefind's own Python wrapper polls for answers every 0.1 s, one answer per poll, which makes
10,000 records take minutes (and stalls once the answers fill its pipe). This client speaks the
same protocol, base64-encoded JSON messages each ended by a comma, without threads: requests are
queued and go down a pipe as fast as Pagefind reads them (`push` never waits, so the build hands
them over between the pages it renders), answers go into a temporary file read when wanted.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import logging
import os
import select
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PIPE_SIZE = 1 << 20
"""Bytes the pipe to Pagefind holds (Linux's most for a user; a record is ~5 KB encoded)."""


_INPUTS: set[int] = set()
"""The write end of each running service's input. A forked child (validation, search records) closes
its copies: one held open kept a service from seeing its input end, and so from exiting, until that
child was done, and a child that waited for this process to read its answer never was (`close` then
killed the service after 10 s: twice a build at 100,000 products, with two services at once)."""


def _close_inputs() -> None:
    for fd in _INPUTS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _INPUTS.clear()


os.register_at_fork(after_in_child=_close_inputs)


class ServiceError(Exception):
    """The Pagefind service is missing, refused a message, died or did not answer in time."""


def executable() -> Path:
    """The Pagefind binary the `pagefind` package installed (the extended one when present)."""
    from pagefind.service import get_executable

    path = get_executable()
    if path is None:
        raise ServiceError("no Pagefind binary: install pagefind[extended]")
    return Path(path)


class PagefindService:
    """One `pagefind --service` process."""

    def __init__(self, binary: Path | None = None):
        self._answers_file = tempfile.TemporaryFile(prefix="pagefind-answers-")
        self._errors_file = tempfile.TemporaryFile(prefix="pagefind-stderr-")
        read_end, self._stdin = os.pipe()
        try:
            self._process = subprocess.Popen(
                [str(binary or executable()), "--service"],
                stdin=read_end,
                stdout=self._answers_file,
                stderr=self._errors_file,
            )
        except OSError as exc:
            os.close(self._stdin)
            self._answers_file.close()
            self._errors_file.close()
            raise ServiceError(f"cannot start Pagefind: {exc}") from exc
        finally:
            os.close(read_end)
        _INPUTS.add(self._stdin)
        os.set_blocking(self._stdin, False)
        with contextlib.suppress(OSError):  # fewer writes: a shard's records are ~25 MB
            fcntl.fcntl(self._stdin, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        self._pending = bytearray()
        self._next_id = 0
        self._read = 0
        self._partial = b""
        self._answers: dict[int, dict[str, Any]] = {}
        self._refusal: str | None = None

    def send(self, payload: dict[str, Any] | bytes) -> int:
        """Queue one message (a mapping, or one already as UTF-8 JSON); returns its id for `wait`.
        It goes to the process with the next `push` or `flush`."""
        self._next_id += 1
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        message = b'{"message_id":%d,"payload":' % self._next_id + body + b"}"
        self._pending += base64.b64encode(message) + b","
        return self._next_id

    def push(self) -> bool:
        """Write what the process can take now, without waiting; True when nothing is left queued."""
        while self._pending:
            try:
                written = os.write(self._stdin, self._pending)
            except BlockingIOError:
                return False
            except (BrokenPipeError, OSError) as exc:
                raise ServiceError(f"Pagefind stopped reading: {self._why()}") from exc
            del self._pending[:written]
        return True

    def flush(self, timeout: float) -> None:
        """Write every queued message, waiting for the process to read them."""
        deadline = time.monotonic() + timeout
        room = select.poll()
        room.register(self._stdin, select.POLLOUT)
        while not self.push():
            if time.monotonic() > deadline:
                raise ServiceError(f"Pagefind did not read its input within {timeout:.0f} s")
            room.poll(100)

    def answered(self, message_id: int) -> bool:
        """Whether the answer to a message has come, or none will (without waiting)."""
        self._absorb()
        return message_id in self._answers or self._refusal is not None or self._process.poll() is not None

    def wait(self, message_id: int, timeout: float) -> dict[str, Any]:
        """The answer to one message; raises `ServiceError` on a refusal, a dead process or timeout."""
        self.flush(timeout)
        deadline = time.monotonic() + timeout
        pause = 0.001
        while True:
            self._absorb()
            if self._refusal is not None:
                raise ServiceError(f"Pagefind refused a message: {self._refusal}")
            if message_id in self._answers:
                return self._answers.pop(message_id)
            if self._process.poll() is not None:
                self._absorb()
                if message_id in self._answers:
                    return self._answers.pop(message_id)
                raise ServiceError(f"Pagefind stopped (exit {self._process.returncode}): {self._why()}")
            if time.monotonic() > deadline:
                raise ServiceError(f"Pagefind did not answer within {timeout:.0f} s")
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def request(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one message and wait for its answer."""
        return self.wait(self.send(payload), timeout)

    def close(self) -> None:
        """End the process (it exits the moment its input closes) and reap it."""
        if self._stdin >= 0:
            _INPUTS.discard(self._stdin)
            os.close(self._stdin)
            self._stdin = -1
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._answers_file.close()
        self._errors_file.close()

    def _absorb(self) -> None:
        """Read the answers written since last time; keep all but the plain `IndexedFile` ones."""
        chunks = []
        while chunk := os.pread(self._answers_file.fileno(), 1 << 22, self._read):
            chunks.append(chunk)
            self._read += len(chunk)
        if not chunks:
            return
        data = b"".join(chunks)
        *messages, self._partial = (self._partial + data).split(b",")
        for message in messages:
            try:
                answer = json.loads(base64.b64decode(message))
            except ValueError as exc:
                raise ServiceError(f"unreadable answer from Pagefind: {exc}") from exc
            payload = answer.get("payload") or {}
            kind = payload.get("type")
            if kind == "Error":
                self._refusal = self._refusal or str(payload.get("message"))
            elif kind != "IndexedFile" and answer.get("message_id") is not None:
                self._answers[answer["message_id"]] = payload

    def _why(self) -> str:
        data = os.pread(self._errors_file.fileno(), 1 << 16, 0)
        return data.decode("utf-8", "replace").strip()[-2000:] or "no message"
