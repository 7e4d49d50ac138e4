"""Write a catalog of N products shaped like the seed: its 18 product and 15 factory files are the model.

Each product is a seed product with a unique title, a unique Markdown description of the seed's
length or more, its spec, units, tiers, member price and every comparison, its prices scaled by one
factor (so the 30-day rule, tiers and member prices still hold) and its price history kept. Factories
are seed factories cloned with their belts, audits and OEM lists, NDA ones included, so the NDA scan
has real names to look for. The files validate with the same settings as the seed.
"""

from __future__ import annotations

import random
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

SEED = Path(__file__).resolve().parents[1] / "content"
CENT = Decimal("0.01")
FACTORY_COPIES = 14  # 15 seed factories × 14 ≈ 210 factories, like the synthetic catalog's 200

ADJECTIVES = [
    "加厚",
    "轻薄",
    "大容量",
    "便携",
    "升级款",
    "经典款",
    "家庭装",
    "旗舰款",
    "迷你",
    "静音",
    "速干",
    "抗菌",
    "可折叠",
    "加大",
    "mini",
]
SCENES = ["通勤", "露营", "宿舍", "办公室", "厨房", "卧室", "出差", "健身房", "母婴", "送礼", "开学季", "年货"]
COLOURS = ["雾霾蓝", "燕麦色", "奶白", "石墨灰", "樱花粉", "墨绿", "焦糖", "象牙白", "深空黑", "浅杏"]
SENTENCES = [
    "同一条产线、同一批原料，区别只在渠道包装和规格。",
    "工厂自有品牌直发，省去品牌溢价和渠道加价。",
    "入选前我们核对了资质、代工合同、供应链和产线四项。",
    "小B店主可以整箱拼单拿货，阶梯价随数量下降。",
    "售价每天记录在价格历史里，对比价均留有截图凭证。",
    "支持七天无理由退货（食品等特殊品类除外）。",
    "出厂前逐批抽检，检测报告可在工厂页查看。",
    "适合{scene}使用，{colour}配色百搭耐看。",
    "面料和辅料与大牌渠道款同一供应商，做工细节一致。",
    "产业带工厂集中采购，原料成本比同类小厂低一截。",
]


class _Dumper(yaml.SafeDumper):
    """Writes Decimals as plain two-decimal numbers, the way curators write prices."""


_Dumper.add_representer(Decimal, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:float", f"{value:.2f}"))
_Dumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)
)


def _load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _scale(value: Any, factor: Decimal) -> Decimal:
    return max(CENT, (Decimal(str(value)) * factor).quantize(CENT, rounding=ROUND_HALF_UP))


def _scaled(product: dict[str, Any], factor: Decimal) -> dict[str, Any]:
    """The product with every price multiplied by `factor` (ratios, tiers and the 30-day rule hold)."""
    out = dict(product)
    for key in ("price", "member_price"):
        if key in out:
            out[key] = _scale(out[key], factor)
    out["compare"] = [{**c, "price": _scale(c["price"], factor)} for c in product.get("compare", [])]
    out["price_history"] = [{**h, "price": _scale(h["price"], factor)} for h in product.get("price_history", [])]
    if "tiers" in product:
        out["tiers"] = [{**t, "price": _scale(t["price"], factor)} for t in product["tiers"]]
    return out


def _description(rng: random.Random, base: str, title: str, n: int) -> str:
    """The seed's description with a unique lead and two to five more sentences, one a bullet list."""
    picks = [s.format(scene=rng.choice(SCENES), colour=rng.choice(COLOURS)) for s in rng.sample(SENTENCES, rng.randint(2, 5))]
    bullets = "\n".join(f"- {rng.choice(ADJECTIVES)}{rng.choice(SCENES)}款，第 {n} 批次" for _ in range(rng.randint(2, 4)))
    return f"**{title}**\n\n{base.strip()}\n\n{''.join(picks)}\n\n{bullets}\n"


def write_realistic_catalog(root: Path, products: int, seed: int = 7) -> Path:
    """Write `products` seed-shaped product files, their factories, the index files, images and price proofs below `root`."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for name in ("categories.yaml", "retailers.yaml", "belts.yaml", "settings.yaml", "store.yaml", "search.yaml"):
        if (SEED / name).is_file():
            shutil.copy(SEED / name, root / name)
    shutil.copytree(SEED / "images", root / "images", dirs_exist_ok=True)
    shutil.copytree(SEED / "evidence", root / "evidence", dirs_exist_ok=True)  # the price proofs comparisons name
    (root / "products").mkdir(exist_ok=True)
    (root / "factories").mkdir(exist_ok=True)

    factories = {path.stem: _load(path) for path in sorted((SEED / "factories").glob("*.yaml"))}
    for fid, factory in factories.items():
        for copy in range(FACTORY_COPIES):
            clone = dict(factory, name=f"{factory['name']}（{copy + 1}厂）" if copy else factory["name"])
            (root / "factories" / f"{fid}-{copy}.yaml").write_text(
                yaml.dump(clone, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )

    seeds = [(path.stem, _load(path)) for path in sorted((SEED / "products").glob("*.yaml"))]
    for i in range(products):
        sid, model = seeds[i % len(seeds)]
        product = _scaled(model, Decimal(rng.randint(80, 125)) / 100)
        title = f"{model['title']} {rng.choice(ADJECTIVES)}{rng.choice(COLOURS)} {i}号"
        product["title"] = title
        product["factory"] = f"{model['factory']}-{i % FACTORY_COPIES}"
        product["description"] = _description(rng, model.get("description", ""), title, i)
        product["tags"] = list(dict.fromkeys([*model.get("tags", []), rng.choice(SCENES)]))
        (root / "products" / f"{sid}-{i}.yaml").write_text(
            yaml.dump(product, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8"
        )
    return root
