"""store.yaml: the store's identity, delivery terms, returns and help texts, refused with file:line in zh-CN."""

import pytest

from catalog import load_catalog
from catalog.store import credit_code_check
from tests.conftest import FACTORY, PRODUCT, STORE


def store_problems(content, today, text):
    content.write("store.yaml", text)
    result = load_catalog(content.root, today=today)
    assert result.catalog is None, "the bad store.yaml was accepted"
    return [(p.path.name, p.line, p.field, p.message) for p in result.problems]


def line_of(text, fragment):
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_the_store_loads_into_the_catalog(content, today):
    catalog = load_catalog(content.root, today=today).catalog
    assert catalog.store.company.icp == "沪ICP备2026012345号-1"
    assert catalog.store.delivery.surcharges["西藏自治区"] == 20
    assert catalog.products["aux-vacuum"].delivery_class == "normal"
    assert catalog.products["aux-vacuum"].dispatch_hours == 48


def test_a_missing_store_file_stops_publishing(content, today):
    (content.root / "store.yaml").unlink()
    result = load_catalog(content.root, today=today)
    assert result.catalog is None
    assert [p.path.name for p in result.errors] == ["store.yaml"] and "缺少 store.yaml" in result.errors[0].message


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("fee: 8.00", "fee: -8.00", "delivery.classes.normal.fee", "运费不能为负数：免运费请写 0"),
        ("fee: 18.00", "fee: 18.001", "delivery.classes.cold_chain.fee", "金额最多两位小数（到分）"),
        ("  西藏自治区: 20.00", "  火星: 20.00", "delivery.surcharges.火星", "未知的省级行政区"),
        ("  西藏自治区: 20.00", "  西藏: 20.00", "delivery.surcharges.西藏", "请写省级行政区全称「西藏自治区」，不要写简称「西藏」"),
        ("[香港特别行政区,", "[Hongkong,", "delivery.not_served.0", "未知的省级行政区"),
        (
            "    bulky:",
            "    oversized:",
            "delivery.classes.oversized",
            "未知的配送方式「oversized」：只能是 normal、bulky、cold_chain 之一",
        ),
        (
            "91350100M000100Y43",
            "91350100M000100Y44",
            "company.credit_code",
            "校验位不符：多半是某一位抄错了，请对照营业执照逐位核对（前17位都对的话，最后一位应是「3」）",
        ),
        ("91350100M000100Y43", "91350100M000100Y4", "company.credit_code", "应为18位，这里是17位"),
        ("91350100M000100Y43", "91350100M000100YO3", "company.credit_code", "不含 I、O、S、V、Z），这里有「O」"),
        ("沪ICP备2026012345号-1", "ICP 2026012345", "company.icp", "ICP备案号格式应如「沪ICP备2026012345号-1」"),
        ("沪ICP备2026012345号-1", "沪ICP备123号", "company.icp", "ICP备案号格式应如"),
        ("phone: 400-820-0258", "phone: call us", "company.phone", "客服电话格式应如"),
        ("email: service@shop.example", "email: service", "company.email", "客服邮箱格式应如"),
        ("    - category: food", "    - category: snacks", "returns.exclusions.0.category", "未知的分类「snacks」"),
    ],
)
def test_bad_store_values_are_refused_at_their_line_in_chinese(content, today, old, new, field, message):
    bad = STORE.replace(old, new, 1)
    assert bad != STORE
    problems = store_problems(content, today, bad)
    matching = [p for p in problems if p[0] == "store.yaml" and p[2] == field]
    assert matching, problems
    assert message in matching[0][3]
    assert matching[0][1] == line_of(bad, new.strip().strip("[,"))


def test_a_province_both_surcharged_and_not_served_is_refused(content, today):
    bad = STORE.replace("[香港特别行政区,", "[西藏自治区, 香港特别行政区,")
    problems = store_problems(content, today, bad)
    assert (
        "store.yaml",
        line_of(bad, "not_served"),
        "delivery.not_served.0",
        "「西藏自治区」既不配送又在 surcharges 里加收运费：二选一",
    ) in problems


def test_normal_delivery_terms_are_required(content, today):
    start, end = STORE.index("    normal:"), STORE.index("    bulky:")
    problems = store_problems(content, today, STORE[:start] + STORE[end:])
    assert any(p[2] == "delivery.classes" and "必须写出 normal" in p[3] for p in problems), problems


def test_a_product_of_a_class_without_terms_is_refused_at_the_product(content, today):
    start, end = STORE.index("    cold_chain:"), STORE.index("  surcharges:")
    content.write("store.yaml", STORE[:start] + STORE[end:])
    content.product("aux-vacuum", PRODUCT + "delivery_class: cold_chain\n")
    result = load_catalog(content.root, today=today)
    found = [(p.path.name, p.field, p.message) for p in result.problems]
    assert result.catalog is None
    assert any(f[:2] == ("aux-vacuum.yaml", "delivery_class") and "没有「cold_chain」的运费规则" in f[2] for f in found), found


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("delivery_class: frozen", "delivery_class", "未知的配送方式「frozen」：只能是 normal、bulky、cold_chain 之一"),
        ("dispatch_hours: 0", "dispatch_hours", "发货时效不能小于 1"),
        ("dispatch_hours: 1000", "dispatch_hours", "发货时效不能大于 720"),
        ("dispatch_hours: true", "dispatch_hours", "要写成数字，不能写 true/false"),
    ],
)
def test_bad_product_delivery_fields_are_refused_at_their_line(content, today, line, field, message):
    content.product("aux-vacuum", PRODUCT + line + "\n")
    result = load_catalog(content.root, today=today)
    found = [(p.path.name, p.line, p.field, p.message) for p in result.problems]
    assert result.catalog is None
    assert any(f[0] == "aux-vacuum.yaml" and f[1] == len(PRODUCT.splitlines()) + 1 and f[2] == field and message in f[3] for f in found), (
        found
    )


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91330100799655058B", "91440300708461136T"])
def test_the_check_character_matches_published_credit_codes(code):
    assert credit_code_check(code[:17]) == code[17]


def test_a_brand_under_nda_in_a_store_text_is_refused_at_its_line(content, today):
    content.factory("aux", FACTORY.replace("disclosure: public", "disclosure: public\n  - brand: 秘密品牌\n    disclosure: nda"))
    bad = STORE.replace("contact: 请先准备好订单号。", "contact: 我们也是秘密品牌的代工厂。")
    problems = store_problems(content, today, bad)
    assert any(p[:3] == ("store.yaml", line_of(bad, "秘密品牌"), "help.contact") and "秘密品牌" in p[3] for p in problems), problems
