"""Apply an edited value tree to a YAML file without rewriting it (ruamel.yaml round-trip).

The browser editor sends the whole entry back, serialised its own way (`29.90` as `29.9`, flow
mappings expanded, comments gone). Only the keys whose values really changed are written into the
original document, so comments, the schema modeline, key order, number text and flow style stay.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (2, 4, 0), (4, 6, 2))
"""(mapping, sequence, offset) styles tried in turn: the one that reproduces the file is kept."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONEY_PLACES = Decimal("0.01")
_TILDE = re.compile(r":[ \t]+~[ \t]*(#.*)?$", re.MULTILINE)


class _DecimalLoader(yaml.SafeLoader):
    """Reads the editor's YAML with floats as Decimal, as the catalog does."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(loader.construct_scalar(node))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def parse_edited(text: str) -> Any:
    """The value tree of the editor's YAML: floats as Decimal, dates as dates."""
    return yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 - a SafeLoader subclass


def _yaml(indent: tuple[int, int, int] = _INDENTS[0], *, tilde: bool = False) -> YAML:
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096  # never fold a long line that was not folded
    mapping, sequence, offset = indent
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    rt.representer.add_representer(Decimal, _represent_decimal)
    if tilde:  # `plus new` writes an empty field as `~`
        rt.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "~"))
    return rt


def _represent_decimal(representer: Any, value: Decimal) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


class Document:
    """A YAML file loaded for editing: `data` is the round-trip tree, `dump()` the new text."""

    def __init__(self, text: str):
        self.text = text
        tilde = bool(_TILDE.search(text))
        self.yaml = _yaml(tilde=tilde)
        self.data = self.yaml.load(text)
        for indent in _INDENTS:  # keep the file's own indentation
            candidate = _yaml(indent, tilde=tilde)
            if _dump(candidate, candidate.load(text)) == text:
                self.yaml = candidate
                self.data = candidate.load(text)
                break

    def dump(self) -> str:
        """The document as text, unchanged parts byte for byte as read."""
        return _dump(self.yaml, self.data)


def _dump(rt: YAML, data: Any) -> str:
    out = io.StringIO()
    rt.dump(data, out)
    return out.getvalue()


def new_text(data: Any) -> str:
    """Text for a file that did not exist: block style, money as written by `money()`."""
    rt = _yaml()
    return _dump(rt, _plain_to_commented(data, None))


def merge(old: Any, new: Any, *, money: frozenset[str] = frozenset(), path: str = "") -> Any:
    """`new` with every unchanged part taken from `old` (comments, text, style); `old` is changed in place.

    `money` names the dotted field paths (list indexes left out) written with two decimals.
    """
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        _merge_map(old, new, money, path)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        _merge_seq(old, new, money, path)
        return old
    if same(old, new):
        return old
    return _fresh(new, money, path, like=old)


def _merge_map(old: CommentedMap, new: dict, money: frozenset[str], path: str) -> None:
    for key in [k for k in old if k not in new]:
        if old[key] is None:
            continue  # a `~` placeholder of `plus new` the editor sent back as nothing: keep its help comment
        del old[key]
    previous = None
    for key, value in new.items():
        child = f"{path}.{key}" if path else str(key)
        if key in old:
            old[key] = merge(old[key], value, money=money, path=child)
        elif value is not None:
            position = list(old).index(previous) + 1 if previous in old else len(old)
            old.insert(position, key, _fresh(value, money, child, like=None))
        previous = key


def _merge_seq(old: CommentedSeq, new: list, money: frozenset[str], path: str) -> None:
    while len(old) > len(new):
        del old[-1]
    sibling = old[-1] if old else None
    for index, value in enumerate(new):
        if index < len(old):
            old[index] = merge(old[index], value, money=money, path=path)
        else:
            old.append(_fresh(value, money, path, like=sibling))


def _fresh(value: Any, money: frozenset[str], path: str, *, like: Any) -> Any:
    """A new value, written the way its neighbour (`like`) is: flow style, money places."""
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            if item is not None:
                out[key] = _fresh(item, money, f"{path}.{key}" if path else str(key), like=None)
        if isinstance(like, CommentedMap) and like.fa.flow_style():
            out.fa.set_flow_style()
        return out
    if isinstance(value, list):
        out_seq = CommentedSeq(_fresh(item, money, path, like=None) for item in value)
        if isinstance(like, CommentedSeq) and like.fa.flow_style():
            out_seq.fa.set_flow_style()
        return out_seq
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = _decimal(value)
        exponent = number.as_tuple().exponent if number is not None else None  # a letter for NaN and infinity
        if path in money and number is not None and isinstance(exponent, int) and exponent >= -2:
            return number.quantize(_MONEY_PLACES)  # 28.5 is written 28.50; 99.999 is left for the validator to refuse
        return value if isinstance(value, int) else number
    if isinstance(value, str) and "\n" in value.strip("\n"):
        return LiteralScalarString(value)  # prose stays a `|` block
    if isinstance(value, str) and _DATE.match(value) and isinstance(like, dt.date):
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and _DATE.match(value) and like is None:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _plain_to_commented(value: Any, like: Any) -> Any:
    return _fresh(value, frozenset(), "", like=like)


def same(old: Any, new: Any) -> bool:
    """Whether the editor's `new` means what the file's `old` says (29.90 == 29.9, dates as text)."""
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new or (isinstance(old, bool) and isinstance(new, bool) and old == new)
    if isinstance(old, (int, float, Decimal)) and isinstance(new, (int, float, Decimal)):
        return _decimal(old) == _decimal(new)
    if isinstance(old, dt.date) and isinstance(new, (str, dt.date)):
        return str(old) == str(new)
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, str) and isinstance(new, str):
        return old == new or old.rstrip("\n") == new.rstrip("\n")  # a block scalar's final newline
    return old == new


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        return None
