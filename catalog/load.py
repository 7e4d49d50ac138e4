"""Load a content folder into a validated `Catalog`, collecting every problem with its place."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, TypeAdapter, ValidationError

from . import models
from .derive import ProductFacts, product_facts
from .models import Belt, Category, Factory, Product, Retailer, Settings
from .problems import BySeverity, ContentError, Problem, ProblemLog, Severity
from .rules import Finding, Indexes, check_all
from .search_terms import FILE as SEARCH_FILE
from .search_terms import SearchTerms, check_search_terms
from .yamlfile import YamlProblem, locate, parse_text, read_bytes

SLUG = re.compile(models.SLUG_PATTERN)
_M = TypeVar("_M", bound=BaseModel)


def _retailer_shorthand(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


_INDEX_ADAPTERS: dict[str, TypeAdapter] = {
    "categories": TypeAdapter(dict[models.Slug, Category]),
    "retailers": TypeAdapter(dict[models.Slug, Annotated[Retailer, BeforeValidator(_retailer_shorthand)]]),
    "belts": TypeAdapter(dict[models.Slug, Belt]),
}

_ALL_FIELDS = sorted(
    {name for model in vars(models).values() if isinstance(model, type) and issubclass(model, BaseModel) for name in model.model_fields}
)


@dataclass
class Catalog:
    """A validated catalog: the one source the site, the checkout and the CLI read."""

    root: Path
    products: dict[str, Product]
    factories: dict[str, Factory]
    categories: dict[str, Category]
    retailers: dict[str, Retailer]
    belts: dict[str, Belt]
    settings: Settings
    today: dt.date
    facts: dict[str, ProductFacts]
    content_hash: str
    warnings: list[Problem] = field(default_factory=list)
    search_terms: SearchTerms = field(default_factory=SearchTerms)

    @property
    def images_dir(self) -> Path:
        """Where product and factory images live."""
        return self.root / "images"

    def product_path(self, pid: str) -> Path:
        """The file a product comes from."""
        return self.root / "products" / f"{pid}.yaml"

    def factory_path(self, fid: str) -> Path:
        """The file a factory comes from."""
        return self.root / "factories" / f"{fid}.yaml"

    @cached_property
    def revision(self) -> str:
        """PLUS_CATALOG_REVISION (the git commit, set by whoever composes the parts), else the content's hash."""
        return os.environ.get("PLUS_CATALOG_REVISION") or f"sha256:{self.content_hash[:16]}"

    def nda_names(self) -> list[str]:
        """Every brand name held under NDA by any factory."""
        return sorted({n for f in self.factories.values() for n in f.nda_names})


@dataclass
class LoadResult(BySeverity):
    """A catalog (None when any error was found) and every problem found."""

    catalog: Catalog | None
    problems: list[Problem]


def load_catalog(content: Path | str, *, today: dt.date | None = None, strict: bool = False) -> LoadResult:
    """Read, validate and derive a content folder; with `strict`, warnings count as errors."""
    root = Path(content)
    today = today or dt.date.today()
    log = ProblemLog()
    digest = hashlib.sha256()
    settings = _load_optional(root / "settings.yaml", Settings, log, digest)
    indexes = {name: _load_index(root / f"{name}.yaml", adapter, log, digest) for name, adapter in _INDEX_ADAPTERS.items()}
    products = _load_folder(root / "products", Product, log, digest)
    factories = _load_folder(root / "factories", Factory, log, digest)
    ix = Indexes(
        products=products,
        factories=factories,
        categories=indexes["categories"],
        retailers=indexes["retailers"],
        belts=indexes["belts"],
        images_dir=root / "images",
        settings=settings,
        today=today,
    )
    for finding in check_all(ix):
        log.add(_finding_problem(root, finding))
    search_terms = _load_optional(root / SEARCH_FILE, SearchTerms, log, digest)
    for loc, message in check_search_terms(search_terms, {fid: f.nda_names for fid, f in factories.items()}):
        at = locate(root / SEARCH_FILE, loc)
        log.add(Problem(root / SEARCH_FILE, at.line, at.column, _dotted(loc), message))
    problems = log.problems
    if strict:
        problems = [Problem(p.path, p.line, p.column, p.field, p.message, Severity.ERROR) for p in problems]
    if any(p.severity is Severity.ERROR for p in problems):
        return LoadResult(None, problems)
    facts = {pid: product_facts(p, ix.retailers, today=today, settings=settings) for pid, p in products.items()}
    catalog = Catalog(
        root=root,
        products=products,
        factories=factories,
        categories=ix.categories,
        retailers=ix.retailers,
        belts=ix.belts,
        settings=settings,
        today=today,
        facts=facts,
        content_hash=digest.hexdigest(),
        warnings=[p for p in problems if p.severity is Severity.WARNING],
        search_terms=search_terms,
    )
    return LoadResult(catalog, problems)


def require_catalog(content: Path | str, *, today: dt.date | None = None, strict: bool = False) -> Catalog:
    """Load a catalog or raise `ContentError` carrying every problem."""
    result = load_catalog(content, today=today, strict=strict)
    if result.catalog is None:
        raise ContentError(result.problems)
    return result.catalog


def _read(path: Path, log: ProblemLog, digest: Any) -> tuple[bool, Any]:
    try:
        raw = read_bytes(path)
        digest.update(path.name.encode() + b"\0" + raw)
        data = parse_text(raw)
    except YamlProblem as exc:
        log.add(Problem(path, exc.line, exc.column, "", exc.message))
        return False, None
    return True, data


def _load_optional(path: Path, model: type[_M], log: ProblemLog, digest: Any) -> _M:
    """A file that may be absent (then, or when it is broken, the model's defaults)."""
    if not path.exists():
        return model()
    ok, data = _read(path, log, digest)
    if not ok:
        return model()
    return _validate(path, model, data if data is not None else {}, log) or model()


def _load_index(path: Path, adapter: TypeAdapter, log: ProblemLog, digest: Any) -> dict:
    if not path.exists():
        log.add(Problem(path, 1, 1, "", "file is missing"))
        return {}
    ok, data = _read(path, log, digest)
    if not ok:
        return {}
    return _validate(path, adapter, data, log) or {}


def _load_folder(folder: Path, model: type[BaseModel], log: ProblemLog, digest: Any) -> dict[str, Any]:
    items: dict[str, Any] = {}
    if not folder.is_dir():
        log.add(Problem(folder, 1, 1, "", "folder is missing"))
        return items
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix == ".yml":
            log.add(Problem(path, 1, 1, "", f"catalog files end in .yaml: rename it to {path.stem}.yaml"))
            continue
        if path.suffix != ".yaml":
            continue
        if not SLUG.match(path.stem):
            log.add(
                Problem(
                    path, 1, 1, "", f"the file name is the id and must be a lowercase ASCII slug such as 'aux-vacuum', not {path.stem!r}"
                )
            )
            continue
        ok, data = _read(path, log, digest)
        if ok and (value := _validate(path, model, data, log)) is not None:
            items[path.stem] = value
    return items


def _validate(path: Path, target: type[BaseModel] | TypeAdapter, data: Any, log: ProblemLog) -> Any:
    if data is None:
        log.add(Problem(path, 1, 1, "", "file is empty: expected a mapping of fields"))
        return None
    if not isinstance(data, dict):
        log.add(Problem(path, 1, 1, "", f"expected a mapping of fields, found {_kind(data)}"))
        return None
    try:
        if isinstance(target, TypeAdapter):
            return target.validate_python(data)
        return target.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            log.add(_error_problem(path, error))
        return None
    except RecursionError:
        log.add(Problem(path, 1, 1, "", "nested too deeply to be catalog content"))
        return None


def _error_problem(path: Path, error: dict[str, Any]) -> Problem:
    """Turn one pydantic error into a `file:line:col: a.b.0: message` problem."""
    loc = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    position = locate(path, loc, missing=kind == "missing", at_key=kind == "extra_forbidden")
    return Problem(path, position.line, position.column, _dotted(loc), _message(error, loc))


def _message(error: dict[str, Any], loc: tuple) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(name, _ALL_FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown field{hint}"
    message = error["msg"]
    message = message.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == models.SLUG_PATTERN:
        return "must be a lowercase ASCII id such as 'aux-vacuum'"
    got = error.get("input")
    if kind not in ("missing",) and not isinstance(got, (dict, list)) and got is not None:
        shown = repr(got) if len(repr(got)) <= 60 else repr(got)[:57] + "…"
        message = f"{message} (got {shown})"
    return message


def _dotted(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def _kind(value: Any) -> str:
    return {list: "a list", str: "a single text value", int: "a number", bool: "true/false"}.get(type(value), type(value).__name__)


def _finding_problem(root: Path, finding: Finding) -> Problem:
    if finding.kind in _INDEX_ADAPTERS:
        path = root / f"{finding.kind}.yaml"
    else:
        folder = "products" if finding.kind == "product" else "factories"
        path = root / folder / f"{finding.id}.yaml"
    position = locate(path, finding.loc)
    return Problem(path, position.line, position.column, _dotted(finding.loc), finding.message, finding.severity)
