"""DEPLOYING.md stays true: its `plus` commands parse, its events are the ones handled, every setting is in it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import stripe

from admin.cli import cli
from checkout.config import ENV_KEYS
from checkout.events import HANDLED

DOC = Path(__file__).resolve().parents[2] / "DEPLOYING.md"
OPERATORS = {"&&", "||", "|", ";", "(", ")"}
EXTRA_SETTINGS = ("PLUS_TRUSTED_PROXIES", "PLUS_WORKERS", "PLUS_SITEURL", "PLUS_CATALOG_REVISION", "PLUS_CMS_REPO", "PLUS_CMS_AUTH_URL")


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def code_lines(doc: str) -> list[str]:
    """The lines of every fenced code block, continuation backslashes joined."""
    lines: list[str] = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", doc, flags=re.MULTILINE | re.DOTALL):
        lines += block.replace("\\\n", " ").splitlines()
    return lines


def commands_in(line: str) -> list[list[str]]:
    """The `plus …` commands of one shell (or cron, or systemd) line: their arguments."""
    line = re.sub(r'"\$\([^)]*\)"', "2026-11-01", line)  # a date the shell computes
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    tokens = list(lexer)
    found, at_start, index = [], True, 0
    while index < len(tokens):
        token = tokens[index].split("ExecStart=", 1)[-1]
        if token in OPERATORS:
            at_start = True
        elif at_start and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", token):
            pass  # an environment assignment before the command, or an ini setting
        elif at_start and (token == "plus" or token.endswith("/plus")):
            args = []
            index += 1
            while index < len(tokens) and not set(tokens[index]) <= set("&|;()<>"):
                args.append(tokens[index])
                index += 1
            found.append(args)
            at_start = False
            continue
        else:
            at_start = False
        index += 1
    return found


def plus_commands(doc: str) -> list[list[str]]:
    """Every `plus …` command in the code blocks and in inline code."""
    commands = [args for line in code_lines(doc) for args in commands_in(line)]
    prose = re.sub(r"^```.*?^```", "", doc, flags=re.MULTILINE | re.DOTALL)
    commands += [shlex.split(span)[1:] for span in re.findall(r"`(plus [^`]+)`", prose)]
    return commands


def parse(args: list[str]) -> None:
    """Parse `plus ARGS` as the CLI would (raises on an unknown command or option)."""
    command: click.Command = cli
    parent = click.Context(cli)
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        sub = command.get_command(parent, args[0])
        assert sub is not None, f"`{args[0]}` is not a command of `{command.name}`"
        parent = click.Context(sub, parent=parent, info_name=args[0])
        command, args = sub, args[1:]
    if isinstance(command, click.Group) and not args:
        return  # a group named in prose (`plus orders`)
    with click.Context(cli) as root:
        command.make_context(command.name, list(args), parent=root)


def test_every_plus_command_in_the_doc_parses(doc, tmp_path, monkeypatch):
    (tmp_path / "output").mkdir()  # the built site the doc's commands name, as on a deployed machine
    monkeypatch.chdir(tmp_path)
    commands = plus_commands(doc)
    assert len(commands) >= 15
    for args in commands:
        parse(args)
    named = {" ".join(args[:2]) for args in commands}
    for needed in (
        "serve --workers",
        "db upgrade",
        "build --publish",
        "deploy compress",
        "deploy nginx",
        "deploy headers",
        "orders reconcile",
        "members remind",
        "mail send",
    ):
        assert needed in named, f"DEPLOYING.md shows no `plus {needed}`"


def test_the_parser_finds_commands_where_a_shell_would_run_them():
    assert commands_in("cd /srv/plus && set -a && .venv/bin/plus orders sweep > log") == [["orders", "sweep"]]
    assert commands_in("PLUS_SITEURL=https://x.cn plus build --publish  # note") == [["build", "--publish"]]
    assert commands_in("ExecStart=/srv/plus/.venv/bin/plus serve --port 8001") == [["serve", "--port", "8001"]]
    with pytest.raises(click.UsageError):
        parse(["serve", "--no-such-option"])


def test_the_webhook_events_are_exactly_the_ones_the_app_handles(doc):
    section = doc[doc.index("## 3. Stripe") : doc.index("## 4.")]
    listed = set(re.findall(r"^\s+- `([a-z_.]+)`$", section, flags=re.MULTILINE))
    registered = set(re.findall(r"enabled_events\[\]=([a-z_.]+)", section))
    assert listed == set(HANDLED)
    assert registered == set(HANDLED)
    assert f"api_version={stripe.api_version}" in section  # the library's version, or payloads change shape


def test_every_setting_is_in_the_environment_table(doc):
    table = doc[doc.index("## 8. Environment") :]
    for key in ENV_KEYS + EXTRA_SETTINGS:
        assert f"`{key}`" in table, f"{key} is not documented in DEPLOYING.md"
