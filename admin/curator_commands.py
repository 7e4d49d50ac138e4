"""`plus` commands for the curator (registered by admin.cli)."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this module's commands to the `plus` group."""
