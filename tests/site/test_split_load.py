"""`plus build` validates on both cores: half the files and half the products in a forked child. The
catalog, its revision and every problem (the same, in the same order) must be what one process finds.

Forking runs in a fresh interpreter (see test_parallel.py): a test process may hold threads.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.realistic_gen import write_realistic_catalog
from tests.site.test_parallel import isolated

LOAD_BOTH_WAYS = """
import datetime as dt
from catalog import load_catalog
parallel.MIN_SPLIT = 2  # split even a small catalog
content, marks = Path(sys.argv[1]), Path(sys.argv[2])

def marking(work, items):
    def part(chunk):
        (marks / str(os.getpid())).touch()
        return work(chunk)
    return parallel.split_forked(part, items)

today = dt.date(2026, 11, 25)
alone = load_catalog(content, today=today)
forked = load_catalog(content, today=today, split=marking)
def described(result):
    return {
        "problems": [(p.as_text(), p.severity.name) for p in result.problems],
        "catalog": None if result.catalog is None else result.catalog.revision,
    }
print(json.dumps({
    "alone": described(alone),
    "forked": described(forked),
    "same_catalog": alone.catalog == forked.catalog,
    "processes": len(list(marks.iterdir())),
}))
"""


def load_both_ways(content: Path, marks: Path) -> dict:
    marks.mkdir()
    result = isolated(LOAD_BOTH_WAYS, str(content), str(marks))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_clean_catalog_loads_the_same_in_two_processes(tmp_path):
    content = write_realistic_catalog(tmp_path / "c", 40)
    answer = load_both_ways(content, tmp_path / "marks")
    assert answer["processes"] > 1  # each pass forks its own child
    assert answer["forked"] == answer["alone"] and answer["alone"]["catalog"].startswith("sha256:")
    assert answer["same_catalog"]  # every model, and the facts derived from them


def test_every_problem_is_found_in_the_same_order_in_two_processes(tmp_path):
    content = write_realistic_catalog(tmp_path / "c", 40)
    products = sorted((content / "products").glob("*.yaml"))
    first, second = products[2], products[-3]  # one in each process's half
    first.write_text(first.read_text(encoding="utf-8").replace("price: ", "price: ¥", 1), encoding="utf-8")
    second.write_text(second.read_text(encoding="utf-8") + "description: [unclosed\n", encoding="utf-8")
    nda = products[-5]
    nda.write_text(nda.read_text(encoding="utf-8").replace("title: ", "title: 名创优品同款 ", 1), encoding="utf-8")
    (content / "products" / "zz-copy.yaml").write_text(products[-8].read_text(encoding="utf-8"), encoding="utf-8")
    (content / "products" / "Bad_Name.yaml").write_text(products[5].read_text(encoding="utf-8"), encoding="utf-8")
    answer = load_both_ways(content, tmp_path / "marks")
    assert answer["processes"] > 1  # each pass forks its own child
    assert answer["forked"] == answer["alone"]
    found = "\n".join(text for text, _ in answer["alone"]["problems"])
    assert answer["alone"]["catalog"] is None
    for where in (first.name, second.name, nda.name, "zz-copy.yaml", "Bad_Name.yaml"):
        assert where in found, where
    assert "保密" in found or "NDA" in found
