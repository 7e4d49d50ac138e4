"""`plus cms-serve` over HTTP: Decap's local-backend protocol, the local config, local origins only."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
import yaml

from admin.cli import cli
from admin.curator.cms import BUNDLE
from admin.curator.cms_serve import local_config, make_server
from admin.curator.cms_store import ContentStore
from tests.conftest import POLL


@pytest.fixture
def backend(seed_copy, today):
    server = make_server(ContentStore(seed_copy, today=today), port=0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True).start()
    yield seed_copy, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def post(base: str, action: str, params: dict | None = None, origin: str | None = None):
    body = json.dumps({"action": action, "params": params or {}}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1", data=body, headers={"Content-Type": "application/json", **({"Origin": origin} if origin else {})}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read()), error.headers


def test_product_entries_carry_their_file_name_as_id(backend):
    content, base = backend
    status, entries, _ = post(
        base, "entriesByFolder", {"branch": "main", "folder": f"{content.name}/products", "extension": "yaml", "depth": 1}
    )
    assert status == 200
    assert len(entries) == len(list((content / "products").glob("*.yaml")))
    first = entries[0]
    assert yaml.safe_load(first["data"])["id"] == first["file"]["path"].rsplit("/", 1)[1].removesuffix(".yaml")


def test_a_refusal_is_a_422_with_the_chinese_reason(backend):
    content, base = backend
    raw = "id: Bad_Id\ntitle: x\n"
    params = {
        "branch": "main",
        "dataFiles": [{"path": f"{content.name}/products/x.yaml", "slug": "x", "raw": raw}],
        "assets": [],
        "options": {"newEntry": True},
    }
    status, answer, _ = post(base, "persistEntry", params)
    assert status == 422 and "不合规" in answer["error"]
    assert not (content / "products" / "x.yaml").exists()


def test_only_local_pages_may_call_it_from_another_origin(backend):
    _, base = backend
    assert post(base, "info", origin="http://localhost:8000")[2]["Access-Control-Allow-Origin"] == "http://localhost:8000"
    assert post(base, "info", origin="https://evil.example")[2].get("Access-Control-Allow-Origin") is None


def test_the_local_config_asks_for_the_id_and_edits_every_index_file():
    config = local_config("content", "http://127.0.0.1:8081/api/v1")
    products, factories, indexes = config["collections"]
    for collection in (products, factories):
        assert collection["create"] is True and collection["fields"][0]["name"] == "id"
    assert [f["name"] for f in indexes["files"]] == ["categories", "retailers", "belts", "settings"]
    assert "publish_mode" not in config


def test_the_editor_page_and_config_are_served(backend):
    _, base = backend
    with urllib.request.urlopen(f"{base}/admin/config.yml") as response:
        config = yaml.safe_load(response.read())
    assert config["local_backend"]["url"].endswith("/api/v1")
    with urllib.request.urlopen(f"{base}/admin/") as response:
        assert "config.yml" in response.read().decode()


def test_cms_serve_needs_a_content_folder(runner, tmp_path):
    result = runner.invoke(cli, ["cms-serve", "--content", str(tmp_path / "missing")])
    assert result.exit_code != 0 and "missing 不是内容文件夹" in result.output
    result = runner.invoke(cli, ["--lang", "en", "cms-serve", "--content", str(tmp_path / "missing")])
    assert result.exit_code != 0 and "no content folder" in result.output


def test_cms_serve_says_where_the_editor_is_in_the_curators_language(runner, content, tmp_path, monkeypatch):
    bundle = tmp_path / "cms" / BUNDLE / "decap-cms.js"
    bundle.parent.mkdir(parents=True)
    bundle.write_text("", encoding="utf-8")
    monkeypatch.setattr("admin.curator.cms.CMS_DIR", tmp_path / "cms")

    class Stopped:  # stopped (Ctrl+C) as soon as it serves
        server_address = ("127.0.0.1", 8081)

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            pass

    monkeypatch.setattr("admin.curator.cms_serve.make_server", lambda *_args, **_kwargs: Stopped())
    said = runner.invoke(cli, ["cms-serve", "--content", str(content.root)]).output
    assert said == "网页编辑器：http://127.0.0.1:8081/admin/（按 Ctrl+C 停止）\n"
    said = runner.invoke(cli, ["--lang", "en", "cms-serve", "--content", str(content.root)]).output
    assert said == "browser editor: http://127.0.0.1:8081/admin/ (Ctrl+C stops)\n"


def test_nothing_inside_an_optional_object_is_required_in_the_form():
    products = local_config("content", "http://127.0.0.1:8081/api/v1")["collections"][0]
    compare = next(f for f in products["fields"] if f["name"] == "compare")
    evidence = next(f for f in compare["fields"] if f["name"] == "evidence")  # a price proof may be added later
    assert evidence["required"] is False
    assert all(field["required"] is False for field in evidence["fields"])
    unit = next(f for f in compare["fields"] if f["name"] == "unit")  # the amount never may
    assert "required" not in unit or unit["required"] is not False
    verification = next(f for f in local_config("content", "x")["collections"][1]["fields"] if f["name"] == "verification")
    assert "required" not in next(f for f in verification["fields"] if f["name"] == "audited_on")


def test_requests_addressed_to_another_host_name_are_refused(backend):
    _, base = backend
    request = urllib.request.Request(f"{base}/admin/config.yml", headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    refused.value.close()
    assert refused.value.code == 421
