"""`plus new`: a product or factory file holding every field, with zh-CN comments, to fill in.

Required values are written as `~` (empty): an unfilled file fails `plus validate` at exactly
the lines still to fill in. Optional values are written with their defaults, so the file
validates as soon as the required ones are given.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from catalog import load_catalog
from catalog.messages import SLUG_PATTERN, say
from catalog.models import Factory, Product
from catalog.placeholder import PLACEHOLDER_PNG

from .fields import content_fields, help_zh, id_choices, shape_of
from .snapshot import raw_nda_names

log = logging.getLogger(__name__)

MODELINE = "# yaml-language-server: $schema=../../schema/{kind}.schema.json"
MAX_ID_LENGTH = 80
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


class ScaffoldError(Exception):
    """A file that cannot be created: bad id, existing file, unknown factory."""


def check_id(item_id: str) -> None:
    """Refuse an id that is not a lowercase ASCII slug (ids are file names and URLs)."""
    if not re.match(SLUG_PATTERN, item_id) or len(item_id) > MAX_ID_LENGTH:
        raise ScaffoldError(
            say(
                f"id {item_id!r} 不能用：只能用小写英文字母、数字和单个连字符，最多 {MAX_ID_LENGTH} 个字符，如 aux-vacuum",
                f"invalid id {item_id!r}: use lowercase ASCII letters, digits and single hyphens, "
                f"at most {MAX_ID_LENGTH} characters, e.g. 'aux-vacuum'",
            )
        )


def _fold(text: str) -> str:
    """NFKC, case-folded, letters and digits only: "Ｍｉｎｉｓｏ" and "mini-so" both become "miniso"."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def check_nda(content: Path, item_id: str) -> None:
    """Refuse an id that spells a brand held under NDA by any factory (ids become URLs)."""
    folded = _fold(item_id)
    for name in sorted(raw_nda_names(content / "factories")):
        if (key := _fold(name)) and key in folded:
            raise ScaffoldError(
                say(
                    f"id {item_id!r} 含有保密（NDA）品牌名：id 会出现在网址里，请换一个不含品牌的 id",
                    f"the id {item_id!r} spells a brand under NDA: ids become URLs, choose another",
                )
            )


def check_free(content: Path, item_id: str) -> None:
    """Refuse an id a product or factory already has (in any spelling of the file name)."""
    for folder in ("products", "factories"):
        for suffix in (".yaml", ".yml"):
            path = content / folder / f"{item_id}{suffix}"
            if path.exists():
                raise ScaffoldError(
                    say(f"{path} 已经存在：直接编辑它，或换一个 id", f"{path} already exists: edit it, or choose another id")
                )


def new_product(content: Path, pid: str, *, factory: str, today: dt.date | None = None) -> Path:
    """Write `products/<pid>.yaml` for a product of `factory`; never overwrites."""
    check_id(pid)
    check_id(factory)
    check_nda(content, pid)
    check_free(content, pid)
    if not (content / "factories" / f"{factory}.yaml").is_file():
        known = sorted(p.stem for p in (content / "factories").glob("*.yaml"))
        hint = (
            ", ".join(known[:10]) + (", …" if len(known) > 10 else "")
            if known
            else say("还没有：先运行 `plus new factory ID`", "none yet: run `plus new factory ID` first")
        )
        raise ScaffoldError(
            say(
                f"没有工厂 {factory}：没有文件 {content / 'factories' / (factory + '.yaml')}（已有：{hint}）",
                f"unknown factory {factory!r}: no file {content / 'factories' / (factory + '.yaml')} (known: {hint})",
            )
        )
    today = today or dt.date.today()
    prefill = {
        "factory": factory,
        "added_on": today,
        "compare.0.observed_on": today,
        "price_history.0.date": today,  # the 30-day price rule needs at least today's price
        "images.0.src": f"products/{pid}.png",
    }
    options = _catalog_options(content, today)
    head = [
        f"# 新商品 {pid}：把每个标着“必填”的 ~ 换成真实内容，可选项可删可留；",
        f"# 用真实的商品图片覆盖占位图 content/images/products/{pid}.png，然后运行 `plus validate`。字段说明见 CURATING.md。",
    ]
    path = _write(content / "products" / f"{pid}.yaml", "product", head, Product, prefill, options)
    _place_image(content / "images" / "products" / f"{pid}.png")
    return path


def _place_image(path: Path) -> None:
    """Put the marked placeholder where the template's image points (never over a real picture);
    `plus validate` refuses the placeholder until it is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("xb") as out:
            out.write(PLACEHOLDER_PNG)
    except FileExistsError:
        log.info(say("保留了已有的图片 %s", "kept the existing picture %s"), path)


def new_factory(content: Path, fid: str) -> Path:
    """Write `factories/<fid>.yaml`; never overwrites."""
    check_id(fid)
    check_nda(content, fid)
    check_free(content, fid)
    head = [
        f"# 新工厂 {fid}：把每个标着“必填”的 ~ 换成真实内容（审核四项填 true 或 false）；",
        "# 保密（nda）品牌只写在 oem_for 里，别处一律不写。然后运行 `plus validate`。字段说明见 CURATING.md。",
    ]
    options = _catalog_options(content, dt.date.today())
    return _write(content / "factories" / f"{fid}.yaml", "factory", head, Factory, {}, options)


def render(model: type[BaseModel], prefill: dict[str, Any], options: dict[str, list[str]] | None = None) -> list[str]:
    """The YAML lines of a template for `model`: help comments, then `key: value`."""
    return _model_lines(model, prefill, options or {}, "")


def _write(path: Path, kind: str, head: list[str], model: type[BaseModel], prefill: dict, options: dict) -> Path:
    lines = [MODELINE.format(kind=kind), *head, "", *render(model, prefill, options)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:  # "x": never overwrite, even in a race
        out.write("\n".join(lines) + "\n")
    log.info(say("已写入 %s", "wrote %s"), path)
    return path


def _catalog_options(content: Path, today: dt.date) -> dict[str, list[str]]:
    """Ids a curator may choose from, when the current content validates."""
    return id_choices(load_catalog(content, today=today).catalog)


def _model_lines(model: type[BaseModel], prefill: dict, options: dict, path: str, *, inline: bool = False) -> list[str]:
    """Each field as `key: value`, its help on the line above (or after it, with `inline`)."""
    lines: list[str] = []
    for name, field in content_fields(model).items():
        key = f"{path}{name}"
        shape = shape_of(field)
        required = field.is_required()
        note = f"# {help_zh(model, name)}｜{'必填' if required else '可选'}{_choices(f'{model.__name__}.{name}', shape, options)}"
        if not inline:
            lines.append(note)
        if shape.holds_model:
            is_list = shape.kind == "list"
            tail = f"  {note}" if inline else ""
            # A list with a prefilled first item (today's price) is written out like a required one.
            if required or any(k.startswith(f"{key}.0.") for k in prefill):
                nested = _model_lines(shape.inner, prefill, options, f"{key}.0." if is_list else f"{key}.", inline=inline)
                lines += [f"{name}:{tail}", *_indent(_as_item(nested) if is_list else nested)]
            else:
                # An optional nested value stays empty; a commented example shows its fields.
                nested = _model_lines(shape.inner, {}, options, f"{key}.", inline=True)
                lines.append(f"{name}: {'[]' if is_list else '~'}{tail}")
                lines += [f"#   {line}" for line in (_as_item(nested) if is_list else nested)]
            continue
        if key in prefill:
            value = _scalar(prefill[key])
        elif required:
            value = "~"
        else:
            value = _scalar(field.get_default(call_default_factory=True))
        lines.append(f"{name}: {value}" + (f"  {note}" if inline else ""))
    return lines


def _choices(key: str, shape: Any, options: dict) -> str:
    if shape.kind == "enum":
        return "｜可选值：" + ", ".join(_enum_choice(member) for member in shape.inner)
    if options.get(key):
        return "｜现有：" + ", ".join(options[key])
    return ""


def _enum_choice(member: Enum) -> str:
    label = getattr(member, "label", None)
    return f"{member.value}（{label}）" if isinstance(label, str) and label != member.value else str(member.value)


def _as_item(lines: list[str]) -> list[str]:
    """Turn a mapping's lines into one list item: `- ` before the first key."""
    out, started = [], False
    for line in lines:
        if not started and not line.startswith("#"):
            out.append(f"- {line}")
            started = True
        else:
            out.append(f"  {line}")
    return out


def _indent(lines: list[str]) -> list[str]:
    return [f"  {line}" for line in lines]


def _scalar(value: Any) -> str:
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, Enum):
        return _scalar(value.value)
    text = str(value)
    if _PLAIN.match(text) and text not in ("true", "false", "null", "yes", "no", "on", "off"):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar
