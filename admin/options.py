"""Options shared by the `plus` commands."""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_CONTENT = "content"


def content_option(function):
    """The `--content DIR` option every catalog command takes."""
    return click.option(
        "--content",
        "content",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_CONTENT,
        show_default=True,
        envvar="PLUS_CONTENT",
        help="The content folder (products/, factories/, categories.yaml, …).",
    )(function)


def today_option(function):
    """`--today`, so checks of dates can be reproduced."""
    return click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        envvar="PLUS_TODAY",
        help="Judge dates as if today were this day (YYYY-MM-DD).",
    )(function)
