"""Configuration comes from the environment when the app is created, never at import."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest

import checkout
from checkout import create_app
from checkout.config import ENV_KEYS


def test_environment_is_read_when_the_app_is_created_not_at_import(monkeypatch, tmp_path):
    monkeypatch.setenv("PLUS_MEMBERSHIP_PRICE", "199")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    importlib.reload(checkout)
    monkeypatch.setenv("PLUS_MEMBERSHIP_PRICE", "288.5")
    app = checkout.create_app()
    assert app.config["PLUS_MEMBERSHIP_PRICE"] == Decimal("288.50")
    assert app.config["DATABASE_URL"].endswith("a.db")


def test_defaults_are_a_local_sqlite_file_and_258_yuan(monkeypatch):
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["DATABASE_URL"] == f"sqlite:///{app.instance_path}/plus.db"
    assert app.config["PLUS_MEMBERSHIP_PRICE"] == Decimal("258.00")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["PLUS_PRODUCTION"] is False


def test_a_missing_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"PLUS_INSTANCE": str(tmp_path)})
    second = create_app({"PLUS_INSTANCE": str(tmp_path)})
    assert len(first.config["SECRET_KEY"]) == 64 and first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'plus.db'}"


@pytest.mark.parametrize("price", ["free", "-1", "0"])
def test_a_bad_membership_price_is_refused(price):
    with pytest.raises(ValueError, match="PLUS_MEMBERSHIP_PRICE"):
        create_app({"SECRET_KEY": "x", "PLUS_MEMBERSHIP_PRICE": price})


def test_every_environment_variable_is_documented():
    from pathlib import Path

    readme = (Path(checkout.__file__).parent / "README.md").read_text(encoding="utf-8")
    missing = [key for key in ENV_KEYS if f"`{key}`" not in readme]
    assert missing == []
