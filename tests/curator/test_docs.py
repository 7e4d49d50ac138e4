"""CURATING.md documents every field and every command (datasette's test_docs idea)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from admin.cli import cli
from admin.curator.fields import HELP, catalog_models, content_fields
from catalog import load_catalog
from tests.conftest import TODAY

DOC = (Path(__file__).resolve().parents[2] / "CURATING.md").read_text(encoding="utf-8")


def all_commands(group: click.Group, prefix: str = "plus"):
    for name, command in sorted(group.commands.items()):
        yield f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from all_commands(command, f"{prefix} {name}")


FIELDS = sorted({(model.__name__, name) for model in catalog_models() for name in content_fields(model)})


@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_every_model_field_is_documented(model, name):
    assert f"`{name}`" in DOC, f"{model}.{name} is not in CURATING.md"


@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_every_model_field_has_help_text(model, name):
    zh, en = HELP[model][name]
    assert zh.strip() and en.strip()


@pytest.mark.parametrize("command", list(all_commands(cli)))
def test_every_command_is_documented(command):
    assert f"`{command}" in DOC, f"`{command}` is not in CURATING.md"


def test_help_has_no_entry_for_a_field_that_does_not_exist():
    known = {(model.__name__, name) for model in catalog_models() for name in content_fields(model)}
    documented = {(model, name) for model, fields in HELP.items() for name in fields}
    assert documented - known == set()


def test_every_badge_the_seed_shows_is_explained():
    seed = load_catalog(Path(__file__).resolve().parents[2] / "content", today=TODAY).catalog
    shown = {badge.code for facts in seed.facts.values() for badge in facts.badges}
    assert shown, "the seed shows no badge at all"
    for code in shown:
        family = code.split("-", 1)[0] + "-" if code.startswith(("alt-", "sourcing-")) else code
        assert f"`{family}" in DOC or f"`{code}`" in DOC, f"badge {code} is not explained in CURATING.md"
