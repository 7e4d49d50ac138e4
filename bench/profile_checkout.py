"""CPU per checkout on the store's side: one process, the real app, Stripe's stand-in in its own process.

Shoppers (new guests, or members with their log-in cookie) post a cart with an address through
the app's WSGI interface one after another, each as `plus serve` would answer it (queue, Stripe
library, database); when queued (202) they ask for the waiting page's status until it is open.
The app's CPU is this process's CPU time (all threads: the Stripe queue's workers included),
so load elsewhere on the machine hardly moves it; the requests' thread's CPU is also split by
request kind (the checkout's POST, the status polls, and with `--webhooks` the paid event of each
session). `--profile FILE` writes a cProfile of the timed part (read it with `python -m pstats FILE`):

    .venv/bin/python bench/profile_checkout.py [--shoppers 300] [--who members] [--queued] [--webhooks] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_checkout import ADDRESS, SECRET, paid_event, pick_product, start  # noqa: E402
from bench.bench_rush import APP_SECRET, make_members  # noqa: E402
from bench.serving import free_port, stop_and_leave  # noqa: E402


def cpu_seconds() -> float:
    """This process's CPU time (user + system), every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def threads_cpu() -> dict[str, float]:
    """CPU seconds of each live thread of this process, summed by name (numbers stripped: the queue's workers are one)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for thread in threading.enumerate():
        try:
            fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, TypeError):
            continue
        name = thread.name.rstrip("0123456789-")
        found[name] = found.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return found


class Kinds:
    """CPU time of this thread by request kind (POST /api/checkout, status polls, webhooks), and how many of each."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.count: dict[str, int] = {}

    def timed(self, kind: str, call):
        started = time.thread_time()
        try:
            return call()
        finally:
            self.seconds[kind] = self.seconds.get(kind, 0.0) + time.thread_time() - started
            self.count[kind] = self.count.get(kind, 0) + 1


KINDS = Kinds()
OPENED: list[str] = []


def checkout(app, product: str, number: int, cookie: str | None) -> int:
    """One shopper: post the cart; when queued, ask until the pay page is open. The first answer's status."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    if cookie is not None:
        client.set_cookie("plus_session", cookie)
    body = json.dumps({"items": [{"product": product, "quantity": 1}], "address": ADDRESS})
    answer = KINDS.timed("POST /api/checkout", lambda: client.post("/api/checkout", data=body, content_type="application/json"))
    url = answer.get_json().get("url", "")
    if answer.status_code == 202:
        status_url = answer.get_json()["status_url"]
        while (state := KINDS.timed("GET status poll", lambda: client.get(status_url).get_json()))["status"] == "queued":
            time.sleep(0.05)
        url = state["url"] or ""
    OPENED.append(url.rstrip("/").rsplit("/", 1)[-1])
    return answer.status_code


def webhook(app, standin_url: str, session_id: str) -> int:
    """Stripe says the session was paid: the order is made (as `bench_rush.py`'s webhooks alongside)."""
    from checkout.stripe_api import sign_payload

    with requests.Session() as http:
        payload = paid_event(http, standin_url, session_id)
    headers = {"Stripe-Signature": sign_payload(payload, SECRET)}
    client = app.test_client()
    return KINDS.timed(
        "POST webhook", lambda: client.post("/api/stripe/webhook", data=payload, content_type="application/json", headers=headers)
    ).status_code


def profile_queue_workers(app, path: Path) -> None:
    """Profile the Stripe queue's worker threads too (their CPU time), into `path` when the app closes."""
    from checkout.session_queue import get_queue

    queue = get_queue(app)
    work = queue._work
    profilers: list[cProfile.Profile] = []

    def profiled() -> None:
        profiler = cProfile.Profile(time.thread_time)
        profilers.append(profiler)
        profiler.runcall(work)

    queue._work = profiled  # type: ignore[method-assign]
    atexit.register(lambda: _dump(profilers, path))


def _dump(profilers: list[cProfile.Profile], path: Path) -> None:
    import pstats

    if profilers:
        stats = pstats.Stats(profilers[0])
        for profiler in profilers[1:]:
            stats.add(profiler)
        stats.dump_stats(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoppers", type=int, default=300)
    parser.add_argument("--who", choices=["guests", "members"], default="guests")
    parser.add_argument("--database-url", default=os.environ.get("PLUS_BENCH_DATABASE_URL"), help="default: a SQLite file")
    parser.add_argument("--content", type=Path, default=REPO / "content")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the timed part here")
    parser.add_argument("--queued", action="store_true", help="every checkout queued (202) and its status asked until open, as in a rush")
    parser.add_argument("--webhooks", action="store_true", help="then each session paid by a webhook (its CPU counted in the total too)")
    args = parser.parse_args(argv)
    product = pick_product(args.content, args.shoppers + 50)
    work = Path(tempfile.mkdtemp(prefix="profile-checkout-"))
    database_url = args.database_url or f"sqlite:///{work / 'plus.db'}"
    standin_port = free_port()
    standin_url = f"http://127.0.0.1:{standin_port}"
    standin: subprocess.Popen | None = None
    standin_env = dict(os.environ)  # (without the app's settings)
    settings = {
        "PLUS_INSTANCE": str(work / "instance"),
        "DATABASE_URL": database_url,
        "PLUS_CONTENT": str(args.content),
        "PLUS_SITE_DIR": str(work / "no-site"),
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_API_BASE": standin_url,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "PUBLIC_URL": "http://127.0.0.1:9",
        "SECRET_KEY": APP_SECRET,
        "PLUS_RATE_CHECKOUT": "1000000 per minute",
        "PLUS_STRIPE_RATE": "1000",
        "PLUS_CHECKOUT_WAIT": "0" if args.queued else "0.5",
    }
    os.environ.update(settings)
    try:
        standin = start(
            [sys.executable, "-m", "stripe_standin", "--port", str(standin_port), "--database", ":memory:"],
            standin_env,
            work / "standin.log",
            standin_url + "/_standin/",
        )
        subprocess.run([str(Path(sys.executable).parent / "plus"), "db", "upgrade"], check=True, capture_output=True)
        members = make_members(database_url, args.shoppers + 20) if args.who == "members" else None
        from checkout import create_app
        from checkout.app import close_app

        app = create_app()
        if args.profile:  # before the queue's threads start (the warm-up's jobs are in it too)
            profile_queue_workers(app, args.profile.with_suffix(".workers.prof"))
        try:
            for n in range(20):  # warm up: imports, the catalog, the pool, the Stripe client
                checkout(app, product, 60000 + n, members.pop() if members else None)
            for session_id in OPENED:
                webhook(app, standin_url, session_id)
            OPENED.clear()
            KINDS.seconds.clear()
            KINDS.count.clear()
            profiler = cProfile.Profile(time.thread_time) if args.profile else None
            statuses: dict[int, int] = {}
            by_thread = threads_cpu()
            cpu, wall, own = cpu_seconds(), time.perf_counter(), time.thread_time()
            if profiler is not None:
                profiler.enable()
            for n in range(args.shoppers):
                status = checkout(app, product, n, members[n] if members else None)
                statuses[status] = statuses.get(status, 0) + 1
            if args.webhooks:
                for session_id in OPENED:
                    webhook(app, standin_url, session_id)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
            cpu, wall, own = cpu_seconds() - cpu, time.perf_counter() - wall, time.thread_time() - own
            after = threads_cpu()
            by_thread = {name: after[name] - by_thread.get(name, 0.0) for name in after}
            by_thread["(ended threads)"] = cpu - sum(by_thread.values())
        finally:
            close_app(app)
    finally:
        stop_and_leave([standin] if standin is not None else [], work)
    for name, seconds in sorted(by_thread.items(), key=lambda item: -item[1]):
        print(f"  {name}: {seconds * 1000 / args.shoppers:.2f} ms/checkout")
    for kind, seconds in KINDS.seconds.items():  # the requests' thread only (the test client's work included)
        count = KINDS.count[kind]
        print(f"  {kind}: {count} × {seconds * 1000 / count:.2f} ms on the requests' thread")
    backend = database_url.split(":")[0]
    print(
        f"{args.who}, {backend}: {args.shoppers} checkouts {statuses}, CPU {cpu * 1000 / args.shoppers:.2f} ms/checkout "
        f"(requests' thread {own * 1000 / args.shoppers:.2f} ms, wall {wall * 1000 / args.shoppers:.1f} ms), load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
