"""`content/store.yaml`: who runs the store, how it delivers, returns, membership and help texts.

One file, one model. The footer, the /help/ pages, the product pages' delivery line and the
checkout's delivery fee (through `catalog.delivery`) all read it from `Catalog.store`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from .labels import described
from .models import DeliveryClass, DeliveryClassName, LongText, Money, Slug, Strict, Text, _no_bool
from .problems import Severity
from .regions import ALIASES, PROVINCES
from .rules import Finding, Loc, model_strings, nda_pattern, quote_nda

if TYPE_CHECKING:
    from .load import Catalog

MAX_FEE = Decimal("9999.99")

# GB 32100-2015: 18 characters from this 31-letter alphabet (no I, O, S, V, Z); the last one is a
# check character over the first 17 with these weights.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ICP_PATTERN = re.compile(r"^[京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新]ICP备\d{8,10}号(?:-\d{1,4})?$")
PHONE_PATTERN = re.compile(r"^(?:[48]00-?\d{3}-?\d{4}|0\d{2,3}-?\d{7,8}|1[3-9]\d{9})$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


def credit_code_check(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def _credit_code(value: str) -> str:
    value = value.strip().upper()
    if len(value) != 18:
        raise ValueError(f"统一社会信用代码应为18位，这里是{len(value)}位：照营业执照抄写")
    bad = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValueError(f"统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z），这里有「{''.join(bad)}」")
    if not value[2:8].isdigit():
        raise ValueError("统一社会信用代码第3–8位是登记机关行政区划码，应为6位数字")
    expected = credit_code_check(value[:17])
    if value[17] != expected:
        raise ValueError(
            f"统一社会信用代码校验位不符：多半是某一位抄错了，请对照营业执照逐位核对（前17位都对的话，最后一位应是「{expected}」）"
        )
    return value


def normalized_credit_code(value: str) -> str:
    """A 统一社会信用代码 in capitals, checked (ValueError with a zh-CN message when it is not one)."""
    return _credit_code(value)


def _matching(pattern: re.Pattern[str], message: str) -> AfterValidator:
    """A validator refusing text that does not match `pattern`, with a zh-CN `message`."""

    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


Icp = Annotated[str, _matching(ICP_PATTERN, "ICP备案号格式应如「沪ICP备2026012345号-1」：省份简称 + ICP备 + 8–10位数字 + 号（可带 -序号）")]
Phone = Annotated[str, _matching(PHONE_PATTERN, "客服电话格式应如「400-820-1234」「021-61234567」或11位手机号")]
Email = Annotated[str, _matching(EMAIL_PATTERN, "客服邮箱格式应如「service@example.com」")]


def _fee(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("金额必须是有限的数字")
    if value < 0:
        raise ValueError("运费不能为负数：免运费请写 0")
    if value > MAX_FEE:
        raise ValueError(f"运费不能超过 {MAX_FEE} 元")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("金额最多两位小数（到分）")
    return value.quantize(Decimal("0.01"))


Fee = Annotated[
    Decimal,
    BeforeValidator(_no_bool),
    AfterValidator(_fee),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": r"^\d{1,4}(\.\d{1,2})?$"}]}),
]
"""A CNY amount of zero or more with at most two decimal places: 0 means free."""


def _province(value: object) -> object:
    if isinstance(value, str) and value not in PROVINCES:
        full = ALIASES.get(value.strip())
        if full:
            raise ValueError(f"请写省级行政区全称「{full}」，不要写简称「{value}」")
        raise ValueError("未知的省级行政区：请写34个省级行政区之一的全称，例如「广东省」「新疆维吾尔自治区」")
    return value


Province = Annotated[str, BeforeValidator(_province), WithJsonSchema({"type": "string", "enum": list(PROVINCES)})]


class Company(Strict):
    """The business behind the store (运营主体), shown in every page's footer."""

    name: Text = described("运营主体名称，与营业执照一致", "Company name as on the business licence")
    credit_code: Annotated[str, AfterValidator(_credit_code)] = described(
        "统一社会信用代码：营业执照上的18位代码（含校验位）", "Unified social credit code: 18 characters from the licence"
    )
    """统一社会信用代码 on the business licence (营业执照)."""
    icp: Icp = described("ICP备案号，如“沪ICP备2026012345号-1”，页脚链接到工信部备案系统", "ICP filing number, e.g. 沪ICP备2026012345号-1")
    """ICP备案号, linked to the MIIT register in the footer."""
    phone: Phone = described("客服电话，如 400-820-1234", "Customer service phone")
    email: Email = described("客服邮箱", "Customer service email")
    hours: Text = described("客服时间，如“每天 9:00–21:00”", "Customer service hours")
    """客服 hours, e.g. 每天 9:00–21:00."""


class ClassTerms(Strict):
    """What one delivery class costs: its fee, the subtotal from which it is free, and whether PLUS members ship free."""

    fee: Fee = described("运费（元），0 表示包邮，不能为负", "Fee in yuan; 0 is free, never negative")
    free_threshold: Money | None = described(
        "满额包邮门槛（元），按整单商品金额；不填表示不设满额包邮", "Free from this goods subtotal; empty for never", default=None
    )
    """Free when the order's goods subtotal reaches this (absent: never free by amount)."""
    member_free: bool = described("PLUS会员是否包邮（true/false）", "Free for PLUS members (true/false)", default=False)


def _classes(value: object) -> object:
    if isinstance(value, dict):
        if DeliveryClass.NORMAL not in value:
            raise ValueError("必须写出 normal（普通快递）的运费规则：没有写 delivery_class 的商品都按它配送")
    return value


class DeliveryTerms(Strict):
    """Delivery fees by class, per-province surcharges and the provinces not delivered to."""

    classes: Annotated[dict[DeliveryClassName, ClassTerms], BeforeValidator(_classes)] = described(
        "各配送方式（normal、bulky、cold_chain）的运费规则；normal 必填", "Terms per delivery class; normal is required"
    )
    surcharges: dict[Province, Fee] = described(
        "偏远地区附加费：省级行政区全称 → 金额（元），包邮订单也照收",
        "Surcharge per province (full name), charged even on free delivery",
        default_factory=dict,
    )
    """Added to the fee for an address in this province, even when delivery is otherwise free."""
    not_served: list[Province] = described(
        "暂不配送的省级行政区（全称），其余都配送", "Provinces not delivered to (full names); all others are served", default_factory=list
    )
    """Provinces the store does not deliver to (暂不配送); every other one is served."""
    notes: LongText = described(
        "配送说明（Markdown），显示在配送帮助页", "Delivery notes (Markdown) for the delivery help page", default=""
    )


class Exclusion(Strict):
    """A category that seven-day no-reason returns do not cover, and why."""

    category: Slug = described("品类 id，见 content/categories.yaml", "Category id from content/categories.yaml")
    reason: Text = described("不支持无理由退货的原因，顾客可见", "Why it is excluded, shown to shoppers")


class Returns(Strict):
    """The returns policy: 七天无理由退货 and the categories excluded from it."""

    days: Annotated[int, Field(ge=7, le=365)] = described("无理由退货天数（至少7天）", "Days for no-reason returns (at least 7)", default=7)
    policy: LongText = described("退货政策说明（Markdown）", "Returns policy (Markdown)")
    exclusions: list[Exclusion] = described(
        "不支持无理由退货的品类及原因", "Categories excluded from no-reason returns, with why", default_factory=list
    )


class Membership(Strict):
    """PLUS membership as the site shows it."""

    yearly_fee: Money = described("PLUS会员年费（元），网站显示的唯一来源", "PLUS yearly fee in yuan, the one the site shows")
    benefits: LongText = described("会员权益说明（Markdown）", "Member benefits (Markdown)", default="")


class HelpTexts(Strict):
    """Markdown help pages written by the store."""

    invoices: LongText = described("发票说明（Markdown）", "Invoices help (Markdown)")
    contact: LongText = described(
        "联系我们页的补充说明（Markdown），客服电话邮箱自动显示", "Extra text for the contact page (Markdown)", default=""
    )


class StoreInfo(Strict):
    """`content/store.yaml`."""

    company: Company = described(
        "运营主体：公司名称、营业执照、ICP备案和客服信息，显示在每页页脚", "The business behind the store, shown in every footer"
    )
    delivery: DeliveryTerms = described(
        "配送规则：各配送方式的运费、包邮门槛、偏远地区附加费、不配送地区",
        "Delivery fees, free thresholds, surcharges and regions not served",
    )
    returns: Returns = described("退货政策：七天无理由退货说明和不适用的品类", "Returns policy and the categories it excludes")
    membership: Membership = described("PLUS会员：年费和会员权益", "PLUS membership: yearly fee and benefits")
    help: HelpTexts = described("帮助页文字：发票、联系我们（Markdown）", "Help page texts: invoices and contact (Markdown)")


def check_store(store: StoreInfo, ix: Catalog) -> Iterator[Finding]:
    """Rules between store.yaml and the other files: categories exist, product classes have terms, no NDA brand."""
    categories, products = ix.categories, ix.products

    def err(loc: Loc, message: str) -> Finding:
        return Finding("store", "store", loc, message, Severity.ERROR)

    delivery = store.delivery
    seen: set[str] = set()
    for i, name in enumerate(delivery.not_served):
        if name in seen:
            yield err(("delivery", "not_served", i), f"「{name}」写了两次")
        elif name in delivery.surcharges:
            yield err(("delivery", "not_served", i), f"「{name}」既不配送又在 surcharges 里加收运费：二选一")
        seen.add(name)
    for i, exclusion in enumerate(store.returns.exclusions):
        if exclusion.category not in categories:
            known = "、".join(sorted(categories)[:8])
            yield err(
                ("returns", "exclusions", i, "category"),
                f"未知的分类「{exclusion.category}」：请用 categories.yaml 里的分类 id，例如 {known}",
            )
    for pid, product in products.items():
        if product.delivery_class not in delivery.classes:
            yield Finding(
                "product",
                pid,
                ("delivery_class",),
                f"store.yaml 的 delivery.classes 里没有「{product.delivery_class}」的运费规则：先在那里写出它，或改用 normal",
            )
    pattern = nda_pattern(ix.factories)
    if pattern is not None:  # store texts are published on every page: no brand under NDA
        for loc, text in model_strings(store):
            if match := pattern.search(text):
                yield err(loc, quote_nda(match))
