"""Field help for templates, schema, editor and docs, presented from the catalog's one table (catalog/labels.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from catalog import models, store
from catalog.labels import help_table, label
from catalog.messages import strip_annotation

HELP = help_table()
"""{model: {field: (zh, en)}}: the help each model field is declared with (`described(...)` in catalog/models.py, catalog/store.py)."""

NOT_CONTENT = {("Verification", "CHECKS")}
"""Model attributes that are not curator fields (`Verification.CHECKS` is a constant table)."""


def id_choices(catalog: Any) -> dict[str, list[str]]:
    """Ids a curator may pick for the fields that refer to an index file, keyed `Model.field`."""
    if catalog is None:
        return {}
    return {
        "Product.category": sorted(catalog.categories),
        "Exclusion.category": sorted(catalog.categories),
        "Comparison.retailer": sorted(k for k, r in catalog.retailers.items() if r.kind == "retailer"),
        "Comparison.brand": sorted(k for k, r in catalog.retailers.items() if r.kind == "brand"),
        "Factory.industry_belt": sorted(catalog.belts),
    }


def content_fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """The fields a curator writes for `model`, in declaration order."""
    return {n: f for n, f in model.model_fields.items() if (model.__name__, n) not in NOT_CONTENT}


def help_zh(model: type[BaseModel], name: str) -> str:
    """The zh-CN explanation of one field."""
    return HELP[model.__name__][name][0]


def label_zh(model: type[BaseModel], name: str) -> str:
    """A short zh-CN name for a field: the help text up to its first pause, e.g. 售价."""
    return label(model.__name__, name)


def help_en(model: type[BaseModel], name: str) -> str:
    """The English explanation of one field."""
    return HELP[model.__name__][name][1]


def catalog_models() -> list[type[BaseModel]]:
    """Every pydantic model the catalog defines (content files and store.yaml), for completeness checks."""
    return [
        value
        for module in (models, store)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__ and value is not models.Strict
    ]


@dataclass(frozen=True)
class Shape:
    """What a field holds: a scalar, an enum, a nested model, or a list of one of those."""

    kind: str  # "scalar", "enum", "model" or "list"
    inner: Any  # the Python type held (for a list: the item's type)
    optional: bool

    @property
    def holds_model(self) -> bool:
        """True when the field (or its items) is a nested model."""
        return isinstance(self.inner, type) and issubclass(self.inner, BaseModel)


def shape_of(field: FieldInfo) -> Shape:
    """Classify a field by its annotation, looking through Optional and Annotated."""
    annotation, optional = strip_annotation(field.annotation)
    if get_origin(annotation) is list:
        item, _ = strip_annotation(get_args(annotation)[0])
        return Shape("list", item, optional)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Shape("model", annotation, optional)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return Shape("enum", annotation, optional)
    return Shape("scalar", annotation, optional)
