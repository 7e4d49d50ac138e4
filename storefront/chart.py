"""The price-history chart, drawn at build time as inline SVG (no JavaScript)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import escape

from markupsafe import Markup

from catalog.models import PricePoint
from catalog.money import yuan

WIDTH, HEIGHT = 320, 132
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 22, 26


def price_chart(history: list[PricePoint], *, today: dt.date, chart_id: str = "price-chart") -> Markup | None:
    """A step chart of our own price up to `today`, or None when there is nothing to draw."""
    points = sorted(history, key=lambda p: p.date)
    if len(points) < 2:
        return None
    start, end = points[0].date, max(today, points[-1].date)
    span = max((end - start).days, 1)
    low, high = min(p.price for p in points), max(p.price for p in points)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + inner_w * (day - start).days / span

    def y(price: Decimal) -> float:
        if high == low:
            return TOP + inner_h / 2
        return TOP + inner_h * float((high - price) / (high - low))

    path = [f"M{x(points[0].date):.1f},{y(points[0].price):.1f}"]
    for point in points[1:]:
        path.append(f"H{x(point.date):.1f}V{y(point.price):.1f}")
    path.append(f"H{x(end):.1f}")
    lowest = min(points, key=lambda p: (p.price, -p.date.toordinal()))
    current = points[-1]
    title_id, desc_id = f"{chart_id}-t", f"{chart_id}-d"
    description = (
        f"从{start.isoformat()}到{end.isoformat()}共{len(points)}次价格记录，"
        f"最低¥{yuan(low)}（{lowest.date.isoformat()}），最高¥{yuan(high)}，当前¥{yuan(current.price)}。"
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">价格走势</title><desc id="{desc_id}">{escape(description)}</desc>',
        f'<line class="chart-axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM + 4}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM + 4}"/>',
        f'<path class="chart-line" d="{"".join(path)}"/>',
        f'<circle class="chart-low" cx="{x(lowest.date):.1f}" cy="{y(lowest.price):.1f}" r="3.5"/>',
        f'<circle class="chart-now" cx="{x(end):.1f}" cy="{y(current.price):.1f}" r="3.5"/>',
        _label(LEFT, 14, f"最高 ¥{yuan(high)}", "start"),
        _label(WIDTH - RIGHT, 14, f"最低 ¥{yuan(low)}", "end", "chart-low-label"),
        _label(LEFT, HEIGHT - 6, start.isoformat(), "start"),
        _label(WIDTH - RIGHT, HEIGHT - 6, end.isoformat(), "end"),
        "</svg>",
    ]
    return Markup("".join(parts))


def _label(x: float, y: float, text: str, anchor: str, cls: str = "chart-label") -> str:
    return f'<text class="{cls}" x="{x}" y="{y}" text-anchor="{anchor}">{escape(text)}</text>'
