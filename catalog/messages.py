"""What a curator reads: zh-CN by default (English with `--lang en` or an English locale).

Every pydantic error is turned into the curator's words by its error `type`, naming the field
by its label from catalog/labels.py, so a new model gets Chinese messages without new code.
"""

from __future__ import annotations

import difflib
import functools
import os
import shlex
import unicodedata
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .labels import help_text, label

_chosen: str | None = None

Loc = tuple[str | int, ...]
"""Where a value sits in a document: keys and list indexes, as pydantic reports them."""


def set_language(lang: str | None) -> None:
    """Choose "zh" or "en" for every message from now on; None goes back to the environment's choice."""
    global _chosen
    _chosen = None if lang is None else ("en" if lang.lower().startswith("en") else "zh")


def language() -> str:
    """ "en" when chosen or when PLUS_LANG / the locale (LC_ALL, LC_MESSAGES, LANG) is English, else "zh"."""
    if _chosen is not None:
        return _chosen
    for name in ("PLUS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def say(zh: str, en: str) -> str:
    """The message in the curator's language."""
    return en if language() == "en" else zh


def content_flag(root: Path) -> str:
    """What a `plus` command a message suggests needs to work on the content folder `root`: nothing
    for the default `content`, else ` --content <root>` (quoted for a shell)."""
    return "" if root == Path("content") else f" --content {shlex.quote(str(root))}"


def other_content_flag(folder: Path) -> str:
    """` --content <folder>` for a content folder other than the one a command was given, relative
    to where it runs: never empty, unlike `content_flag` (./content is not the default then)."""
    return f" --content {shlex.quote(os.path.relpath(folder))}"


def strip_annotation(annotation: Any) -> tuple[Any, bool]:
    """The type inside Annotated[...] and Optional[...], and whether None was allowed."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def owner(model: type[BaseModel], loc: Loc) -> tuple[str, str]:
    """The model name and field name that `loc` (keys and list indexes) ends at, e.g. ("Comparison", "price")."""
    names = [str(part) for part in loc if not isinstance(part, int)]
    if not names:
        return model.__name__, ""
    holder = _model_at(model, tuple(names[:-1]))
    return (holder.__name__ if holder is not None else ""), names[-1]


def char_name(char: str) -> str:
    """`U+3000 IDEOGRAPHIC SPACE`: a character named so a curator can find what they cannot see."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"


def is_odd(char: str) -> bool:
    """A character that does not belong in YAML syntax: invisible, non-ASCII space or full-width punctuation."""
    if char in " \t\n\r":
        return False
    category = unicodedata.category(char)
    return category in ("Cf", "Zs", "Zl", "Zp", "Cc", "Co") or char in FULL_WIDTH_SYNTAX


FULL_WIDTH_SYNTAX = {"：": ":", "－": "-", "＃": "#", "，": ",", "［": "[", "］": "]", "｛": "{", "｝": "}"}
"""Full-width look-alikes of YAML's syntax characters, and what to type instead."""


def odd_character(text: str, char: str, column: int) -> str:
    """A message naming one odd character at `column` and what to do about it."""
    if char == "\t":
        return say(f"第 {column} 列是 Tab：缩进只能用半角空格，请把 Tab 换成空格", f"column {column} is a tab: indent with spaces only")
    if char in FULL_WIDTH_SYNTAX:
        return say(
            f"第 {column} 列是全角字符 {char}（{char_name(char)}）：YAML 只认半角的 {FULL_WIDTH_SYNTAX[char]}，请改成 {FULL_WIDTH_SYNTAX[char]}",
            f"column {column} is the full-width {char} ({char_name(char)}): YAML needs the ASCII {FULL_WIDTH_SYNTAX[char]}",
        )
    if unicodedata.category(char) == "Zs":
        return say(
            f"第 {column} 列是 {char_name(char)}（全角空格或不换行空格）：缩进和分隔只能用半角空格，请删掉后重新输入空格",
            f"column {column} is {char_name(char)}: indent and separate with plain ASCII spaces only",
        )
    return say(
        f"第 {column} 列有看不见的字符 {char_name(char)}：请删掉它（常见于从网页或聊天软件复制的文字）",
        f"column {column} holds the invisible character {char_name(char)}: delete it (it comes with text copied from web pages)",
    )


def kind_of(value: Any) -> str:
    """What a curator wrote, in their words: 文字、数字、列表…"""
    if isinstance(value, bool):
        return say("true/false", "true/false")
    if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        return say(f"数字 {value}", f"the number {value}")
    if isinstance(value, str):
        return say(f"文字 {_short(value)}", f"the text {_short(value)}")
    if isinstance(value, list):
        return say("一个列表", "a list")
    if isinstance(value, dict):
        return say("一组字段", "a mapping of fields")
    if value is None:
        return say("空值", "nothing")
    return type(value).__name__


def _short(value: str) -> str:
    return repr(value) if len(value) <= 40 else repr(value[:37] + "…")


def clean_key(name: str) -> str:
    """A key without the odd characters it holds (full-width syntax turned ASCII, then the colon dropped)."""
    return "".join(FULL_WIDTH_SYNTAX.get(c, "") if is_odd(c) else c for c in name).strip(":").strip()


def first_odd(name: str) -> int | None:
    """The index of the first odd character in `name`, or None."""
    return next((i for i, char in enumerate(name) if is_odd(char)), None)


def unknown_field(model: type[BaseModel], loc: Loc, known: list[str]) -> str:
    """An unknown key: characters it should not hold, a field of a nested item written too far left, or a close spelling."""
    name = str(loc[-1]) if loc else ""
    if (i := first_odd(name)) is not None:
        char, clean = name[i], clean_key(name)
        return say(
            f"字段名 {name!r} 的第 {i + 1} 个字符是 {char_name(char)}：删掉它，写成 {clean}",
            f"the field name {name!r} holds {char_name(char)} at character {i + 1}: delete it and write {clean}",
        )
    parent = _model_at(model, loc[:-1])
    if parent is not None and (home := _homes(parent, language()).get(name)):
        return say(
            f"{name} 不是这一层的字段，它属于{home}：检查缩进，与同一项的其他字段对齐",
            f"{name} is not a field at this level; it belongs to {home}: check the indentation",
        )
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return say(f"不认识的字段 {name}：是不是想写 {close[0]}？", f"unknown field {name} (did you mean {close[0]!r}?)")
    return say(f"不认识的字段 {name}：删掉它，或改成正确的字段名（见 CURATING.md）", f"unknown field {name}: remove it or fix its name")


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (through Optional, Annotated, list and dict), or None."""
    inner, _ = strip_annotation(annotation)
    while get_origin(inner) in (list, dict):
        inner, _ = strip_annotation(get_args(inner)[-1])
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    current = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        inner = inner_model(field.annotation) if field is not None else None
        if inner is None:
            return None
        current = inner
    return current


@functools.cache
def _homes(model: type[BaseModel], lang: str) -> dict[str, str]:
    """Field names of the items nested below `model`, with where they belong (e.g. source → 对比参照（compare）)."""
    homes: dict[str, str] = {}
    for name, field in model.model_fields.items():
        inner = inner_model(field.annotation)
        if inner is None:
            continue
        where = f"each item of {name}" if lang == "en" else f"{label(model.__name__, name)}（{name}）里的每一项"
        for child in inner.model_fields:
            if child not in model.model_fields:
                homes.setdefault(child, where)
    return homes


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def error_message(error: ErrorDetails, model: type[BaseModel], loc: Loc) -> str:
    """One pydantic error in the curator's words, by its error `type`; pydantic's own wording never shows."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    model_name, name = owner(model, loc)
    lang = language()
    field = label(model_name, name, lang) if name else say("这一项", "this entry")
    hint = help_text(model_name, name, lang)
    now = say(f"（现在是{kind_of(got)}）", f" (got {kind_of(got)})")
    template = _TEMPLATES.get(kind)
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == SLUG_PATTERN:
            return say(
                f"{field}只能用小写英文字母、数字和单个连字符，如 aux-vacuum{now}",
                f"{field} must be a lowercase ASCII id such as 'aux-vacuum'{now}",
            )
        return say(f"{field}的写法不对：{hint}{now}", f"{field} is not written as expected: {hint}{now}")
    if got is None and kind != "missing":
        return say(f"{field}还没有填写：{hint}", f"{field} is not filled in yet: {hint}")
    if kind == "value_error":
        return f"{field}：" + str(ctx.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    if template is None:
        return say(f"{field}的值不合要求：{hint}{now}", f"{field} is not valid: {hint}{now}")
    zh, en = template
    values = {"field": field, "name": name, "hint": hint, "now": now, **{k: _plain(v, lang) for k, v in ctx.items()}}
    if kind == "missing":
        values["where"] = _where_to_add(tuple(part for part in error["loc"] if part != "[key]")[:-1], name)
        values["about"] = (f". {hint}" if lang == "en" else f"。说明：{hint}") if hint else ""
    return (en if lang == "en" else zh).format_map(_Default(values))


def _where_to_add(parent: Loc, name: str) -> str:
    """The line a missing field needs (`title: …`) and where it goes: at the left margin of the file, or
    inside the item or field holding it."""
    line = f"{name}: …"
    if not parent:
        return say(f"请在文件里另起一行，顶格（不缩进）写上 {line}", f"add a line `{line}` at the left margin")
    at = parent[-1]
    if isinstance(at, int) and len(parent) > 1:
        return say(
            f"请在 {parent[-2]} 的第 {at + 1} 项里加一行 {line}，和这一项的其他字段对齐",
            f"add `{line}` to item {at + 1} of {parent[-2]}, aligned with its other fields",
        )
    return say(f"请在 {at}: 下面加一行 {line}，和同一层的其他字段对齐", f"add `{line}` below {at}:, aligned with the fields there")


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _plain(value: Any, lang: str) -> str:
    text = str(value).replace("'", "")
    return text if lang == "en" else text.replace(" or ", " 或 ")


_NUMBER = ("{field}要写成数字，如 69.00，不要写 ¥、元或逗号{now}", "{field} must be a number such as 69.00, without ¥ or commas{now}")
_INTEGER = ("{field}要写成整数，如 3{now}", "{field} must be a whole number such as 3{now}")
_DATE = ("{field}要写成日期 YYYY-MM-DD，如 2026-11-01，不要带时间{now}", "{field} must be a date YYYY-MM-DD such as 2026-11-01{now}")
_CHOICE = ("{field}只能写 {expected}{now}", "{field} must be one of {expected}{now}")
_MAPPING = (
    "{field}应是一组字段：在下一行缩进两格写 字段: 值（{hint}）{now}",
    "{field} must be a mapping: write `key: value` lines indented below it{now}",
)
_TEMPLATES: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填项 {name}（{field}）：{where}{about}", "{name} is required: {where}{about}"),
    "string_type": ("{field}要写成文字{now}；如果是数字或日期，请加引号", "{field} must be text{now}; put numbers or dates in quotes"),
    "string_too_short": ("{field}不能为空：{hint}", "{field} must not be empty: {hint}"),
    "string_too_long": ("{field}太长了：最多 {max_length} 个字", "{field} is too long: at most {max_length} characters"),
    "decimal_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "finite_number": ("{field}要写成普通数字，如 69.00{now}", "{field} must be an ordinary number such as 69.00{now}"),
    "decimal_max_places": (
        "{field}最多 {decimal_places} 位小数，如 69.00{now}",
        "{field} has at most {decimal_places} decimal places{now}",
    ),
    "decimal_max_digits": ("{field}数字太长：最多 {max_digits} 位{now}", "{field} has too many digits: at most {max_digits}{now}"),
    "decimal_whole_digits": ("{field}整数部分太长{now}", "{field} has too many digits before the point{now}"),
    "greater_than": ("{field}必须大于 {gt}{now}", "{field} must be greater than {gt}{now}"),
    "greater_than_equal": ("{field}不能小于 {ge}{now}", "{field} must be at least {ge}{now}"),
    "less_than": ("{field}必须小于 {lt}{now}", "{field} must be less than {lt}{now}"),
    "less_than_equal": ("{field}不能大于 {le}{now}", "{field} must be at most {le}{now}"),
    "int_parsing": _INTEGER,
    "int_type": _INTEGER,
    "int_from_float": _INTEGER,
    "bool_parsing": ("{field}只能写 true 或 false{now}", "{field} must be true or false{now}"),
    "bool_type": ("{field}只能写 true 或 false{now}", "{field} must be true or false{now}"),
    "date_parsing": _DATE,
    "date_type": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "enum": _CHOICE,
    "literal_error": _CHOICE,
    "too_short": ("{field}至少要写 {min_length} 项（每项以 - 开头）", "{field} needs at least {min_length} item(s), each starting with -"),
    "too_long": ("{field}最多 {max_length} 项{now}", "{field} holds at most {max_length} items"),
    "list_type": ("{field}应是列表：每项另起一行，以 - 开头{now}", "{field} must be a list: one item a line, each starting with -{now}"),
    "model_type": _MAPPING,
    "model_attributes_type": _MAPPING,
    "dict_type": _MAPPING,
    "recursion_loop": ("{field}嵌套太深", "{field} is nested too deeply"),
}
"""zh-CN and English templates by pydantic error type; `{field}` is the field's label, `{now}` what was written."""
