"""`plus` (and `python -m admin`): the CLI, loaded so that a Ctrl-C while it loads ends it cleanly.

Loading takes ~0.5 s (pydantic, Pelican, Jinja). A Ctrl-C raised inside an import can be swallowed
(Python ignores an exception raised in an import lock's callback): the build then ran on and
published. So a stop while the CLI loads is also remembered, and acted on once it has loaded.
"""

from __future__ import annotations

import sys

from admin.stopping import STOPPED, raise_if_stopped, stopped_by_signals


def main() -> None:
    """Load the CLI and run it."""
    try:
        with stopped_by_signals():
            from admin.cli import main as plus

            raise_if_stopped()
    except KeyboardInterrupt:
        from catalog.messages import say

        print(say("已停止：什么都还没做", "stopped: nothing was done yet"), file=sys.stderr)
        sys.exit(STOPPED)
    plus()


if __name__ == "__main__":
    main()
