"""Ctrl-C and SIGTERM stop `plus build` and `plus validate`, even when a library swallows the stop.

Python turns a signal into an exception raised wherever the program happens to be. Raised while
pydantic-core calls back into Python (validating a `Decimal`, it calls `as_tuple`), the exception is
dropped: 44% of them, interrupting a loop of such validations. A stopped build would then go on and
publish. So the stop is also remembered, and `raise_if_stopped` raises it again where it must not be
missed.
"""

from __future__ import annotations

import signal

_stopped = False


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM (systemd, CI, `timeout`, `kill`) raise `KeyboardInterrupt` and are
    remembered: the command cleans up its forked children and working folder on either (Python's own
    SIGTERM ends it on the spot)."""
    global _stopped
    _stopped = False
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)


def raise_if_stopped() -> None:
    """Raise the stop again when it came and was swallowed (a no-op without `stop_on_signals`)."""
    if _stopped:
        raise KeyboardInterrupt


def _stop(signum: int, frame: object) -> None:
    global _stopped
    _stopped = True
    raise KeyboardInterrupt
