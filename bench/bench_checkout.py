"""Checkout under load: create-session latency at 50 concurrent clients, and webhook throughput.

The app runs as it does in production (gunicorn, or `plus serve` with --server plus), the Stripe
stand-in in its own process, and the load comes from this process over loopback:

    .venv/bin/python bench/bench_checkout.py [--clients 50] [--sessions 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.serving import free_port, stop_and_leave, wait_for  # noqa: E402
from catalog import require_catalog  # noqa: E402
from checkout.stripe_api import event_payload, sign_payload  # noqa: E402

SECRET = "whsec_bench_" + "b" * 24

STANDIN_AUTH = {"Authorization": "Bearer sk_test_bench"}  # the key the app is given too


class Getter(Protocol):
    """What `paid_event` needs of an HTTP client (a `requests.Session`, or bench_rush's lighter `Browser`)."""

    def get(self, url: str, *, headers: dict[str, str] | None = None, timeout: float = 30) -> Any: ...


def paid_event(http: Getter, standin_url: str, session_id: str) -> str:
    """The event Stripe sends when a session is paid: the session as Stripe holds it (the amount, currency and
    reference the store checks against its own pricing), complete and paid. Asked of the stand-in directly,
    not through the delaying proxy; its rate limit answered by waiting, as the store's own calls are."""
    while (got := http.get(f"{standin_url}/v1/checkout/sessions/{session_id}", headers=STANDIN_AUTH, timeout=30)).status_code == 429:
        time.sleep(float(got.headers.get("Retry-After") or 1))
    got.raise_for_status()
    paid = {**got.json(), "status": "complete", "payment_status": "paid"}
    return event_payload("evt_" + uuid.uuid4().hex, "checkout.session.completed", paid)


def pick_product(content: Path, needed: int) -> str:
    """The product with the most stock that anyone may buy one of (stock reservation included)."""
    catalog = require_catalog(content)
    eligible = [
        (p.stock if p.stock is not None else 10**9, pid) for pid, p in catalog.products.items() if not p.members_only and p.moq == 1
    ]
    stock, pid = max(eligible, default=(0, ""))
    if stock < needed:
        raise SystemExit(f"no product in {content} has {needed} units to sell one at a time")
    return pid


def start(args: list[str], env: dict, log: Path, ready: str, timeout: float = 60) -> subprocess.Popen:
    """Start a server and wait until `ready` answers; one that does not answer in `timeout` seconds is killed."""
    with log.open("ab") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        wait_for(ready, timeout=timeout, process=process)
    except BaseException:  # (not yet the caller's to stop)
        process.kill()
        process.wait()
        raise
    return process


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


ADDRESS = {"name": "张三", "mobile": "13800138000", "province": "浙江省", "city": "杭州市", "district": "西湖区", "address": "文三路100号"}


def pay_page_session(http: requests.Session, base: str, queued: requests.Response) -> str:
    """The Stripe session of a checkout answered 202 (queued in a rush, checkout/session_queue.py),
    polled as the waiting page polls until its pay page is open."""
    status_url, wait = base + queued.json()["status_url"], float(queued.headers.get("Retry-After") or 0.2)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(wait)
        asked = http.get(status_url, timeout=30)
        state, wait = asked.json(), float(asked.headers.get("Retry-After") or 0.2)
        if state.get("status") == "open":
            return state["url"].rstrip("/").rsplit("/", 1)[-1]
        if state.get("status") == "closed":
            raise SystemExit(f"a queued checkout was closed: {state}")
    raise SystemExit("a queued checkout's pay page did not open within 60 s")


def create_sessions(base: str, product: str, clients: int, total: int, *, proxies: int = 0) -> tuple[list[float], list[str], float]:
    """POST /api/checkout `total` times from `clients` threads; latencies (ms: until the pay page is
    open, for a checkout queued too), session ids, wall seconds. Each shopper has an address of its
    own in X-Forwarded-For (the app trusting it: a guest's holds are capped by address), followed
    by `proxies` addresses of proxies it came through."""
    local = threading.local()
    body = json.dumps({"items": [{"product": product, "quantity": 1}], "address": ADDRESS})

    def one(number: int) -> tuple[float, str]:
        http = getattr(local, "http", None) or setattr(local, "http", requests.Session()) or local.http
        http.cookies.clear()  # each checkout is another shopper's: a shopper's new checkout replaces their unpaid one
        shopper = {
            "Content-Type": "application/json",
            "X-Forwarded-For": ", ".join([f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}", *["127.0.0.1"] * proxies]),
        }
        started = time.perf_counter()
        answer = http.post(f"{base}/api/checkout", data=body, headers=shopper, timeout=60)
        answer.raise_for_status()
        session = answer.json()["id"] if answer.status_code != 202 else pay_page_session(http, base, answer)
        return (time.perf_counter() - started) * 1000, session

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(total)))
    return [r[0] for r in results], [r[1] for r in results], time.perf_counter() - started


def deliver(base: str, payloads: list[str], senders: int) -> tuple[list[float], float]:
    """POST signed events from `senders` threads; latencies (ms) and wall seconds."""
    local = threading.local()

    def one(payload: str) -> float:
        http = getattr(local, "http", None) or setattr(local, "http", requests.Session()) or local.http
        started = time.perf_counter()
        answer = http.post(
            f"{base}/api/stripe/webhook",
            data=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign_payload(payload, SECRET)},
            timeout=60,
        )
        answer.raise_for_status()
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        latencies = list(pool.map(one, payloads))
    return latencies, time.perf_counter() - started


def count_orders(bin_dir: Path, env: dict) -> int:
    """How many orders the database holds (through `plus orders list`)."""
    listed = subprocess.run(
        [str(bin_dir / "plus"), "orders", "list", "--format", "json", "--limit", "1"], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(listed.stdout)["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=16, help="concurrent webhook deliveries")
    parser.add_argument("--content", type=Path, default=REPO / "content")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--server", choices=["gunicorn", "plus"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (gthread)")
    args = parser.parse_args()

    product = pick_product(args.content, args.sessions + 50)
    work = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    python, bin_dir = sys.executable, Path(sys.executable).parent
    standin_port, app_port = free_port(), free_port()
    standin_url, base = f"http://127.0.0.1:{standin_port}", f"http://127.0.0.1:{app_port}"
    env = {
        **os.environ,
        "PLUS_INSTANCE": str(work / "instance"),
        "DATABASE_URL": args.database_url or f"sqlite:///{work / 'plus.db'}",
        "PLUS_CONTENT": str(args.content),
        "PLUS_SITE_DIR": str(work / "no-site"),
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_API_BASE": standin_url,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "PUBLIC_URL": base,
        "SECRET_KEY": "bench",
        "PLUS_RATE_CHECKOUT": "1000000 per minute",  # all the load comes from this one address
        "PLUS_TRUSTED_PROXIES": "1",  # each shopper's own address in X-Forwarded-For (a shopper's holds are capped)
    }
    processes = []
    try:
        processes.append(
            start(
                [python, "-m", "stripe_standin", "--port", str(standin_port), "--database", str(work / "standin.sqlite3")],
                env,
                work / "standin.log",
                standin_url + "/_standin/",
            )
        )
        subprocess.run([str(bin_dir / "plus"), "db", "upgrade"], env=env, check=True, capture_output=True)
        if args.server == "gunicorn":
            command = [
                str(bin_dir / "gunicorn"),
                "-b",
                f"127.0.0.1:{app_port}",
                "-w",
                str(args.workers),
                "-k",
                "gthread",
                "--threads",
                "8",
                "--log-level",
                "warning",
                "admin.serve:create_site()",
            ]
        else:
            command = [str(bin_dir / "plus"), "serve", "--no-build", "--port", str(app_port)]
        processes.append(start(command, env, work / "app.log", base + "/api/me"))
        orders_before = count_orders(bin_dir, env)

        create_sessions(base, product, args.clients, 50)  # warm up connections and caches
        latencies, session_ids, wall = create_sessions(base, product, args.clients, args.sessions)
        with requests.Session() as http:  # each session as Stripe holds it (amount, currency, reference), paid
            payloads = [paid_event(http, standin_url, sid) for sid in session_ids]
        hook_latencies, hook_wall = deliver(base, payloads, args.senders)
        replay_latencies, replay_wall = deliver(base, payloads, args.senders)
        orders = count_orders(bin_dir, env) - orders_before
    finally:
        stop_and_leave(processes, work)

    backend = (args.database_url or "sqlite").split(":")[0]
    print(f"checkout benchmark — {args.server}, {backend}, {os.cpu_count()} CPUs, product {product}")
    print("| measure | value |\n|---|---|")
    print(f"| create session: clients | {args.clients} |")
    print(f"| create session: requests | {len(latencies)} in {wall:.1f} s = {len(latencies) / wall:.0f}/s |")
    print(
        f"| create session: p50 / p90 / p99 | {statistics.median(latencies):.0f} / {percentile(latencies, 90):.0f} / {percentile(latencies, 99):.0f} ms |"
    )
    print(f"| webhook (new order): senders | {args.senders} |")
    print(
        f"| webhook (new order): throughput | {len(payloads) / hook_wall:.0f} events/s (p50 {statistics.median(hook_latencies):.0f} ms, p99 {percentile(hook_latencies, 99):.0f} ms) |"
    )
    print(
        f"| webhook (replay): throughput | {len(payloads) / replay_wall:.0f} events/s (p50 {statistics.median(replay_latencies):.0f} ms) |"
    )
    print(f"| orders recorded | {orders} of {len(payloads)} sessions (replays made none) |")
    if orders != len(payloads):
        raise SystemExit("orders were lost or doubled")


if __name__ == "__main__":
    main()
