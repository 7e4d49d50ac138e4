"""Stripe's form encoding (`line_items[0][price_data][unit_amount]=6900`) parsed and read with Stripe's errors."""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable
from typing import Any, Literal, overload

from .errors import StripeError, invalid, required, unknown_parameter

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
MAX_METADATA_KEYS = 50


def parse_form(items: Iterable[tuple[str, str]]) -> dict:
    """Turn flat `a[b][0]=v` pairs into nested dicts and lists, as Stripe reads them."""
    root: dict = {}
    for key, value in items:
        head, _, rest = key.partition("[")
        segments = [head] + _SEGMENT.findall("[" + rest) if rest else [head]
        node = root
        for position, segment in enumerate(segments):
            last = position == len(segments) - 1
            if segment == "":  # `a[]=x` appends
                segment = str(len(node))
            if last:
                node[segment] = value
            else:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise invalid(f"Invalid object: {key} mixes a value and nested fields", key)
                node = child
    return _listify(root, "")


def _listify(node: dict, path: str):
    """Dicts keyed 0..n-1 become lists; other numeric keys are an invalid array, as at Stripe."""
    for key, value in list(node.items()):
        if isinstance(value, dict):
            node[key] = _listify(value, f"{path}[{key}]" if path else key)
    if node and all(key.isdigit() for key in node):
        indexes = sorted(int(key) for key in node)
        if indexes != list(range(len(indexes))):
            raise invalid(f"Invalid array: {path} must be indexed from 0 without gaps", path)
        return [node[str(index)] for index in indexes]
    return node


class Reader:
    """Reads one level of parsed parameters, naming each one by its full Stripe path in errors.

    Its readers are named after the types they read (`str`, `int`, `bool`, `list`), so inside the
    class the built-in types are spelled `builtins.str` and so on; with `need=True` none returns None.
    """

    def __init__(self, data: dict, prefix: str = ""):
        if not isinstance(data, dict):
            raise invalid(f"Invalid object: {prefix} must be a hash", prefix or None)
        self.data = data
        self.prefix = prefix

    def path(self, name: str | int) -> str:
        """The parameter's full name, such as `line_items[0][quantity]`."""
        return f"{self.prefix}[{name}]" if self.prefix else str(name)

    def only(self, *allowed: str) -> Reader:
        """Refuse any parameter not in `allowed` (plus `expand`, which every request may carry)."""
        for name in self.data:
            if name not in allowed and not (name == "expand" and not self.prefix):
                raise unknown_parameter(self.path(name))
        return self

    def has(self, name: str) -> bool:
        """Whether the parameter was sent."""
        return name in self.data

    @overload
    def str(self, name: builtins.str, *, need: Literal[True], max_length: builtins.int = ...) -> builtins.str: ...
    @overload
    def str(self, name: builtins.str, *, need: builtins.bool = False, max_length: builtins.int = ...) -> builtins.str | None: ...
    def str(self, name: builtins.str, *, need: builtins.bool = False, max_length: builtins.int = 5000) -> builtins.str | None:
        """A string parameter."""
        value = self._get(name, need)
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid(f"Invalid string: {self.path(name)} must be a string", self.path(name))
        if len(value) > max_length:
            raise invalid(
                f"Invalid string: {self.path(name)} must be at most {max_length} characters", self.path(name), code="string_too_long"
            )
        return value

    @overload
    def int(
        self, name: builtins.str, *, need: Literal[True], low: builtins.int | None = ..., high: builtins.int | None = ...
    ) -> builtins.int: ...
    @overload
    def int(
        self, name: builtins.str, *, need: builtins.bool = False, low: builtins.int | None = ..., high: builtins.int | None = ...
    ) -> builtins.int | None: ...
    def int(
        self, name: builtins.str, *, need: builtins.bool = False, low: builtins.int | None = None, high: builtins.int | None = None
    ) -> builtins.int | None:
        """An integer parameter within [low, high]."""
        raw = self.str(name, need=need)
        if raw is None:
            return None
        if not re.fullmatch(r"-?\d+", raw):
            raise invalid(f"Invalid integer: {raw}", self.path(name))
        value = int(raw)
        if low is not None and value < low:
            raise invalid(f"This value must be greater than or equal to {low}.", self.path(name))
        if high is not None and value > high:
            raise invalid(f"This value must be less than or equal to {high}.", self.path(name))
        return value

    def bool(self, name: builtins.str) -> builtins.bool | None:
        """A boolean parameter (`true`/`false`)."""
        raw = self.str(name)
        if raw is None:
            return None
        if raw not in ("true", "false"):
            raise invalid(f"Invalid boolean: {raw}", self.path(name))
        return raw == "true"

    @overload
    def enum(self, name: builtins.str, choices: Iterable[builtins.str], *, need: Literal[True]) -> builtins.str: ...
    @overload
    def enum(self, name: builtins.str, choices: Iterable[builtins.str], *, need: builtins.bool = False) -> builtins.str | None: ...
    def enum(self, name: builtins.str, choices: Iterable[builtins.str], *, need: builtins.bool = False) -> builtins.str | None:
        """A parameter restricted to `choices`."""
        value = self.str(name, need=need)
        choices = list(choices)
        if value is not None and value not in choices:
            raise invalid(f"Invalid {self.path(name)}: must be one of {', '.join(choices)}", self.path(name))
        return value

    @overload
    def sub(self, name: builtins.str, *, need: Literal[True]) -> Reader: ...
    @overload
    def sub(self, name: builtins.str, *, need: builtins.bool = False) -> Reader | None: ...
    def sub(self, name: builtins.str, *, need: builtins.bool = False) -> Reader | None:
        """A nested hash parameter, read with its own Reader."""
        value = self._get(name, need)
        return None if value is None else Reader(value, self.path(name))

    def list(self, name: builtins.str, *, need: builtins.bool = False) -> builtins.list[Any]:
        """An array parameter; hashes inside come back as Readers."""
        value = self._get(name, need)
        if value is None:
            return []
        if isinstance(value, (str, dict)):
            raise invalid(f"Invalid array: {self.path(name)} must be an array", self.path(name))
        return [Reader(item, f"{self.path(name)}[{index}]") if isinstance(item, dict) else item for index, item in enumerate(value)]

    def metadata(self, name: builtins.str = "metadata") -> dict[builtins.str, builtins.str] | None:
        """Stripe metadata: at most 50 string keys of 40 characters, values of 500."""
        value = self._get(name, False)
        if value is None:
            return None
        if value == "":  # Stripe unsets metadata with an empty string
            return {}
        if not isinstance(value, dict) or len(value) > MAX_METADATA_KEYS:
            raise invalid("Invalid metadata: at most 50 string keys", self.path(name))
        for key, item in value.items():
            if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
                raise invalid("Metadata keys can be at most 40 characters and values at most 500 characters.", f"{self.path(name)}[{key}]")
        return dict(value)

    def _get(self, name: builtins.str, need: builtins.bool) -> Any:
        value = self.data.get(name)
        if value is None and need:
            raise required(self.path(name))
        return value


def expand_paths(data: dict) -> list[str]:
    """The `expand[]` paths of a request."""
    value = data.get("expand", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise StripeError(400, "Invalid array: expand must be an array of strings", param="expand")
    return value
