"""`plus` (and `python -m admin`): the CLI, loaded so that a Ctrl-C while it loads ends it quietly.

Loading takes ~0.5 s (pydantic, Pelican, Jinja); a Ctrl-C then would print a traceback of imports.
"""

from __future__ import annotations

import sys

from admin.stopping import STOPPED


def main() -> None:
    """Load the CLI and run it."""
    try:
        from admin.cli import main as plus
    except KeyboardInterrupt:
        sys.exit(STOPPED)  # nothing was done yet
    plus()


if __name__ == "__main__":
    main()
