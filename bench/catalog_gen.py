"""Write a synthetic but valid catalog of N products, for benchmarks."""

from __future__ import annotations

import argparse
import hashlib
import random
from pathlib import Path

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b4944415478da63f80f040009fb03fd68fa1ccc0000000049454e44ae426082"
)
PNG_SHA256 = hashlib.sha256(PNG).hexdigest()
CATEGORIES = {
    "home": ("家居百货", "Home"),
    "food": ("食品", "Food"),
    "sports": ("运动户外", "Sports"),
    "socks": ("袜子", "Socks"),
    "underwear": ("内衣", "Underwear"),
}
WORDS = ["茶杯", "毛巾", "雨伞", "袜子", "杏干", "凤爪", "吸尘器", "瑜伽垫", "茶盘", "香薰", "背包", "毛衣", "睡衣", "拖鞋", "枕头"]
FACTORY_COUNT = 200
SEED_STORE = Path(__file__).resolve().parents[1] / "content" / "store.yaml"
"""The seed's store file: its excluded return categories are among CATEGORIES."""
CLASSES = ("normal", "normal", "normal", "bulky", "cold_chain")


def write_catalog(root: Path, products: int, seed: int = 7) -> Path:
    """Write `products` product files (and their factories and index files) below `root`."""
    rng = random.Random(seed)
    (root / "products").mkdir(parents=True, exist_ok=True)
    (root / "factories").mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "images" / "p.png").write_bytes(PNG)
    (root / "evidence").mkdir(exist_ok=True)
    (root / "evidence" / "p.png").write_bytes(PNG)  # one price proof every comparison names (validate hashes it once)
    (root / "categories.yaml").write_text(
        "".join(f"{k}:\n  zh: {zh}\n  en: {en}\n" for k, (zh, en) in CATEGORIES.items()), encoding="utf-8"
    )
    (root / "retailers.yaml").write_text("sams:\n  name: 山姆会员店\n  short: 山姆\n  badge: 山姆平替\ntaobao: 淘宝\n", encoding="utf-8")
    (root / "belts.yaml").write_text("haining-socks:\n  name: 海宁袜业\n  region: 浙江海宁\n", encoding="utf-8")
    (root / "store.yaml").write_bytes(SEED_STORE.read_bytes())
    for f in range(FACTORY_COUNT):
        (root / "factories" / f"factory-{f}.yaml").write_text(
            f"name: 工厂{f}号\nregion: 浙江\nindustry_belt: haining-socks\n"
            "oem_for:\n  - brand: 山姆会员店\n    disclosure: public\n"
            "verification:\n  audited_on: 2026-09-01\n  qualification: true\n  oem_contract: true\n"
            "  supply_chain: true\n  production_line: true\n"
            f"description: 为知名品牌代工的第{f}号工厂。\n",
            encoding="utf-8",
        )
    for i in range(products):
        word = rng.choice(WORDS)
        price = rng.randint(500, 50000)
        reference = price * rng.randint(2, 10)
        (root / "products" / f"product-{i}.yaml").write_text(
            f"title: 工厂直供{word} {i}号\n"
            f"category: {rng.choice(list(CATEGORIES))}\n"
            f"factory: factory-{i % FACTORY_COUNT}\n"
            f"sourcing: {'same-source' if i % 2 else 'same-craft'}\n"
            f"price: {price / 100:.2f}\n"
            "unit: {quantity: 1, measure: piece}\n"
            "compare:\n"
            f"  - retailer: {'sams' if i % 2 else 'taobao'}\n"
            f"    name: 同款{word}\n"
            f"    price: {reference / 100:.2f}\n"
            "    unit: {quantity: 1, measure: piece}\n"
            "    observed_on: 2026-11-01\n"
            "    source: 门店价签\n"
            f"    evidence: {{file: p.png, sha256: {PNG_SHA256}}}\n"
            "price_history:\n"
            f"  - date: 2026-11-01\n    price: {price / 100:.2f}\n"
            "images:\n  - src: p.png\n    alt: 商品图\n"
            f"description: 与大牌同一工厂出品的{word}，材质与做工一致，价格只有几分之一。\n"
            f"tags: [{word}, 工厂直供]\n"
            "added_on: 2026-10-01\n"
            f"delivery_class: {CLASSES[i % len(CLASSES)]}\n",
            encoding="utf-8",
        )
    return root


def main() -> None:
    """Command line: write a realistic (default) or synthetic catalog to a folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--kind", choices=["realistic", "synthetic"], default="realistic", help="realistic: shaped like the seed")
    args = parser.parse_args()
    if args.kind == "realistic":
        from bench.realistic_gen import write_realistic_catalog

        write_realistic_catalog(args.folder, args.products)
    else:
        write_catalog(args.folder, args.products)


if __name__ == "__main__":
    main()
