"""What each content field means, in zh-CN and English, written where the field is declared.

A model field is declared with `described(zh, en, ...)`: pydantic's `Field(description=zh)` with the
English text beside it. Messages, the JSON Schema, the editor and CURATING.md's field table all read
that one place (`help_table()`; admin/curator/fields.py presents it).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

EN = "description_en"
"""The key under which a field's English help travels in `json_schema_extra`."""


def described(zh: str, en: str, **field: Any) -> Any:
    """`Field(**field)` with its help: `description` in zh-CN, the English in `json_schema_extra`."""
    return Field(description=zh, json_schema_extra={EN: en}, **field)


@cache
def help_table() -> dict[str, dict[str, tuple[str, str]]]:
    """{model name: {field: (zh, en)}} for every described field of the catalog's models and store.yaml's."""
    from . import models, store  # here, not above: the models import `described` from this module

    table: dict[str, dict[str, tuple[str, str]]] = {}
    for module in (models, store):
        for model in vars(module).values():
            if not (isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == module.__name__):
                continue
            for name, info in model.model_fields.items():
                extra = info.json_schema_extra
                if info.description is not None and isinstance(extra, dict):
                    table.setdefault(model.__name__, {})[name] = (info.description, str(extra[EN]))
    return table


LABELS = {
    ("OemBrand", "disclosure"): "公开方式",
    ("Product", "unit"): "分量单位",
    ("Comparison", "unit"): "参照分量单位",
    ("Evidence", "sha256"): "凭证校验值",
}
"""Short zh-CN labels where the help text does not start with one."""


def help_text(model: str, name: str, lang: str = "zh") -> str:
    """The explanation of field `name` of the model named `model`, in zh-CN or English ("" when unknown)."""
    entry = help_table().get(model, {}).get(name)
    if entry is None:
        return ""
    return entry[1] if lang == "en" else entry[0]


def label(model: str, name: str, lang: str = "zh") -> str:
    """A short name for a field, e.g. 售价: the help text up to its first pause (the field name when unknown)."""
    if lang == "en":
        return name
    if (model, name) in LABELS:
        return LABELS[(model, name)]
    text = help_text(model, name)
    return re.split(r"[，：（；、 ]", text, maxsplit=1)[0] if text else name
