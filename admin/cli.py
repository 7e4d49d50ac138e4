"""`plus`: the curator and operator command line."""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
from pathlib import Path

import click

from catalog import load_catalog
from catalog.messages import say, set_language

from . import checkout_commands, curator_commands, deploy_commands, site_commands
from .options import content_option, today_option


@click.group()
@click.version_option(package_name="plus-store")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of curator messages: zh (the default) or en; without it, PLUS_LANG or an English locale (LANG=en_*) means en.",
)
def cli(lang: str | None) -> None:
    """PLUS Store: validate the catalog, build the site, run the checkout, operate orders."""
    set_language(lang)  # None: decided by the locale, afresh on every run


@cli.command()
@content_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True, help="github prints workflow annotations."
)
@click.option("--strict", is_flag=True, help="Treat warnings (such as stale comparisons) as errors.")
@today_option
def validate(content: Path, fmt: str, strict: bool, today: dt.datetime | None) -> None:
    """Check every content file; exit 1 when anything must be fixed."""
    gc.disable()  # loading makes no garbage cycles; the collector's passes over the growing catalog cost ~0.5 s
    try:
        result = load_catalog(content, today=today.date() if today else None, strict=strict)
    finally:
        gc.enable()
    for problem in sorted(result.problems):
        click.echo(problem.as_github() if fmt == "github" else problem.as_text())
    errors, warnings = len(result.errors), len(result.warnings)
    if result.catalog is not None:
        catalog = result.catalog
        summary = say(
            f"通过：{len(catalog.products)} 个商品，{len(catalog.factories)} 家工厂" + (f"，{warnings} 条提醒" if warnings else ""),
            f"ok: {len(catalog.products)} products, {len(catalog.factories)} factories" + (f", {warnings} warning(s)" if warnings else ""),
        )
        click.echo(summary)
        return
    click.echo(
        say(f"未通过：{errors} 个错误，{warnings} 条提醒；改好后再运行 plus validate", f"failed: {errors} error(s), {warnings} warning(s)"),
        err=fmt == "github",
    )
    raise SystemExit(1)


for _module in (site_commands, checkout_commands, deploy_commands, curator_commands):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


QUICK_EXIT = ("build", "validate")
"""Commands after which `plus` leaves without the interpreter's teardown (see `main`)."""


def main() -> None:
    """The `plus` program. After `build` or `validate` it leaves at once: freeing a 10,000-product
    catalog object by object took ~1 s, and there is nothing else to clean up (files are closed,
    Pagefind has exited)."""
    try:
        cli.main(prog_name="plus")
    except SystemExit as exc:
        if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT and (exc.code is None or isinstance(exc.code, int)):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code or 0)
        raise
