"""A member flash sale: a rush of shoppers at the checkout while Stripe is slow and rate-limited.

The app runs as in production (gunicorn gthread workers), the Stripe stand-in in its own process
answering 429 past 25 requests a second per endpoint, and a delaying proxy on loopback puts
Stripe's latency (300 ms fixed, then 300–600 ms) in front of it. Shoppers are closed-loop clients
(1, 50, 200 at a time) and open-loop bursts (arrivals at 50/s and 100/s); each posts its cart with
an address and, when answered 202, polls until the pay page is open. Webhooks are delivered
alongside. Every shopper is someone else (own cookies, own address via X-Forwarded-For): guests,
and logged-in members (accounts made in the database before the timed part, each with the session
cookie a log-in gives). With `--leave F` a share of the queued shoppers closes the waiting page at
once, and the run reports how long until their holds were released. Everything stays on loopback
and every run is bounded in count and time:

    .venv/bin/python bench/bench_rush.py [--quick] [--database-url postgresql://…]
    .venv/bin/python bench/bench_rush.py --latencies 300 --closed '' --bursts 1000@17,1000@50 --who members
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_checkout import ADDRESS, SECRET, paid_event, percentile, pick_product, start  # noqa: E402
from bench.delay_proxy import delaying_process  # noqa: E402
from bench.serving import free_port, stop_and_leave  # noqa: E402
from checkout.stripe_api import sign_payload  # noqa: E402
from checkout.stripe_pace import Pace  # noqa: E402

APP_SECRET = "bench"

OPENED: list[str] = []  # Stripe sessions the shoppers reached, for the webhooks alongside to pay
SENT: list[tuple[str, float, str]] = []  # (X-Bench-Sent, answered at, kind) of every request, for --trace
POLL_EVERY = 1.0
GIVE_UP_AFTER = 120.0  # seconds a shopper waits for the pay page before the run counts a timeout
STRIPE_LIMIT = 25  # Stripe's default per endpoint per second (the stand-in imitates it)


IDLE_RECONNECT = 1.0  # seconds after which a kept-alive connection is not reused (gunicorn closes it after 2)
HTTP_ERRORS = (OSError, http.client.HTTPException)


class Answer:
    """An HTTP answer as the shoppers read it: status, headers (any case), body."""

    def __init__(self, status_code: int, headers: http.client.HTTPMessage, body: bytes):
        self.status_code, self.headers, self.body = status_code, headers, body

    def json(self):
        return json.loads(self.body)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise http.client.HTTPException(f"HTTP {self.status_code}")


class Browser:
    """One shopper's browser on loopback: its cookies, its own address header, a kept-alive connection per host.

    Plain `http.client` (not `requests`): on two cores the client must cost less CPU than the store
    it measures (requests spent about 10 ms of CPU per shopper, a third of the store's own).
    """

    def __init__(self, headers: dict[str, str] | None = None):
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self._connections: dict[str, tuple[http.client.HTTPConnection, float]] = {}

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_) -> None:
        for connection, _used in self._connections.values():
            connection.close()
        self._connections.clear()

    def get(self, url: str, *, headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
        return self.request("GET", url, None, headers, timeout)

    def post(self, url: str, *, data: str | bytes, headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
        return self.request("POST", url, data.encode() if isinstance(data, str) else data, headers, timeout)

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str] | None, timeout: float) -> Answer:
        parts = urlsplit(url)
        connection, used = self._connections.pop(parts.netloc, (None, 0.0))
        if connection is not None and time.monotonic() - used > IDLE_RECONNECT:
            connection.close()
            connection = None
        if connection is None:
            connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        except HTTP_ERRORS:
            connection.close()
            raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in cookie.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        if response.will_close:
            connection.close()
        else:
            self._connections[parts.netloc] = (connection, time.monotonic())
        return Answer(response.status, response.headers, data)


@dataclass
class Outcome:
    """What one shopper saw: the first answer's latency and status, and seconds until the pay page."""

    answered_ms: float
    status: int
    to_pay_s: float | None = None
    session: str | None = None
    left: bool = False
    left_at: float = 0.0
    polls: int = 0


@dataclass
class Run:
    """One scenario's outcomes and its wall time."""

    name: str
    left: int = 0
    released_after: float | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    wall: float = 0.0
    cpu_ms: float = 0.0
    others_ms: dict[str, float] = field(default_factory=dict)  # CPU of the stand-in, the proxy and this client over the run
    hooks: list[float] = field(default_factory=list)
    hook_wall: float = 0.0
    orders_paid: int = 0


class Shoppers:
    """Who arrives next: a new guest, or the next member account (made before the timed part), each from their own address."""

    def __init__(self, members: list[str] | None, leave: float):
        self._members = iter(members) if members is not None else None
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.leave = leave

    def next(self) -> tuple[Browser, bool]:
        """A browser of its own (cookies, address) and whether this shopper leaves the waiting page at once."""
        with self._lock:
            number = next(self._numbers)
            cookie = next(self._members) if self._members is not None else None
        browser = Browser({"X-Forwarded-For": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"})
        if cookie is not None:
            browser.cookies["plus_session"] = cookie
        return browser, random.random() < self.leave


def make_members(database_url: str, count: int) -> list[str]:
    """`count` member accounts made in the database, and the session cookie each would get by logging in."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface
    from sqlalchemy import create_engine, insert, select

    from checkout.db import normalise_url
    from checkout.models import User

    now = dt.datetime.now(dt.UTC)
    tag = uuid.uuid4().hex[:8]
    rows = [
        {
            "email": f"rush-{tag}-{n}@example.com",
            "password_hash": "!",
            "session_epoch": 0,
            "member_until": now + dt.timedelta(days=365),
            "confirmed_at": now,
            "email_verified_at": now,
            "created_at": now,
        }
        for n in range(count)
    ]
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        connection.execute(insert(User), rows)
        ids = connection.scalars(select(User.id).where(User.email.like(f"rush-{tag}-%")).order_by(User.id)).all()
    engine.dispose()
    signer = Flask("bench")
    signer.secret_key = APP_SECRET
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    assert serializer is not None
    return [serializer.dumps({"uid": uid, "epoch": 0, "_permanent": True}) for uid in ids]


def shopper(base: str, product: str, http: Browser, leaves: bool = False) -> Outcome:
    """Post a cart with an address; when queued (202), poll until the pay page is open (or leave at once)."""
    body = json.dumps({"items": [{"product": product, "quantity": 1}], "address": ADDRESS})
    started = time.perf_counter()
    try:
        answer = timed(http.post, "checkout", f"{base}/api/checkout", data=body, headers={"Content-Type": "application/json"})
    except HTTP_ERRORS:
        return Outcome((time.perf_counter() - started) * 1000, 0)
    outcome = Outcome((time.perf_counter() - started) * 1000, answer.status_code)
    if answer.status_code == 201:
        outcome.to_pay_s, outcome.session = outcome.answered_ms / 1000, answer.json()["id"]
        OPENED.append(outcome.session)
    elif answer.status_code == 202 and leaves:  # closes the waiting page: nothing asks for this checkout any more
        outcome.left, outcome.session, outcome.left_at = True, answer.json()["id"], time.perf_counter()
    elif answer.status_code == 202:
        status_url, wait = base + answer.json()["status_url"], float(answer.headers.get("Retry-After") or POLL_EVERY)
        while time.perf_counter() - started < GIVE_UP_AFTER:
            time.sleep(wait)
            outcome.polls += 1
            try:
                asked = timed(http.get, "poll", status_url)
            except HTTP_ERRORS:  # a reload that timed out: the page tries again (counted if it never opens)
                wait = POLL_EVERY
                continue
            state, wait = asked.json(), float(asked.headers.get("Retry-After") or POLL_EVERY)  # as the waiting page reloads
            if "status" not in state:  # 503 database_busy: the page reloads after Retry-After
                continue
            if state["status"] == "open":
                outcome.to_pay_s = time.perf_counter() - started
                outcome.session = state["url"].rstrip("/").rsplit("/", 1)[-1]
                OPENED.append(outcome.session)
                break
            if state["status"] == "closed":
                break
    return outcome


def timed(call: Callable[..., Answer], kind: str, url: str, **kwargs) -> Answer:
    """One request stamped with its send time (`X-Bench-Sent`, logged by the server with --trace) and remembered with its answer's time."""
    sent = f"{time.time():.6f}"
    kwargs["headers"] = {**kwargs.get("headers", {}), "X-Bench-Sent": sent}
    answer = call(url, timeout=30, **kwargs)
    SENT.append((sent, time.time(), kind))
    return answer


def closed_loop(base: str, product: str, clients: int, total: int, who: Shoppers) -> list[Outcome]:
    """`total` shoppers from `clients` threads, each starting when the last one finished."""

    def one(_: int) -> Outcome:
        http, leaves = who.next()
        with http:
            return shopper(base, product, http, leaves)

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(total)))


def open_loop(base: str, product: str, arrivals: int, rate: float, who: Shoppers) -> list[Outcome]:
    """`arrivals` shoppers arriving at `rate` per second, whatever the store's speed (a real rush)."""
    results: list[Outcome] = []
    lock = threading.Lock()

    def one() -> None:
        http, leaves = who.next()
        with http:
            outcome = shopper(base, product, http, leaves)
        with lock:
            results.append(outcome)

    threads = []
    started = time.perf_counter()
    for n in range(arrivals):
        time.sleep(max(0.0, started + n / rate - time.perf_counter()))
        thread = threading.Thread(target=one, daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(GIVE_UP_AFTER + 60)
    return results


def worker_cpu_ms(master: int) -> float:
    """CPU time (user + system) of the gunicorn master and its workers so far, in ms (from /proc)."""
    return sum(
        process_cpu_ms(pid) for pid in [master, *(int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split())]
    )


def process_cpu_ms(pid: int) -> float:
    """CPU time (user + system) of one process so far, in ms (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")  # utime, stime


def own_cpu_ms() -> float:
    """CPU time of this process (the shoppers' client and the webhooks' sender), in ms."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def webhooks_alongside(
    base: str, standin_url: str, stop: threading.Event, senders: int = 4, replayers: int = 8, rate: float = 0.0
) -> tuple[list[float], float]:
    """Until `stop`: a paid event for each session a shopper opened (`senders` threads), and replays of the
    events sent (`replayers` threads, as Stripe retries and sends an event more than once).

    With `rate`, no more than that many a second in all (Stripe sends an event as a payment happens and
    retries with backoff; unpaced, the senders replayed the warm-up's few events hundreds of times a second
    while no session was open yet); 0: as fast as the store answers. The replays have threads of their own:
    a paid event waits for the stand-in first (its rate limit too), and four threads doing both sent about
    as many a second as sessions opened (18/s), never the 50/s the goal asks the store to take in a rush.
    """
    pace = Pace(rate) if rate > 0 else None
    latencies: list[float] = []
    sent: list[str] = []
    lock = threading.Lock()
    started = time.perf_counter()

    def paid_payload(http: Browser) -> str | None:
        with lock:
            opened = OPENED.pop() if OPENED else None
        if opened is None:
            return None
        payload = paid_event(http, standin_url, opened)
        with lock:
            sent.append(payload)
        return payload

    def replay_payload(http: Browser) -> str | None:
        with lock:
            return sent[len(latencies) % len(sent)] if sent else None

    def send(next_payload: Callable[[Browser], str | None]) -> None:
        with Browser() as http:
            while not stop.is_set():
                payload = next_payload(http)
                if payload is None:
                    time.sleep(0.01)
                    continue
                if pace is not None:
                    pace.wait()
                begun = time.perf_counter()
                try:
                    timed(
                        http.post,
                        "webhook",
                        f"{base}/api/stripe/webhook",
                        data=payload,
                        headers={"Content-Type": "application/json", "Stripe-Signature": sign_payload(payload, SECRET)},
                    )
                except HTTP_ERRORS:  # timed out: counted with its latency, as Stripe would retry it
                    pass
                with lock:
                    latencies.append((time.perf_counter() - begun) * 1000)

    roles = [paid_payload] * senders + [replay_payload] * replayers
    threads = [threading.Thread(target=send, args=(role,), daemon=True) for role in roles]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(60)
    return latencies, time.perf_counter() - started


def _count(database_url: str, query: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        found = connection.scalar(text(query))
    engine.dispose()
    return int(found or 0)


def holds_left(database_url: str) -> int:
    """Checkouts still holding stock without a Stripe session (abandoned in the queue or never opened)."""
    return _count(database_url, "SELECT count(*) FROM checkout_sessions WHERE stock_held AND stripe_session_id IS NULL")


def paid_orders(database_url: str) -> int:
    """Orders the webhooks recorded as paid: a webhook the store refused (an amount mismatch) adds none."""
    return _count(database_url, "SELECT count(*) FROM orders WHERE paid_at IS NOT NULL")


def released_after(database_url: str, outcomes: list[Outcome], give_up: float = 150.0) -> float | None:
    """Seconds until the last shopper who left the queue had their hold released (None: some still held after `give_up`)."""
    from sqlalchemy import bindparam, create_engine, text

    leavers = {o.session: o.left_at for o in outcomes if o.left and o.session}
    if not leavers:
        return None
    query = text("SELECT id FROM checkout_sessions WHERE id IN :ids AND stock_held").bindparams(bindparam("ids", expanding=True))
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    slowest, deadline = 0.0, time.perf_counter() + give_up
    try:
        while leavers and time.perf_counter() < deadline:
            with engine.connect() as connection:
                holding = set(connection.scalars(query, {"ids": list(leavers)}).all())
            now = time.perf_counter()
            for checkout_id in set(leavers) - holding:
                slowest = max(slowest, now - leavers.pop(checkout_id))
            if leavers:
                time.sleep(1)
    finally:
        engine.dispose()
    return None if leavers else slowest


def others_cpu_ms(others: dict[str, int]) -> dict[str, float]:
    """CPU so far of the processes beside the store (by name), and of this one ("client")."""
    return {**{name: process_cpu_ms(pid) for name, pid in others.items()}, "client": own_cpu_ms()}


def measure(
    name: str,
    scenario: Callable[[], list[Outcome]],
    base: str,
    standin_url: str,
    app_pid: int,
    *,
    alongside: bool,
    others: dict[str, int] | None = None,
    webhook_rate: float = 0.0,
) -> Run:
    """Run one scenario (with webhooks delivered alongside, or not: then the CPU is the checkouts' alone)."""
    run, stop = Run(name), threading.Event()
    hooks: list = []  # the sender's (latencies, wall seconds)
    if not alongside:
        stop.set()
    sender = threading.Thread(target=lambda: hooks.extend(webhooks_alongside(base, standin_url, stop, rate=webhook_rate)), daemon=True)
    cpu, beside = worker_cpu_ms(app_pid), others_cpu_ms(others or {})
    SENT.clear()
    started = time.perf_counter()
    sender.start()
    run.outcomes = scenario()
    run.wall = time.perf_counter() - started
    stop.set()
    sender.join(60)
    run.cpu_ms = worker_cpu_ms(app_pid) - cpu
    run.others_ms = {key: value - beside[key] for key, value in others_cpu_ms(others or {}).items()}
    if hooks:
        run.hooks, run.hook_wall = hooks[0], hooks[1]
    return run


def report(run: Run, held: int) -> str:
    """One table row of a scenario."""
    answered = [o.answered_ms for o in run.outcomes]
    paid = [o.to_pay_s for o in run.outcomes if o.to_pay_s is not None]
    failed = collections.Counter(o.status for o in run.outcomes if o.status not in (201, 202))
    errors = f"{sum(failed.values())}" + (
        " (" + ", ".join(f"{s or 'no answer'}×{n}" for s, n in sorted(failed.items())) + ")" if failed else ""
    )
    timeouts = sum(o.status in (201, 202) and o.to_pay_s is None and not o.left for o in run.outcomes)
    left = "–"
    if run.left:
        left = (
            f"{run.left}, all released in {run.released_after:.0f} s" if run.released_after is not None else f"{run.left}, NOT all released"
        )
    opened = len(paid)
    hooks = "–"
    if run.hooks:
        hooks = f"{len(run.hooks) / run.hook_wall:.0f}/s p50 {statistics.median(run.hooks):.0f} ms, {run.orders_paid} orders paid"
    polls = sum(o.polls for o in run.outcomes) / max(1, len(run.outcomes))
    return (
        f"| {run.name} | {opened / run.wall:.1f} | {statistics.median(answered):.0f} / {percentile(answered, 95):.0f} / "
        f"{percentile(answered, 99):.0f} ms | {percentile(paid, 50) if paid else 0:.1f} / {percentile(paid, 99) if paid else 0:.1f} s | "
        f"{errors} | {timeouts} | {held} | {run.cpu_ms / max(1, len(run.outcomes)):.1f} | {hooks} | {left} | {polls:.1f} |"
    )


def others_line(run: Run) -> str:
    """The CPU of the processes beside the store over the run, per shopper."""
    shoppers = max(1, len(run.outcomes))
    return "  beside the store, CPU ms/shopper: " + ", ".join(f"{name} {ms / shoppers:.1f}" for name, ms in run.others_ms.items())


def trace_lines(trace: Path) -> list[str]:
    """Where the requests of the last run spent their time, by kind, from the server's lines (rush_trace.py) and the client's."""
    server: dict[str, tuple[float, float, float, int]] = {}
    collections_ms: list[float] = []
    for file in trace.parent.glob(trace.name + ".*"):
        for line in file.read_text().splitlines():
            if line.startswith("gc "):
                _, began, ended, _ = line.split(" ")
                collections_ms.append((float(ended) - float(began)) * 1000)
                continue
            stamp, *times = line.split(" ")[:5]
            server[stamp] = (float(times[0]), float(times[1]), float(times[2]), int(times[3]))
    kinds: dict[str, list[tuple[float, ...]]] = collections.defaultdict(list)
    for sent, answered, kind in SENT:
        if sent in server:
            taken, done, cpu, waiting = server[sent]
            at = float(sent)
            kinds[kind].append(((answered - at) * 1000, (taken - at) * 1000, (done - taken) * 1000, (answered - done) * 1000, cpu, waiting))
    found = []
    names = ("client saw", "before a thread took it", "in the app", "after the app", "thread CPU", "waiting in its worker")
    for kind, rows in sorted(kinds.items()):
        columns = list(zip(*rows, strict=True))
        parts = [
            f"{name} {percentile(list(c), 50):.0f}/{percentile(list(c), 95):.0f}/{percentile(list(c), 99):.0f}"
            for name, c in zip(names, columns, strict=True)
        ]
        found.append(f"  {kind} ×{len(rows)} (p50/p95/p99, ms): " + ", ".join(parts))
    if collections_ms:
        found.append(
            f"  full garbage collections: {len(collections_ms)}, {sum(collections_ms):.0f} ms in all, longest {max(collections_ms):.0f} ms"
        )
    return found


def _pairs(text: str, sep: str) -> list[tuple[float, float]]:
    """'1x20,50x300' or '1000@50' → [(1, 20), (50, 300)]; '' → []."""
    return [(float(a), float(b)) for a, b in (item.split(sep) for item in text.split(",") if item.strip())]


def _latencies(text: str) -> list[tuple[str, float, float]]:
    """'300,300-600' → [("300 ms", 0.3, 0.3), ("300–600 ms", 0.3, 0.6)]."""
    found = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        low, _, high = item.partition("-")
        high = high or low
        found.append((f"{low} ms" if low == high else f"{low}–{high} ms", float(low) / 1000, float(high) / 1000))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small smoke run (about two minutes)")
    parser.add_argument("--database-url", default=os.environ.get("PLUS_BENCH_DATABASE_URL"), help="default: a SQLite file")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--content", type=Path, default=REPO / "content")
    parser.add_argument("--latencies", help="Stripe latencies in ms: fixed or low-high (default 300,300-600)")
    parser.add_argument("--closed", help="closed-loop runs, clients x shoppers (default 1x20,50x300,200x600)")
    parser.add_argument("--bursts", help="open-loop bursts, arrivals @ per second (default 1000@50,1000@100)")
    parser.add_argument("--who", default="guests,members", help="guests, members or both (default both)")
    parser.add_argument("--leave", type=float, default=0.0, help="share of queued shoppers who close the waiting page at once")
    parser.add_argument(
        "--webhook-rate", type=float, default=50.0, help="webhooks alongside a burst per second at most (0: as fast as answered)"
    )
    parser.add_argument("--trace", action="store_true", help="after each row: where the requests' time went (server and client side)")
    args = parser.parse_args(argv)
    quick = args.quick
    latencies = _latencies(args.latencies or ("50" if quick else "300,300-600"))
    closed = [
        (int(c), int(n))
        for c, n in _pairs(args.closed if args.closed is not None else ("1x3,20x40" if quick else "1x20,50x300,200x600"), "x")
    ]
    bursts = [(int(n), r) for n, r in _pairs(args.bursts if args.bursts is not None else ("60@30" if quick else "1000@50,1000@100"), "@")]
    kinds = [kind.strip() for kind in args.who.split(",") if kind.strip() in ("guests", "members")]
    per_kind = (sum(n for _, n in closed) + sum(n for n, _ in bursts)) * len(latencies)
    needed = per_kind * len(kinds) + 100
    product = pick_product(args.content, needed)
    work = Path(tempfile.mkdtemp(prefix="bench-rush-"))
    database_url = args.database_url or f"sqlite:///{work / 'plus.db'}"
    python, bin_dir = sys.executable, Path(sys.executable).parent
    standin_port, app_port = free_port(), free_port()
    standin_url, base = f"http://127.0.0.1:{standin_port}", f"http://127.0.0.1:{app_port}"
    print(f"rush benchmark — gunicorn gthread × {args.workers}, {database_url.split(':')[0]}, {os.cpu_count()} CPUs, product {product}")
    print(
        "| scenario | sessions/s | answer p50 / p95 / p99 | to pay page p50 / p99 | errors | timeouts | holds left | CPU ms/checkout "
        "| webhooks alongside | left the queue | polls/shopper |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    processes = []
    members: list[str] | None = None
    try:
        processes.append(
            start(
                [python, "-m", "stripe_standin", "--port", str(standin_port), "--database", ":memory:", "--rate-limit", str(STRIPE_LIMIT)],
                dict(os.environ),
                work / "standin.log",
                standin_url + "/_standin/",
            )
        )
        for label, low, high in latencies:
            with delaying_process(standin_url, low, high) as (proxy, proxy_process):
                env = {
                    **os.environ,
                    "PLUS_INSTANCE": str(work / "instance"),
                    "DATABASE_URL": database_url,
                    "PLUS_CONTENT": str(args.content),
                    "PLUS_SITE_DIR": str(work / "no-site"),
                    "STRIPE_SECRET_KEY": "sk_test_bench",
                    "STRIPE_API_BASE": proxy,
                    "STRIPE_WEBHOOK_SECRET": SECRET,
                    "PUBLIC_URL": base,
                    "SECRET_KEY": APP_SECRET,
                    "PLUS_TRUSTED_PROXIES": "1",  # each shopper's own address comes in X-Forwarded-For
                    "PLUS_RATE_CHECKOUT": "1000000 per minute",
                    "PLUS_STRIPE_RATE": str(0.9 * STRIPE_LIMIT / args.workers),  # the account's limit shared by the workers
                }
                subprocess.run([str(bin_dir / "plus"), "db", "upgrade"], env=env, check=True, capture_output=True)
                if members is None and "members" in kinds:  # made before anything is timed (no log-in form, no password hashing)
                    members = make_members(database_url, per_kind + 10)
                command = [str(bin_dir / "gunicorn"), "-b", f"127.0.0.1:{app_port}", "-w", str(args.workers), "-k", "gthread"]
                command += ["--threads", "8", "--log-level", "warning", "admin.serve:create_site()"]
                trace = work / "trace"
                if args.trace:
                    command[1:1] = ["-c", str(REPO / "bench" / "rush_trace.py")]
                    env["PLUS_BENCH_TRACE"] = str(trace)
                app = start(command, env, work / "app.log", base + "/api/me")
                try:
                    closed_loop(base, product, 4, 8, Shoppers(None, 0.0))  # warm up
                    scenarios: list[tuple[str, bool, Callable[[], list[Outcome]]]] = []
                    for kind in kinds:
                        who = Shoppers(members if kind == "members" else None, args.leave)
                        scenarios += [
                            (
                                f"{label}, {kind}, {c} client{'s' if c != 1 else ''}",
                                False,
                                lambda c=c, n=n, w=who: closed_loop(base, product, c, n, w),
                            )
                            for c, n in closed
                        ]
                        scenarios += [
                            (f"{label}, {kind}, {n} at {r:.0f}/s", True, lambda n=n, r=r, w=who: open_loop(base, product, n, r, w))
                            for n, r in bursts
                        ]
                    for name, alongside, scenario in scenarios:
                        paid_before = paid_orders(database_url)
                        others = {"stand-in": processes[0].pid, "proxy": proxy_process.pid}
                        run = measure(
                            name, scenario, base, standin_url, app.pid, alongside=alongside, others=others, webhook_rate=args.webhook_rate
                        )
                        run.orders_paid = paid_orders(database_url) - paid_before
                        run.left = sum(o.left for o in run.outcomes)
                        run.released_after = released_after(database_url, run.outcomes)
                        print(report(run, holds_left(database_url)), flush=True)
                        if args.trace:
                            print("\n".join([others_line(run), *trace_lines(trace)]), flush=True)
                finally:
                    app.terminate()
                    app.wait(timeout=30)
    finally:
        stop_and_leave(processes, work)
    print("CPU ms/checkout: the app's CPU over the run ÷ shoppers (polls included; bursts: webhooks alongside included too).")
    print(f"webhooks alongside: paid events of opened sessions, else replays, at most {args.webhook_rate:g}/s (0: unpaced).")
    print("members: accounts made in the database before the run, each shopper with the session cookie of its own log-in.")
    print("polls/shopper: status polls of a queued shopper until the pay page (each after the Retry-After it was given).")
    print("errors: answers other than 201/202 (by status; 'no answer': no answer within 30 s).")
    print("scenario: Stripe's latency (through the delaying proxy), who shops, and how (clients in a loop, or arrivals a second).")
    print("holds left: checkouts still holding stock with no Stripe session after the run.")
    print("left the queue: shoppers who closed the waiting page at once (--leave), and how long until all their stock was back.")
    print("orders paid: paid orders the webhooks made during the scenario (sessions opened in earlier scenarios included).")


if __name__ == "__main__":
    main()
