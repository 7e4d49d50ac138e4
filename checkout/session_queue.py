"""Opening Stripe sessions off the request threads: a bounded queue and a few workers per process.

A rush of shoppers must not hold request threads while Stripe answers (300 ms or more each, and
no faster than its rate limit): the request holds the stock, puts the session on this queue and
waits at most `PLUS_CHECKOUT_WAIT` seconds; past that the shopper gets a page that waits for it
(`/checkout/{id}/pay`). Webhooks and page views keep their threads. A full queue refuses at once.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable

import stripe
from flask import Flask, current_app
from sqlalchemy import bindparam, select

from catalog.messages import say

from .db import Database
from .models import CheckoutSession, utcnow
from .payments import CheckoutClosed, Opener, Started, create_session, give_back, session_lifetime
from .stripe_pace import Pace

log = logging.getLogger("plus.checkout.session_queue")

KEEP = 20_000  # finished sessions remembered for the waiting pages (their URLs), oldest forgotten first
RECHECK_AFTER = 1.0  # seconds in the queue after which a job first asks whether its shopper is still waiting
LISTENERS = 2  # request threads of a process that may wait for their Stripe session at once (the others answer 202)


def _stop() -> Started:
    raise AssertionError("never run: close() puts it once per worker, which returns on taking it")


_STOP = ("", _stop)


class QueueFull(Exception):
    """Too many checkouts wait for Stripe already: the shopper tries again in `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class SessionQueue:
    """Jobs that open a Stripe session, run by `workers` threads at the process's Stripe pace."""

    def __init__(self, *, workers: int, size: int, rate: float):
        self.pace = Pace(rate)
        self.rate = rate
        self._jobs: queue.Queue[tuple[str, Callable[[], Started]]] = queue.Queue(maxsize=size)
        self._workers = workers
        self._started = False
        self._lock = threading.Lock()
        self._done: collections.OrderedDict[str, Started | BaseException] = collections.OrderedDict()
        self._waiting: dict[str, threading.Event] = {}
        self._places: dict[str, int] = {}  # a queued job's number in line (jobs submitted before it, plus one)
        self._listening: set[str] = set()  # jobs whose request is still waiting to hand their session over
        self._handed: set[str] = set()  # jobs that told their request they will hand it their session
        self._submitted = 0
        self._taken = 0
        self._threads: list[threading.Thread] = []

    def has_room(self) -> bool:
        """Whether a new job would be taken now (checked before stock is held)."""
        return not self._jobs.full()

    def retry_after(self) -> int:
        """Seconds until the queue has drained enough to take a job again (at the Stripe pace)."""
        return max(1, int(self._jobs.qsize() / self.rate) + 1)

    def eta(self, key: str, turn: float | None = None) -> float:
        """Seconds until `key`'s job is expected to start.

        A job of another process: until `turn` (the turn it was expected at when queued), or, without
        one, this queue's length as a guess.
        """
        with self._lock:
            place = self._places.get(key)
            ahead = place - self._taken - 1 if place is not None else self._jobs.qsize()
        if place is None and turn is not None:
            return max(0.0, turn - time.time())
        return max(0, ahead) / self.rate

    def submit(self, key: str, job: Callable[[], Started]) -> threading.Event:
        """Queue `job` under `key`; raises QueueFull at once when the queue is full."""
        self._start()
        done = threading.Event()
        with self._lock:
            self._waiting[key] = done
            try:
                self._jobs.put_nowait((key, job))
            except queue.Full:
                self._waiting.pop(key, None)
                raise QueueFull(self.retry_after()) from None
            self._submitted += 1
            self._places[key] = self._submitted
        return done

    def run(self, key: str, job: Callable[[], Started], *, wait: float) -> Started | None:
        """Queue `job` and wait up to `wait` seconds: its session, its error raised, or None (still queued).

        Only a job that calls Stripe at once (within a quarter of `wait`) is waited for: in a rush
        (others queued before it, or taken by a worker but waiting for their turn in the pace) the
        request answers at once and frees its thread for the next shopper and for webhooks. (A
        waiting request holds one of its process's few threads: at the start of a rush, requests
        that waited for sessions queued behind the pace kept every thread busy, and the shoppers
        after them waited seconds for one.) And at most LISTENERS requests of the process wait at a
        time, whatever the pace: `plus serve` gives a process 4 threads by default.
        """
        with self._lock:
            listens = wait > 0 and len(self._listening) < LISTENERS and self._jobs.qsize() == 0 and self.pace.delay() <= wait / 4
            if listens:
                self._listening.add(key)
        try:
            done = self.submit(key, job)
        except QueueFull:
            with self._lock:
                self._listening.discard(key)
            raise
        if not listens:
            return None
        done.wait(wait)
        with self._lock:
            self._listening.discard(key)
            handed = key in self._handed
            self._handed.discard(key)
        if handed or done.is_set():  # the job promised the session to this request (or failed): take it, however late
            done.wait()
            return self.result(key)
        return None

    def hand(self, key: str) -> bool:
        """Called by a job whose session is open: whether its request is still waiting and will take it (then it must)."""
        with self._lock:
            if key in self._listening:
                self._handed.add(key)
                return True
            return False

    def result(self, key: str) -> Started | None:
        """The session a finished job opened (raises its error), or None when unknown here or not done."""
        with self._lock:
            outcome = self._done.get(key)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        for number in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"plus-stripe-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self, timeout: float = 30.0) -> None:
        """Stop the workers once their running jobs finish (before the app's database is closed under them).

        Jobs still queued are dropped: their checkouts stay pending and the sweep releases their stock.
        """
        with self._lock:
            threads, self._threads = self._threads, []
        with contextlib.suppress(queue.Empty):
            while True:
                self._jobs.get_nowait()
        deadline = time.monotonic() + timeout
        for _ in threads:
            self._jobs.put(_STOP, timeout=max(0.0, deadline - time.monotonic()))
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _work(self) -> None:
        while True:
            taken = self._jobs.get()
            if taken is _STOP:
                return
            key, job = taken
            with self._lock:
                self._taken += 1
                self._places.pop(key, None)
            try:
                outcome: Started | BaseException = job()
            except Exception as exc:  # the job released the stock; the waiting page shows the failure
                outcome = exc
            with self._lock:
                self._done[key] = outcome
                while len(self._done) > KEEP:
                    self._done.popitem(last=False)
                done = self._waiting.pop(key, None)
            if done is not None:
                done.set()


_WAITING = select(CheckoutSession.status, CheckoutSession.expires_at).where(CheckoutSession.id == bindparam("checkout"))


def still_wanted(database: Database, checkout_id: str) -> None:
    """Raise CheckoutClosed when a queued checkout ended or its shopper left (no waiting page asked in time: released now)."""
    with database.engine.connect() as connection:
        found = connection.execute(_WAITING, {"checkout": checkout_id}).first()
    if found is None or found.status != "pending":
        raise CheckoutClosed(checkout_id)
    if found.expires_at < utcnow():  # the sweeper had not got there yet: no Stripe call for a shopper who left
        give_back(database, checkout_id, "expired")
        log.info(say("结账 %s：顾客离开了排队，库存已释放", "checkout %s: the shopper left the queue; its stock is released"), checkout_id)
        raise CheckoutClosed(checkout_id)


def queued(
    database: Database, client: stripe.StripeClient, *, wait: float, release_when_full: bool = True, app: Flask | None = None
) -> Opener:
    """An opener that puts the session on the process's queue and waits at most `wait` seconds for it.

    A full queue raises QueueFull (the shopper hears "try again" at once), after giving the stock
    back unless `release_when_full` is False (the address step keeps the hold for the next try).
    A job that waited in the queue first checks that its shopper is still there (`still_wanted`).
    """
    jobs = get_queue(app)
    config = (app or current_app).config
    lifetime = session_lifetime(config["PLUS_CHECKOUT_TTL_MINUTES"])
    unclaimed = dt.timedelta(seconds=config["PLUS_QUEUE_HOLD_SECONDS"])

    def open_session(record: CheckoutSession, params: dict) -> Started | None:
        submitted = time.monotonic()

        def job() -> Started:
            if time.monotonic() - submitted >= RECHECK_AFTER:
                still_wanted(database, record.id)
            return create_session(
                database,
                client,
                record,
                params,
                pace=jobs.pace,
                lifetime=lifetime,
                handed=lambda: jobs.hand(record.id),
                unclaimed=unclaimed,
            )

        try:
            return jobs.run(record.id, job, wait=wait)
        except QueueFull:
            if release_when_full:
                give_back(database, record.id)
            raise

    return open_session


def get_queue(app: Flask | None = None) -> SessionQueue:
    """The process's session queue (made on first use, with the app's settings)."""
    app = app or current_app
    found = app.extensions.get("plus_session_queue")
    if found is None:
        with _made:
            found = app.extensions.get("plus_session_queue")
            if found is None:
                config = app.config
                found = app.extensions["plus_session_queue"] = SessionQueue(
                    workers=config["PLUS_STRIPE_WORKERS"], size=config["PLUS_CHECKOUT_QUEUE"], rate=config["PLUS_STRIPE_RATE"]
                )
    return found


def close_queue(app: Flask) -> None:
    """Stop the app's session queue if it was started (its jobs finish first)."""
    found = app.extensions.pop("plus_session_queue", None)
    if found is not None:
        found.close()


_made = threading.Lock()
