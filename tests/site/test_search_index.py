"""The search index is made shard by shard while the pages render: each shard's records written by a
short-lived forked child, indexed by Pagefind once it has indexed the shard before, whose index is
checked meanwhile."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import storefront.search
from catalog import require_catalog
from storefront.nda import NdaGuard
from storefront.search import NICE, SearchIndex, check_index, shard_bundles
from storefront.views import Store
from tests.conftest import TODAY
from tests.site.test_parallel import isolated


def index_for(shop, site, size: int = 5000) -> SearchIndex:
    store = Store(require_catalog(shop.root, today=TODAY))
    return SearchIndex(site, store, NdaGuard({}), siteurl="", language="zh-cn", size=size)


def pump_until(index: SearchIndex, condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # as between pages
        index.pump()
        time.sleep(0.002)
    assert condition()


def running_pagefind(index: SearchIndex) -> int:
    """The process of the first Pagefind `index` starts, once it is Pagefind (it starts as `nice`)."""
    pump_until(index, lambda: index.pagefind is not None)
    pid = index.pagefind._process.pid
    deadline = time.monotonic() + 10
    while "pagefind" not in Path(f"/proc/{pid}/comm").read_text() and time.monotonic() < deadline:
        time.sleep(0.001)  # (the name stays when it has ended: a zombie until it is waited for)
    return pid


def test_the_next_shard_goes_to_pagefind_once_the_one_before_is_indexed(shop, tmp_path, pagefind_left):
    index = index_for(shop, tmp_path / "site", size=2)
    pagefind = running_pagefind(index)
    os.kill(pagefind, signal.SIGSTOP)  # the first shard is never indexed now
    try:
        pump_until(index, lambda: index.written is not None)  # the next shard's records are written meanwhile
        for _ in range(20):
            index.pump()
            time.sleep(0.005)
        assert index.indexed == 0 and pagefind_left() == [pagefind] and index.maker is None
    finally:
        os.kill(pagefind, signal.SIGCONT)
    index.finish()
    assert index.indexed == 3 and index.pagefind is None and not index.leaks
    for bundle, pages in zip(shard_bundles(tmp_path / "site", 5, 2), (2, 2, 1), strict=True):
        check_index(bundle, pages)
    assert pagefind_left() == [] and not index.scratch.exists()


def test_pagefind_runs_below_the_pages_priority(shop, tmp_path):
    index = index_for(shop, tmp_path / "site", size=2)
    pagefind = running_pagefind(index)
    os.kill(pagefind, signal.SIGSTOP)
    try:
        niceness = int(Path(f"/proc/{pagefind}/stat").read_text().rsplit(")", 1)[1].split()[16])
    finally:
        os.kill(pagefind, signal.SIGCONT)
    index.finish()
    assert niceness == min(19, os.nice(0) + NICE)


def test_a_shards_index_is_checked_while_pagefind_indexes_the_next(shop, tmp_path, monkeypatch):
    index = index_for(shop, tmp_path / "site", size=2)
    indexing = []

    def check(bundle, pages):
        indexing.append(index.pagefind.bundle.name if index.pagefind is not None else None)
        check_index(bundle, pages)

    monkeypatch.setattr(storefront.search, "check_index", check)
    index.finish()
    assert indexing == ["shard-2", "shard-3", None]  # (the last one with nothing after it)


MAKERS = """
import datetime as dt
import time

import pytest

import storefront.search
from catalog import require_catalog
from storefront.nda import NdaGuard
from storefront.parallel import Background
from storefront.search import SearchIndex
from storefront.views import Store
store = Store(require_catalog(Path(sys.argv[1]), today=dt.date.fromisoformat(sys.argv[2])))
index = SearchIndex(Path(sys.argv[3]), store, NdaGuard({}), siteurl="", language="zh-cn", size=2)
makers = []
start = Background.start
def noted(self):  # every child, also one that answered before the next pump looked
    started = start(self)
    makers.append(self._pid)
    return started
Background.start = noted
if sys.argv[4] == "stop-start":  # a Ctrl-C raised as the child's start returns

    def stopped_as_started(self):
        noted(self)
        raise KeyboardInterrupt

    Background.start = stopped_as_started
if sys.argv[4] == "stop-wait":  # a Ctrl-C raised while the child's records are awaited

    def stopped_waiting(self):
        raise KeyboardInterrupt

    Background.result = stopped_waiting
if sys.argv[4] == "cancel":  # Pagefind is never seen ended: the cancel comes while it indexes a shard
    storefront.search.Pagefind.ended = lambda self: False  # (a loaded machine indexed a shard between two pumps)
deadline = time.monotonic() + 60
while not index.done and time.monotonic() < deadline:  # as between pages
    try:
        index.pump(wait=sys.argv[4].startswith("stop"))
    except KeyboardInterrupt:  # (as the build does on a stop)
        index.cancel()
        break
    if sys.argv[4] == "cancel" and index.maker is not None and index.pagefind is not None:
        index.cancel()
        break
    time.sleep(0.002)
if sys.argv[4] == "all":
    index.finish()  # (as the build does after the last page)
def parent(proc):
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
    except OSError:  # (a process of another test that ended meanwhile)
        return None
children = [p.name for p in Path("/proc").glob("[0-9]*") if parent(p) == str(os.getpid())]
print(json.dumps({"makers": makers, "me": os.getpid(), "done": index.done, "children": children, "scratch": index.scratch.exists()}))
"""


def run_makers(shop, site, mode: str) -> dict:
    """Pump a 3-shard index in a fresh interpreter (it forks only without threads, which a test
    process may have): the record-making children it started, and whether it finished."""
    result = isolated(MAKERS, str(shop.root), TODAY.isoformat(), str(site), mode)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_each_shards_records_are_made_by_a_child_of_its_own(shop, tmp_path):
    report = run_makers(shop, tmp_path / "site", "all")
    makers = report["makers"]
    assert report["done"] and len(set(makers)) == 3 and report["me"] not in makers and 0 not in makers  # (0: made here)
    assert report["children"] == [] and not report["scratch"]
    for bundle, pages in zip(shard_bundles(tmp_path / "site", 5, 2), (2, 2, 1), strict=True):
        check_index(bundle, pages)


def test_records_are_written_to_memory_only_where_there_is_room_for_them(tmp_path, monkeypatch):
    monkeypatch.setattr(storefront.search, "SCRATCH", tmp_path)
    monkeypatch.setattr(storefront.search, "SCRATCH_ROOM", 1)
    assert storefront.search.scratch_folder() == str(tmp_path)
    monkeypatch.setattr(storefront.search, "SCRATCH_ROOM", 1 << 60)  # (Docker's /dev/shm holds 64 MB)
    assert storefront.search.scratch_folder() is None
    monkeypatch.setattr(storefront.search, "SCRATCH", tmp_path / "none")
    assert storefront.search.scratch_folder() is None


def test_a_killed_builds_records_are_removed_by_the_next_one(tmp_path, monkeypatch):
    monkeypatch.setattr(storefront.search, "SCRATCH", tmp_path)
    monkeypatch.setattr(storefront.search, "SCRATCH_ROOM", 1)
    dead = subprocess.Popen(["true"])  # a build that has ended without removing its folder
    dead.wait()
    killed, running = tmp_path / f"plus-search-{dead.pid}-x1", tmp_path / f"plus-search-{os.getpid()}-x2"
    other, plain = tmp_path / "plus-search-of-someone", tmp_path / "plus-search-x3"
    for folder in (killed, running, other, plain):
        (folder / "1").mkdir(parents=True)
    made = storefront.search.new_scratch()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, other.name, plain.name, made.name])
    assert made.name.startswith(f"plus-search-{os.getpid()}-")


def test_a_killed_builds_records_are_removed_where_it_kept_them_even_when_this_build_keeps_them_elsewhere(tmp_path, monkeypatch):
    memory, temporary = tmp_path / "shm", tmp_path / "tmp"
    memory.mkdir()
    temporary.mkdir()
    monkeypatch.setattr(storefront.search, "SCRATCH", memory)
    monkeypatch.setattr(storefront.search, "SCRATCH_ROOM", 1 << 60)  # too little room left there now
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    dead = subprocess.Popen(["true"])
    dead.wait()
    for place in (memory, temporary):
        (place / f"plus-search-{dead.pid}-x1" / "1").mkdir(parents=True)
    made = storefront.search.new_scratch()
    assert list(memory.iterdir()) == [] and list(temporary.iterdir()) == [made]


def test_a_pagefind_that_cannot_be_run_says_so_in_chinese(shop, tmp_path, monkeypatch):
    from storefront.search import SearchIndexError

    monkeypatch.setattr(storefront.search, "executable", lambda: tmp_path / "no-such-pagefind")
    index = index_for(shop, tmp_path / "site")
    with pytest.raises(SearchIndexError, match="^不能运行 Pagefind（.*重新安装 plus-store 的依赖"):
        index.finish()
    assert not index.scratch.exists()


def test_a_catalog_without_products_still_gets_the_index_the_search_page_loads(shop, tmp_path, monkeypatch):
    for path in (shop.root / "products").glob("*.yaml"):
        path.unlink()
    where = tmp_path / "cwd"
    where.mkdir()
    monkeypatch.chdir(where)
    index = index_for(shop, tmp_path / "site")
    index.pump()
    index.finish()
    check_index(tmp_path / "site" / "pagefind", 0)
    assert list(where.iterdir()) == []  # (nothing written where it ran)


def test_a_cancelled_index_leaves_no_child_or_pagefind_running(shop, tmp_path, pagefind_left):
    report = run_makers(shop, tmp_path / "site", "cancel")
    assert not report["done"] and report["makers"]  # cancelled while a child made records and Pagefind indexed
    assert report["children"] == []  # neither the child nor Pagefind is left, not even unreaped
    assert pagefind_left() == [] and not report["scratch"]


@pytest.mark.parametrize("mode", ["stop-start", "stop-wait"])
def test_a_stop_as_a_child_starts_or_is_awaited_leaves_no_child(shop, tmp_path, mode, pagefind_left):
    report = run_makers(shop, tmp_path / "site", mode)
    assert report["makers"] and not report["done"]
    assert report["children"] == [] and not report["scratch"]  # the child was still known, and stopped
    assert pagefind_left() == []


def test_records_that_cannot_be_made_fail_the_build_and_keep_the_old_site(shop, tmp_path, monkeypatch, pagefind_left):
    from admin.build import build_site
    from storefront.search import SearchIndexError

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the old site", encoding="utf-8")

    def broken(view, groups, **kwargs):
        raise ValueError(f"no record for {view.id}")

    monkeypatch.setattr(storefront.search, "search_document", broken)
    with pytest.raises(SearchIndexError, match="search records 1: ValueError: no record for"):
        build_site(shop.root, site, today=TODAY)
    assert [p.name for p in tmp_path.iterdir() if p.name != "content"] == ["site"]
    assert (site / "index.html").read_text(encoding="utf-8") == "the old site"
    assert pagefind_left() == []
