"""The 34 province-level divisions (省级行政区) of China: the only region names store.yaml accepts."""

from __future__ import annotations

MAINLAND: tuple[str, ...] = (
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
)
"""The 31 province-level divisions of mainland China, in the order of the national code (GB/T 2260)."""

PROVINCES: tuple[str, ...] = (*MAINLAND, "台湾省", "香港特别行政区", "澳门特别行政区")
"""All 34 province-level divisions by full name."""

_SUFFIXES = ("特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name  # pragma: no cover - every full name has a suffix


ALIASES: dict[str, str] = {_short(name): name for name in PROVINCES}
"""Short names people write on addresses (新疆, 广西, 香港, 北京) to the full name."""


def canonical_province(name: str) -> str | None:
    """The full name for a full or short province name (surrounding spaces ignored), else None."""
    if not isinstance(name, str):
        return None
    name = name.strip()
    if name in PROVINCES:
        return name
    return ALIASES.get(name)
