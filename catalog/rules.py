"""Rules that look across files: references resolve, prices are honest, NDA brands stay secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from .derive import base_amount, compute_saving, earlier_price_cap, reference_of, window_low
from .evidence import read_text
from .messages import content_flag, say
from .models import Comparison, Disclosure, Factory, Image, Product, ReferenceKind, Retailer
from .nda import NdaMatch, NdaNames, fold
from .problems import Severity
from .wording import wording_problems

if TYPE_CHECKING:
    from .load import Catalog

Loc = tuple[Any, ...]
Split = Callable[[Callable[[Sequence[Any]], list[Any]], Sequence[Any]], list[Any]]
"""How a pass over every product file or product runs: `split(work, items)` returns `work(items)`,
made in one go or in parts by several processes (`storefront.parallel.split_forked`)."""


def in_one(work: Callable[[Sequence[Any]], list[Any]], items: Sequence[Any]) -> list[Any]:
    """The pass in this process."""
    return work(items)


MIN_PLAUSIBLE_ZHE = Decimal(1)
"""Below 1折 a reference price is more likely a typo than a bargain."""


@dataclass(frozen=True)
class Finding:
    """A rule broken at `loc` in one product's or factory's file."""

    kind: str  # "product", "factory", "store", or an index file: "categories", "retailers", "belts"
    id: str
    loc: Loc
    message: str
    severity: Severity = Severity.ERROR
    code: str = ""
    """What kind of finding, for tools that list some of them (`plus audit`): "stale-comparison", "above-floor",
    "audit-due", "evidence-missing", "evidence-stale"…; "" for the rest."""
    near: str = ""
    """Words of the value at `loc` the finding is about: a value of several lines is located at the line holding them."""


class Report(Protocol):
    """The `err` every check is given: a Finding at `loc` in the file being checked."""

    def __call__(self, loc: Loc, message: str, severity: Severity = ..., code: str = ...) -> Finding: ...


def check_all(ix: Catalog, split: Split = in_one) -> Iterator[Finding]:
    """Every cross-file rule over every product and factory; the per-product passes run through `split`."""
    for found in split(lambda part: [list(check_product(pid, product, ix)) for pid, product in part], list(ix.products.items())):
        yield from found
    used = {getattr(p, "factory", None) for p in ix.products.values()}
    for fid, factory in ix.factories.items():
        yield from check_factory(fid, factory, ix, has_products=fid in used)
    yield from check_nda(ix, split)
    yield from check_image_folder(ix)
    yield from check_duplicates(ix, split)


def check_duplicates(ix: Catalog, split: Split = in_one) -> Iterator[Finding]:
    """The same product listed twice: two products with one title, or one content under two ids. Both
    files are named, each pointing at the other: which one is the copy, only the curator knows (the
    copy is the file a pull request adds, but it may sort before or after the original)."""
    titles: dict[str, str] = {}
    bodies: dict[bytes, str] = {}
    pids = sorted(ix.products)
    for pid, sameness in zip(pids, split(lambda part: [_sameness(ix.products[i]) for i in part], pids), strict=True):
        if sameness is None:
            continue
        title, body = sameness
        if (first := titles.setdefault(title, pid)) != pid:
            for here, there in ((first, pid), (pid, first)):
                yield Finding(
                    "product",
                    here,
                    ("title",),
                    say(
                        f"标题和 {_folder(ix)}/products/{there}.yaml 一样：同一件商品只能上架一次；是两件不同的商品就给其中一件改一个能区分的标题，是复制出来的就删掉复制的那个文件",
                        f"the same title as {_folder(ix)}/products/{there}.yaml: a product is listed once; give one of them a distinguishing title, or delete the copy",
                    ),
                )
            continue
        if (first := bodies.setdefault(body, pid)) != pid:
            for here, there in ((first, pid), (pid, first)):
                yield Finding(
                    "product",
                    here,
                    (),
                    say(
                        f"除标题外内容和 {_folder(ix)}/products/{there}.yaml 完全一样：同一件商品只能上架一次，请删掉复制出来的那个文件",
                        f"the same content as {_folder(ix)}/products/{there}.yaml apart from the title: a product is listed once; delete the copy",
                    ),
                )


def _sameness(product: Product) -> tuple[str, bytes] | None:
    """What makes two products one: the title as read (folded), and a digest of the rest of the content."""
    title = getattr(product, "title", None)
    if title is None:
        return None
    body = repr(product.model_dump(exclude={"title", "added_on", "price_history"}))
    return fold(title), hashlib.sha256(body.encode()).digest()


def check_image_folder(ix: Catalog) -> Iterator[Finding]:
    """Everything in content/images/ is published, referenced or not: no symlinks, and files no product or
    factory uses pass the image rules too (the ones in use are reported where they are used)."""
    referenced = {
        getattr(image, "src", None)
        for item in (*ix.products.values(), *ix.factories.values())
        for image in getattr(item, "images", None) or ()
    }
    secret = nda_pattern(ix.factories)
    for folder, dirs, names in os.walk(ix.images_dir):  # never follows a symlinked folder
        for name in sorted(dirs + names):
            path = Path(folder, name)
            src = path.relative_to(ix.images_dir).as_posix()
            if secret is not None and src not in referenced and (match := secret.search(name)):  # names become URLs
                yield Finding("image", src, (), say(f"文件名{match.message()}", f"the file name {match.message()}"))
            if name.startswith(".") or src in referenced or (name in dirs and not path.is_symlink()):
                continue
            if path.is_symlink():
                message = say(
                    f"是一个符号链接（快捷方式）：{_folder(ix)}/images/ 里的一切都会发布，只能放真实的图片文件，请删掉它或复制图片本身",
                    f"is a symlink: everything in {_folder(ix)}/images/ is published; copy the picture itself",
                )
                yield Finding("image", src, (), message)
            elif (check := ix.image_check(src)).state not in ("ok", "placeholder", "missing"):
                yield Finding("image", src, (), check.detail)


def _each(checks: tuple[Callable[..., Iterator[Finding]], ...], ix: Catalog, *args: Any) -> Iterator[Finding]:
    """Run each rule on its own, so one that reaches a failed field does not hide the others."""
    for check in checks:
        yield from _tolerant(ix, check(*args))


def _tolerant(ix: Catalog, findings: Iterator[Finding]) -> Iterator[Finding]:
    """The findings of one rule; on content with failed fields (partial models, unset fields), a rule
    that reaches an unset field stops there and the others still run, so one round shows every problem."""
    try:
        yield from findings
    except AttributeError:
        if not ix.partial:
            raise  # on content whose fields all validate, this is a bug, not a failed field


def check_product(pid: str, p: Product, ix: Catalog) -> Iterator[Finding]:
    """Rules for one product."""

    def err(loc: Loc, message: str, severity: Severity = Severity.ERROR, code: str = "") -> Finding:
        return Finding("product", pid, loc, message, severity, code)

    yield from _each(_PRODUCT_CHECKS, ix, p, ix, err)


def _check_category(p: Product, ix: Catalog, err: Report) -> Iterator[Finding]:
    if p.category not in ix.categories and not {"categories", f"categories:{p.category}"} & ix.unreadable:
        yield err(
            ("category",),
            say(
                f"没有品类 {p.category}：在 {_folder(ix)}/categories.yaml 里加上它，或改用已有的：{_some(ix.categories)}",
                f"unknown category {p.category!r}: add it to {_folder(ix)}/categories.yaml or use one of {_some(ix.categories)}",
            ),
        )


def _check_factory(p: Product, ix: Catalog, err: Report) -> Iterator[Finding]:
    factory = ix.factories.get(p.factory)
    if factory is None:
        if f"factories:{p.factory}" in ix.unreadable:
            yield err(
                ("factory",),
                say(
                    f"工厂文件 {_folder(ix)}/factories/{p.factory}.yaml 有错误，读不出来：先按它自己的报错修好",
                    f"the factory file {_folder(ix)}/factories/{p.factory}.yaml fails: fix its own errors first",
                ),
            )
        else:
            yield err(
                ("factory",),
                say(
                    f"没有工厂 {p.factory}：没有文件 {_folder(ix)}/factories/{p.factory}.yaml（用 `plus new factory {p.factory}{content_flag(ix.root)}` 建立，或改成已有的工厂 id）",
                    f"unknown factory {p.factory!r}: no file {_folder(ix)}/factories/{p.factory}.yaml",
                ),
            )
    elif p.sourcing.value == "same-source":
        if not factory.verification.oem_contract:
            yield err(
                ("sourcing",),
                say(
                    "真同源（same-source）要求工厂的代工合同已核验：先在工厂文件里核验 oem_contract，或改为 same-craft（同工同料）",
                    "same-source (真同源) needs the factory's OEM contract (代工合同) to be verified",
                ),
            )
        references = [ix.retailers[c.reference] for c in p.compare if c.reference in ix.retailers]
        if references and not any(supplies(factory, r) for r in references):
            brands = ", ".join(factory.public_brands) or say("未列出", "none listed")
            yield err(
                ("sourcing",),
                say(
                    f"真同源（same-source）的对比参照必须是该工厂代工的渠道或品牌（工厂公开的 oem_for：{brands}）：改为与其中之一对比，或改为 same-craft（同工同料）",
                    f"same-source (真同源) must be compared with a retailer or brand the factory makes goods for "
                    f"(its public oem_for: {brands}); compare with one of them, or use same-craft",
                ),
            )


def _check_product_images(p: Product, ix: Catalog, err: Report) -> Iterator[Finding]:
    yield from _check_images(("images",), p.images, ix, err)


def _check_member_price(p: Product, ix: Catalog, err: Report) -> Iterator[Finding]:
    if p.member_price is not None and p.member_price >= p.price:
        yield err(
            ("member_price",),
            say(
                f"会员价 {p.member_price} 必须低于售价 {p.price}：改低会员价，或删掉这一行",
                f"member price {p.member_price} must be below the price {p.price}",
            ),
        )


def _check_added_on(p: Product, ix: Catalog, err: Report) -> Iterator[Finding]:
    if p.added_on > ix.today:
        yield err(("added_on",), _future(p.added_on))


def _future(day: dt.date) -> str:
    return say(f"日期 {day} 还没到：写今天或以前的日期", f"date {day} is in the future")


def _check_images(loc: Loc, images: list[Image], ix: Catalog, err: Report) -> Iterator[Finding]:
    for i, image in enumerate(images):
        check = ix.image_check(image.src)
        state = check.state
        if state == "ok":
            continue
        where = _rel(ix.images_dir / image.src)  # resolving paths is slow: only for a problem
        if state == "missing":
            yield err(
                (*loc, i, "src"),
                say(f"找不到图片文件 {where}：把图片放到这里，或改正路径", f"image file not found: {where}"),
            )
        elif state == "placeholder":
            yield err(
                (*loc, i, "src"),
                say(
                    f"{where} 还是 plus new 放的占位图：用真实的商品图片覆盖它（同名）",
                    f"{where} is still the placeholder `plus new` wrote: replace it with the real picture (same name)",
                ),
            )
        else:
            yield err((*loc, i, "src"), say(f"图片 {where} {check.detail}", f"image {where} {check.detail}"))


def _check_tiers(p: Product, ix: Catalog, err: Report) -> Iterator[Finding]:
    previous = None
    for i, tier in enumerate(p.tiers):
        if tier.min_qty < p.moq:
            yield err(
                ("tiers", i, "min_qty"),
                say(
                    f"阶梯从 {tier.min_qty} 件起，少于起批量（moq）{p.moq} 件：改成不少于 {p.moq}",
                    f"tier starts at {tier.min_qty}, below the minimum order (moq) of {p.moq}",
                ),
            )
        elif i == 0 and tier.min_qty == p.moq:
            yield err(
                ("tiers", i, "min_qty"),
                say(
                    f"第一档阶梯从起批量（{p.moq} 件）开始，售价 {p.price} 永远用不上：把 price 改成这一档的价格",
                    f"the first tier starts at the minimum order ({p.moq}), so the list price {p.price} is never paid: set `price` to the tier price",
                ),
                Severity.WARNING,
            )
        if previous is None:
            if tier.price >= p.price:
                yield err(
                    ("tiers", i, "price"),
                    say(f"阶梯价 {tier.price} 必须低于售价 {p.price}", f"tier price {tier.price} must be below the price {p.price}"),
                )
        else:
            if tier.min_qty <= previous.min_qty:
                yield err(
                    ("tiers", i, "min_qty"),
                    say(
                        f"阶梯的件数要逐档增加：{previous.min_qty} 之后是 {tier.min_qty}",
                        f"tiers must rise in quantity: {tier.min_qty} after {previous.min_qty}",
                    ),
                )
            if tier.price >= previous.price:
                yield err(
                    ("tiers", i, "price"),
                    say(
                        f"阶梯价要随件数逐档降低：{previous.price} 之后是 {tier.price}",
                        f"tier prices must fall as quantity rises: {tier.price} after {previous.price}",
                    ),
                )
        previous = tier


def _check_history(p: Product, ix: Catalog, err: Report) -> Iterator[Finding]:
    previous = None
    for i, point in enumerate(p.price_history):
        if point.date > ix.today:
            yield err(("price_history", i, "date"), _future(point.date))
        if previous is not None and point.date <= previous:
            yield err(
                ("price_history", i, "date"),
                say(
                    f"价格记录要按日期先后写，每天最多一条：{previous} 之后是 {point.date}",
                    f"price history must be in date order, one entry a day: {point.date} after {previous}",
                ),
            )
        previous = point.date
    if not p.price_history:
        yield err(
            ("price",),
            say(
                f"没有价格记录（price_history）：无法检查近 {ix.settings.floor_window_days} 天最低价规则；请记下今天的售价",
                f"no price_history: the {ix.settings.floor_window_days}-day price rule cannot be checked; record today's price",
            ),
            Severity.WARNING,
        )
        return
    newest = max(point.date for point in p.price_history)
    days = ix.settings.floor_window_days
    lowest = window_low(p, end=newest, days=days)
    assert lowest is not None  # the newest entry is inside its own window
    limit = lowest * (1 + ix.settings.price_floor_tolerance)
    if p.price > limit:
        pct = (ix.settings.price_floor_tolerance * 100).normalize()
        above = say(f"高出 {pct:f}% 以上", f"more than {pct:f}% above") if pct else say("", "above")
        yield err(
            ("price",),
            say(
                f"售价 {p.price} {'比' if pct else '高于'}截至 {newest} 的近 {days} 天最低价 {lowest}{' ' + above if pct else ''}：平台价须贴近近 {days} 天最低价，请调低售价",
                f"price {p.price} is {above} the lowest price of the {days} days up to {newest} ({lowest}); the platform price must stay close to the {days}-day low",
            ),
            code="above-floor",
        )


def _check_comparisons(p: Product, ix: Catalog, err: Report) -> Iterator[Finding]:
    for i, c in enumerate(p.compare):
        yield from _tolerant(ix, _check_comparison(p, i, c, ix, err))


def _check_comparison(p: Product, i: int, c: Any, ix: Catalog, err: Report) -> Iterator[Finding]:
    if c.observed_on > ix.today:
        yield err(("compare", i, "observed_on"), _future(c.observed_on))
    elif (ix.today - c.observed_on).days > ix.settings.compare_max_age_days:  # as derive's `stale`
        yield err(
            ("compare", i, "observed_on"),
            say(
                f"参照价看于 {c.observed_on}，已超过 {ix.settings.compare_max_age_days} 天：请重新核对参照价并更新 observed_on",
                f"comparison observed on {c.observed_on} is older than {ix.settings.compare_max_age_days} days: check the reference price again",
            ),
            Severity.WARNING,
            "stale-comparison",
        )
    yield from _tolerant(ix, _check_evidence(p, i, c, ix, err))
    if c.kind is ReferenceKind.OWN_EARLIER:
        yield from _check_own_earlier(p, i, c, ix, err)
        yield from _check_saving(p, i, c, reference_of(c, ix.retailers), ix, err)
        return
    if not c.reference:
        return  # neither retailer nor brand: the item's own error says so
    field = "retailer" if c.retailer else "brand"
    retailer = ix.retailers.get(c.reference)
    if retailer is None:
        if not {"retailers", f"retailers:{c.reference}"} & ix.unreadable:
            yield err(
                ("compare", i, field),
                say(
                    f"没有{'渠道' if field == 'retailer' else '品牌'} {c.reference}：在 {_folder(ix)}/retailers.yaml 里加上它，或改用已有的：{_some(ix.retailers)}",
                    f"unknown {field} {c.reference!r}: add it to {_folder(ix)}/retailers.yaml",
                ),
            )
        return
    if retailer.kind != field:
        yield err(
            ("compare", i, field),
            say(
                f"{c.reference} 在 {_folder(ix)}/retailers.yaml 里是{'渠道' if retailer.kind == 'retailer' else '品牌'}：应写成 {retailer.kind}: {c.reference}",
                f"{c.reference!r} is a {retailer.kind} in {_folder(ix)}/retailers.yaml: write `{retailer.kind}: {c.reference}`",
            ),
        )
    if p.unit.measure.dimension != c.unit.measure.dimension:
        yield err(
            ("compare", i, "unit"),
            say(
                f"{p.unit.measure.value} 和 {c.unit.measure.value} 量的不是同一种东西，不能按单价对比：改成同类单位",
                f"cannot compare {p.unit.measure.value} with {c.unit.measure.value}: they measure different things",
            ),
        )
        return
    yield from _check_saving(p, i, c, retailer, ix, err)


def _check_saving(p: Product, i: int, c: Comparison, retailer: Retailer | None, ix: Catalog, err: Any) -> Iterator[Finding]:
    if retailer is None:
        return
    saving = compute_saving(p, c, retailer, today=ix.today, settings=ix.settings)
    if saving.ratio >= 1:
        yield err(
            ("compare", i, "price"),
            say(
                f"参照价 {c.price} 不比本店{'单价' if saving.per_label else '售价'}（{p.price}）高：没有可展示的节省，请核对参照价",
                f"reference price {c.price} is not above ours ({p.price}{' per unit' if saving.per_label else ''}): there is no saving to show",
            ),
        )
    elif saving.zhe < MIN_PLAUSIBLE_ZHE:
        yield err(
            ("compare", i, "price"),
            say(
                f"{saving.zhe_label}，低于1折：请检查参照价 {c.price} 是否写错",
                f"{saving.zhe_label} is below 1折: check the reference price {c.price} for a typo",
            ),
            Severity.WARNING,
        )


def _check_own_earlier(p: Product, i: int, c: Comparison, ix: Catalog, err: Report) -> Iterator[Finding]:
    """A 划线价 of our own earlier price is at most the lower of our lowest price of the 7 days before the
    reduction (明码标价和禁止价格欺诈规定 art. 16) and the lowest of the 30 days before it (EU Omnibus)."""
    same_amount = p.unit.measure.dimension == c.unit.measure.dimension and base_amount(p.unit) == base_amount(c.unit)
    if not same_amount:
        yield err(
            ("compare", i, "unit"),
            say(
                f"本店此前价说的是同一件商品：unit 要和商品自己的 unit 一样（{p.unit.quantity} {p.unit.measure.value}）",
                "an own-earlier price is of this same product: give it the product's own unit",
            ),
        )
    cap = earlier_price_cap(p, days=ix.settings.floor_window_days)
    if cap is None:
        yield err(
            ("compare", i, "price"),
            say(
                f"price_history 里没有比现价 {p.price} 更早、更高的价格：本店此前价必须来自价格记录；先记下降价前的价格，或删掉这条对比",
                f"price_history holds no earlier, higher price than {p.price}: an own-earlier price must come from the history",
            ),
        )
    elif c.price > cap.cap and same_amount:
        days = cap.window_days
        yield err(
            ("compare", i, "price"),
            say(
                f"本店此前价 {c.price} 高于 {cap.reduced_on} 降价前 7 天的最低价 {cap.seven_day_low} 与前 {days} 天最低价 {cap.window_low} 中较低的 {cap.cap}：划线价最多写 {cap.cap}",
                f"our earlier price {c.price} is above {cap.cap}, the lower of the 7-day low {cap.seven_day_low} and the {days}-day low "
                f"{cap.window_low} before the reduction on {cap.reduced_on}: write at most {cap.cap}",
            ),
        )


def _check_evidence(p: Product, i: int, c: Comparison, ix: Catalog, err: Report) -> Iterator[Finding]:
    """Every compared price has its proof in content/evidence/, unchanged since it was recorded, of the day it was seen."""
    evidence = c.evidence
    if evidence is None:
        yield err(
            ("compare", i),
            say(
                f"这条对比没有价格凭证：把当天的截图或存下的网页放进 {_folder(ix)}/evidence/，运行 plus evidence hash{content_flag(ix.root)} 文件名，"
                "把它打印的 evidence: {file: …, sha256: …} 这一行加到这条对比里",
                f"this comparison has no price proof: put a screenshot or saved page in {_folder(ix)}/evidence/, run "
                f"`plus evidence hash{content_flag(ix.root)} FILE` and add the `evidence:` line it prints to this comparison",
            ),
            Severity.WARNING,
            "evidence-missing",
        )
        return
    check = ix.evidence_check(evidence.file, evidence.sha256)
    where = f"{_folder(ix)}/evidence/{evidence.file}"
    if check.state == "missing":
        yield err(
            ("compare", i, "evidence", "file"),
            say(f"找不到价格凭证 {where}：把截图或网页放到这里，或改正路径", f"price proof not found: {where}"),
        )
    elif check.state != "ok":
        yield err(
            ("compare", i, "evidence", "sha256" if check.state == "mismatch" else "file"),
            say(f"价格凭证 {where} {check.detail}", f"price proof {where} {check.detail}"),
        )
    elif check.kind == "html":
        pattern = nda_pattern(ix.factories)
        if pattern is not None and (match := pattern.search(read_text(ix.evidence_dir, evidence.file))):
            yield err(
                ("compare", i, "evidence", "file"),
                say(
                    f"价格凭证 {where} 里写着保密品牌“{match.written}”（在“{match.context}”中）：凭证会原样发布，请删掉这段或改用只截价格的图片",
                    f"the price proof {where} names the NDA brand {match.written!r}: proofs are published as they are",
                ),
            )
    captured = evidence.captured_on or c.observed_on
    if captured > ix.today:
        yield err(("compare", i, "evidence", "captured_on"), _future(captured))
    elif captured != c.observed_on:
        yield err(
            ("compare", i, "evidence", "captured_on"),
            say(
                f"凭证是 {captured} 的，参照价却记为 {c.observed_on} 看到：凭证要证明的是那一天的价格；补一张当天的凭证，或把 observed_on 改回 {captured}",
                f"the proof is of {captured} but the price was seen on {c.observed_on}: record a proof of that day",
            ),
            Severity.WARNING,
        )
    elif (age := (ix.today - captured).days) > ix.settings.evidence_max_age_days and not (
        evidence.captured_on is None and age > ix.settings.compare_max_age_days  # the stale comparison says it already
    ):
        yield err(
            ("compare", i, "evidence"),
            say(
                f"价格凭证截于 {captured}，已 {age} 天（上限 {ix.settings.evidence_max_age_days} 天，settings.yaml 的 evidence_max_age_days）：请重新核价并截图",
                f"the price proof of {captured} is {age} days old (limit {ix.settings.evidence_max_age_days}): capture it again",
            ),
            Severity.WARNING,
            "evidence-stale",
        )


def _check_wording(item: Any, ix: Catalog, err: Report, *_: Any) -> Iterator[Finding]:
    for loc, message, is_error in wording_problems(item, ix.retailers, ix.settings):
        yield err(loc, message, Severity.ERROR if is_error else Severity.WARNING)


def check_factory(fid: str, f: Factory, ix: Catalog, *, has_products: bool) -> Iterator[Finding]:
    """Rules for one factory."""

    def err(loc: Loc, message: str, severity: Severity = Severity.ERROR, code: str = "") -> Finding:
        return Finding("factory", fid, loc, message, severity, code)

    yield from _each((_check_belt, _check_founded, _check_factory_images, _check_audit, _check_wording), ix, f, ix, err, has_products)


def _check_belt(f: Factory, ix: Catalog, err: Report, has_products: bool) -> Iterator[Finding]:
    if f.industry_belt is not None and f.industry_belt not in ix.belts and not {"belts", f"belts:{f.industry_belt}"} & ix.unreadable:
        yield err(
            ("industry_belt",),
            say(
                f"没有产业带 {f.industry_belt}：在 {_folder(ix)}/belts.yaml 里加上它，或改用已有的：{_some(ix.belts)}",
                f"unknown industrial belt {f.industry_belt!r}: add it to {_folder(ix)}/belts.yaml or use one of {_some(ix.belts)}",
            ),
        )


def _check_founded(f: Factory, ix: Catalog, err: Report, has_products: bool) -> Iterator[Finding]:
    if f.founded is not None and f.founded > ix.today.year:
        yield err(
            ("founded",),
            say(f"成立年份 {f.founded} 还没到：写今年或以前的年份", f"founded in {f.founded}, a year still to come"),
        )


def _check_factory_images(f: Factory, ix: Catalog, err: Report, has_products: bool) -> Iterator[Finding]:
    yield from _check_images(("images",), f.images, ix, err)


def _check_audit(f: Factory, ix: Catalog, err: Report, has_products: bool) -> Iterator[Finding]:
    audited = f.verification.audited_on
    if audited > ix.today:
        yield err(("verification", "audited_on"), _future(audited))
    elif (ix.today - audited).days > ix.settings.audit_max_age_days:
        yield err(
            ("verification", "audited_on"),
            say(
                f"工厂审核于 {audited}，已超过 {ix.settings.audit_max_age_days} 天：请复审工厂并更新 audited_on",
                f"audit of {audited} is over {ix.settings.audit_max_age_days} days old: audit the factory again",
            ),
            Severity.WARNING,
            "audit-due",
        )
    if not f.verification.complete:
        missing = [name for name in f.verification.CHECKS if name not in f.verification.passed]
        shown = "、".join(f"{f.verification.CHECKS[name]}（{name}）" for name in missing)
        message = say(
            f"审核未完成（{shown} 未通过）：该工厂的商品暂时不能上架",
            f"audit incomplete ({', '.join(missing)}): the store may not sell this factory's products yet",
        )
        yield err(("verification",), message, Severity.ERROR if has_products else Severity.WARNING)


_PRODUCT_CHECKS = (
    _check_category,
    _check_factory,
    _check_product_images,
    _check_member_price,
    _check_tiers,
    _check_added_on,
    _check_history,
    _check_comparisons,
    _check_wording,
)


def nda_pattern(factories: dict[str, Factory]) -> NdaNames | None:
    """Every brand name any factory holds under NDA, matched however it is spelled (see catalog/nda.py)."""
    names = NdaNames(n for f in factories.values() for n in getattr(f, "nda_names", ()))
    return names or None


def check_nda(ix: Catalog, split: Split = in_one) -> Iterator[Finding]:
    """No text that could be published may name a brand held under NDA."""
    pattern = nda_pattern(ix.factories)
    if pattern is None:
        return
    items = [("product", pid, p) for pid, p in ix.products.items()] + [("factory", fid, f) for fid, f in ix.factories.items()]
    for found in split(lambda part: [list(_nda_in_item(kind, item_id, item, ix, pattern)) for kind, item_id, item in part], items):
        yield from found
    for index, entries in (("categories", ix.categories), ("retailers", ix.retailers), ("belts", ix.belts)):
        for entry_id, entry in entries.items():
            if match := pattern.search(entry_id):
                yield Finding(index, entry_id, (entry_id,), quote_nda(match))
            for loc, text in model_strings(entry, (entry_id,)):
                if match := pattern.search(text):
                    yield Finding(index, entry_id, loc, quote_nda(match))
    for pid, product in ix.products.items():
        for i, c in enumerate(getattr(product, "compare", ())):
            reference = getattr(c, "retailer", None) or getattr(c, "brand", None) or ""  # c may be partial
            retailer = ix.retailers.get(reference)
            if retailer and pattern.search(f"{retailer.name} {retailer.short or ''} {reference}"):
                field = "retailer" if getattr(c, "retailer", None) else "brand"
                yield Finding(
                    "product",
                    pid,
                    ("compare", i, field),
                    say(
                        f"{reference} 是保密（NDA）品牌：不能公开拿来对比，请换一个参照",
                        f"{reference!r} is a brand under NDA: it may not be compared with publicly",
                    ),
                )


def _nda_in_item(kind: str, item_id: str, item: Any, ix: Catalog, pattern: NdaNames) -> Iterator[Finding]:
    """A product's or factory's id, texts and images that name a brand under NDA."""
    if match := pattern.search(item_id):
        yield Finding(
            kind,
            item_id,
            (),
            say(
                f"id（文件名）{match.message()}：id 会出现在网址里，请给文件改名",
                f"the id (file name) {match.message()}: ids become URLs; rename the file",
            ),
        )
    # The confidential record itself (a brand under NDA in oem_for) is never rendered: not searched.
    texts = [(loc, text) for loc, text in model_strings(item) if loc[0] != "oem_for" or _public_brand(item, loc)]
    if pattern.in_any(text for _, text in texts):
        for loc, text in texts:
            if match := pattern.search(text):
                yield Finding(kind, item_id, loc, _nda_message(item, loc, match), near=match.raw)
    yield from _nda_in_images(kind, item_id, getattr(item, "images", None) or (), ix, pattern)


def _public_brand(item: Any, loc: Loc) -> bool:
    """True for the name or alias of an OEM brand marked public: it is published on the factory page."""
    try:
        return item.oem_for[loc[1]].disclosure is Disclosure.PUBLIC
    except (AttributeError, IndexError, TypeError):
        return False


def _nda_message(item: Any, loc: Loc, match: NdaMatch) -> str:
    if loc and loc[0] == "oem_for":
        return say(
            f"“{match.written}”写成了公开（public）品牌，但它也是保密（nda）品牌：同一个品牌只能有一种 disclosure，保密品牌不能公开",
            f"{match.written!r} is listed as public but is also held under NDA: a brand has one disclosure, and an NDA brand is never published",
        )
    return quote_nda(match)


def _nda_in_images(kind: str, item_id: str, images: Any, ix: Catalog, pattern: NdaNames) -> Iterator[Finding]:
    """Text-based images (SVG) are published as they are: the words drawn in them count too."""
    for i, image in enumerate(images):
        src = getattr(image, "src", "")
        if not src.lower().endswith(".svg") or ix.image_state(src) == "missing":
            continue
        try:
            text = (ix.images_dir / src).read_bytes()[: 2 * 1024 * 1024].decode("utf-8", "replace")
        except OSError:
            continue
        if match := pattern.search(html.unescape(text)):
            yield Finding(
                kind,
                item_id,
                ("images", i, "src"),
                say(
                    f"图片 images/{src} 里写着保密品牌“{match.written}”（在“{match.context}”中）：图片会原样发布，请换一张图",
                    f"the image images/{src} holds the NDA brand {match.written!r}: images are published as they are",
                ),
            )


def quote_nda(match: NdaMatch) -> str:
    """The message for a text that names a brand under NDA, quoting the words around it."""
    return match.message()


def supplies(factory: Factory, retailer: Retailer) -> bool:
    """Whether a factory lists a retailer or brand among the ones it makes goods for."""
    ours = {n.casefold() for n in (retailer.name, retailer.short) if n}
    theirs = {n.casefold() for o in factory.oem_for for n in o.names}
    return any(a == b or a in b or b in a for a in ours for b in theirs)


def model_strings(model: BaseModel, loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Every string in a model, with where it stands."""
    found: list[tuple[Loc, str]] = []
    _collect(model, loc, found)
    return found


def _collect(model: BaseModel, loc: Loc, found: list[tuple[Loc, str]]) -> None:
    values = model.__dict__  # a field that failed is absent (partial model)
    for name in type(model).model_fields:
        value = values.get(name)
        if isinstance(value, str):
            found.append(((*loc, name), value))
        elif isinstance(value, (BaseModel, list)):
            _add(value, (*loc, name), found)


def _add(value: Any, loc: Loc, found: list[tuple[Loc, str]]) -> None:
    if isinstance(value, str):
        found.append((loc, value))
    elif isinstance(value, BaseModel):
        _collect(value, loc, found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _add(item, (*loc, i), found)


def _folder(ix: Catalog) -> str:
    """The content folder as the curator named it (`content` unless `--content` said otherwise), so
    that a message points at the file they must open."""
    return str(ix.root)


def _some(mapping: dict[str, Any]) -> str:
    keys = sorted(mapping)
    return ", ".join(keys[:8]) + (", …" if len(keys) > 8 else "") if keys else say("（还没有）", "(none defined)")


def _rel(path: Path) -> str:
    try:  # (not resolved: a symlink is named as the curator wrote it, not by what it points at)
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
