"""Load a content folder into a validated `Catalog`, collecting every problem with its place."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from . import models, store
from .compact import compact, forget_shared
from .derive import ProductFacts, product_facts
from .evidence import EvidenceCheck, check_evidence
from .images import ImageCheck, check_image
from .messages import SLUG_PATTERN, Loc, clean_key, error_message, first_odd, say, unknown_field
from .models import Belt, Category, Factory, Product, Retailer, Settings
from .partial import is_partial, partial
from .problems import BySeverity, ContentError, Problem, ProblemLog, Severity
from .rules import Finding, Split, check_all, in_one
from .search_terms import FILE as SEARCH_FILE
from .search_terms import SearchTerms, check_search_terms
from .store import StoreInfo, check_store
from .yamlfile import UNREADABLE, Position, YamlProblem, locate, parse_values, read_bytes

SLUG = re.compile(SLUG_PATTERN)
_M = TypeVar("_M", bound=BaseModel)


def _retailer_shorthand(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


_INDEX_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "categories": TypeAdapter(dict[models.Slug, Category]),
    "retailers": TypeAdapter(dict[models.Slug, Annotated[Retailer, BeforeValidator(_retailer_shorthand)]]),
    "belts": TypeAdapter(dict[models.Slug, Belt]),
}
_INDEX_MODELS: dict[str, type[BaseModel]] = {"categories": Category, "retailers": Retailer, "belts": Belt}
"""The model of each entry of an index file, for naming fields in messages."""

_ALL_FIELDS = sorted(
    {
        name
        for module in (models, store)
        for model in vars(module).values()
        if isinstance(model, type) and issubclass(model, BaseModel)
        for name in model.model_fields
    }
)


@dataclass
class Catalog:
    """A validated catalog: the one source the site, the checkout and the CLI read, and what the
    cross-file rules (catalog/rules.py) check while it loads."""

    root: Path
    products: dict[str, Product]
    factories: dict[str, Factory]
    categories: dict[str, Category]
    retailers: dict[str, Retailer]
    belts: dict[str, Belt]
    settings: Settings
    store: StoreInfo
    today: dt.date
    content_hash: str
    facts: dict[str, ProductFacts] = field(default_factory=dict)
    """Derived once the rules pass (empty while they run)."""
    warnings: list[Problem] = field(default_factory=list)
    search_terms: SearchTerms = field(default_factory=SearchTerms)
    unreadable: frozenset[str] = frozenset()
    """While loading: files and entries that exist but failed: "categories", "factories:aux",
    "retailers:sams"… (a reference to one is not called unknown; the file's own errors say what to
    fix). Empty in a catalog that loaded."""
    partial: bool = False
    """While loading: True when some field failed, so a model may be partial (see catalog/partial.py)."""
    _image_checks: dict[str, ImageCheck] = field(default_factory=dict, init=False, repr=False, compare=False)
    _evidence_checks: dict[tuple[str, str], EvidenceCheck] = field(default_factory=dict, init=False, repr=False, compare=False)

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

    def image_check(self, src: str) -> ImageCheck:
        """The state of `images/<src>` (see catalog/images.py), looked up once per name: the realistic
        10,000-product catalog names 33 files 10,210 times, and each check reads the file (~0.2 ms),
        so remembering saves ~2 s of validation."""
        if src not in self._image_checks:
            limits = {"max_bytes": self.settings.image_max_bytes, "max_pixels": self.settings.image_max_pixels}
            self._image_checks[src] = check_image(self.images_dir, src, **limits)
        return self._image_checks[src]

    def image_state(self, src: str) -> str:
        """ "ok", "missing", "placeholder" or the kind of refusal for `images/<src>`."""
        return self.image_check(src).state

    @property
    def evidence_dir(self) -> Path:
        """`content/evidence/`: the price proofs, beside `content/images/`."""
        return self.root / "evidence"

    def evidence_check(self, name: str, sha256: str) -> EvidenceCheck:
        """The state of `evidence/<name>` against `sha256` (see catalog/evidence.py), looked up once per pair."""
        key = (name, sha256)
        if key not in self._evidence_checks:
            limits = {"max_bytes": self.settings.image_max_bytes, "max_pixels": self.settings.image_max_pixels}
            self._evidence_checks[key] = check_evidence(self.evidence_dir, name, sha256, **limits)
        return self._evidence_checks[key]

    def nda_names(self) -> list[str]:
        """Every brand name held under NDA by any factory."""
        return sorted({n for f in self.factories.values() for n in f.nda_names})


@dataclass
class LoadResult(BySeverity):
    """A catalog (None when any error was found) and every problem found."""

    catalog: Catalog | None
    problems: list[Problem]


def load_catalog(content: Path | str, *, today: dt.date | None = None, strict: bool = False, split: Split = in_one) -> LoadResult:
    """Read, validate and derive a content folder; with `strict`, warnings count as errors. The passes
    over every file and every product run through `split`; their problems come in the same order."""
    root = Path(content)
    today = today or dt.date.today()
    forget_shared()  # (a long-running process that reloads keeps only what its latest catalog shares)
    log = ProblemLog()
    digest = hashlib.sha256()
    unreadable: set[str] = set()
    settings = _load_optional(root / "settings.yaml", Settings, log, digest)
    indexes = {
        name: _load_index(root / f"{name}.yaml", adapter, _INDEX_MODELS[name], log, digest, unreadable)
        for name, adapter in _INDEX_ADAPTERS.items()
    }
    store_info = _load_store(root / "store.yaml", log, digest)
    products = _load_folder(root / "products", Product, log, digest, unreadable, split)
    factories = _load_folder(root / "factories", Factory, log, digest, unreadable, split)
    search_terms = _load_optional(root / SEARCH_FILE, SearchTerms, log, digest)
    for loc, message in check_search_terms(search_terms, {fid: f.nda_names for fid, f in factories.items()}):
        at = locate(root / SEARCH_FILE, loc)
        log.add(Problem(root / SEARCH_FILE, at.line, at.column, _dotted(loc), message))
    catalog = Catalog(
        root=root,
        products=products,
        factories=factories,
        categories=indexes["categories"],
        retailers=indexes["retailers"],
        belts=indexes["belts"],
        settings=settings,
        # A broken store.yaml has been reported and fails the load; the other rules still run.
        store=store_info if store_info is not None else StoreInfo.model_construct(),
        today=today,
        content_hash=digest.hexdigest(),
        search_terms=search_terms,
        unreadable=frozenset(unreadable),
        partial=bool(log.errors),  # some fields failed: rules may meet partial models
    )
    for finding in check_all(catalog, split):
        log.add(_finding_problem(root, finding))
    if store_info is not None:
        for finding in check_store(store_info, catalog):
            log.add(_finding_problem(root, finding))
    problems = log.problems
    if strict:
        problems = [Problem(p.path, p.line, p.column, p.field, p.message, Severity.ERROR) for p in problems]
    if store_info is None or any(p.severity is Severity.ERROR for p in problems):
        return LoadResult(None, problems)
    catalog.facts = {pid: product_facts(p, catalog.retailers, today=today, settings=settings) for pid, p in products.items()}
    catalog.warnings = [p for p in problems if p.severity is Severity.WARNING]
    return LoadResult(catalog, problems)


def require_catalog(content: Path | str, *, today: dt.date | None = None, strict: bool = False, split: Split = in_one) -> Catalog:
    """Load a catalog or raise `ContentError` carrying every problem."""
    result = load_catalog(content, today=today, strict=strict, split=split)
    if result.catalog is None:
        raise ContentError(result.problems)
    return result.catalog


def _read(path: Path, log: ProblemLog, digest: Any) -> tuple[bool, Any]:
    """The file's values; a value that could not be built is reported here and left as `UNREADABLE`,
    which the models refuse without a second message (see `_reported`)."""
    try:
        raw = read_bytes(path)
        digest.update(_file_digest(path, raw))
        data, unbuilt = parse_values(raw)
    except YamlProblem as exc:
        unbuilt, data = [exc], UNREADABLE
    for problem in unbuilt:
        log.add(Problem(path, problem.line, problem.column, problem.field, problem.message))
    return data is not UNREADABLE, data


def _file_digest(path: Path, raw: bytes) -> bytes:
    """What one file adds to the catalog's revision (its name and bytes), the same wherever it was read."""
    return hashlib.sha256(path.name.encode() + b"\0" + raw).digest()


def _read_clean(path: Path, model: type[BaseModel]) -> tuple[bytes, BaseModel] | None:
    """A file's digest and model when it reads and validates without a problem; None for the rest,
    which `_read` and `_validate` read again to report (rare, and so never the costly part)."""
    try:
        raw = read_bytes(path)
        data, unbuilt = parse_values(raw)
        if unbuilt or not isinstance(data, dict):
            return None
        return _file_digest(path, raw), compact(model.model_validate(data))
    except (YamlProblem, ValidationError, RecursionError):
        return None


def _reported(error: ErrorDetails) -> bool:
    """Whether a pydantic error only refuses a value the reader reported already (an impossible date…).
    A key the model does not know is still named: that is another fault at another place."""
    return error.get("input") is UNREADABLE and error["type"] != "extra_forbidden"


def _load_optional(path: Path, model: type[_M], log: ProblemLog, digest: Any) -> _M:
    """A file that may be absent (then, or when it is broken, the model's defaults)."""
    if not path.exists():
        return model()
    ok, data = _read(path, log, digest)
    if not ok:
        return model()
    value = _validate(path, model, data if data is not None else {}, log)
    return value if isinstance(value, model) and not is_partial(value) else model()


def _load_store(path: Path, log: ProblemLog, digest: Any) -> StoreInfo | None:
    if not path.exists():
        message = "缺少 store.yaml：页脚的运营主体、客服、营业执照和备案号以及配送规则都从这里来，照 CURATING.md 写一份"
        log.add(Problem(path, 1, 1, "", say(message, "store.yaml is missing: the footer, delivery terms and help pages come from it")))
        return None
    ok, data = _read(path, log, digest)
    if not ok:
        return None
    before = len(log.problems)
    value = _validate(path, StoreInfo, data, log)
    # Its cross-file rules read nested terms a partial model may lack: they wait until the file itself is right.
    return value if isinstance(value, StoreInfo) and len(log.problems) == before else None


def _load_index(
    path: Path, adapter: TypeAdapter[Any], model: type[BaseModel], log: ProblemLog, digest: Any, unreadable: set[str]
) -> dict[str, Any]:
    if not path.exists():
        log.add(Problem(path, 1, 1, "", say(f"缺少文件 {path.name}：请建立它（见 CURATING.md）", "file is missing")))
        unreadable.add(path.stem)
        return {}
    ok, data = _read(path, log, digest)
    if not ok or not _is_mapping(path, data, log):
        unreadable.add(path.stem)
        return {}
    value, errors = _run(path, adapter.validate_python, data, log)
    if not errors:
        if errors is None:
            unreadable.add(path.stem)
        return value or {}
    for error in errors:
        if not _reported(error):
            log.add(_error_problem(path, error, model, skip=1))
    # One round: the entries that validate alone stay usable, so products citing them are still checked.
    entries = {}
    for key, value in data.items():
        try:
            entries.update(adapter.validate_python({key: value}))
        except ValidationError:
            unreadable.add(f"{path.stem}:{key}")
    return entries


def _load_folder(folder: Path, model: type[BaseModel], log: ProblemLog, digest: Any, unreadable: set[str], split: Split) -> dict[str, Any]:
    items: dict[str, Any] = {}
    if not folder.is_dir():
        log.add(Problem(folder, 1, 1, "", say(f"缺少文件夹 {folder.name}/：请建立它", "folder is missing")))
        return items
    with os.scandir(folder) as entries:  # (a file's kind comes with its name: a stat each took ~1 s at 100,000 products)
        listed = sorted(
            e.name for e in entries if e.name.lower().endswith((".yaml", ".yml")) and not e.name.startswith(".") and _is_file(e)
        )
    files = [(path, _misnamed(path)) for path in (folder / name for name in listed)]
    named = [path for path, problem in files if problem is None]
    clean = dict(zip(named, split(lambda part: [_read_clean(path, model) for path in part], named), strict=True))
    for path, problem in files:
        if problem is not None:
            log.add(problem)
        elif (found := clean.get(path)) is not None:
            digest.update(found[0])
            items[path.stem] = found[1]
        elif path in clean:  # read again to report its problems
            ok, data = _read(path, log, digest)
            if ok and (value := _validate(path, model, data, log)) is not None:
                items[path.stem] = value
            else:
                unreadable.add(f"{folder.name}:{path.stem}")
    return items


def _is_file(entry: os.DirEntry[str]) -> bool:
    """A regular file, or a link to one (as `Path.is_file`: a link that loops or leads nowhere is none)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _misnamed(path: Path) -> Problem | None:
    """The problem of a catalog file's name: the file name is the id."""
    if path.suffix != ".yaml":  # (.yml, .YAML: said, with the fix, rather than left out unread)
        return Problem(
            path,
            1,
            1,
            "",
            say(f"文件名要以 .yaml 结尾：改名为 {path.stem}.yaml", f"catalog files end in .yaml: rename it to {path.stem}.yaml"),
        )
    if not SLUG.match(path.stem):
        return Problem(
            path,
            1,
            1,
            "",
            say(
                f"文件名就是 id，只能用小写英文字母、数字和单个连字符，如 aux-vacuum.yaml（现在是 {path.stem!r}）：请改名",
                f"the file name is the id and must be a lowercase ASCII slug such as 'aux-vacuum', not {path.stem!r}",
            ),
        )
    return None


def _is_mapping(path: Path, data: Any, log: ProblemLog) -> bool:
    if data is None:
        log.add(Problem(path, 1, 1, "", say("文件是空的：应写若干行 字段: 值", "file is empty: expected a mapping of fields")))
        return False
    if not isinstance(data, dict):
        log.add(
            Problem(
                path, 1, 1, "", say(f"文件应是若干行 字段: 值，现在是{_kind(data)}", f"expected a mapping of fields, found {_kind(data)}")
            )
        )
        return False
    return True


def _run(path: Path, validate: Any, data: Any, log: ProblemLog) -> tuple[Any, list[ErrorDetails] | None]:
    """(value, []) when valid; (None, pydantic's errors) when fields fail; (None, None) when too deep (reported)."""
    try:
        return validate(data), []
    except ValidationError as exc:
        return None, exc.errors(include_url=False)
    except RecursionError:
        log.add(Problem(path, 1, 1, "", say("嵌套太深，不像是商品内容", "nested too deeply to be catalog content")))
        return None, None


def _validate(path: Path, model: type[BaseModel], data: Any, log: ProblemLog) -> Any:
    """The model of one file; when some fields fail, their problems and a partial model of the fields that pass."""
    if not _is_mapping(path, data, log):
        return None
    value, errors = _run(path, model.model_validate, data, log)
    if not errors:
        return value
    # A key with an invisible character is reported once, as that key, not again as the field it lacks.
    misspelt = {(*e["loc"][:-1], clean_key(str(e["loc"][-1]))) for e in errors if e["type"] == "extra_forbidden" and e["loc"]}
    for error in errors:
        if (error["type"] != "missing" or tuple(error["loc"]) not in misspelt) and not _reported(error):
            log.add(_error_problem(path, error, model))
    return partial(model, data, [tuple(part for part in error["loc"] if part != "[key]") for error in errors])


def _error_problem(path: Path, error: ErrorDetails, model: type[BaseModel], *, skip: int = 0) -> Problem:
    """Turn one pydantic error into a `file:line:col: a.b.0: message` problem in the curator's words."""
    loc = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    # A bad mapping key (pydantic marks it "[key]") is pointed at the key itself, not at its value.
    at_key = kind == "extra_forbidden" or "[key]" in error["loc"]
    if kind == "missing" and len(loc) == 1:
        # A top-level field has no key above it to point at: the file itself, as for a file that is empty.
        position = Position(1, 1)
    else:
        position = locate(path, loc, missing=kind == "missing", at_key=at_key)
    inner = loc[skip:]
    if kind == "extra_forbidden":
        message = unknown_field(model, inner, _ALL_FIELDS)
        odd = first_odd(str(loc[-1])) if loc else None
        if odd is not None:  # point at the character itself, not the start of the key
            position = Position(position.line, position.column + odd)
    else:
        message = error_message(error, model, inner)
    return Problem(path, position.line, position.column, _dotted(loc), message)


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return say("一个列表（以 - 开头的若干行）", "a list")
    if isinstance(value, str):
        return say("一段文字（缺少“字段: ”）", "a single text value")
    return say("单个值", "a single value")


def _finding_problem(root: Path, finding: Finding) -> Problem:
    if finding.kind == "image":  # a file of content/images/ itself
        return Problem(root / "images" / finding.id, 1, 1, "", finding.message, finding.severity)
    if finding.kind in _INDEX_ADAPTERS or finding.kind == "store":
        path = root / f"{finding.kind}.yaml"
    else:
        folder = "products" if finding.kind == "product" else "factories"
        path = root / folder / f"{finding.id}.yaml"
    position = locate(path, finding.loc, near=finding.near)
    return Problem(path, position.line, position.column, _dotted(finding.loc), finding.message, finding.severity)
