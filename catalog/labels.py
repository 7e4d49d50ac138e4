"""What each content field means, in zh-CN and English: the one table messages, templates, schema,
editor and docs read (admin/curator/fields.py presents it; the catalog's messages name fields with it)."""

from __future__ import annotations

import re

HELP: dict[str, dict[str, tuple[str, str]]] = {
    "Product": {
        "title": ("商品名称，顾客看到的标题（不得出现保密品牌）", "Product title shoppers see (never an NDA brand)"),
        "category": ("品类 id，见 content/categories.yaml", "Category id from content/categories.yaml"),
        "factory": ("工厂 id，即 content/factories/ 下的文件名", "Factory id: a file name in content/factories/"),
        "sourcing": (
            "背书类型：same-source 真同源（需工厂代工合同已核验）/ same-craft 同工同料",
            "Endorsement: same-source (needs a verified OEM contract) or same-craft",
        ),
        "price": ("售价（元），两位小数，须贴近近30天最低价", "Price in yuan, 2 decimals, close to the 30-day low"),
        "member_price": ("PLUS会员价（元），须低于售价；不设则留空", "PLUS member price in yuan, below the price; empty for none"),
        "members_only": ("是否会员专享（true/false）", "Sold to members only (true/false)"),
        "moq": ("起批量：最少购买件数", "Minimum order quantity"),
        "tiers": ("批发阶梯价：数量越多单价越低", "Wholesale tiers: lower prices from larger quantities"),
        "stock": ("库存件数；0 表示缺货，不填表示不跟踪库存", "Units in stock; 0 is sold out, empty is not tracked"),
        "limit_per_order": ("每单限购件数；不填按 settings.yaml 的 max_line_quantity", "Most units per order; empty: max_line_quantity"),
        "limit_per_member": (
            "每位顾客限购件数（limit_window_days 天内已付款和待付款的订单合计）",
            "Most units per shopper within limit_window_days, paid and held orders together",
        ),
        "unit": (
            "一份里有多少（必填），如 unit: {quantity: 1, measure: piece}（1件）或 unit: {quantity: 500, measure: g}；分量不同时按单价对比",
            "Required: what one sale holds, e.g. unit: {quantity: 1, measure: piece} or {quantity: 500, measure: g}",
        ),
        "spec": ("规格说明，如“500g×2袋”", "Spec text, e.g. 500g×2"),
        "compare": (
            "对比参照：山姆等渠道或品牌的同款及其价格（至少一条）",
            "References (Sam's Club, a brand…) with their prices, at least one",
        ),
        "price_history": ("本店历史价格记录，按日期先后，每天最多一条", "Our own price observations, in date order, one a day"),
        "images": ("商品图片（至少一张），放在 content/images/ 下", "Product pictures (at least one) under content/images/"),
        "description": ("商品介绍（Markdown）", "Description (Markdown)"),
        "tags": ("搜索标签", "Search tags"),
        "added_on": ("上架日期 YYYY-MM-DD", "Day the product was listed, YYYY-MM-DD"),
        "delivery_class": (
            "配送方式：normal 普通快递（默认）/ bulky 大件物流 / cold_chain 冷链配送；运费规则见 store.yaml",
            "Delivery class: normal (default), bulky or cold_chain; fees are set in store.yaml",
        ),
        "dispatch_hours": ("发货时效：付款后多少小时内发货（1–720，默认48）", "Hours from payment to dispatch (1–720, default 48)"),
    },
    "Unit": {
        "quantity": ("数量，如 500", "Amount, e.g. 500"),
        "measure": ("单位：g、kg、ml、l、piece（件）、pair（双）、set（套）", "Measure: g, kg, ml, l, piece, pair, set"),
    },
    "Image": {
        "src": ("图片路径，相对于 content/images/，如 products/aux-vacuum.png", "Path below content/images/, e.g. products/aux-vacuum.png"),
        "alt": ("图片的文字说明（读屏软件朗读）", "Text a screen reader reads instead of the picture"),
    },
    "Tier": {
        "min_qty": ("从多少件起享受该价", "Quantity the tier starts at"),
        "price": ("该阶梯的单价（元）", "Unit price in yuan from that quantity"),
    },
    "Comparison": {
        "retailer": ("参照渠道 id（如 sams），与 brand 二选一", "Retailer id (e.g. sams); give this or brand"),
        "brand": ("参照品牌 id（如 aimer），与 retailer 二选一", "Brand id (e.g. aimer); give this or retailer"),
        "kind": (
            "参照价的种类：shelf 零售标价（默认）、msrp 厂商建议零售价、gift-catalogue 企业/礼品册价（标明非零售价）、"
            "own-earlier 本店此前价（不写 retailer/brand；不得高于本店降价前7天最低价和30天最低价中较低者）",
            "What the price is: shelf (a shop's shelf price, default), msrp (suggested retail price), gift-catalogue (corporate price, labelled), "
            "own-earlier (our own earlier price: no retailer; at most the lower of our 7-day and 30-day lows before the reduction)",
        ),
        "name": ("参照商品名称", "Name of the reference product"),
        "price": ("参照价（元），即“山姆价”等", "Reference price in yuan (the 山姆价)"),
        "unit": (
            "参照商品一份里有多少（必填），如 unit: {quantity: 1, measure: piece}；与本品不同时按单价对比",
            "Required: what the reference holds, e.g. unit: {quantity: 1, measure: piece}; unit prices are compared when sizes differ",
        ),
        "spec": ("参照商品的规格说明", "Reference spec text"),
        "observed_on": ("看到参照价的日期 YYYY-MM-DD；超过180天视为过期", "Day the reference price was seen; stale after 180 days"),
        "source": ("参照价来源，如“山姆App 截图”", "Where the reference price was seen"),
        "evidence": (
            "价格凭证：content/evidence/ 下的截图或存下的网页，及其 SHA-256（用 plus evidence hash 文件 生成这一行）",
            "Price proof: a screenshot or saved page under content/evidence/ with its SHA-256 (`plus evidence hash FILE` prints the line)",
        ),
    },
    "Evidence": {
        "file": (
            "凭证文件路径，相对于 content/evidence/，如 aux-vacuum-sams.png（PNG/JPEG/WebP 截图，或 .html/.pdf 网页）",
            "Path below content/evidence/ (a PNG/JPEG/WebP screenshot or a saved .html/.pdf page)",
        ),
        "sha256": (
            "凭证文件的 SHA-256（64位十六进制）：运行 plus evidence hash 文件 得到",
            "The file's SHA-256: `plus evidence hash FILE`",
        ),
        "captured_on": ("截图或存页的日期 YYYY-MM-DD，应与 observed_on 同一天", "Day the proof was captured, the day of observed_on"),
    },
    "PricePoint": {
        "date": ("日期 YYYY-MM-DD", "Day, YYYY-MM-DD"),
        "price": ("当天售价（元）", "Our price that day in yuan"),
    },
    "Factory": {
        "name": ("工厂对外名称（厂牌）", "The factory's public name (its own brand)"),
        "region": ("所在地区，如“浙江宁波”", "Region, e.g. 浙江宁波"),
        "industry_belt": ("所属产业带 id，见 content/belts.yaml", "Industrial belt id from content/belts.yaml"),
        "founded": ("成立年份", "Year founded"),
        "oem_for": ("代工的品牌；disclosure: nda 的品牌绝不对外展示", "Brands it makes goods for; nda brands are never shown"),
        "verification": ("平台审核：资质、代工合同、供应链、产线四项", "The platform audit: four checks"),
        "certifications": ("资质证书名称", "Certificates held"),
        "description": ("工厂介绍（Markdown，不得出现保密品牌）", "Description (Markdown, never an NDA brand)"),
        "images": ("工厂图片，放在 content/images/ 下", "Factory pictures under content/images/"),
    },
    "OemBrand": {
        "brand": ("品牌名称", "Brand name"),
        "disclosure": ("public 可公开 / nda 保密（任何页面都不出现）", "public, or nda: never published"),
        "aliases": ("品牌的其他写法；保密品牌的别名同样不得出现", "Other spellings; under NDA none may appear either"),
    },
    "Verification": {
        "audited_on": ("审核日期 YYYY-MM-DD；超过一年需复审", "Audit day; audit again after a year"),
        "qualification": ("资质已核验（true/false）", "Qualifications checked (资质)"),
        "oem_contract": ("代工合同已核验（true/false），真同源商品必需", "OEM contract checked (代工合同), needed for same-source"),
        "supply_chain": ("供应链已核验（true/false）", "Supply chain checked (供应链)"),
        "production_line": ("产线已核验（true/false）", "Production line checked (产线)"),
        "auditor": ("审核人", "Who audited"),
        "notes": ("审核备注（内部）", "Audit notes (internal)"),
    },
    "Category": {
        "zh": ("品类中文名", "Chinese name"),
        "en": ("品类英文名", "English name"),
        "group": ("standard 标品 / trend 潮品", "standard or trend goods"),
    },
    "Retailer": {
        "name": ("渠道或品牌全称", "Full name"),
        "short": ("简称，用于“山姆价”这样的标签", "Short name for labels such as 山姆价"),
        "kind": ("retailer 渠道 / brand 品牌", "retailer or brand"),
        "badge": ("对比该渠道的商品显示的徽章，如“山姆平替”", "Badge every product compared with it carries"),
    },
    "Belt": {
        "name": ("产业带名称", "Belt name"),
        "region": ("所在地区", "Region"),
        "description": ("产业带介绍（Markdown）", "Description (Markdown)"),
    },
    "Settings": {
        "price_floor_tolerance": ("售价可高出近30天最低价的比例（0.05 即 5%）", "How far above the 30-day low a price may be (0.05 = 5%)"),
        "compare_max_age_days": ("参照价多少天后过期", "Days after which a reference price is stale"),
        "audit_max_age_days": ("工厂审核多少天后需复审", "Days after which a factory audit is due again"),
        "floor_window_days": ("价格地板的统计天数（默认30天）", "Days the price floor looks back (30)"),
        "image_max_bytes": ("一张图片最多多少字节（默认 5 MB）", "The most bytes one image may hold (5 MB)"),
        "claim_errors": (
            "文字里不许出现的说法（没有数据支撑），如 原价、直降、出厂价、全网最低",
            "Claims refused in curator text (no data backs them)",
        ),
        "claim_warnings": ("文字里出现时给提醒的说法，如 最低价、史低", "Claims that get a warning in curator text"),
        "image_max_pixels": (
            "一张图片最多多少像素（宽×高，默认 2500 万）",
            "The most pixels (width x height) one image may have (25 million)",
        ),
        "max_line_quantity": ("每单每种商品最多几件（默认50；商品可用 limit_per_order 另设）", "Most units of a product per order (50)"),
        "max_units_held": (
            "每人占用库存上限：每位顾客同时在待付款结算中最多占用几件（默认100）",
            "Most units one shopper may hold unpaid (100)",
        ),
        "limit_window_days": ("限购 limit_per_member 统计多少天内的订单（默认365天）", "Days limit_per_member looks back (365)"),
        "evidence_max_age_days": ("价格凭证多少天后需重新截图（默认180天）", "Days after which a price proof is due again (180)"),
    },
    "StoreInfo": {
        "company": (
            "运营主体：公司名称、营业执照、ICP备案和客服信息，显示在每页页脚",
            "The business behind the store, shown in every footer",
        ),
        "delivery": (
            "配送规则：各配送方式的运费、包邮门槛、偏远地区附加费、不配送地区",
            "Delivery fees, free thresholds, surcharges and regions not served",
        ),
        "returns": ("退货政策：七天无理由退货说明和不适用的品类", "Returns policy and the categories it excludes"),
        "membership": ("PLUS会员：年费和会员权益", "PLUS membership: yearly fee and benefits"),
        "help": ("帮助页文字：发票、联系我们（Markdown）", "Help page texts: invoices and contact (Markdown)"),
    },
    "Company": {
        "name": ("运营主体名称，与营业执照一致", "Company name as on the business licence"),
        "credit_code": ("统一社会信用代码：营业执照上的18位代码（含校验位）", "Unified social credit code: 18 characters from the licence"),
        "icp": ("ICP备案号，如“沪ICP备2026012345号-1”，页脚链接到工信部备案系统", "ICP filing number, e.g. 沪ICP备2026012345号-1"),
        "phone": ("客服电话，如 400-820-1234", "Customer service phone"),
        "email": ("客服邮箱", "Customer service email"),
        "hours": ("客服时间，如“每天 9:00–21:00”", "Customer service hours"),
    },
    "DeliveryTerms": {
        "classes": ("各配送方式（normal、bulky、cold_chain）的运费规则；normal 必填", "Terms per delivery class; normal is required"),
        "surcharges": (
            "偏远地区附加费：省级行政区全称 → 金额（元），包邮订单也照收",
            "Surcharge per province (full name), charged even on free delivery",
        ),
        "not_served": ("暂不配送的省级行政区（全称），其余都配送", "Provinces not delivered to (full names); all others are served"),
        "notes": ("配送说明（Markdown），显示在配送帮助页", "Delivery notes (Markdown) for the delivery help page"),
    },
    "ClassTerms": {
        "fee": ("运费（元），0 表示包邮，不能为负", "Fee in yuan; 0 is free, never negative"),
        "free_threshold": ("满额包邮门槛（元），按整单商品金额；不填表示不设满额包邮", "Free from this goods subtotal; empty for never"),
        "member_free": ("PLUS会员是否包邮（true/false）", "Free for PLUS members (true/false)"),
    },
    "Returns": {
        "days": ("无理由退货天数（至少7天）", "Days for no-reason returns (at least 7)"),
        "policy": ("退货政策说明（Markdown）", "Returns policy (Markdown)"),
        "exclusions": ("不支持无理由退货的品类及原因", "Categories excluded from no-reason returns, with why"),
    },
    "Exclusion": {
        "category": ("品类 id，见 content/categories.yaml", "Category id from content/categories.yaml"),
        "reason": ("不支持无理由退货的原因，顾客可见", "Why it is excluded, shown to shoppers"),
    },
    "Membership": {
        "yearly_fee": ("PLUS会员年费（元），网站显示的唯一来源", "PLUS yearly fee in yuan, the one the site shows"),
        "benefits": ("会员权益说明（Markdown）", "Member benefits (Markdown)"),
    },
    "HelpTexts": {
        "invoices": ("发票说明（Markdown）", "Invoices help (Markdown)"),
        "contact": ("联系我们页的补充说明（Markdown），客服电话邮箱自动显示", "Extra text for the contact page (Markdown)"),
    },
}

LABELS = {
    ("OemBrand", "disclosure"): "公开方式",
    ("Product", "unit"): "分量单位",
    ("Comparison", "unit"): "参照分量单位",
    ("Evidence", "sha256"): "凭证校验值",
}
"""Short zh-CN labels where the help text does not start with one."""


def help_text(model: str, name: str, lang: str = "zh") -> str:
    """The explanation of field `name` of the model named `model`, in zh-CN or English ("" when unknown)."""
    entry = HELP.get(model, {}).get(name)
    if entry is None:
        return ""
    return entry[1] if lang == "en" else entry[0]


def label(model: str, name: str, lang: str = "zh") -> str:
    """A short name for a field, e.g. 售价: the help text up to its first pause (the field name when unknown)."""
    if lang == "en":
        return name
    if (model, name) in LABELS:
        return LABELS[(model, name)]
    text = help_text(model, name)
    return re.split(r"[，：（；、 ]", text, maxsplit=1)[0] if text else name
