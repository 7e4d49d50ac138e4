"""Times as shoppers and operators read them: the store's own time zone (Beijing time), never raw UTC.

The database keeps UTC; every page, mail and CLI line converts through here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

STORE_TIMEZONE = ZoneInfo("Asia/Shanghai")
"""The store's time zone: China has one, and Pelican's pages use the same (pelicanconf.TIMEZONE)."""


def local(moment: dt.datetime) -> dt.datetime:
    """`moment` in the store's time zone (a naive value is taken as UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(STORE_TIMEZONE)


def local_time(moment: dt.datetime | None) -> str:
    """`2026-12-02 15:41` in Beijing time; empty for no time."""
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def local_date(moment: dt.datetime | None) -> str:
    """`2026-12-02` in Beijing time; empty for no time."""
    return local(moment).strftime("%Y-%m-%d") if moment else ""
