"""stripe_standin/README.md lists exactly what is supported: every route and every setting is in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stripe_standin import create_app
from stripe_standin.api import RETRIEVABLE
from stripe_standin.app import DEFAULTS

README = (Path(__file__).resolve().parents[2] / "stripe_standin" / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def app():
    application = create_app({"START_THREADS": False})
    yield application
    application.extensions["stripe_standin"].stop()


def test_every_route_is_documented(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in ("/v1/<collection>", "/v1/<collection>/<object_id>"):
            continue
        path = re.sub(r"<[^>]+>", "{id}", rule.rule).rstrip("/")
        stem = path.removesuffix("/{id}") if path.endswith("/{id}") else path
        assert stem in README, f"{rule.rule} is not in stripe_standin/README.md"


def test_every_plain_collection_is_documented():
    for collection in RETRIEVABLE:
        assert f"/v1/{collection}" in README


def test_every_setting_is_documented():
    for key in DEFAULTS:
        assert f"`{key}`" in README, key
