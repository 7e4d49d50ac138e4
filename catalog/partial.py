"""Partial models: what can be read of a file whose fields do not all validate.

So one `plus validate` shows every problem it can, the cross-file rules run on the fields that
validate even when others fail. A failing nested item (a comparison, the verification) becomes a
partial model itself, and a failing list item stays in its place, so rules point at the right index.
Unset fields raise AttributeError when read; the rules skip a rule that reaches one.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from .messages import inner_model, strip_annotation

Loc = tuple[Any, ...]


def partial(model: type[BaseModel], data: dict[str, Any], failed: list[Loc]) -> BaseModel:
    """`model` built from `data` without validating it as a whole: fields under a failed location
    are read part by part where they hold models, left unset where they do not."""
    here = {loc[0] for loc in failed if loc}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in model.model_fields:
            continue
        if name not in here:
            try:
                values[name] = _field_adapter(model, name).validate_python(value)
            except (ValidationError, RecursionError):
                pass
            continue
        below = [loc[1:] for loc in failed if loc and loc[0] == name]
        if () not in below and (read := _read_nested(model, name, value, below)) is not None:
            values[name] = read
    return model.model_construct(**values)


def _read_nested(model: type[BaseModel], name: str, value: Any, failed: list[Loc]) -> Any:
    """A failed field that holds a model (or a list of them), read item by item; None when it cannot be."""
    inner = inner_model(model.model_fields[name].annotation)
    if inner is None:
        return None
    if isinstance(value, dict) and not _is_list(model, name):
        return partial(inner, value, failed)
    if not isinstance(value, list) or not _is_list(model, name):
        return None
    items = []
    for i, item in enumerate(value):
        mine = [loc[1:] for loc in failed if loc and loc[0] == i]
        if not mine:
            items.append(_item_adapter(inner).validate_python(item))
        else:
            # An item that is not even a mapping stays as an empty model, keeping the others' indexes.
            items.append(partial(inner, item, [] if () in mine else mine) if isinstance(item, dict) else inner.model_construct())
    return items


def _is_list(model: type[BaseModel], name: str) -> bool:
    annotation, _ = strip_annotation(model.model_fields[name].annotation)
    return get_origin(annotation) is list


@functools.cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    field = model.model_fields[name]
    annotated: Any = Annotated[field.annotation, field]  # a type built at run time: mypy cannot follow it
    return TypeAdapter(annotated)


@functools.cache
def _item_adapter(model: type[BaseModel]) -> TypeAdapter[BaseModel]:
    return TypeAdapter(model)


def is_partial(value: BaseModel) -> bool:
    """Whether a top-level field of `value` was left unset."""
    return any(name not in value.__dict__ for name in type(value).model_fields)
