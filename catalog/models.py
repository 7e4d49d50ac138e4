"""The content contract: pydantic models for every catalog file.

Field names are fixed (curators, the checkout and outside tools depend on them). Unknown keys
are errors, so a typo never passes silently. Money is Decimal: positive, finite, two places.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from .messages import SLUG_PATTERN, say


def _half_width(value: object) -> object:
    """One rule for every number: full-width digits (９, １０) are refused, whatever the field."""
    if isinstance(value, str) and any(char.isdigit() and not char.isascii() for char in value):
        plain = unicodedata.normalize("NFKC", value)
        raise ValueError(
            say(
                f"数字要用半角（英文输入法）写：把 {value} 改成 {plain}",
                f"write numbers with ASCII digits: {plain}, not {value}",
            )
        )
    return value


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(say("要写成数字，不能写 true/false", "must be a number, not true/false"))
    return _half_width(value)


def _no_bool_money(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(say("要写成数字，如 69.00，不能写 true/false", "must be a number such as 69.00, not true/false"))
    return _half_width(value)


def _decimal_schema(places: int) -> WithJsonSchema:
    """The JSON schema these limits had with the BeforeValidator first (the editor and schema/ read it)."""
    return WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}], "decimal_places": places, "gt": 0, "max_digits": 12})


Money = Annotated[
    Decimal,
    Field(gt=0, max_digits=12, decimal_places=2),
    BeforeValidator(_no_bool_money),
    _decimal_schema(2),
]
"""A positive CNY amount with at most 2 decimal places (¥0.01 to ¥9,999,999,999.99).

The limits stand before the BeforeValidator (which still runs first): so they are checked inside
pydantic-core, not by Python functions wrapped around it (3.6x faster per price, same errors)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A short, non-empty line of curator text."""

LongText = Annotated[str, StringConstraints(max_length=20_000)]
"""Markdown prose written by a curator."""

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
"""A lowercase ASCII id such as `aux-vacuum`, used in file names and URLs."""

Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3), BeforeValidator(_no_bool), _decimal_schema(3)]  # see Money
PositiveInt = Annotated[int, Field(ge=1, le=1_000_000), BeforeValidator(_no_bool)]


class Strict(BaseModel):
    """The base of every catalog model: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Sourcing(StrEnum):
    """The two kinds of endorsement the store gives a product."""

    SAME_SOURCE = "same-source"  # 真同源: the retailer's own supplier, same materials
    SAME_CRAFT = "same-craft"  # 同工同料: same quality, craft and material, no shared OEM

    @property
    def label(self) -> str:
        """The zh-CN badge text shoppers see."""
        return {"same-source": "真同源", "same-craft": "同工同料"}[self.value]


class Measure(StrEnum):
    """Units a product or a reference can be sold by; unit prices compare within one dimension."""

    G = "g"
    KG = "kg"
    ML = "ml"
    L = "l"
    PIECE = "piece"
    PAIR = "pair"
    SET = "set"

    @property
    def dimension(self) -> str:
        """What the unit measures: mass, volume or count."""
        return {"g": "mass", "kg": "mass", "ml": "volume", "l": "volume"}.get(self.value, "count")

    @property
    def in_base(self) -> Decimal:
        """How many base units (g, ml, or items) one of this unit is."""
        return {"kg": Decimal(1000), "l": Decimal(1000)}.get(self.value, Decimal(1))

    @property
    def label(self) -> str:
        """The zh-CN unit name."""
        return {
            "g": "g",
            "kg": "kg",
            "ml": "ml",
            "l": "L",
            "piece": "件",
            "pair": "双",
            "set": "套",
        }[self.value]


class Unit(Strict):
    """How much one sale holds, e.g. 500 g or 3 pairs."""

    quantity: Quantity
    measure: Measure


class Image(Strict):
    """A picture in `content/images/`, with the text a screen reader reads instead."""

    src: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*\.(?:png|jpg|jpeg|webp|svg)$")]
    alt: Text


class Tier(Strict):
    """A wholesale price from a quantity on (for small-B buyers)."""

    min_qty: PositiveInt
    price: Money


class ReferenceKind(StrEnum):
    """What the compared price is, labelled as 明码标价和禁止价格欺诈规定 art. 16 requires."""

    SHELF = "shelf"  # a retailer's shelf price: named shop, dated, same item and quantity
    MSRP = "msrp"  # 厂商建议零售价, kept current
    GIFT_CATALOGUE = "gift-catalogue"  # a corporate or gift-catalogue price: nobody buys at it in a shop
    OWN_EARLIER = "own-earlier"  # 本店此前价: this store's own earlier price, no retailer (art. 16, EU Omnibus)

    def price_label(self, shop: str) -> str:
        """How the compared price is named next to the figure, e.g. 山姆价, 华为企业礼品册价（非零售价）, 本店此前价."""
        return {
            "shelf": f"{shop}价",
            "msrp": f"{shop}厂商建议零售价",
            "gift-catalogue": f"{shop}企业礼品册价（非零售价）",
            "own-earlier": "本店此前价",
        }[self.value]


EVIDENCE_SUFFIXES = ("png", "jpg", "jpeg", "webp", "html", "htm", "pdf")
"""What a price proof may be: a screenshot (PNG, JPEG, WebP) or a saved page (HTML, PDF)."""


class Evidence(Strict):
    """The proof of a compared price: a file in `content/evidence/` and its SHA-256, so it cannot change unseen."""

    file: Annotated[
        str,
        StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*\.(?:" + "|".join(EVIDENCE_SUFFIXES) + r")$", max_length=200),
    ]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$", to_lower=True)]
    captured_on: dt.date | None = None
    """The day the screenshot was taken or the page saved (absent: the comparison's `observed_on`)."""


class Comparison(Strict):
    """A reference product this one is an alternative to, with the price seen there."""

    retailer: Slug | None = None
    brand: Slug | None = None
    kind: ReferenceKind = ReferenceKind.SHELF
    name: Text
    price: Money
    unit: Unit
    spec: Text | None = None
    observed_on: dt.date
    source: Text
    evidence: Evidence | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> Comparison:
        if self.kind is ReferenceKind.OWN_EARLIER:
            if self.retailer is not None or self.brand is not None:
                raise ValueError(
                    say(
                        "本店此前价（kind: own-earlier）参照的就是本店自己：删掉 retailer / brand 这一行",
                        "an own-earlier price refers to this store itself: remove `retailer` / `brand`",
                    )
                )
        elif (self.retailer is None) == (self.brand is None):
            raise ValueError(say("retailer（渠道）和 brand（品牌）要写且只写一个", "give exactly one of `retailer` or `brand`"))
        return self

    @property
    def reference(self) -> str:
        """The id in retailers.yaml this comparison points at ("" for our own earlier price)."""
        return self.retailer or self.brand or ""


class PricePoint(Strict):
    """One observation of our own price."""

    date: dt.date
    price: Money


class DeliveryClass(StrEnum):
    """How a product travels; each class has its own fee and free-delivery rules in store.yaml."""

    NORMAL = "normal"  # 普通快递
    BULKY = "bulky"  # 大件: vacuum cleaners, furniture
    COLD_CHAIN = "cold_chain"  # 冷链: chilled or frozen food

    @property
    def label(self) -> str:
        """The zh-CN name shoppers see."""
        return {"normal": "普通快递", "bulky": "大件物流", "cold_chain": "冷链配送"}[self.value]


def _delivery_class(value: object) -> object:
    if isinstance(value, str) and value not in DeliveryClass.__members__.values():
        known = "、".join(DeliveryClass)
        raise ValueError(f"未知的配送方式「{value}」：只能是 {known} 之一")
    return value


DeliveryClassName = Annotated[DeliveryClass, BeforeValidator(_delivery_class)]
"""A delivery class as curators write it, refused in zh-CN when unknown."""

DispatchHours = Annotated[int, BeforeValidator(_no_bool), Field(ge=1, le=720)]
"""Hours from payment to hand-over to the carrier (at most 30 days)."""


class Product(Strict):
    """A product file, `content/products/<id>.yaml`."""

    title: Text
    category: Slug
    factory: Slug
    sourcing: Sourcing
    price: Money
    member_price: Money | None = None
    members_only: bool = False
    moq: PositiveInt = 1
    tiers: list[Tier] = Field(default_factory=list, max_length=20)
    stock: Annotated[int, Field(ge=0), BeforeValidator(_no_bool)] | None = None
    """Units allotted to online sale (absent: not tracked). Units held by open checkouts and units sold
    count against it, and refunds give none back; restock by raising the number."""
    unit: Unit
    spec: Text | None = None
    compare: list[Comparison] = Field(min_length=1, max_length=10)
    price_history: list[PricePoint] = Field(default_factory=list, max_length=1000)
    images: list[Image] = Field(min_length=1, max_length=12)
    description: LongText = ""
    tags: list[Text] = Field(default_factory=list, max_length=30)
    added_on: dt.date
    delivery_class: DeliveryClassName = DeliveryClass.NORMAL
    dispatch_hours: DispatchHours = 48
    limit_per_order: Annotated[int, BeforeValidator(_no_bool), Field(ge=1, le=9999)] | None = None
    """Most units one order may hold (absent: settings.yaml `max_line_quantity`)."""
    limit_per_member: Annotated[int, BeforeValidator(_no_bool), Field(ge=1, le=9999)] | None = None
    """Most units one shopper may buy within settings.yaml `limit_window_days` (paid and held orders count)."""

    @model_validator(mode="after")
    def _limits_allow_the_moq(self) -> Product:
        for name in ("limit_per_order", "limit_per_member"):
            limit = getattr(self, name)
            if limit is not None and limit < self.moq:
                raise ValueError(say(f"{name}（{limit}件）小于起批量 moq（{self.moq}件），这样谁也买不了", f"{name} is below the moq"))
        return self


class Disclosure(StrEnum):
    """Whether the store may name an OEM brand."""

    PUBLIC = "public"
    NDA = "nda"


class OemBrand(Strict):
    """A brand the factory makes goods for."""

    brand: Text
    disclosure: Disclosure
    aliases: list[Text] = Field(default_factory=list)
    """Other spellings of the brand: under NDA, none of them may reach an output file either."""

    @property
    def names(self) -> list[str]:
        """The brand and every alias."""
        return [self.brand, *self.aliases]


class Verification(Strict):
    """The platform's audit of a factory: the four checks and when they were made."""

    audited_on: dt.date
    qualification: bool  # 资质
    oem_contract: bool  # 代工合同
    supply_chain: bool  # 供应链
    production_line: bool  # 产线
    auditor: Text | None = None
    notes: LongText = ""

    CHECKS: ClassVar[dict[str, str]] = {
        "qualification": "资质",
        "oem_contract": "代工合同",
        "supply_chain": "供应链",
        "production_line": "产线",
    }

    @property
    def passed(self) -> list[str]:
        """The checks that passed, by field name."""
        return [name for name in self.CHECKS if getattr(self, name)]

    @property
    def complete(self) -> bool:
        """True when all four checks passed."""
        return len(self.passed) == len(self.CHECKS)


class Factory(Strict):
    """A factory file, `content/factories/<id>.yaml`."""

    name: Text
    region: Text
    industry_belt: Slug | None = None
    founded: Annotated[int, Field(ge=1800, le=2100), BeforeValidator(_no_bool)] | None = None
    oem_for: list[OemBrand] = Field(default_factory=list)
    verification: Verification
    certifications: list[Text] = Field(default_factory=list)
    description: LongText = ""
    images: list[Image] = Field(default_factory=list, max_length=12)

    @property
    def public_brands(self) -> list[str]:
        """The OEM brands the store may name."""
        return [o.brand for o in self.oem_for if o.disclosure is Disclosure.PUBLIC]

    @property
    def nda_names(self) -> list[str]:
        """Every spelling of every brand under NDA: none may be published."""
        return [n for o in self.oem_for if o.disclosure is Disclosure.NDA for n in o.names]


class Category(Strict):
    """An entry of `content/categories.yaml`."""

    zh: Text
    en: Text
    group: Literal["standard", "trend"] = "standard"


class Retailer(Strict):
    """An entry of `content/retailers.yaml`: a retailer or brand products are compared with."""

    name: Text
    short: Text | None = None
    kind: Literal["retailer", "brand"] = "retailer"
    badge: Text | None = None
    """A badge products compared against it carry, e.g. 山姆平替 for Sam's Club."""

    @property
    def label(self) -> str:
        """The short name badges use, e.g. 山姆 for 山姆会员店."""
        return self.short or self.name


class Belt(Strict):
    """An entry of `content/belts.yaml`: an industrial belt (产业带)."""

    name: Text
    region: Text
    description: LongText = ""


class Settings(Strict):
    """`content/settings.yaml`: the rule parameters a store can tune."""

    price_floor_tolerance: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.05")
    compare_max_age_days: Annotated[int, Field(ge=1, le=3650)] = 180
    audit_max_age_days: Annotated[int, Field(ge=1, le=3650)] = 365
    floor_window_days: Annotated[int, Field(ge=1, le=365)] = 30
    image_max_bytes: Annotated[int, Field(ge=1024, le=100 * 1024 * 1024)] = 5 * 1024 * 1024
    image_max_pixels: Annotated[int, Field(ge=1, le=200_000_000)] = 25_000_000
    claim_errors: list[Text] = Field(default_factory=lambda: ["原价", "直降", "出厂价", "全网最低"], max_length=100)
    claim_warnings: list[Text] = Field(default_factory=lambda: ["最低价", "史低"], max_length=100)
    max_line_quantity: Annotated[int, Field(ge=1, le=9999)] = 50
    """Most units of one product in one checkout (a product's `limit_per_order` overrides it)."""
    max_units_held: Annotated[int, Field(ge=1, le=100_000)] = 100
    """Most units one shopper (account, or guest cookie and address) may hold in unpaid checkouts at once."""
    limit_window_days: Annotated[int, Field(ge=1, le=3650)] = 365
    evidence_max_age_days: Annotated[int, Field(ge=1, le=3650)] = 180
    """How old a price proof (its `captured_on`) may be before `plus audit` asks for a new one."""
    """How far back a product's `limit_per_member` counts a shopper's paid and held orders."""
