"""Settings: defaults, then the environment, then a test's mapping. Nothing is read at import time."""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many

from catalog.messages import say

log = logging.getLogger("plus.checkout.config")

ENV_KEYS = (
    "PLUS_ENV",
    "PLUS_INSTANCE",
    "SECRET_KEY",
    "DATABASE_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "PLUS_ADMIN_TOKEN",
    "PUBLIC_URL",
    "PLUS_CONTENT",
    "PLUS_MEMBERSHIP_PRICE",
    "PLUS_TODAY",
    "PLUS_SITE_DIR",
    "PLUS_PAYMENT_METHODS",
    "PLUS_CHECKOUT_TTL_MINUTES",
    "PLUS_CART_PATH",
    "PLUS_TRUSTED_PROXIES",
    "RATELIMIT_STORAGE_URI",
    "PLUS_RATE_CHECKOUT",
    "PLUS_RATE_LOGIN",
    "PLUS_RATE_SIGNUP",
    "PLUS_RATE_RESET",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "MAIL_STARTTLS",
    "PLUS_DB_WRITE_TIMEOUT",
    "PLUS_DB_POOL_SIZE",
    "PLUS_STRIPE_RATE",
    "PLUS_STRIPE_WORKERS",
    "PLUS_CHECKOUT_QUEUE",
    "PLUS_CHECKOUT_WAIT",
    "PLUS_QUEUE_HOLD_SECONDS",
)
"""Every environment variable the checkout reads (documented in checkout/README.md)."""

REQUIRED_IN_PRODUCTION = {
    "STRIPE_SECRET_KEY": "Stripe 密钥（sk_live_…），否则订单不会真正收款",
    "STRIPE_WEBHOOK_SECRET": "Stripe Webhook 签名密钥（whsec_…），否则无法确认付款",
    "SECRET_KEY": "会话签名密钥（一长串随机字符，所有实例相同），否则登录会随机器变化",
    "MAIL_SERVER": "发信服务器（SMTP），否则重置密码等邮件无法发出",
    "DATABASE_URL": "数据库地址（明确设置，例如 postgresql://…），否则会使用本机的临时 SQLite 文件",
}
"""What a production start refuses to run without, and why (zh-CN, shown to the operator)."""


class ConfigError(ValueError):
    """Settings a production start cannot run with; the message names every missing variable."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        lines = [f"  - {key}：{REQUIRED_IN_PRODUCTION[key]}" for key in missing]
        super().__init__("生产环境（PLUS_ENV=production 或 PUBLIC_URL 为 https://）缺少以下设置，拒绝启动：\n" + "\n".join(lines))


RATE_KEYS = ("PLUS_RATE_CHECKOUT", "PLUS_RATE_LOGIN", "PLUS_RATE_SIGNUP", "PLUS_RATE_RESET")
"""The per-address limits (the `limits` package's notation, several separated by `;`)."""


def defaults(instance_path: str) -> dict[str, object]:
    """The settings a fresh checkout runs with: a local SQLite file, the seed content, test mode."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'plus.db'}",
        "STRIPE_SECRET_KEY": None,
        "STRIPE_WEBHOOK_SECRET": None,
        "STRIPE_API_BASE": None,
        "PLUS_ADMIN_TOKEN": None,
        "PUBLIC_URL": "http://127.0.0.1:8000",
        "PLUS_CONTENT": "content",
        "PLUS_MEMBERSHIP_PRICE": Decimal("258.00"),
        "PLUS_TODAY": None,
        "PLUS_SITE_DIR": "output",
        "PLUS_PAYMENT_METHODS": "card,alipay,wechat_pay",
        "PLUS_CHECKOUT_TTL_MINUTES": 30,
        "PLUS_CART_PATH": "/cart/",
        "PLUS_CATALOG_RELOAD_SECONDS": 2.0,
        "PLUS_WEBHOOK_TOLERANCE": 300,
        "PLUS_TRUSTED_PROXIES": 0,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PLUS_RATE_CHECKOUT": "30 per minute;300 per hour",
        "PLUS_RATE_LOGIN": "10 per minute;50 per hour",
        "PLUS_RATE_SIGNUP": "5 per minute;30 per hour",
        "PLUS_RATE_RESET": "5 per minute;20 per hour",
        "MAIL_SERVER": None,
        "MAIL_PORT": 587,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_FROM": "PLUS会员店 <no-reply@plus.invalid>",
        "MAIL_STARTTLS": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "plus_session",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "PLUS_DB_WRITE_TIMEOUT": 5.0,
        "PLUS_DB_POOL_SIZE": 8,
        "PLUS_STRIPE_RATE": 20.0,
        "PLUS_STRIPE_WORKERS": 16,
        "PLUS_CHECKOUT_QUEUE": 2000,
        "PLUS_CHECKOUT_WAIT": 0.5,
        "PLUS_QUEUE_HOLD_SECONDS": 30,
        # An argon2 PasswordHasher replacing accounts.HASHER (OWASP's parameters). Not read from the environment:
        # only a caller of create_app can set it, and a production app refuses to start with it. The tests set a
        # cheap one (tests/checkout/helpers.py: hashing test passwords at OWASP's cost took seconds of each run).
        "PLUS_PASSWORD_HASHER": None,
    }


def from_environment(environ: os._Environ | dict[str, str] | None = None) -> dict[str, object]:
    """The settings the environment sets (only the keys present)."""
    environ = os.environ if environ is None else environ
    return {key: environ[key] for key in ENV_KEYS if environ.get(key) not in (None, "")}


def is_production(config: dict) -> bool:
    """Production when PLUS_ENV says so, or (PLUS_ENV unset) when the store is served over https://."""
    explicit = str(config.get("PLUS_ENV") or "").strip().lower()
    if explicit:
        if explicit not in ("production", "development"):
            raise ValueError(f"PLUS_ENV must be production or development, not {config['PLUS_ENV']!r}")
        if explicit == "development" and urlsplit(str(config["PUBLIC_URL"])).scheme == "https":
            log.warning(
                say(
                    "PLUS_ENV=development 而 PUBLIC_URL 是 https://：生产检查已关闭（用 Stripe 替身，邮件只记在日志里）",
                    "PLUS_ENV=development on an https:// PUBLIC_URL: the production checks are OFF (stand-in Stripe, logged mail)",
                )
            )
        return explicit == "production"
    return urlsplit(str(config["PUBLIC_URL"])).scheme == "https"


def check_production(config: dict, explicit: set[str]) -> None:
    """Refuse a production configuration that would fail open (stand-in Stripe, logged mails, a per-machine key)."""
    missing = [key for key in REQUIRED_IN_PRODUCTION if not config.get(key) or (key == "DATABASE_URL" and key not in explicit)]
    if missing:
        raise ConfigError(missing)


def finish(config: dict, instance_path: str, explicit: set[str] | None = None) -> None:
    """Coerce types, derive production flags, refuse an incomplete production setup, make sure a secret key exists.

    `explicit` names the settings the environment or the caller set (not defaults); None skips the
    production check (a configuration assembled by hand, e.g. in tests of this function).
    """
    config["PLUS_MEMBERSHIP_PRICE"] = _money(config["PLUS_MEMBERSHIP_PRICE"])
    for key in ("PLUS_CHECKOUT_TTL_MINUTES", "MAIL_PORT", "PLUS_WEBHOOK_TOLERANCE"):
        config[key] = int(config[key])
    config["PLUS_CHECKOUT_TTL_MINUTES"] = max(30, min(24 * 60, config["PLUS_CHECKOUT_TTL_MINUTES"]))
    config["PLUS_TRUSTED_PROXIES"] = _proxies(config["PLUS_TRUSTED_PROXIES"])
    for key in RATE_KEYS:
        _check_rate(key, config[key])
    if isinstance(config["MAIL_STARTTLS"], str):
        config["MAIL_STARTTLS"] = config["MAIL_STARTTLS"].lower() not in ("0", "false", "no")
    config["PUBLIC_URL"] = str(config["PUBLIC_URL"]).rstrip("/")
    config["PLUS_DB_WRITE_TIMEOUT"] = _seconds("PLUS_DB_WRITE_TIMEOUT", config["PLUS_DB_WRITE_TIMEOUT"])
    config["PLUS_DB_POOL_SIZE"] = max(1, int(config["PLUS_DB_POOL_SIZE"]))
    config["PLUS_STRIPE_RATE"] = _positive("PLUS_STRIPE_RATE", config["PLUS_STRIPE_RATE"], 1000)
    config["PLUS_STRIPE_WORKERS"] = int(_positive("PLUS_STRIPE_WORKERS", config["PLUS_STRIPE_WORKERS"], 256))
    config["PLUS_CHECKOUT_QUEUE"] = int(_positive("PLUS_CHECKOUT_QUEUE", config["PLUS_CHECKOUT_QUEUE"], 1_000_000))
    config["PLUS_CHECKOUT_WAIT"] = min(60.0, max(0.0, float(config["PLUS_CHECKOUT_WAIT"])))
    config["PLUS_QUEUE_HOLD_SECONDS"] = min(600.0, max(5.0, float(config["PLUS_QUEUE_HOLD_SECONDS"])))
    config.setdefault("PLUS_PRODUCTION", is_production(config))
    config.setdefault("SESSION_COOKIE_SECURE", urlsplit(config["PUBLIC_URL"]).scheme == "https" or config["PLUS_PRODUCTION"])
    if config["PLUS_PRODUCTION"] and explicit is not None:
        check_production(config, explicit)
    if config["PLUS_PRODUCTION"] and config.get("PLUS_PASSWORD_HASHER") is not None:
        raise ValueError("PLUS_PASSWORD_HASHER is for tests only: production hashes passwords at OWASP's parameters")
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(Path(instance_path))


SERVED_FILE = "serve.json"
"""In the instance folder: what a local `plus serve` started, for the `plus` commands run beside it."""

SERVED_KEYS = ("PUBLIC_URL", "STRIPE_API_BASE", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
"""What that file may set; the Stripe keys only as a set (the stand-in's address with its test key)."""


def record_served(instance_path: str, settings: dict) -> Path:
    """Write the served settings (SERVED_KEYS) with this process's id, atomically, readable by its user only."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    record = {key: settings[key] for key in SERVED_KEYS if settings.get(key)} | {"pid": os.getpid()}
    fd, temporary = tempfile.mkstemp(dir=instance, prefix=".serve-", suffix=".json")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle)
        os.replace(temporary, instance / SERVED_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return instance / SERVED_FILE


def forget_served(instance_path: str) -> None:
    """Remove the file, if this process wrote it (a gunicorn worker ending, or a second serve, leaves it alone)."""
    path = Path(instance_path) / SERVED_FILE
    if _served_record(path).get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def served_settings(config: dict, instance_path: str, environ: os._Environ | dict[str, str] | None = None) -> dict[str, str]:
    """The settings of the `plus serve` running on this instance folder that the environment leaves unset.

    Never in production (the file is not even opened): there a missing key must stop the command.
    The Stripe keys come as a set, and only when neither STRIPE_SECRET_KEY nor STRIPE_API_BASE is set.
    """
    if config.get("PLUS_PRODUCTION"):
        return {}
    record = _served_record(Path(instance_path) / SERVED_FILE)
    if not _alive(record.get("pid")):  # none running, or one killed without cleaning up
        return {}
    explicit = from_environment(environ)
    stripe_set = not ({"STRIPE_SECRET_KEY", "STRIPE_API_BASE"} & explicit.keys())
    return {
        key: str(record[key])
        for key in SERVED_KEYS
        if record.get(key) and key not in explicit and (stripe_set or not key.startswith("STRIPE_"))
    }


def _served_record(path: Path) -> dict:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def payment_methods(config: dict) -> list[str]:
    """The Stripe payment method types offered for one-time payments."""
    return [m.strip() for m in str(config["PLUS_PAYMENT_METHODS"]).split(",") if m.strip()]


def _seconds(key: str, value: object) -> float:
    try:
        seconds = float(str(value))
    except ValueError as exc:
        raise ValueError(f"{key} must be a number of seconds such as 5, not {value!r}") from exc
    if not 0 < seconds <= 300:
        raise ValueError(f"{key} must be between 0 and 300 seconds, not {value!r}")
    return seconds


def _positive(key: str, value: object, most: float) -> float:
    try:
        number = float(str(value))
    except ValueError as exc:
        raise ValueError(f"{key} must be a positive number, not {value!r}") from exc
    if not 0 < number <= most:
        raise ValueError(f"{key} must be above 0 and at most {most:g}, not {value!r}")
    return number


def _proxies(value: object) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"PLUS_TRUSTED_PROXIES must be the number of proxies in front of the app (0, 1, 2…), not {value!r}")
    return int(text)


def _check_rate(key: str, value: object) -> None:
    """Refuse a limit the `limits` package cannot parse now, rather than with a 500 at the first request."""
    try:
        parse_many(str(value))
    except ValueError as exc:
        raise ValueError(f"{key} must be limits such as '30 per minute;300 per hour', not {value!r}") from exc


def _money(value: object) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(f"PLUS_MEMBERSHIP_PRICE must be an amount in yuan such as 258.00, not {value!r}") from exc
    if amount <= 0:
        raise ValueError("PLUS_MEMBERSHIP_PRICE must be positive")
    return amount


def _instance_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so logins survive a restart without configuration."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
