"""Safe, fast YAML for catalog files: libyaml's C parser, no duplicate keys, no aliases.

Values are built straight from the C parser; source positions are only looked up again
(by composing the file's nodes) when a problem has to be reported, so a valid catalog
pays nothing for them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .messages import is_odd, odd_character, say

if TYPE_CHECKING:  # checked against the C loader; the pure-Python one has the same interface
    _BaseLoader = yaml.CSafeLoader
else:
    try:  # libyaml is ~8x faster than PyYAML's pure-Python parser.
        _BaseLoader = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover - only on a PyYAML built without libyaml
        _BaseLoader = yaml.SafeLoader

MAX_FILE_BYTES = 512 * 1024
"""A catalog file is a few KB; anything far larger is a mistake, not content."""


class YamlProblem(Exception):
    """A file that is not usable YAML, with the 1-based line and column it fails at."""

    def __init__(self, message: str, line: int = 1, column: int = 1, field: str = ""):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.field = field  # the dotted key path, when the fault is in one value


class Unreadable:
    """Stands where a value YAML reads but cannot build was written (an impossible date, an octal
    integer): the file is still read, the value's problem is reported once by the reader, and every
    model refuses this stand-in, so the field stays unset without a second message (catalog/load.py)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unreadable value>"


UNREADABLE = Unreadable()


def _mark_position(mark: Any) -> tuple[int, int]:
    if mark is None:
        return 1, 1
    return mark.line + 1, mark.column + 1


class CatalogLoader(_BaseLoader):
    """The C safe loader whose floats are exact Decimals (used for non-string scalars only)."""

    def construct_decimal(self, node: yaml.ScalarNode) -> Decimal:
        """Read a number with a fraction as an exact Decimal, never a binary float."""
        text = str(self.construct_scalar(node)).replace("_", "")
        try:
            return Decimal(text)
        except InvalidOperation:
            # .inf, .nan and other YAML spellings: keep them as non-finite Decimals so the
            # models can say "must be a finite number" at the right place.
            lowered = text.lower()
            if "nan" in lowered:
                return Decimal("NaN")
            return Decimal("-Infinity") if lowered.startswith("-") else Decimal("Infinity")

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """The tag of a node without one: PyYAML's answer, remembered for short plain scalars.

        libyaml calls this (Python) once per node; keys and small values repeat in every file, so
        the regular expressions run once per distinct value instead of once per node (at 10,000
        realistic products: ~13,000 values remembered for ~950,000 calls)."""
        if kind is yaml.ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(value) <= 40:
                    if len(_PLAIN_TAGS) > 50_000:  # unique prices and dates: keep the memory bounded
                        _PLAIN_TAGS.clear()
                    _PLAIN_TAGS[value] = tag
            return tag
        return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]


CatalogLoader.add_constructor("tag:yaml.org,2002:float", CatalogLoader.construct_decimal)
assert not CatalogLoader.yaml_path_resolvers, "a path resolver makes tags depend on more than the value"
_PLAIN_TAGS: dict[str, str] = {}

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_DECIMAL_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
"""An integer as people write it; other YAML 1.1 integer spellings (octal, hex, base 60) are refused."""


def _plain_int(text: str) -> str:
    digits = text.lstrip("+-0") or "0"
    return digits if digits.isdigit() else "10"


_PLAIN_SCALARS = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


class _Builder:
    """Turns the C-composed node tree into plain values, refusing what catalogs must not hold.

    Leaner than PyYAML's generic constructor (which is pure Python even with libyaml), and the
    one place that refuses duplicate keys, aliases (a node reached twice) and unusual tags.
    """

    def __init__(self, loader: CatalogLoader, *, may_alias: bool):
        self.loader = loader
        # An alias needs an anchor, and an anchor needs a `&` in the text: without one, no node can be
        # reached twice and the bookkeeping is skipped (most files).
        self.seen: set[int] | None = set() if may_alias else None
        self.problems: list[YamlProblem] = []
        """The values that could not be built, each replaced by `UNREADABLE`."""

    def build(self, node: yaml.Node, path: tuple[str, ...]) -> Any:
        """Build one node and everything below it; `path` is the keys and indexes down to it, for messages."""
        if self.seen is not None:
            if id(node) in self.seen:
                raise YamlProblem(
                    say(
                        "不能使用锚点和别名（& 和 *）：请把值完整写出来",
                        "anchors and aliases (& and *) are not allowed in catalog files: write the value out",
                    ),
                    *_mark_position(node.start_mark),
                )
            self.seen.add(id(node))
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == _STR:
                return node.value
            if tag in _PLAIN_SCALARS:
                return self.scalar(node, path)
        elif isinstance(node, yaml.MappingNode) and tag == _MAP:
            return self.mapping(node, path)
        elif isinstance(node, yaml.SequenceNode) and tag == _SEQ:
            return [self.build(value, (*path, str(i))) for i, value in enumerate(node.value)]
        raise YamlProblem(
            say(f"不能使用 YAML 标签 {tag}（以 ! 开头）：删掉它，只写值", f"YAML tag {tag!r} is not allowed in catalog files"),
            *_mark_position(node.start_mark),
        )

    def scalar(self, node: yaml.ScalarNode, path: tuple[str, ...]) -> Any:
        """Build a number, date, true/false or null; a value YAML reads but cannot build is a located
        problem, and `UNREADABLE` stands in its place so the rest of the file is still read."""
        text, tag = node.value, node.tag
        if tag == _INT and not node.style and not _DECIMAL_INT.match(text):
            # YAML 1.1 reads 020000 as octal 8192, 0x10 as 16 and 1:20 as base 60: never what a curator means.
            message = say(
                f"整数 {text} 要写成普通的十进制数：去掉开头的 0（如 {_plain_int(text)}），不要写 0x、0b 或冒号",
                f"write the integer {text} in plain decimal, without leading zeros, 0x, 0b or colons",
            )
            return self.unreadable(message, node, path)
        try:
            # The common spellings directly (PyYAML's generic construct_object costs more than the value).
            if tag == _INT and _DECIMAL_INT.match(text):
                return int(text.replace("_", ""))
            if tag == _FLOAT:
                return self.loader.construct_decimal(node)
            if tag == _TIMESTAMP and len(text) == 10:
                return dt.date.fromisoformat(text)
            return self.loader.construct_object(node)
        except (ValueError, OverflowError, TypeError, ArithmeticError) as exc:
            if tag == _TIMESTAMP:
                message = say(
                    f"日期 {text} 不存在：检查月份（1–12）和这个月的天数（如 2 月只有 28 天，闰年 29 天），写成 2026-11-25 这样",
                    f"{text} is not a real date ({exc}): write a date such as 2026-11-25",
                )
            else:
                message = say(f"读不出 {text} 这个值：请检查写法", f"cannot read the value {text!r}: {exc}")
            return self.unreadable(message, node, path)

    def unreadable(self, message: str, node: yaml.Node, path: tuple[str, ...]) -> Unreadable:
        """Record a value's problem at its place and stand `UNREADABLE` in for it."""
        self.problems.append(YamlProblem(message, *_mark_position(node.start_mark), ".".join(path)))
        return UNREADABLE

    def mapping(self, node: yaml.MappingNode, path: tuple[str, ...]) -> dict[str, Any]:
        """Build a mapping, refusing a key that appears twice (PyYAML keeps the last silently)."""
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(
                    say(
                        "字段名必须是一个普通的词：不能用列表、映射或 << 合并作字段名",
                        "a key must be a plain word: lists, mappings and << merges are not allowed as keys",
                    ),
                    *_mark_position(key_node.start_mark),
                )
            key = key_node.value
            if key in result:
                first = next(k.start_mark.line + 1 for k, _ in node.value if k.value == key)
                raise YamlProblem(
                    say(
                        f"字段 {key} 写了两次（第一次在第 {first} 行）：删掉多余的一个",
                        f"duplicate key {key!r} (first given on line {first})",
                    ),
                    *_mark_position(key_node.start_mark),
                )
            result[key] = self.build(value_node, (*path, key))
        return result


def parse_text(text: str | bytes) -> Any:
    """Parse one YAML document into plain Python values, raising `YamlProblem` on any fault."""
    data, unbuilt = parse_values(text)
    if unbuilt:
        raise unbuilt[0]
    return data


def parse_values(text: str | bytes) -> tuple[Any, list[YamlProblem]]:
    """Parse one YAML document into plain Python values and the problems of the values that could not be
    built (each replaced by `UNREADABLE`, so the rest is still read); any other fault raises `YamlProblem`."""
    loader = CatalogLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        may_alias = (b"&" in text) if isinstance(text, bytes) else ("&" in text)
        builder = _Builder(loader, may_alias=may_alias)
        return builder.build(node, ()), builder.problems
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        # An unclosed quote is noticed at the end of the file; the quote it starts at is the place to fix.
        mark = exc.context_mark if "quoted scalar" in str(exc.context) else exc.problem_mark
        line, column = _mark_position(mark or exc.context_mark)
        raise _syntax_problem(text, exc, line, column) from None
    except yaml.YAMLError as exc:  # reader errors: bad bytes, bad encoding
        line, column = _reader_position(text, exc)
        raise YamlProblem(
            say(
                "不是 UTF-8 编码的文字（多半是用 GBK 等编码保存的）：请在编辑器里用 UTF-8 编码另存",
                f"not readable as UTF-8 YAML text: save it as UTF-8 ({_first_line(exc)})",
            ),
            line,
            column,
        ) from None
    except RecursionError:
        raise YamlProblem(say("嵌套太深，不像是商品内容", "nested too deeply to be catalog content")) from None
    finally:
        loader.dispose()


def _syntax_problem(text: str | bytes, exc: yaml.MarkedYAMLError, line: int, column: int) -> YamlProblem:
    """A YAML syntax error, placed on the line that causes it: libyaml often notices a wrong space
    or colon a line later, so the raw lines up to the error are looked at for the real culprit."""
    lines = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).splitlines()
    for number in range(max(1, line - 2), min(line, len(lines)) + 1):
        if found := odd_in_syntax(lines[number - 1]):
            col, char = found
            return YamlProblem(odd_character(lines[number - 1], char, col), number, col)
    return YamlProblem(_describe_yaml_error(exc), line, column)


def odd_in_syntax(line: str) -> tuple[int, str] | None:
    """The 1-based column and character of the first odd character where YAML reads syntax in `line`:
    the indentation, a list's `- `, or the key before its colon (values may hold any character)."""
    i = 0
    while i < len(line) and (line[i] in " -\t" or is_odd(line[i])):
        if is_odd(line[i]) or line[i] == "\t":
            return i + 1, line[i]
        i += 1
    key_end = line.find(": ", i)
    if key_end < 0 and line.rstrip().endswith(":"):
        key_end = len(line.rstrip()) - 1
    if key_end < 0:
        key_end = len(line)
    for j in range(i, key_end):
        if line[j] in "\"'#":
            break
        if is_odd(line[j]):
            return j + 1, line[j]
    return None


_LIBYAML = (
    ("tab", "不能用 Tab 缩进：请改用半角空格", "tabs are not allowed for indentation: use spaces"),
    (
        "mapping values are not allowed",
        "这里不该有冒号：检查这一行和上一行的缩进；文字里含“: ”时请给整段文字加引号",
        "a colon where none may be: check the indentation of this line and the one above, and quote text holding ': '",
    ),
    (
        "could not find expected ':'",
        "这一行缺少半角冒号：应写成 字段: 值（冒号后有一个空格）",
        "this line lacks a colon: write `key: value`",
    ),
    (
        "did not find expected key",
        "缩进没对齐：同一层的字段必须从同一列开始",
        "the indentation does not line up: keys of one level start in the same column",
    ),
    (
        "did not find expected '-' indicator",
        "缩进没对齐：列表的每一项以 - 开头，同一层的字段从同一列开始",
        "the indentation does not line up: list items start with -, keys of one level in the same column",
    ),
    ("quoted scalar", "引号没有配对：在文字结尾补上同样的引号", "a quote is not closed: close it at the end of the text"),
    (
        "flow sequence",
        "方括号 [ ] 没有配对：补上 ]，或改成每项一行、以 - 开头",
        "a [ is not closed: add the ], or write one item a line starting with -",
    ),
    ("flow mapping", "花括号 { } 没有配对：补上 }", "a { is not closed: add the }"),
)
"""libyaml's wording, and what it means for someone writing a catalog file."""


def _describe_yaml_error(exc: yaml.MarkedYAMLError) -> str:
    said = " ".join(p for p in (exc.context, exc.problem) if p)
    for fragment, zh, en in _LIBYAML:
        if fragment in said:
            return say(zh, en)
    return say("YAML 格式有误：检查这一行的缩进、冒号和引号", f"invalid YAML: {said or _first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or ["unknown error"])[0]


def _reader_position(text: str | bytes, exc: yaml.YAMLError) -> tuple[int, int]:
    position = getattr(exc, "position", None)
    if isinstance(position, int) and isinstance(text, (bytes, bytearray)):
        before = bytes(text[:position])
        line = before.count(b"\n") + 1
        return line, position - (before.rfind(b"\n") + 1) + 1
    return 1, 1


def read_bytes(path: Path) -> bytes:
    """Read one catalog file's bytes, refusing what cannot be catalog text."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise YamlProblem(say(f"读不了这个文件：{exc.strerror or exc}", f"cannot read the file: {exc.strerror or exc}")) from None
    if len(data) > MAX_FILE_BYTES:
        raise YamlProblem(
            say(
                f"文件超过 {MAX_FILE_BYTES} 字节，不像是商品内容",
                f"file is larger than {MAX_FILE_BYTES} bytes, the most a catalog file may hold",
            )
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or _looks_utf16(data):
        raise YamlProblem(say("文件是 UTF-16 编码：请在编辑器里用 UTF-8 编码另存", "the file is UTF-16: save it as UTF-8"))
    if b"\x00" in data:
        raise YamlProblem(
            say("不是文字文件（含有 NUL 字节）：商品文件必须是 UTF-8 文字", "not a text file (it contains NUL bytes)"),
            *_byte_position(data, data.index(b"\x00")),
        )
    return data


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: ASCII text with a NUL after (or before) every character."""
    head = data[:200]
    return len(head) >= 4 and (head[1::2].count(0) > len(head) // 4 or head[::2].count(0) > len(head) // 4)


def read_file(path: Path) -> Any:
    """Read and parse one catalog file; every fault becomes a `YamlProblem`."""
    return parse_text(read_bytes(path))


def _byte_position(data: bytes, index: int) -> tuple[int, int]:
    before = data[:index]
    return before.count(b"\n") + 1, index - (before.rfind(b"\n") + 1) + 1


@dataclass(frozen=True)
class Position:
    """Where a value stands in a file (1-based)."""

    line: int
    column: int


def locate(path: Path, loc: tuple[Any, ...], *, missing: bool = False, at_key: bool = False, near: str = "") -> Position:
    """Find where `loc` (a pydantic-style path of keys and indexes) stands in `path`.

    Walks as deep as the document allows. For a missing key it points at the key of the
    mapping that should hold it; with `at_key` it points at the key rather than its value.
    With `near`, a value written over several lines (a `|` or `>` block) is located at the
    first of its lines holding those words, not at its first line.
    """
    try:
        data = path.read_bytes()
        root = yaml.compose(data, Loader=CatalogLoader)
    except (OSError, yaml.YAMLError, RecursionError):
        return Position(1, 1)
    if root is None:
        return Position(1, 1)
    node: yaml.Node = root
    key_node: yaml.Node | None = None
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        key_node, node = child
    target = key_node if (missing or at_key) and key_node is not None else node
    if near and target is node and target.end_mark.line > target.start_mark.line:
        lines = data.decode("utf-8", "replace").splitlines()[target.start_mark.line : target.end_mark.line + 1]
        for offset, line in enumerate(lines):
            if (column := line.find(near, target.start_mark.column if offset == 0 else 0)) >= 0:
                return Position(target.start_mark.line + offset + 1, column + 1)
    return Position(target.start_mark.line + 1, target.start_mark.column + 1)


def _child(node: yaml.Node, part: Any) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return None, node.value[part]
    return None
