"""Ctrl-C and SIGTERM stop `plus build` and `plus validate`, even when a library swallows the stop.

Python turns a signal into an exception raised wherever the program happens to be. Raised while
pydantic-core calls back into Python (validating a `Decimal`, it calls `as_tuple`), the exception is
dropped: 44% of them, interrupting a loop of such validations. A stopped build would then go on and
publish. So the stop is also remembered, and `raise_if_stopped` raises it again where it must not be
missed.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

STOPS = (signal.SIGINT, signal.SIGTERM)
STOPPED = 130
"""The exit code of a stopped command (128 + SIGINT, as a shell reports Ctrl-C), whichever signal stopped it."""
_stopped = False


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Within: Ctrl-C and SIGTERM (systemd, CI, `timeout`, `kill`) raise `KeyboardInterrupt` and are
    remembered, so the command cleans up its forked children and working folder on either (Python's
    own SIGTERM ends it on the spot). A signal the command was started to ignore stays ignored (a
    `plus build &` in a script is not stopped by the terminal's Ctrl-C)."""
    global _stopped
    _stopped = False
    before = _replaceable_handlers()
    for number in before:
        signal.signal(number, _stop)
    try:
        yield
    finally:
        _stopped = False
        for number, handler in before.items():
            signal.signal(number, handler)


def raise_if_stopped() -> None:
    """Raise the stop again when it came and was swallowed (a no-op outside `stopped_by_signals`)."""
    if _stopped:
        raise KeyboardInterrupt


@contextlib.contextmanager
def stops_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then act as they would have: for steps that
    must not be cut in two. (Held by handlers, not by a signal mask: in a process with threads, a
    masked signal is delivered to another thread, and Python runs its handler here all the same.)"""
    held: list[int] = []
    before = _replaceable_handlers()
    for number in before:
        signal.signal(number, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
        if held:
            signal.raise_signal(held[0])


def _replaceable_handlers() -> dict[int, Any]:
    """The stop signals' handlers this thread may replace, and may need to: none outside the main
    thread (Python handles signals there only), and not a signal the command was started to ignore
    (or whose handler is not Python's)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    handlers = {number: signal.getsignal(number) for number in STOPS}
    return {number: handler for number, handler in handlers.items() if handler not in (None, signal.SIG_IGN)}


def _stop(signum: int, frame: object) -> None:
    global _stopped
    _stopped = True
    raise KeyboardInterrupt
