"""The catalog: the one package that reads content YAML, validates it and derives every value."""

from .derive import Badge, ProductFacts, Saving
from .load import Catalog, LoadResult, load_catalog, require_catalog
from .models import Factory, Product, Sourcing
from .problems import ContentError, Problem, Severity

__all__ = [
    "Badge",
    "Catalog",
    "ContentError",
    "Factory",
    "LoadResult",
    "Problem",
    "Product",
    "ProductFacts",
    "Saving",
    "Severity",
    "Sourcing",
    "load_catalog",
    "require_catalog",
]
