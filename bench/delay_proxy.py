"""A delaying HTTP proxy on loopback: Stripe's latency in front of the stand-in (fixed or uniform).

`delaying` serves it from a thread of the caller; `delaying_process` from a process of its own
(`python bench/delay_proxy.py TARGET LOW HIGH`), so a benchmark's client and the proxy do not share
one interpreter lock and each one's CPU time can be read apart.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


@contextmanager
def delaying(target: str, low: float, high: float) -> Iterator[str]:
    """Serve a proxy to `target` (loopback only) that holds each request `low`–`high` seconds; yield its URL."""
    parts = urlsplit(target)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("the delaying proxy only forwards to loopback")
    local = threading.local()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(random.uniform(low, high))
            connection = getattr(local, "connection", None)
            if connection is None:
                connection = local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            try:
                connection.request(self.command, self.path, body=body or None, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            except (OSError, http.client.HTTPException):
                local.connection = None
                self.send_error(502)
                return
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _forward  # noqa: N815 - http.server's method names

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def delaying_process(target: str, low: float, high: float) -> Iterator[tuple[str, subprocess.Popen]]:
    """The same proxy in a process of its own; yields its URL and the process (stopped after the block)."""
    command = [sys.executable, str(Path(__file__).resolve()), target, str(low), str(high)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = (process.stdout.readline() if process.stdout else "").strip()
        if not url.startswith("http://"):
            raise RuntimeError("the delaying proxy did not start")
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description="serve a delaying proxy to a loopback target until terminated")
    parser.add_argument("target")
    parser.add_argument("low", type=float)
    parser.add_argument("high", type=float)
    args = parser.parse_args()
    stopped, parent = threading.Event(), os.getppid()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with delaying(args.target, args.low, args.high) as url:
        print(url, flush=True)
        while not stopped.wait(0.5) and os.getppid() == parent:  # a benchmark killed with -9 must not leave us behind
            pass


if __name__ == "__main__":
    main()
