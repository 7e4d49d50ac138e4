"""Stripe objects read before a write transaction, never during one.

Applying an event sometimes needs Stripe's current object (a subscription, a session whose events
arrived out of order). Asking Stripe inside the transaction would hold the database's write lock
(SQLite: the only one) through Stripe's latency. So the transaction asks a `StripeLookups`: an
object fetched earlier is answered at once; one not fetched yet raises `NeedsStripe`, which rolls
the transaction back; `apply_with_lookups` then fetches it with no transaction open and runs the
transaction again, now with the answer at hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import stripe
from sqlalchemy.orm import Session

from .db import Database
from .stripe_api import as_dict

log = logging.getLogger("plus.checkout.lookups")

T = TypeVar("T")
MAX_LOOKUPS = 6


class NeedsStripe(Exception):
    """A transaction needs a Stripe object it does not have yet: roll back, fetch it, run again."""

    def __init__(self, kind: str, object_id: str):
        super().__init__(f"{kind} {object_id}")
        self.kind = kind
        self.object_id = object_id


class StripeLookups:
    """Stripe sessions and subscriptions fetched outside any transaction, by id."""

    def __init__(self, client: stripe.StripeClient | None):
        self.client = client
        self.found: dict[tuple[str, str], dict] = {}

    def session(self, session_id: str) -> dict:
        """Stripe's current Checkout Session (NeedsStripe until fetched)."""
        return self._known("session", session_id)

    def subscription(self, subscription_id: str) -> dict:
        """Stripe's current subscription (NeedsStripe until fetched)."""
        return self._known("subscription", subscription_id)

    def remember(self, kind: str, obj: dict) -> None:
        """Keep an object already fetched (e.g. the answer of an update)."""
        self.found[(kind, obj["id"])] = obj

    def _known(self, kind: str, object_id: str) -> dict:
        if (kind, object_id) not in self.found:
            raise NeedsStripe(kind, object_id)
        return self.found[(kind, object_id)]

    def fetch(self, need: NeedsStripe) -> None:
        """Ask Stripe for what a transaction needed (call with no transaction open)."""
        if self.client is None:
            raise RuntimeError(f"a Stripe client is needed to read {need}")
        api = self.client.v1.checkout.sessions if need.kind == "session" else self.client.v1.subscriptions
        self.found[(need.kind, need.object_id)] = as_dict(api.retrieve(need.object_id))


def apply_with_lookups(database: Database, lookups: StripeLookups, work: Callable[[Session, StripeLookups], T]) -> T:
    """Run `work` in a short write transaction; whatever it needs from Stripe is fetched between attempts."""
    for _ in range(MAX_LOOKUPS):
        try:
            with database.transaction() as db:
                return work(db, lookups)
        except NeedsStripe as need:
            log.debug("fetching %s from Stripe outside the transaction", need)
            lookups.fetch(need)
    raise RuntimeError(f"more than {MAX_LOOKUPS} Stripe objects needed for one change")
