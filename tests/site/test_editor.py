"""`plus build` ships the browser editor at /admin/, and builds without it when Decap is not installed."""

from __future__ import annotations

import json
import logging

import pytest
import yaml
from click.testing import CliRunner

from admin.build import build_site
from admin.cli import cli
from admin.curator.cms import BUNDLE, EXTENSION
from storefront.nda import NdaLeak
from tests.conftest import TODAY
from tests.language import stray_chinese, stray_english
from tests.site.conftest import NDA_ALIAS, parse


def fake_decap(root, script="/* decap */"):
    """A cms/ folder whose `npm ci` has run: the Decap bundle and our extension script."""
    dist = root / BUNDLE
    dist.mkdir(parents=True)
    (dist / "decap-cms.js").write_text(script, encoding="utf-8")
    (dist / "decap-cms.js.map").write_text("{}", encoding="utf-8")
    (root / EXTENSION).write_text("/* plus */", encoding="utf-8")
    return root


def test_build_writes_the_editor_with_the_catalogs_choices(shop, tmp_path):
    report = build_site(shop.root, tmp_path / "site", today=TODAY, cms_dir=fake_decap(tmp_path / "cms"))
    admin = tmp_path / "site" / "admin"
    assert {"index.html", "config.yml", "decap-cms.js", EXTENSION} <= {p.name for p in admin.iterdir()}
    assert not (admin / "decap-cms.js.map").exists()
    config = yaml.safe_load((admin / "config.yml").read_text(encoding="utf-8"))
    products = next(c for c in config["collections"] if c["name"] == "products")
    category = next(f for f in products["fields"] if f["name"] == "category")
    assert category["options"] == ["food", "home"]
    scripts = [e.attrs["src"] for e in parse(admin / "index.html").find("script")]
    assert scripts == ["decap-cms.js", EXTENSION]  # the editor's own files, nothing from a CDN
    assert report.warnings == []


def test_the_editor_is_not_in_the_search_index(shop, tmp_path):
    site = tmp_path / "site"
    build_site(shop.root, site, today=TODAY, cms_dir=fake_decap(tmp_path / "cms"))
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert (site / "admin/index.html").is_file()
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == 5


def test_without_the_decap_bundle_the_site_builds_without_admin_and_says_why(shop, tmp_path):
    empty = tmp_path / "cms"
    empty.mkdir()
    report = build_site(shop.root, tmp_path / "site", today=TODAY, cms_dir=empty)
    assert (tmp_path / "site/index.html").is_file() and not (tmp_path / "site/admin").exists()
    assert len(report.warnings) == 1 and "npm ci" in report.warnings[0]


def test_cli_warns_when_the_editor_is_left_out(shop, tmp_path, monkeypatch):
    empty = tmp_path / "cms"
    empty.mkdir()
    monkeypatch.setattr("admin.curator.cms.CMS_DIR", empty)
    build = ["build", "--content", str(shop.root), "--output", str(tmp_path / "site"), "--today", "2026-11-25"]
    result = CliRunner().invoke(cli, build)
    assert result.exit_code == 0, result.output
    assert "提醒：生成的网站不带网页编辑器（/admin/）：网页编辑器的文件没有随安装包安装" in result.output
    ours = [line for line in result.output.splitlines() if not line.startswith(str(shop.root))]  # (not the content's warnings)
    assert len(ours) == 2 and not stray_english("\n".join(ours)), result.output
    result = CliRunner().invoke(cli, ["--lang", "en", *build])
    assert result.exit_code == 0, result.output
    assert "warning: built without the browser editor (/admin/): the browser editor's files are not installed" in result.output
    ours = [line for line in result.output.splitlines() if not line.startswith(str(shop.root))]
    assert len(ours) == 2 and not stray_chinese("\n".join(ours)), result.output


def test_the_nda_scan_covers_the_editor(shop, tmp_path):
    cms = fake_decap(tmp_path / "cms", script=f"var brand = '{NDA_ALIAS}';")
    with pytest.raises(NdaLeak) as caught:
        build_site(shop.root, tmp_path / "site", today=TODAY, cms_dir=cms)
    assert [leak.path.name for leak in caught.value.leaks] == ["decap-cms.js"]
    assert not (tmp_path / "site").exists()


def test_a_published_editor_links_to_the_live_site(shop, tmp_path):
    from tests.site.conftest import REPO

    build_site(shop.root, tmp_path / "site", today=TODAY, cms_dir=fake_decap(tmp_path / "cms"), settings_file=REPO / "publishconf.py")
    config = yaml.safe_load((tmp_path / "site/admin/config.yml").read_text(encoding="utf-8"))
    assert config["site_url"] == "https://plus.example.cn"


@pytest.mark.parametrize(("site_url", "warned"), [(None, False), ("https://shop.example.cn", True)])
def test_an_unknown_github_repository_is_warned_of_only_when_publishing(tmp_path, monkeypatch, caplog, site_url, warned):
    from admin.curator.cms import write_admin

    monkeypatch.delenv("PLUS_CMS_REPO", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.chdir(tmp_path)  # not a git repository: no origin to read the repository from
    with caplog.at_level(logging.DEBUG, logger="admin.curator.cms"):
        write_admin(tmp_path / "site", cms_dir=fake_decap(tmp_path / "cms"), site_url=site_url)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert bool([w for w in warnings if "PLUS_CMS_REPO" in w]) is warned, warnings
