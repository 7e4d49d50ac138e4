"""The price-history chart is real SVG drawn from the catalog's history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from xml.etree import ElementTree as ET

from catalog.models import PricePoint
from storefront.chart import price_chart

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2026, 11, 25)


def point(day: str, price: str) -> PricePoint:
    return PricePoint(date=dt.date.fromisoformat(day), price=Decimal(price))


def test_chart_marks_high_low_and_dates():
    history = [point("2026-09-01", "99.00"), point("2026-10-01", "89.00"), point("2026-11-01", "69.00")]
    svg = ET.fromstring(str(price_chart(history, today=TODAY)))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["最高 ¥99", "最低 ¥69", "2026-09-01", "2026-11-25"]
    assert "最低¥69（2026-11-01）" in svg.find(f"{SVG}desc").text
    path = svg.find(f"{SVG}path").attrib["d"]
    assert path.startswith("M") and path.count("V") == 2  # two price changes, drawn as steps


def test_chart_lowest_point_sits_lowest():
    history = [point("2026-09-01", "10.00"), point("2026-10-01", "5.00"), point("2026-11-01", "8.00")]
    svg = ET.fromstring(str(price_chart(history, today=TODAY)))
    low = svg.find(f"{SVG}circle[@class='chart-low']")
    now = svg.find(f"{SVG}circle[@class='chart-now']")
    assert float(low.attrib["cy"]) > float(now.attrib["cy"])  # y grows downwards


def test_no_chart_for_fewer_than_two_prices():
    assert price_chart([point("2026-09-01", "10.00")], today=TODAY) is None
    assert price_chart([], today=TODAY) is None


def test_flat_history_draws_a_flat_line():
    history = [point("2026-09-01", "10.00"), point("2026-10-01", "10.00")]
    svg = ET.fromstring(str(price_chart(history, today=TODAY)))
    d = svg.find(f"{SVG}path").attrib["d"]
    start_y = d.split(",")[1].split("H")[0]
    assert [v.split("H")[0] for v in d.split("V")[1:]] == [start_y]
