"""Draw placeholder price proofs for the seed catalog and record them in the product files.

Run `python scripts/draw_seed_evidence.py` from the repository root. For every comparison of every
seed product it draws `content/evidence/<product>-<n>-<reference>.png`: a card clearly marked
示意凭证 placeholder (the seed's prices are partly fictional, see SEED-FACTS.md, so no real
screenshot exists) with the reference, its price, size, date and source; then it writes or updates
the comparison's `evidence: {file, sha256, captured_on}` line. A real store replaces each picture
with the real screenshot and runs `plus evidence hash` for the new line. Running it twice gives
byte-identical files.
"""

from __future__ import annotations

import hashlib
import sys
from decimal import Decimal
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from catalog.models import Measure  # noqa: E402
from catalog.money import price_label  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "content"
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
WIDTH, HEIGHT = 720, 420
MARK = "示意凭证 placeholder"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.truetype(str(FONT), size) if FONT.is_file() else ImageFont.load_default()


def draw(path: Path, lines: list[str]) -> None:
    """A light card: the placeholder mark in red across the top and diagonally, then the comparison's facts."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "#f6f1e7")
    d = ImageDraw.Draw(image)
    d.rectangle((0, 0, WIDTH, 64), fill="#d64545")
    d.text((24, 14), f"{MARK}：非真实截图，仅示意", font=_font(30), fill="#ffffff")
    y = 92
    for i, line in enumerate(lines):
        font = _font(30 if i == 0 else 24)
        for row in _wrapped(line, font, WIDTH - 48):
            d.text((24, y), row, font=font, fill="#2b2d42")
            y += 40 if i == 0 else 34
        y += 12 if i == 0 else 6
    stamp = Image.new("RGBA", (520, 80), (0, 0, 0, 0))
    ImageDraw.Draw(stamp).text((0, 0), MARK, font=_font(48), fill=(214, 69, 69, 90))
    stamp = stamp.rotate(18, expand=True)
    image.paste(stamp, (WIDTH - stamp.width - 10, HEIGHT - stamp.height - 10), stamp)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, format="PNG", optimize=True)


def _wrapped(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """`text` cut into rows that fit `width` pixels (Chinese has no spaces: cut between any two characters)."""
    rows, row = [], ""
    for char in text:
        if row and font.getlength(row + char) > width:
            rows.append(row)
            row = ""
        row += char
    return [*rows, row]


def record(text: str, index: int, line: str) -> str:
    """`text` (a product file) with `line` as the evidence of comparison `index`, replacing one already there."""
    rows = text.split("\n")
    start = rows.index("compare:")
    items = [n for n in range(start + 1, len(rows)) if rows[n].startswith("  - ")]
    first = items[index]
    last = first + 1
    while last < len(rows) and rows[last].startswith("    "):
        last += 1
    body = [row for row in rows[first:last] if not row.startswith("    evidence:")]
    return "\n".join([*rows[:first], *body, f"    {line}", *rows[last:]])


def main() -> None:
    labels = yaml.safe_load((ROOT / "retailers.yaml").read_text(encoding="utf-8"))
    for product_file in sorted((ROOT / "products").glob("*.yaml")):
        text = product_file.read_text(encoding="utf-8")
        product = yaml.safe_load(text)
        for index, c in enumerate(product["compare"]):
            reference = c.get("retailer") or c.get("brand") or "own-earlier"
            shop = labels[reference]["name"] if reference in labels else "本店"
            unit = c["unit"]
            name = f"{product_file.stem}-{index}-{reference}.png"
            draw(
                ROOT / "evidence" / name,
                [
                    f"{shop}：{c['name']}",
                    f"价格 {price_label(Decimal(str(c['price'])))} · 规格 {unit['quantity']}{Measure(unit['measure']).label}",
                    f"记录日期 {c['observed_on']}",
                    f"来源：{c['source']}",
                    "真实店铺请换成当天的价格截图，再运行 plus evidence hash",
                ],
            )
            digest = hashlib.sha256((ROOT / "evidence" / name).read_bytes()).hexdigest()
            line = f"evidence: {{file: {name}, sha256: {digest}, captured_on: {c['observed_on']}}}"
            text = record(text, index, line)
        product_file.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
