"""Draw the seed catalog's product and factory pictures: small flat-colour PNGs, always the same.

Run `python scripts/draw_seed_images.py` from the repository root; it (re)writes
`content/images/products/<id>.png` and `content/images/factories/<id>.png`. Nothing is random,
so running it twice gives byte-identical files.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 480
OUT = Path(__file__).resolve().parent.parent / "content" / "images"

Draw = ImageDraw.ImageDraw
Painter = Callable[[Draw], None]

# A small shared palette keeps every file to a handful of colours (and a few KB).
INK = "#2b2d42"
WHITE = "#ffffff"
CREAM = "#f6f1e7"
GREY = "#8d99ae"
LIGHT = "#dfe3ea"
RED = "#d64545"
ORANGE = "#f4a259"
YELLOW = "#f6d55c"
GREEN = "#5b8e7d"
TEAL = "#3caea3"
BLUE = "#3a6ea5"
NAVY = "#1d3557"
PINK = "#f2a7b8"
PURPLE = "#7b5ea7"
BROWN = "#8c5a3c"
TAN = "#d9b48f"
BLACK = "#1b1b1e"


def _new(bg: str) -> tuple[Image.Image, Draw]:
    image = Image.new("RGB", (SIZE, SIZE), bg)
    return image, ImageDraw.Draw(image)


def _save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    small = image.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, format="PNG", optimize=True)


def _ground(d: Draw, colour: str = LIGHT) -> None:
    d.rectangle((0, 380, SIZE, SIZE), fill=colour)


# ---------------------------------------------------------------- products


def vacuum(d: Draw) -> None:
    _ground(d)
    d.rounded_rectangle((250, 250, 420, 390), radius=40, fill=RED, outline=INK, width=6)
    d.ellipse((270, 350, 320, 400), fill=INK)
    d.ellipse((360, 350, 410, 400), fill=INK)
    d.rectangle((300, 270, 390, 300), fill=WHITE)
    d.arc((120, 120, 340, 360), start=180, end=330, fill=INK, width=14)
    d.line((130, 240, 110, 380), fill=GREY, width=16)
    d.rectangle((50, 372, 170, 396), fill=INK)


def umbrella(d: Draw) -> None:
    d.pieslice((60, 90, 420, 450), start=180, end=360, fill=NAVY, outline=INK, width=5)
    for i in range(1, 24):
        angle = math.pi + math.pi * i / 24
        d.line((240, 270, 240 + 180 * math.cos(angle), 270 + 180 * math.sin(angle)), fill=BLUE, width=2)
    d.line((240, 80, 240, 96), fill=INK, width=8)
    d.line((240, 270, 240, 410), fill=INK, width=10)
    d.arc((200, 380, 250, 440), start=0, end=180, fill=INK, width=10)
    d.rectangle((226, 300, 254, 350), fill=BROWN)


def yoga_mat(d: Draw) -> None:
    _ground(d)
    d.polygon(((40, 390), (300, 390), (380, 320), (120, 320)), fill=TEAL, outline=INK)
    d.line((80, 355, 340, 355), fill=GREEN, width=4)
    d.ellipse((90, 200, 210, 320), fill=TEAL, outline=INK, width=6)
    d.rectangle((150, 200, 370, 320), fill=TEAL)
    d.line((150, 202, 370, 202), fill=INK, width=6)
    d.line((150, 317, 370, 317), fill=INK, width=6)
    d.ellipse((310, 200, 430, 320), fill=TEAL, outline=INK, width=6)
    d.ellipse((340, 230, 400, 290), fill=GREEN)
    d.ellipse((358, 248, 382, 272), fill=TEAL)


def apricots(d: Draw) -> None:
    d.rounded_rectangle((110, 70, 370, 420), radius=24, fill=YELLOW, outline=INK, width=6)
    d.rectangle((110, 70, 370, 120), fill=ORANGE, outline=INK, width=6)
    d.rounded_rectangle((150, 180, 330, 360), radius=20, fill=WHITE)
    for x, y in ((175, 200), (245, 210), (200, 275), (265, 285)):
        d.ellipse((x, y, x + 70, y + 60), fill=ORANGE, outline=BROWN, width=4)
        d.arc((x + 12, y + 10, x + 58, y + 50), start=200, end=320, fill=BROWN, width=3)


def chicken_feet(d: Draw) -> None:
    _ground(d)
    d.rounded_rectangle((120, 150, 360, 400), radius=30, fill=CREAM, outline=INK, width=6)
    d.rectangle((110, 120, 370, 165), fill=RED, outline=INK, width=6)
    for x, y in ((150, 250), (250, 280), (190, 320)):
        d.line((x, y, x + 40, y - 50), fill=TAN, width=18)
        for dx in (-18, 0, 18):
            d.line((x + 40, y - 50, x + 40 + dx, y - 80), fill=TAN, width=10)
    for x, y in ((270, 200), (160, 190)):
        d.ellipse((x, y, x + 56, y + 56), fill=YELLOW, outline=INK, width=3)
        d.line((x + 28, y + 4, x + 28, y + 52), fill=INK, width=2)
        d.line((x + 4, y + 28, x + 52, y + 28), fill=INK, width=2)
    d.ellipse((300, 320, 320, 340), fill=RED)
    d.ellipse((140, 350, 156, 366), fill=RED)


def bra(d: Draw) -> None:
    d.line((80, 200, 400, 200), fill=PINK, width=10)
    d.pieslice((90, 170, 250, 330), start=0, end=180, fill=PINK, outline=INK, width=6)
    d.pieslice((230, 170, 390, 330), start=0, end=180, fill=PINK, outline=INK, width=6)
    d.line((130, 250, 150, 100), fill=INK, width=6)
    d.line((350, 250, 330, 100), fill=INK, width=6)
    d.rectangle((226, 240, 254, 262), fill=WHITE, outline=INK, width=3)


def briefs(d: Draw) -> None:
    colours = (GREY, NAVY, BLACK)
    for i, colour in enumerate(colours):
        dx, dy = 40 * i, 40 * i
        d.polygon(
            (
                (60 + dx, 110 + dy),
                (320 + dx, 110 + dy),
                (300 + dx, 200 + dy),
                (210 + dx, 270 + dy),
                (170 + dx, 270 + dy),
                (80 + dx, 200 + dy),
            ),
            fill=colour,
            outline=INK,
        )
        d.rectangle((60 + dx, 110 + dy, 320 + dx, 130 + dy), fill=WHITE, outline=INK)


def towels(d: Draw) -> None:
    _ground(d)
    for i, colour in enumerate((WHITE, TEAL, GREY)):  # the product is a 3-pack: three towels, never four
        top = 280 - 60 * i
        d.rounded_rectangle((100, top, 380, top + 70), radius=18, fill=colour, outline=INK, width=5)
        d.line((120, top + 52, 360, top + 52), fill=LIGHT if colour != LIGHT else GREY, width=4)


def desk_organizer(d: Draw) -> None:
    _ground(d)
    d.rectangle((80, 230, 400, 390), fill=WHITE, outline=INK, width=6)
    d.rectangle((110, 300, 230, 370), fill=LIGHT, outline=INK, width=4)
    d.rectangle((250, 300, 370, 370), fill=LIGHT, outline=INK, width=4)
    d.rectangle((160, 330, 180, 340), fill=INK)
    d.rectangle((300, 330, 320, 340), fill=INK)
    for x, colour in ((110, BLUE), (140, RED), (170, YELLOW)):
        d.rectangle((x, 120, x + 18, 240), fill=colour, outline=INK, width=2)
    d.rectangle((250, 170, 370, 240), fill=GREEN, outline=INK, width=4)


def diffuser(d: Draw) -> None:
    _ground(d)
    for x in (200, 230, 260, 290):
        d.line((240, 250, x - 60 + (x - 200), 60), fill=BROWN, width=5)
    d.rounded_rectangle((160, 220, 320, 390), radius=26, fill=CREAM, outline=INK, width=6)
    d.rectangle((205, 200, 275, 230), fill=INK)
    d.rectangle((180, 280, 300, 330), fill=WHITE, outline=GREY, width=3)


def candle(d: Draw) -> None:
    _ground(d)
    d.rectangle((150, 200, 330, 390), fill=CREAM, outline=INK, width=6)
    d.rectangle((150, 200, 330, 230), fill=WHITE, outline=INK, width=6)
    d.line((240, 200, 240, 170), fill=INK, width=5)
    d.ellipse((222, 100, 258, 172), fill=ORANGE)
    d.ellipse((232, 130, 248, 168), fill=YELLOW)
    d.rectangle((180, 280, 300, 330), fill=PURPLE)


def tea_tray(d: Draw) -> None:
    _ground(d, CREAM)
    d.polygon(((60, 300), (300, 360), (430, 250), (190, 200)), fill=BLACK)
    d.polygon(((60, 300), (300, 360), (300, 390), (60, 330)), fill=INK)
    d.polygon(((300, 360), (430, 250), (430, 280), (300, 390)), fill=GREY)
    for i in range(1, 7):
        t = i / 7
        x1, y1 = 60 + (190 - 60) * t + 20, 300 + (200 - 300) * t
        x2, y2 = 300 + (430 - 300) * t - 20, 360 + (250 - 360) * t
        d.line((x1, y1, x2, y2), fill=GREY, width=3)
    d.ellipse((200, 170, 270, 230), fill=GREEN, outline=INK, width=3)
    d.rectangle((225, 155, 245, 172), fill=GREEN)


def sock_shape(d: Draw, x: int, y: int, colour: str, stripe: str) -> None:
    d.rectangle((x, y, x + 70, y + 170), fill=colour, outline=INK, width=5)
    d.rounded_rectangle((x, y + 120, x + 150, y + 200), radius=38, fill=colour, outline=INK, width=5)
    d.rectangle((x + 5, y + 122, x + 65, y + 170), fill=colour)
    d.rectangle((x, y, x + 70, y + 22), fill=stripe, outline=INK, width=5)
    d.ellipse((x + 100, y + 140, x + 150, y + 200), fill=stripe)


def socks(d: Draw) -> None:
    sock_shape(d, 90, 90, BLUE, WHITE)
    sock_shape(d, 230, 160, GREY, NAVY)


def beach_socks(d: Draw) -> None:
    d.rectangle((0, 300, SIZE, SIZE), fill=TAN)
    d.rectangle((0, 0, SIZE, 120), fill=BLUE)
    for x in range(0, SIZE, 60):
        d.arc((x, 95, x + 60, 145), start=180, end=360, fill=WHITE, width=6)
    d.rounded_rectangle((80, 250, 330, 340), radius=40, fill=TEAL, outline=INK, width=6)
    d.rectangle((80, 170, 170, 300), fill=TEAL, outline=INK, width=6)
    d.rectangle((86, 250, 164, 300), fill=TEAL)
    d.rectangle((80, 320, 330, 350), fill=INK)
    for x in range(100, 320, 30):
        d.rectangle((x, 342, x + 14, 356), fill=ORANGE)
    d.polygon(((300, 400), (420, 400), (360, 300)), fill=ORANGE, outline=INK)


def garment(d: Draw, body: str, trim: str, *, hood: bool = False, knit: bool = False) -> None:
    d.polygon(
        (
            (150, 110),
            (90, 150),
            (50, 270),
            (105, 285),
            (140, 210),
            (140, 410),
            (340, 410),
            (340, 210),
            (375, 285),
            (430, 270),
            (390, 150),
            (330, 110),
        ),
        fill=body,
        outline=INK,
    )
    if hood:
        d.pieslice((170, 50, 310, 190), start=180, end=360, fill=body, outline=INK, width=5)
        d.ellipse((205, 90, 275, 150), fill=trim)
        d.rectangle((185, 290, 295, 350), fill=trim, outline=INK, width=3)
    else:
        d.chord((195, 90, 285, 150), start=0, end=180, fill=trim, outline=INK, width=4)
    d.rectangle((140, 390, 340, 410), fill=trim, outline=INK, width=3)
    if knit:
        for y in range(180, 380, 24):
            for x in range(160, 330, 24):
                d.line((x, y, x + 10, y + 12, x + 20, y), fill=trim, width=3)


def kids_hoodie(d: Draw) -> None:
    garment(d, YELLOW, ORANGE, hood=True)
    d.ellipse((220, 230, 260, 270), fill=WHITE, outline=INK, width=3)


def sweater(d: Draw) -> None:
    garment(d, TAN, BROWN, knit=True)


def tote(d: Draw) -> None:
    d.arc((160, 70, 320, 260), start=180, end=360, fill=BROWN, width=16)
    d.polygon(((110, 170), (370, 170), (400, 410), (80, 410)), fill=BROWN, outline=INK)
    d.line((110, 170, 370, 170), fill=INK, width=6)
    d.rectangle((215, 200, 265, 240), fill=YELLOW, outline=INK, width=3)
    for y in (300, 340, 380):
        d.line((110, y, 370, y), fill=TAN, width=2)


def leggings(d: Draw) -> None:
    d.rectangle((150, 60, 330, 100), fill=PURPLE, outline=INK, width=5)
    d.polygon(((150, 100), (330, 100), (330, 430), (260, 430), (240, 200), (220, 430), (150, 430)), fill=PURPLE, outline=INK)
    d.line((240, 110, 240, 200), fill=INK, width=3)
    d.line((165, 300, 230, 300), fill=PINK, width=4)
    d.line((250, 300, 318, 300), fill=PINK, width=4)


PRODUCTS: dict[str, tuple[str, Painter]] = {
    "aux-vacuum": (CREAM, vacuum),
    "auto-umbrella-24-rib": ("#cfe3f5", umbrella),
    "tpe-yoga-mat": (CREAM, yoga_mat),
    "baicaowei-dried-apricot": ("#fff4dc", apricots),
    "lemon-chicken-feet": ("#fde9d9", chicken_feet),
    "shenjiang-wireless-bra": ("#fbe7ec", bra),
    "shenjiang-modal-briefs": ("#eef1f6", briefs),
    "haixing-cotton-towel": ("#e3f1ef", towels),
    "haixing-desk-organizer": ("#eef1f6", desk_organizer),
    "tewisen-reed-diffuser": ("#efe9f5", diffuser),
    "tewisen-scented-candle": ("#f4eee6", candle),
    "wujin-stone-tea-tray": ("#e9e4da", tea_tray),
    "haining-cotton-socks": ("#eef1f6", socks),
    "beach-socks": (WHITE, beach_socks),
    "kids-cotton-hoodie": ("#e7f3fb", kids_hoodie),
    "tongxiang-merino-sweater": ("#f5efe6", sweater),
    "baiyun-leather-tote": ("#f6ecdf", tote),
    "same-craft-yoga-leggings": ("#eeeaf6", leggings),
}

# ---------------------------------------------------------------- factories

FACTORIES: dict[str, tuple[str, str, str]] = {
    # id: (wall colour, roof colour, product picture shown on the sign)
    "cixi-jieyu-appliance": (LIGHT, RED, "aux-vacuum"),
    "shangyu-qingyu-umbrella": (WHITE, NAVY, "auto-umbrella-24-rib"),
    "nantong-rendong-sports": (CREAM, TEAL, "tpe-yoga-mat"),
    "baicaowei": (WHITE, ORANGE, "baicaowei-dried-apricot"),
    "chongqing-yuweifang-food": (CREAM, RED, "lemon-chicken-feet"),
    "shenjiang-apparel": (WHITE, PINK, "shenjiang-wireless-bra"),
    "haixing-home": (LIGHT, TEAL, "haixing-cotton-towel"),
    "tewisen": (CREAM, PURPLE, "tewisen-reed-diffuser"),
    "huian-shiyun-stone": (LIGHT, INK, "wujin-stone-tea-tray"),
    "haining-jinsi-hosiery": (WHITE, BLUE, "haining-cotton-socks"),
    "zhuji-langdi-knitting": (CREAM, TEAL, "beach-socks"),
    "zhili-tongqu-kidswear": (WHITE, YELLOW, "kids-cotton-hoodie"),
    "tongxiang-yangrong-knitwear": (CREAM, BROWN, "tongxiang-merino-sweater"),
    "baiyun-pinjiang-leather": (LIGHT, BROWN, "baiyun-leather-tote"),
    "jinjiang-qinggan-activewear": (WHITE, PURPLE, "same-craft-yoga-leggings"),
}


def factory(wall: str, roof: str, emblem: Image.Image) -> Image.Image:
    """A flat factory hall with a saw-tooth roof, a chimney and a sign showing what it makes."""
    image, d = _new("#dcecf7")
    d.rectangle((0, 400, SIZE, SIZE), fill=GREEN)
    d.rectangle((370, 90, 410, 240), fill=GREY, outline=INK, width=4)
    d.rectangle((370, 110, 410, 125), fill=RED)
    for i in range(4):
        x = 40 + 100 * i
        d.polygon(((x, 240), (x + 100, 170), (x + 100, 240)), fill=roof, outline=INK)
    d.rectangle((40, 240, 440, 410), fill=wall, outline=INK, width=6)
    for i in range(5):
        x = 70 + 76 * i
        if i == 2:
            continue
        d.rectangle((x, 280, x + 44, 320), fill=BLUE, outline=INK, width=3)
    d.rectangle((200, 330, 280, 410), fill=INK)
    image.paste(emblem, (186, 250))
    d.rectangle((184, 248, 296, 330), outline=INK, width=4)
    return image


def main() -> None:
    """Write every picture."""
    drawn: dict[str, Image.Image] = {}
    for pid, (bg, paint) in PRODUCTS.items():
        image, d = _new(bg)
        paint(d)
        drawn[pid] = image
        _save(image, OUT / "products" / f"{pid}.png")
    for fid, (wall, roof, pid) in FACTORIES.items():
        emblem = drawn[pid].resize((110, 80), Image.Resampling.NEAREST)
        _save(factory(wall, roof, emblem), OUT / "factories" / f"{fid}.png")


if __name__ == "__main__":
    main()
