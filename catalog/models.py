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

from .labels import described
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

    quantity: Quantity = described("数量，如 500", "Amount, e.g. 500")
    measure: Measure = described("单位：g、kg、ml、l、piece（件）、pair（双）、set（套）", "Measure: g, kg, ml, l, piece, pair, set")


class Image(Strict):
    """A picture in `content/images/`, with the text a screen reader reads instead."""

    src: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*\.(?:png|jpg|jpeg|webp|svg)$")] = described(
        "图片路径，相对于 content/images/，如 products/aux-vacuum.png", "Path below content/images/, e.g. products/aux-vacuum.png"
    )
    alt: Text = described("图片的文字说明（读屏软件朗读）", "Text a screen reader reads instead of the picture")


class Tier(Strict):
    """A wholesale price from a quantity on (for small-B buyers)."""

    min_qty: PositiveInt = described("从多少件起享受该价", "Quantity the tier starts at")
    price: Money = described("该阶梯的单价（元）", "Unit price in yuan from that quantity")


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
EVIDENCE_FILE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*\.(?:" + "|".join(EVIDENCE_SUFFIXES) + r")$"
"""A proof's path below the evidence folder: ASCII, so that it is the same in YAML, URLs and every file system."""


class Evidence(Strict):
    """The proof of a compared price: a file in `content/evidence/` and its SHA-256, so it cannot change unseen."""

    file: Annotated[
        str,
        StringConstraints(pattern=EVIDENCE_FILE_PATTERN, max_length=200),
    ] = described(
        "凭证文件路径，相对于 content/evidence/，如 aux-vacuum-sams.png：只能用英文字母、数字和 . _ - /，不能有空格、中文或逗号"
        "（PNG/JPEG/WebP 截图，或 .html/.pdf 网页）",
        "Path below content/evidence/, of ASCII letters, digits and . _ - / only (a PNG/JPEG/WebP screenshot or a saved .html/.pdf page)",
    )
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$", to_lower=True)] = described(
        "凭证文件的 SHA-256（64位十六进制）：运行 plus evidence hash 文件 得到", "The file's SHA-256: `plus evidence hash FILE`"
    )
    captured_on: dt.date | None = described(
        "截图或存页的日期 YYYY-MM-DD，应与 observed_on 同一天", "Day the proof was captured, the day of observed_on", default=None
    )
    """The day the screenshot was taken or the page saved (absent: the comparison's `observed_on`)."""


class Comparison(Strict):
    """A reference product this one is an alternative to, with the price seen there."""

    retailer: Slug | None = described(
        "参照渠道 id（如 sams），与 brand 二选一", "Retailer id (e.g. sams); give this or brand", default=None
    )
    brand: Slug | None = described(
        "参照品牌 id（如 aimer），与 retailer 二选一", "Brand id (e.g. aimer); give this or retailer", default=None
    )
    kind: ReferenceKind = described(
        "参照价的种类：shelf 零售标价（默认）、msrp 厂商建议零售价、gift-catalogue 企业/礼品册价（标明非零售价）、own-earlier 本店此前价（不写 retailer/brand；不得高于本店降价前7天最低价和30天最低价中较低者）",
        "What the price is: shelf (a shop's shelf price, default), msrp (suggested retail price), gift-catalogue (corporate price, labelled), own-earlier (our own earlier price: no retailer; at most the lower of our 7-day and 30-day lows before the reduction)",
        default=ReferenceKind.SHELF,
    )
    name: Text = described("参照商品名称", "Name of the reference product")
    price: Money = described("参照价（元），即“山姆价”等", "Reference price in yuan (the 山姆价)")
    unit: Unit = described(
        "参照商品一份里有多少（必填），如 unit: {quantity: 1, measure: piece}；与本品不同时按单价对比",
        "Required: what the reference holds, e.g. unit: {quantity: 1, measure: piece}; unit prices are compared when sizes differ",
    )
    spec: Text | None = described("参照商品的规格说明", "Reference spec text", default=None)
    observed_on: dt.date = described(
        "看到参照价的日期 YYYY-MM-DD；超过180天视为过期", "Day the reference price was seen; stale after 180 days"
    )
    source: Text = described("参照价来源，如“山姆App 截图”", "Where the reference price was seen")
    evidence: Evidence | None = described(
        "价格凭证：content/evidence/ 下的截图或存下的网页，及其 SHA-256（用 plus evidence hash 文件 生成这一行）",
        "Price proof: a screenshot or saved page under content/evidence/ with its SHA-256 (`plus evidence hash FILE` prints the line)",
        default=None,
    )

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

    date: dt.date = described("日期 YYYY-MM-DD", "Day, YYYY-MM-DD")
    price: Money = described("当天售价（元）", "Our price that day in yuan")


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

    title: Text = described("商品名称，顾客看到的标题（不得出现保密品牌）", "Product title shoppers see (never an NDA brand)")
    category: Slug = described("品类 id，见 content/categories.yaml", "Category id from content/categories.yaml")
    factory: Slug = described("工厂 id，即 content/factories/ 下的文件名", "Factory id: a file name in content/factories/")
    sourcing: Sourcing = described(
        "背书类型：same-source 真同源（需工厂代工合同已核验）/ same-craft 同工同料",
        "Endorsement: same-source (needs a verified OEM contract) or same-craft",
    )
    price: Money = described("售价（元），两位小数，须贴近近30天最低价", "Price in yuan, 2 decimals, close to the 30-day low")
    member_price: Money | None = described(
        "PLUS会员价（元），须低于售价；不设则留空", "PLUS member price in yuan, below the price; empty for none", default=None
    )
    members_only: bool = described("是否会员专享（true/false）", "Sold to members only (true/false)", default=False)
    moq: PositiveInt = described("起批量：最少购买件数", "Minimum order quantity", default=1)
    tiers: list[Tier] = described(
        "批发阶梯价：数量越多单价越低", "Wholesale tiers: lower prices from larger quantities", default_factory=list, max_length=20
    )
    stock: Annotated[int, Field(ge=0), BeforeValidator(_no_bool)] | None = described(
        "库存件数；0 表示缺货，不填表示不跟踪库存", "Units in stock; 0 is sold out, empty is not tracked", default=None
    )
    """Units allotted to online sale (absent: not tracked). Units held by open checkouts and units sold
    count against it, and refunds give none back; restock by raising the number."""
    unit: Unit = described(
        "一份里有多少（必填），如 unit: {quantity: 1, measure: piece}（1件）或 unit: {quantity: 500, measure: g}；分量不同时按单价对比",
        "Required: what one sale holds, e.g. unit: {quantity: 1, measure: piece} or {quantity: 500, measure: g}",
    )
    spec: Text | None = described("规格说明，如“500g×2袋”", "Spec text, e.g. 500g×2", default=None)
    compare: list[Comparison] = described(
        "对比参照：山姆等渠道或品牌的同款及其价格（至少一条）",
        "References (Sam's Club, a brand…) with their prices, at least one",
        min_length=1,
        max_length=10,
    )
    price_history: list[PricePoint] = described(
        "本店历史价格记录，按日期先后，每天最多一条",
        "Our own price observations, in date order, one a day",
        default_factory=list,
        max_length=1000,
    )
    images: list[Image] = described(
        "商品图片（至少一张），放在 content/images/ 下",
        "Product pictures (at least one) under content/images/",
        min_length=1,
        max_length=12,
    )
    description: LongText = described("商品介绍（Markdown）", "Description (Markdown)", default="")
    tags: list[Text] = described("搜索标签", "Search tags", default_factory=list, max_length=30)
    added_on: dt.date = described("上架日期 YYYY-MM-DD", "Day the product was listed, YYYY-MM-DD")
    delivery_class: DeliveryClassName = described(
        "配送方式：normal 普通快递（默认）/ bulky 大件物流 / cold_chain 冷链配送；运费规则见 store.yaml",
        "Delivery class: normal (default), bulky or cold_chain; fees are set in store.yaml",
        default=DeliveryClass.NORMAL,
    )
    dispatch_hours: DispatchHours = described(
        "发货时效：付款后多少小时内发货（1–720，默认48）", "Hours from payment to dispatch (1–720, default 48)", default=48
    )
    limit_per_order: Annotated[int, BeforeValidator(_no_bool), Field(ge=1, le=9999)] | None = described(
        "每单限购件数；不填按 settings.yaml 的 max_line_quantity", "Most units per order; empty: max_line_quantity", default=None
    )
    """Most units one order may hold (absent: settings.yaml `max_line_quantity`)."""
    limit_per_member: Annotated[int, BeforeValidator(_no_bool), Field(ge=1, le=9999)] | None = described(
        "每位顾客限购件数（limit_window_days 天内已付款和待付款的订单合计）",
        "Most units per shopper within limit_window_days, paid and held orders together",
        default=None,
    )
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

    brand: Text = described("品牌名称", "Brand name")
    disclosure: Disclosure = described("public 可公开 / nda 保密（任何页面都不出现）", "public, or nda: never published")
    aliases: list[Text] = described(
        "品牌的其他写法；保密品牌的别名同样不得出现", "Other spellings; under NDA none may appear either", default_factory=list
    )
    """Other spellings of the brand: under NDA, none of them may reach an output file either."""

    @property
    def names(self) -> list[str]:
        """The brand and every alias."""
        return [self.brand, *self.aliases]


class Verification(Strict):
    """The platform's audit of a factory: the four checks and when they were made."""

    audited_on: dt.date = described("审核日期 YYYY-MM-DD；超过一年需复审", "Audit day; audit again after a year")
    qualification: bool = described("资质已核验（true/false）", "Qualifications checked (资质)")  # 资质
    oem_contract: bool = described(
        "代工合同已核验（true/false），真同源商品必需", "OEM contract checked (代工合同), needed for same-source"
    )  # 代工合同
    supply_chain: bool = described("供应链已核验（true/false）", "Supply chain checked (供应链)")  # 供应链
    production_line: bool = described("产线已核验（true/false）", "Production line checked (产线)")  # 产线
    auditor: Text | None = described("审核人", "Who audited", default=None)
    notes: LongText = described(
        "验厂说明（公开：工厂页「验厂结果」下显示；不得出现保密品牌，内部信息别写在这里）",
        "What the audit found (published on the factory page, under the audit; never an NDA brand or anything internal)",
        default="",
    )

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

    name: Text = described("工厂对外名称（厂牌）", "The factory's public name (its own brand)")
    region: Text = described("所在地区，如“浙江宁波”", "Region, e.g. 浙江宁波")
    industry_belt: Slug | None = described(
        "所属产业带 id，见 content/belts.yaml", "Industrial belt id from content/belts.yaml", default=None
    )
    founded: Annotated[int, Field(ge=1800, le=2100), BeforeValidator(_no_bool)] | None = described("成立年份", "Year founded", default=None)
    oem_for: list[OemBrand] = described(
        "代工的品牌；disclosure: nda 的品牌绝不对外展示", "Brands it makes goods for; nda brands are never shown", default_factory=list
    )
    verification: Verification = described("平台审核：资质、代工合同、供应链、产线四项", "The platform audit: four checks")
    certifications: list[Text] = described("资质证书名称", "Certificates held", default_factory=list)
    description: LongText = described("工厂介绍（Markdown，不得出现保密品牌）", "Description (Markdown, never an NDA brand)", default="")
    images: list[Image] = described(
        "工厂图片，放在 content/images/ 下", "Factory pictures under content/images/", default_factory=list, max_length=12
    )

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

    zh: Text = described("品类中文名", "Chinese name")
    en: Text = described("品类英文名", "English name")
    group: Literal["standard", "trend"] = described("standard 标品 / trend 潮品", "standard or trend goods", default="standard")


class Retailer(Strict):
    """An entry of `content/retailers.yaml`: a retailer or brand products are compared with."""

    name: Text = described("渠道或品牌全称", "Full name")
    short: Text | None = described("简称，用于“山姆价”这样的标签", "Short name for labels such as 山姆价", default=None)
    kind: Literal["retailer", "brand"] = described("retailer 渠道 / brand 品牌", "retailer or brand", default="retailer")
    badge: Text | None = described("对比该渠道的商品显示的徽章，如“山姆平替”", "Badge every product compared with it carries", default=None)
    """A badge products compared against it carry, e.g. 山姆平替 for Sam's Club."""

    @property
    def label(self) -> str:
        """The short name badges use, e.g. 山姆 for 山姆会员店."""
        return self.short or self.name


class Belt(Strict):
    """An entry of `content/belts.yaml`: an industrial belt (产业带)."""

    name: Text = described("产业带名称", "Belt name")
    region: Text = described("所在地区", "Region")
    description: LongText = described("产业带介绍（Markdown）", "Description (Markdown)", default="")


class Settings(Strict):
    """`content/settings.yaml`: the rule parameters a store can tune."""

    price_floor_tolerance: Annotated[Decimal, Field(ge=0, le=1)] = described(
        "售价可高出近30天最低价的比例（0.05 即 5%）", "How far above the 30-day low a price may be (0.05 = 5%)", default=Decimal("0.05")
    )
    compare_max_age_days: Annotated[int, Field(ge=1, le=3650)] = described(
        "参照价多少天后过期", "Days after which a reference price is stale", default=180
    )
    audit_max_age_days: Annotated[int, Field(ge=1, le=3650)] = described(
        "工厂审核多少天后需复审", "Days after which a factory audit is due again", default=365
    )
    floor_window_days: Annotated[int, Field(ge=1, le=365)] = described(
        "价格地板的统计天数（默认30天）", "Days the price floor looks back (30)", default=30
    )
    image_max_bytes: Annotated[int, Field(ge=1024, le=100 * 1024 * 1024)] = described(
        "一张图片最多多少字节（默认 5 MB）", "The most bytes one image may hold (5 MB)", default=5 * 1024 * 1024
    )
    image_max_pixels: Annotated[int, Field(ge=1, le=200_000_000)] = described(
        "一张图片最多多少像素（宽×高，默认 2500 万）",
        "The most pixels (width x height) one image may have (25 million)",
        default=25_000_000,
    )
    claim_errors: list[Text] = described(
        "文字里不许出现的说法（没有数据支撑），如 原价、直降、出厂价、全网最低",
        "Claims refused in curator text (no data backs them)",
        default_factory=lambda: ["原价", "直降", "出厂价", "全网最低"],
        max_length=100,
    )
    claim_warnings: list[Text] = described(
        "文字里出现时给提醒的说法，如 最低价、史低",
        "Claims that get a warning in curator text",
        default_factory=lambda: ["最低价", "史低"],
        max_length=100,
    )
    max_line_quantity: Annotated[int, Field(ge=1, le=9999)] = described(
        "每单每种商品最多几件（默认50；商品可用 limit_per_order 另设）", "Most units of a product per order (50)", default=50
    )
    """Most units of one product in one checkout (a product's `limit_per_order` overrides it)."""
    max_units_held: Annotated[int, Field(ge=1, le=100_000)] = described(
        "每人占用库存上限：每位顾客同时在待付款结算中最多占用几件（默认100）", "Most units one shopper may hold unpaid (100)", default=100
    )
    """Most units one shopper (account, or guest cookie and address) may hold in unpaid checkouts at once."""
    limit_window_days: Annotated[int, Field(ge=1, le=3650)] = described(
        "限购 limit_per_member 统计多少天内的订单（默认365天）", "Days limit_per_member looks back (365)", default=365
    )
    evidence_max_age_days: Annotated[int, Field(ge=1, le=3650)] = described(
        "价格凭证多少天后需重新截图（默认180天）", "Days after which a price proof is due again (180)", default=180
    )
    """How old a price proof (its `captured_on`) may be before `plus audit` asks for a new one."""
    """How far back a product's `limit_per_member` counts a shopper's paid and held orders."""
