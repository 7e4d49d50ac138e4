"""`plus serve`: the static store and the checkout on one port; with no Stripe key, a local stand-in too.

One process (`plus serve`, threads) or several (`plus serve --workers N`: gunicorn in this process,
the stand-in and the migrations run once here in the parent, the app in each worker). Behind a
load balancer, run `plus serve --no-build --workers N` (or `gunicorn 'admin.serve:create_site()'`)
on each machine against one PostgreSQL: the stock-hold sweep and the migrations take a lock in the
database, so any number of processes can run them without stepping on each other.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from gunicorn.app.base import BaseApplication
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.urls import uri_to_iri

from catalog.messages import say
from checkout import create_app
from checkout.config import ConfigError, forget_served, record_served
from checkout.db import Database, get_database, upgrade
from checkout.operations import sweep_reservations
from checkout.outbox import Report, send_due
from checkout.stripe_api import StripeNotConfigured, get_stripe

from .stopping import stopped_by_signals

log = logging.getLogger("plus.admin.serve")

SWEEP_EVERY = 15.0  # a queued checkout left by its shopper is released within PLUS_QUEUE_HOLD_SECONDS + this
MAIL_EVERY = 3.0
WORKER_CLASSES = ("sync", "gthread")


@dataclass
class Site:
    """A ready-to-serve app and what to stop with it."""

    app: Flask
    stops: list[Callable[[], None]] = field(default_factory=list)
    standin: dict = field(default_factory=dict)  # the settings pointing at the stand-in this site started, if it did

    def stop(self) -> None:
        """Stop the background helpers (sweeper, stand-in)."""
        for stop in reversed(self.stops):
            stop()


def site_needs_build(content: Path, output: Path) -> bool:
    """True when the site was never built or a content file is newer than its home page."""
    index = output / "index.html"
    if not index.is_file():
        return True
    built = index.stat().st_mtime
    return any(path.stat().st_mtime > built for path in content.rglob("*") if path.is_file())


def build_site_if_needed(content: Path, output: Path, *, force: bool = False) -> None:
    """Build the static store with the storefront's build, when there is one and it is needed."""
    if not force and not site_needs_build(content, output):
        log.info(say("%s 里的网站已是最新，不用重新生成", "site in %s is up to date"), output)
        return
    try:
        from admin.build import build_site
    except ImportError:
        log.warning(
            say(
                "没有网站生成功能（storefront）：只提供结账服务，没有静态网站",
                "no storefront build available: serving the checkout without a static site",
            )
        )
        return
    log.info(say("正在用 %s 生成网站，写入 %s", "building the site from %s into %s"), content, output)
    build_site(content, output)


# -- locks shared by every process on one database ---------------------------------------------


@contextlib.contextmanager
def exclusive(database: Database, name: str, *, wait: bool) -> Iterator[bool]:
    """Hold the lock `name` against every process using this database; yields whether it is held.

    PostgreSQL: a session advisory lock (released if the holder dies). SQLite: an flock on a file
    beside the database (SQLite is one machine's file, so its processes are on that machine).
    """
    engine = database.engine
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(f"plus:{name}".encode())
        with engine.connect() as connection:
            if wait:
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            taken = wait or bool(connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
            connection.commit()
            try:
                yield taken
            finally:
                if taken:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    connection.commit()
        return
    path = engine.url.database
    if not path or path == ":memory:":  # a private in-memory database: nobody else can hold it
        yield True
        return
    with open(f"{path}.{name}.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            taken = True
        except BlockingIOError:
            taken = False
        try:
            yield taken
        finally:
            if taken:
                fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(database: Database) -> None:
    """Apply the migrations once, even when several workers or machines start together."""
    with exclusive(database, "migrate", wait=True):
        upgrade(database.engine)


def sweep_once(app: Flask) -> int | None:
    """Release expired stock holds, unless another process is sweeping right now (then None)."""
    try:
        client = get_stripe(app)
    except StripeNotConfigured:
        client = None
    database = get_database(app)
    with exclusive(database, "sweep", wait=False) as mine:
        if not mine:
            log.debug("sweep: another process is sweeping")
            return None
        with app.app_context():  # a sweep may record a late payment, whose mail is rendered with the app's templates
            return sweep_reservations(database, client)


def send_mails(app: Flask) -> Report:
    """Send the outbox's due mails: over SMTP (MAIL_SERVER), else into instance/mail/ as .eml files."""
    report = send_due(get_database(app), app.config, Path(app.instance_path) / "mail")
    if report.sent or report.retrying or report.failed or report.interrupted:
        log.info(
            say("邮件：已发 %d，稍后重试 %d，失败 %d，中断 %d", "mail: %d sent, %d to retry, %d failed, %d interrupted"),
            report.sent,
            report.retrying,
            report.failed,
            report.interrupted,
        )
    return report


def _every(name: str, every: float, work: Callable[[], object]) -> Callable[[], None]:
    """Run `work` every `every` seconds in a daemon thread; returns a stop function."""
    stopped = threading.Event()

    def loop() -> None:
        while not stopped.wait(every):
            try:
                work()
            except Exception:  # one failed run (Stripe, SMTP or the database down) must not end the loop; the next one retries
                log.exception(say("%s 这一轮失败了，下一轮会重试", "%s failed"), name)

    threading.Thread(target=loop, name=f"plus-{name}", daemon=True).start()
    return stopped.set


def _sweeper(app: Flask, every: float) -> Callable[[], None]:
    """Release expired reservations in the background; returns a stop function."""
    return _every("sweeper", every, lambda: sweep_once(app))


def _mailer(app: Flask, every: float = MAIL_EVERY) -> Callable[[], None]:
    """Send queued mails in the background (each process claims its own rows: none is sent twice)."""
    return _every("mailer", every, lambda: send_mails(app))


# -- the local Stripe stand-in -----------------------------------------------------------------


def _standin_settings(url: str, secret: str) -> dict:
    return {"STRIPE_SECRET_KEY": "sk_test_local_" + secrets.token_hex(8), "STRIPE_API_BASE": url, "STRIPE_WEBHOOK_SECRET": secret}


def _webhook_secret(configured: str | None) -> str:
    """The secret the stand-in signs with: the configured one (so nothing else has to change), else a new one."""
    if configured:
        log.info(
            say(
                "本地 Stripe 测试替身用已设置的 STRIPE_WEBHOOK_SECRET 给 webhook 签名",
                "the local Stripe stand-in signs webhooks with the configured STRIPE_WEBHOOK_SECRET",
            )
        )
        return configured
    return "whsec_local_" + secrets.token_hex(16)


def _refuse_in_production(config: dict) -> None:
    """The stand-in charges nothing: a production store must never run it (config.check_production says why)."""
    if config.get("PLUS_PRODUCTION"):
        raise ConfigError(["STRIPE_SECRET_KEY"])


def _standin_in_use() -> str:
    """The warning (a log format, %s: its URL) that the store pays at the local stand-in."""
    return say(
        "没有设置 STRIPE_SECRET_KEY：使用本地 Stripe 测试替身 %s（测试模式，不会真的扣款）",
        "no STRIPE_SECRET_KEY: using the local Stripe stand-in at %s (test mode, nothing is charged)",
    )


def start_standin(instance: Path, app_url: str, webhook_secret: str | None = None) -> tuple[dict, Callable[[], None]]:
    """Start the local Stripe stand-in in this process; returns the settings that point the app at it."""
    from stripe_standin import serve_in_thread

    secret = _webhook_secret(webhook_secret)
    instance.mkdir(parents=True, exist_ok=True)
    running = serve_in_thread(
        {"DATABASE": str(instance / "stripe-standin.sqlite3"), "WEBHOOK_URL": f"{app_url}/api/stripe/webhook", "WEBHOOK_SECRET": secret}
    )
    log.warning(_standin_in_use(), running.url)
    return _standin_settings(running.url, secret), running.stop


_STANDIN_CHILD = "import sys; from admin.serve import run_standin_child; run_standin_child(*sys.argv[1:])"


def start_standin_process(instance: Path, app_url: str, webhook_secret: str | None = None) -> tuple[dict, Callable[[], None]]:
    """Start the stand-in in a process of its own, one for all workers (it ends when this process does)."""
    secret = _webhook_secret(webhook_secret)
    instance.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", _STANDIN_CHILD, str(instance / "stripe-standin.sqlite3"), f"{app_url}/api/stripe/webhook", secret]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    url = (process.stdout.readline() if process.stdout else "").strip()
    if not url.startswith("http://"):
        process.kill()
        process.wait()
        raise RuntimeError(
            say("本地 Stripe 测试替身没有启动（原因见上面的日志）", "the local Stripe stand-in did not start (see the log above)")
        )
    log.warning(_standin_in_use(), url)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    return _standin_settings(url, secret), stop


def run_standin_child(database: str, webhook_url: str, secret: str) -> None:
    """The stand-in process of `plus serve --workers`: serve, announce the URL, end with the parent."""
    from stripe_standin import serve_in_thread

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parent = os.getppid()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())  # Ctrl-C reaches the whole group: the parent stops us
    running = serve_in_thread({"DATABASE": database, "WEBHOOK_URL": webhook_url, "WEBHOOK_SECRET": secret})
    sys.stdout.write(running.url + "\n")  # the parent reads this one line: the URL with the port the OS chose
    sys.stdout.flush()
    while not stopped.wait(0.5) and os.getppid() == parent:  # a parent killed with -9 must not leave us behind
        pass
    running.stop()


# -- the app as served -------------------------------------------------------------------------


def _site_settings(settings: dict | None) -> dict:
    settings = dict(settings or {})
    settings.setdefault("PLUS_SERVE_SITE", True)
    return settings


def create_site() -> Flask:
    """The app serving the static site, its database migrated (the factory gunicorn calls)."""
    return prepare_site().app


def prepare_site(settings: dict | None = None, *, sweep_every: float = SWEEP_EVERY) -> Site:
    """Create the app serving the site, migrate its database, start the stand-in when no key is set."""
    settings = _site_settings(settings)
    stops: list[Callable[[], None]] = []
    standin: dict = {}
    probe = create_app({**settings, "PLUS_SERVE_SITE": False})  # the configuration as the environment and settings make it
    if not probe.config.get("STRIPE_SECRET_KEY"):
        _refuse_in_production(probe.config)
        standin, stop = start_standin(Path(probe.instance_path), probe.config["PUBLIC_URL"], probe.config.get("STRIPE_WEBHOOK_SECRET"))
        settings.update(standin)
        stops.append(stop)
    get_database(probe).engine.dispose()
    app = create_app(settings)
    migrate(get_database(app))
    stops.append(_sweeper(app, sweep_every))
    stops.append(_mailer(app))
    return Site(settled(app), stops, standin)


def settled(app: Flask) -> Flask:
    """The app, its start-up objects (modules, catalog, templates) left out of the garbage collector's full passes.

    A full collection stops every thread of the process while it walks every object: with the
    start-up's hundreds of thousands of them, up to 150 ms at a time in a rush, every shopper's
    request standing still meanwhile. Frozen, a full pass walks only what was made since.
    """
    gc.collect()
    gc.freeze()
    return app


def announce(app: Flask, standin: dict) -> Callable[[], None]:
    """Tell the `plus` commands run beside this store where it is (instance/serve.json); returns what removes it.

    Only a store on its embedded defaults: its public URL and the stand-in it started (never a real
    key). Production writes nothing, and its commands never read the file (config.served_settings).
    """
    if app.config["PLUS_PRODUCTION"]:
        return lambda: None
    path = record_served(app.instance_path, {"PUBLIC_URL": app.config["PUBLIC_URL"], **standin})
    log.info(say("在另一个终端运行的 plus 命令会使用这个商店（%s）", "plus commands in another terminal use this store (%s)"), path)
    return lambda: forget_served(app.instance_path)


def _public_url(host: str, port: int, settings: dict) -> dict:
    settings = dict(settings or {})
    if "PUBLIC_URL" not in settings and not os.environ.get("PUBLIC_URL"):
        settings["PUBLIC_URL"] = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    return settings


class RedactTokens(logging.Filter):
    """Access log lines keep the path of a mailed link (reset, confirmation) but never its token (a log is not a mailbox)."""

    PATTERN = re.compile(r"(/auth/(?:reset|confirm)/)[^\s?\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record with any reset token replaced by an ellipsis."""
        message = record.getMessage()
        redacted = self.PATTERN.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class RequestLog(WSGIRequestHandler):
    """werkzeug's line per request, for a log that says when already (in Beijing time) and is often a
    file: `127.0.0.1 "GET /cart/ HTTP/1.1" 200 -`, without its second clock (in UTC) and without the
    terminal colours that a file kept as `\x1b[33m`."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line: who, the request, the status and size."""
        try:
            line = f"{self.command} {uri_to_iri(self.path)} {self.request_version}"
        except AttributeError:  # (no path when the request line was bad)
            line = self.requestline
        self.log("info", '"%s" %s %s', line.translate(self._control_char_table), code, size)

    def log(self, type: str, message: str, *args: object) -> None:
        """To the `werkzeug` logger, where the store's handler and `RedactTokens` are."""
        address = self.address_string().replace("%", "%%")  # (an IPv6 scope holds a %)
        getattr(logging.getLogger("werkzeug"), type)(f"{address} {message}", *args)


def serve(host: str, port: int, settings: dict | None = None, *, workers: int = 1, worker_class: str = "gthread", threads: int = 4) -> None:
    """Serve until interrupted: in this process (workers=1) or with gunicorn's worker processes."""
    settings = _public_url(host, port, settings or {})
    if workers > 1:
        serve_workers(host, port, settings, workers=workers, worker_class=worker_class, threads=threads)
        return
    site = prepare_site(settings)
    logging.getLogger("werkzeug").addFilter(RedactTokens())
    server = make_server(host, port, site.app, threaded=True, request_handler=RequestLog)
    try:
        with stopped_by_signals():  # (SIGTERM too: systemd, `kill`; the record of what is served goes with it)
            site.stops.append(announce(site.app, site.standin))
            log.info(say("PLUS 商店：%s（按 Ctrl+C 停止）", "PLUS Store at %s (Ctrl+C to stop)"), site.app.config["PUBLIC_URL"])
            with contextlib.suppress(KeyboardInterrupt):  # (werkzeug's own serve_forever returns on it)
                server.serve_forever()
        log.info(say("正在停止", "stopping"))
    finally:
        server.server_close()
        site.stop()


def _end_with_parent(arbiter, _worker) -> None:
    """gunicorn's post_fork hook: on Linux a worker gets SIGTERM the moment its arbiter dies (even by kill -9)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux: gunicorn's own parent check ends the worker, only later
    if os.getppid() != arbiter.pid:  # the arbiter died before the line above
        os.kill(os.getpid(), signal.SIGTERM)


def pool_size(worker_class: str, threads: int) -> int:
    """Database connections one worker process needs: one per request thread, the sweeper's, one spare."""
    return (threads if worker_class == "gthread" else 1) + 2


class _Gunicorn(BaseApplication):
    """gunicorn run from this process: its arbiter forks the workers, each calls `load` once."""

    def __init__(self, load: Callable[[], Flask], options: dict):
        self._load = load
        self._options = {
            "control_socket_disable": True,  # gunicorn's default socket is one per user: two stores on a machine would share it
            "graceful_timeout": 10,
            "errorlog": "-",
            "post_fork": _end_with_parent,
            **options,
        }
        super().__init__()

    def load_config(self) -> None:
        """gunicorn's settings from the options (no command line, no config file)."""
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """The app of one worker."""
        return self._load()


def serve_workers(
    host: str, port: int, settings: dict, *, workers: int, worker_class: str = "gthread", threads: int = 4, sweep_every: float = SWEEP_EVERY
) -> None:
    """Serve with `workers` gunicorn processes; the stand-in and the migrations run once, here."""
    if worker_class not in WORKER_CLASSES:
        raise ValueError(f"worker_class must be one of {', '.join(WORKER_CLASSES)}")
    settings = _site_settings(settings)
    if not os.environ.get("PLUS_DB_POOL_SIZE"):  # one connection per thread at a time, one for the sweeper, one spare
        settings.setdefault("PLUS_DB_POOL_SIZE", pool_size(worker_class, threads))
    stops: list[Callable[[], None]] = []
    standin: dict = {}
    probe = create_app({**settings, "PLUS_SERVE_SITE": False})  # (only read: it serves nothing)
    try:
        if not probe.config.get("STRIPE_SECRET_KEY"):
            _refuse_in_production(probe.config)
            standin, stop = start_standin_process(
                Path(probe.instance_path), probe.config["PUBLIC_URL"], probe.config.get("STRIPE_WEBHOOK_SECRET")
            )
            settings.update(standin)
            stops.append(stop)
        stops.append(announce(probe, standin))
        migrate(get_database(probe))
        get_database(probe).engine.dispose()  # no connection may cross the fork into the workers
        if str(probe.config["RATELIMIT_STORAGE_URI"]).startswith("memory://"):
            log.warning(
                say(
                    "RATELIMIT_STORAGE_URI 是 memory://：%d 个工作进程各自统计登录和发起结账的次数；要共用计数请用 redis://…",
                    "RATELIMIT_STORAGE_URI is memory://: each of the %d workers counts log-ins and checkout starts on its own; use redis://… to share them",
                ),
                workers,
            )

        def load() -> Flask:  # runs in each worker, after the fork
            app = create_app(settings)
            _sweeper(app, sweep_every)
            _mailer(app)
            return settled(app)

        options = {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": worker_class,
            "threads": threads if worker_class == "gthread" else 1,
        }
        log.info(
            say("PLUS 商店：%s，%d 个 %s 工作进程（按 Ctrl+C 停止）", "PLUS Store at %s with %d %s workers (Ctrl+C to stop)"),
            probe.config["PUBLIC_URL"],
            workers,
            worker_class,
        )
        _Gunicorn(load, options).run()
    finally:
        for stop in reversed(stops):
            stop()
