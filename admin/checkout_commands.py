"""`plus` commands for the checkout (joined to `plus` in admin/cli.py): serve, db, orders, members."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections.abc import Container, Iterable
from pathlib import Path
from typing import Any

import click

from catalog.messages import language, say
from catalog.money import price_label
from checkout.localtime import STORE_TIMEZONE, local_time
from checkout.status import OrderStatus, dispute_label, partly_refunded

from .bilingual import aligned, columns, command, group, option, shortened
from .git import content_revision
from .options import build_failed, content_option, left_as_it_was
from .stopping import STOPPED, raise_if_stopped, stopped_by_signals


@contextlib.contextmanager
def _app():
    """The checkout app as the environment configures it (DATABASE_URL, STRIPE_SECRET_KEY, …).

    Outside production, what the environment leaves unset comes from the `plus serve` running on the
    same instance folder (its public URL, its Stripe stand-in): mails link to it, refunds reach it.
    What the order services refuse inside (an unknown order, shipping a refunded one, …) ends the
    command here, said in the operator's language.
    """
    from checkout import create_app
    from checkout.app import close_app
    from checkout.config import ConfigError, served_settings
    from checkout.db import get_database
    from checkout.orders import OrderError

    try:
        app = create_app()
        if served := served_settings(app.config, app.instance_path):
            get_database(app).engine.dispose()
            app = create_app(served)
            click.echo(
                say(
                    "连接本机正在运行的商店（plus serve）：邮件链接和退款都用它的设置",
                    "using the running plus serve's settings: mail links and refunds go to it",
                ),
                err=True,
            )
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        with app.app_context():  # mails written by a command are rendered with the app's templates
            yield app
    except OrderError as exc:
        raise click.ClickException(say(exc.message, exc.english)) from None
    finally:
        close_app(app)


def no_stripe() -> str:
    """What a command that needs Stripe says when it has no key and no local store to borrow one from."""
    return say(
        "这个命令要连接 Stripe，但没有设置 STRIPE_SECRET_KEY，也没有正在运行的本地商店：\n"
        "  请在另一个终端运行 ./dev serve 或 plus serve（它带本地 Stripe 测试替身，命令会自动使用），或设置 STRIPE_SECRET_KEY。",
        "This command talks to Stripe, but STRIPE_SECRET_KEY is not set and no local store is running:\n"
        "  start ./dev serve or plus serve in another terminal (commands use its Stripe stand-in), or set STRIPE_SECRET_KEY.",
    )


def _stripe(app):
    from checkout.stripe_api import StripeNotConfigured, get_stripe

    try:
        return get_stripe(app)
    except StripeNotConfigured as exc:
        raise click.ClickException(no_stripe()) from exc


def _order_id(value: str) -> int:
    """An order number as typed (PLUS00000012 or 12), checked as the command line is read: a mistyped one
    is a usage error before the command connects to anything."""
    digits = value.upper().removeprefix("PLUS")
    if not digits.isdigit():
        raise click.UsageError(
            say(f"{value} 不是订单号：订单号写成 PLUS00000012 或 12。", f"{value!r} is not an order number such as PLUS00000012 or 12")
        )
    return int(digits)


def _ship_to(order) -> str:
    """The delivery address of an order on one line, as a courier's label needs it."""
    from checkout.fulfilment import order_address

    address = order_address(order)
    if address is None:
        return say(
            "没有收货地址（下单时商店还不收集地址）：请联系买家",
            "no delivery address (ordered before addresses were asked: contact the buyer)",
        )
    where = f"{address.name} {address.mobile} {address.one_line()}{f' {address.postcode}' if address.postcode else ''}"
    if order.delivery_fee:
        return where + say(f"（配送费 ¥{order.delivery_fee}）", f" (delivery ¥{order.delivery_fee})")
    return where + say("（包邮）", " (free delivery)")


class _BeijingTime(logging.Formatter):
    """Log lines timed in Beijing time, as every time the commands show (a server's clock is often UTC)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return dt.datetime.fromtimestamp(record.created, STORE_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S")


def _logging(verbose: bool = True) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_BeijingTime("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    # one line per copied file, migration step or Stripe request (in English, the library's) is noise here
    for chatty in ("pelican", "alembic", "stripe"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


@command(zh="在一个端口上同时提供网站和结账服务，不需要任何密钥。网站需要时先生成。")
@content_option
@option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.", zh="监听的地址。")
@option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.", zh="监听的端口。")
@option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default="output",
    show_default=True,
    envvar="PLUS_SITE_DIR",
    help="The built static site to serve.",
    zh="要提供的、已生成的静态网站。",
)
@option("--no-build", is_flag=True, help="Serve the site as it is, without building it first.", zh="不先生成，直接提供现有的网站。")
@option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="PLUS_WORKERS",
    help="Worker processes (gunicorn) when more than 1; 1 serves from this process.",
    zh="工作进程数：大于 1 时用 gunicorn 起这么多个进程；1 表示就在本进程里提供服务。",
)
@option(
    "--worker-class",
    type=click.Choice(["sync", "gthread"]),
    default="gthread",
    show_default=True,
    help="gunicorn worker type (with --workers > 1); gthread: a request waiting on Stripe blocks one thread, not the process.",
    zh="gunicorn 工作进程的类型（--workers 大于 1 时）；gthread：等待 Stripe 的请求只占住一个线程，不占住整个进程。",
)
@option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per gthread worker.",
    zh="每个 gthread 工作进程的线程数。",
)
def serve(content: Path, host: str, port: int, output: Path, no_build: bool, workers: int, worker_class: str, threads: int) -> None:
    """Build the site if needed and serve it with the checkout on one port (no keys needed)."""
    from admin.serve import serve as run

    _logging()
    if revision := content_revision(content):  # orders record the content's commit, not only its hash;
        os.environ.setdefault("PLUS_CATALOG_REVISION", revision)  # set first, so the site built here says the same
    before = _identity(output)
    try:
        if not no_build:
            _build_for_serve(content, output)
        from checkout.config import ConfigError

        try:
            run(
                host,
                port,
                {"PLUS_CONTENT": str(content), "PLUS_SITE_DIR": str(output)},
                workers=workers,
                worker_class=worker_class,
                threads=threads,
            )
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:  # (once it serves, the store stops itself on Ctrl-C: this one came before)
        replaced = _identity(output) != before  # (the build publishes by renaming its folder to `output`)
        click.echo(
            say(
                f"已停止：{output} 已换成新生成的网站；商店没有启动",
                f"stopped: {output} holds the newly built site; the store was not started",
            )
            if replaced
            else say(
                f"已停止：没有发布，{(kept := left_as_it_was(output))}；商店没有启动",
                f"stopped: nothing was published, {kept}; the store was not started",
            ),
            err=True,
        )
        raise SystemExit(STOPPED) from None


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder `folder` is (device, inode), or None when there is none."""
    try:
        stat = folder.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _build_for_serve(content: Path, output: Path) -> None:
    """`plus serve`'s build (when the site is older than the content), stopped as `plus build` is. A
    build that fails says why and ends the command."""
    from admin.serve import build_site_if_needed
    from catalog import ContentError
    from storefront.generator import RenderError
    from storefront.nda import NdaLeak
    from storefront.parallel import WorkerFailed
    from storefront.search import SearchIndexError

    try:
        with stopped_by_signals():  # as `plus build`: a stop cleans up and leaves the site as it was
            build_site_if_needed(content, output)
            raise_if_stopped()  # (a stop swallowed as the build ended, while it removed the old site: no store either)
    except ContentError as exc:
        for problem in sorted(exc.problems):
            click.echo(problem.as_text(), err=True)
        raise click.ClickException(
            say(
                "内容有错误（见上面各行）：改好后（plus validate）再运行 plus serve",
                "the content has errors: fix them (plus validate) and serve again",
            )
        ) from None
    except (NdaLeak, RenderError, SearchIndexError, WorkerFailed) as exc:
        raise click.ClickException(build_failed(exc, output)) from None


@group(zh="结账数据库（DATABASE_URL）。")
def db() -> None:
    """The checkout database (DATABASE_URL)."""


@db.command(zh="执行结账数据库的迁移。")
def upgrade() -> None:
    """Apply the database migrations."""
    from checkout.db import get_database
    from checkout.db import upgrade as migrate

    _logging()
    with _app() as app:
        migrate(get_database(app).engine)
        click.echo(say("数据库已是最新", "database is up to date"))


def _echo_csv(text: str) -> None:
    """CSV for the owner's spreadsheet (checkout.operations.csv_text: in the operator's language, with the
    byte-order mark Excel needs to read UTF-8), as it is."""
    click.echo(text, nl=False)


def _beijing_day(day: dt.datetime | None) -> dt.datetime | None:
    """A `--since` day as operators mean it: from midnight Beijing time, as every listed time is shown."""
    return day.replace(tzinfo=STORE_TIMEZONE) if day else None


@group(zh="订单：列出、发货、退款、核对付款；买家的退货和发票申请。")
def orders() -> None:
    """List, ship, refund and reconcile orders; buyers' returns and invoices."""


_STATUS_OF = {status.label: status.value for status in OrderStatus}
"""An order status by the word `plus orders list` shows for it (已付款 → paid)."""


list_format = option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table to read, csv for a spreadsheet, json for programs.",
    zh="table 便于阅读，csv 给表格软件，json 给程序。",
)
"""`--format` of the list commands (each use makes an option of its own)."""


class _OrderStatusChoice(click.Choice):
    """An order status, as its code or its Chinese word; a wrong one is told the six there are, in the
    operator's language (click listed all twelve spellings on one line of ~130 columns)."""

    def __init__(self) -> None:
        super().__init__([*(status.value for status in OrderStatus), *_STATUS_OF])

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        """Which statuses there are."""
        return say(
            f"没有“{value}”这个状态。可以写：\n  {'、'.join(_STATUS_OF)}\n  或英文代码（paid 等，见 --help）",
            f"{value!r} is not an order status; one of:\n  {', '.join(OrderStatus)}",
        )


@orders.command("list", zh="订单列表，最新的在前。")
@option(
    "--status",
    type=_OrderStatusChoice(),
    callback=lambda ctx, param, word: _STATUS_OF.get(word, word),  # 已付款 as the table shows it: paid
    metavar="STATUS",  # (click's [awaiting_payment|paid|…] made the help 82 columns wide)
    help=f"Only orders in this state: {', '.join(OrderStatus)} (or its Chinese word).",
    zh=f"只列出这个状态的订单，写英文或中文都行：{'、'.join(f'{status}（{status.label}）' for status in OrderStatus)}。",
)
@option("--email", help="Only the orders of this buyer's email.", zh="只列出这个邮箱的买家的订单。")
@option("--product", help="Only orders containing this product id.", zh="只列出含这个商品 id 的订单。")
@option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Created on or after this day, Beijing time (北京时间), as the list shows times.",
    zh="只列出这一天（北京时间，与列表里的时间一致）及以后下的订单。",
)
@option("--limit", default=50, show_default=True, type=click.IntRange(1, 200), help="How many orders to list.", zh="最多列出多少笔订单。")
@option(
    "--offset",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Skip this many first (the next page).",
    zh="先跳过这么多笔（看下一页）。",
)
@list_format
def list_(status, email, product, since, limit, offset, fmt) -> None:
    """Orders, newest first."""
    from checkout.db import get_database
    from checkout.operations import OrderFilter, list_orders, order_json, orders_csv

    with _app() as app:
        wanted = OrderFilter(status=status, email=email, product=product, since=_beijing_day(since), limit=limit, offset=offset)
        with get_database(app).sessions() as session:
            page, total = list_orders(session, wanted)
            if fmt == "csv":
                _echo_csv(orders_csv(page, language()))
            elif fmt == "json":
                click.echo(json.dumps({"orders": [order_json(o) for o in page], "total": total}, ensure_ascii=False, indent=2))
            else:
                _echo_orders(page, total)


ORDER_COLUMNS = (
    ("订单号", "order"),
    ("下单时间", "created"),
    ("状态", "status"),
    ("实付金额", "total"),
    ("邮箱", "email"),
)
"""The columns of `plus orders list`, (zh, en): 50 columns before the email, so a row with an email of up
to 30 characters fits 80 columns (what was bought goes under it)."""


def _echo_orders(page, total: int) -> None:
    """A page of orders as a table: a line each (amounts aligned right, ¥ next to each), and under it
    what was bought (by title), where it goes, a partial refund and its returns."""
    from checkout.charges import blocks_shipping
    from checkout.returns import STATUS_LABELS

    rows = []
    for order in page:
        cells = [
            order.number,
            local_time(order.created_at),
            say(OrderStatus(order.status).label, order.status),
            f"¥{order.amount_total}",
            order.email or "-",
        ]
        under = [*_bought(order.lines), f"    → {_ship_to(order)}"]
        if order.parcel:
            under.append(say(f"    快递：{order.parcel}", f"    parcel: {order.parcel}"))
        if partly_refunded(order.status, order.refunded_amount):
            refunded = price_label(order.refunded_amount, exact=True)
            under.append(say(f"    部分退款 {refunded}", f"    partly refunded {refunded}"))
        if blocks_shipping(order):
            under.append(
                say(
                    f"    付款争议：{dispute_label(order.dispute_status)}，了结前不能发货",
                    f"    disputed at the bank: {order.dispute_status}",
                )
            )
        # an order not shipped yet ships without what was returned
        under += [
            f"    ↩ {back.number} {say(STATUS_LABELS[back.status], back.status)} ¥{back.amount}{say('：', ': ')}"
            + say("，", ", ").join(_goods(back.lines))
            for back in order.returns
        ]
        rows.append((cells, under))
    _echo_table(ORDER_COLUMNS, rows, right={3})
    click.echo(say(f"显示 {len(page)} 笔，共 {total} 笔订单", f"{len(page)} of {total} order(s)"))


def _echo_table(columns: Iterable[tuple[str, str]], rows: list[tuple[list[str], list[str]]], *, right: Container[int] = ()) -> None:
    """A table in the operator's language: its heading (none for no rows), then each row's cells on a
    line, aligned (see `aligned`), and the lines that go under that row."""
    if not rows:
        return
    heading, *lines = aligned([[say(zh, en) for zh, en in columns], *(cells for cells, _ in rows)], right=right)
    click.echo(heading)
    for line, (_, under) in zip(lines, rows, strict=True):
        click.echo(line)
        for extra in under:
            click.echo(extra)


TITLE_COLUMNS = 30
"""The most of a product's title a list shows (two fit a line of 80 columns); a longer one is cut with …"""


def _goods(lines) -> list[str]:
    """An order's or a return's lines (models, or dicts as return_json makes them) as the operator names
    them: `24骨全自动雨伞 × 2`, by the title the order kept (cut to TITLE_COLUMNS), by the product id only
    where no title was kept."""
    named = []
    for line in lines:
        title, product, quantity = (
            (line["title"], line["product"], line["quantity"]) if isinstance(line, dict) else (line.title, line.product_id, line.quantity)
        )
        named.append(f"{shortened(title or product, TITLE_COLUMNS)} × {quantity}")
    return named


def _bought(lines, width: int = 80) -> list[str]:
    """What an order or a return holds, under its row: `    商品：24骨全自动雨伞 × 3，奥克斯家用大吸尘器 × 1`,
    carried on to more lines (lined up under the first item) rather than past `width` columns."""
    label, comma = say("    商品：", "    items: "), say("，", ", ")
    goods = _goods(lines)
    rows, row, first = [], label, True
    for i, item in enumerate(goods):
        item += comma if i < len(goods) - 1 else ""
        if not first and columns(row + item.rstrip()) > width:
            rows.append(row.rstrip())
            row, first = " " * columns(label), True
        row, first = row + item, False
    return [*rows, row.rstrip()] if goods else []


@orders.command(zh="标记订单已发货，并邮件通知买家。对已发货的订单再运行一次：更正快递公司或运单号。")
@click.argument("order", callback=lambda _ctx, _param, value: _order_id(value))
@option(
    "--carrier",
    help="The carrier (快递公司), e.g. 顺丰: the buyer's mail and order page show it.",
    zh="快递公司，如 顺丰（买家的邮件和订单页会显示）。",
)
@option(
    "--tracking",
    help="The tracking number (运单号); on a shipped order it corrects it, and the buyer is mailed the new one.",
    zh="运单号。对已发货的订单：更正运单号，并把新单号邮件告诉买家。",
)
@option(
    "--no-tracking",
    is_flag=True,
    help="Ship without a tracking number (delivered by hand, picked up): otherwise --tracking is asked for.",
    zh="不写运单号发货（自己送货、买家自提）；不加这一项时必须写 --tracking。",
)
def ship(order: int, carrier: str | None, tracking: str | None, no_tracking: bool) -> None:
    """Mark an order shipped (发货); the buyer is mailed. Again on a shipped order: correct its carrier or tracking."""
    from checkout import orders as service
    from checkout.db import get_database

    if tracking and no_tracking:
        raise click.UsageError(say("--tracking 和 --no-tracking 只能选一个", "--tracking and --no-tracking cannot go together"))
    with _app() as app, get_database(app).transaction() as session:
        before = service.get_order(session, order)
        was_shipped, old = before.status == OrderStatus.SHIPPED, before.parcel or "-"
        if before.status == OrderStatus.PAID and not tracking and not no_tracking:
            # A parcel without its number is one the buyer cannot follow: the mail would go without it.
            raise click.ClickException(
                say(
                    f"发货要写运单号，买家才能查件：\n  plus orders ship {before.number} --carrier 顺丰 --tracking SF1234567890\n"
                    "自己送货、没有运单号的，加 --no-tracking",
                    f"shipping needs a tracking number the buyer can follow:\n  plus orders ship {before.number} --carrier 顺丰 "
                    "--tracking SF1234567890\ndelivered by hand, no tracking number: add --no-tracking",
                )
            )
        if tracking and not (carrier or before.carrier):
            raise click.ClickException(
                say(
                    f"运单号 {tracking} 是哪家快递的？加上 --carrier，如 --carrier 顺丰（买家按它查件）",
                    f"which carrier is {tracking} with? add --carrier, e.g. --carrier 顺丰 (the buyer looks it up there)",
                )
            )
        shipped = service.ship(session, before.id, carrier=carrier, tracking=tracking)
        if was_shipped:
            new = shipped.parcel or "-"
            click.echo(
                say(
                    f"{shipped.number} 本来就已发货：快递信息 {old} → {new}，已把新的快递信息邮件告诉买家",
                    f"{shipped.number} already shipped: tracking {old} → {new}, the buyer is mailed the new one",
                )
                if new != old
                else say(
                    f"{shipped.number} 本来就已发货，快递信息 {old} 没有变，没有再发邮件",
                    f"{shipped.number} already shipped with {old}: nothing changed, no mail sent",
                )
            )
            return
        parcel = shipped.parcel or say("没有运单号", "no tracking number")
        click.echo(say(f"{shipped.number} 已发货（{parcel}），已邮件通知买家", f"{shipped.number} shipped ({parcel}), the buyer is mailed"))
        click.echo(say(f"  寄往：{_ship_to(shipped)}", f"  to: {_ship_to(shipped)}"))
        for title, sent, cancelled in service.packing_list(session, shipped, shipped.shipped_at or shipped.created_at):
            note = say(f"（已取消 {cancelled} 件，不发）", f" ({cancelled} cancelled, not sent)") if cancelled else ""
            click.echo(say(f"  装箱：{title} × {sent}{note}", f"  pack: {title} × {sent}{note}"))


@orders.command(zh="通过 Stripe 全额退款。退款前先列出订单号、金额和状态，请你确认。")
@click.argument("order", callback=lambda _ctx, _param, value: _order_id(value))
@option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).", zh="不再确认（用于脚本）。")
def refund(order: int, yes: bool) -> None:
    """Refund an order in full through Stripe (全额退款).

    Asks first, naming the order, its amount and status."""
    from checkout import orders as service
    from checkout.db import get_database

    _logging(verbose=False)
    with _app() as app:
        with get_database(app).sessions() as session:
            found = service.get_order(session, order)
        if found.status == OrderStatus.REFUNDED:  # (nothing to decide, with --yes too: the refund is made once)
            click.echo(
                say(
                    f"{found.number} 已经全额退款过了（{found.stripe_refund_id}），不会再退",
                    f"{found.number} was already refunded in full ({found.stripe_refund_id}); nothing more is refunded",
                )
            )
            return
        if not yes:
            gone = (
                say("货已寄出：全额退款不会收回货物，请先与买家谈好退货。", "The goods have left: a full refund does not bring them back. ")
                if found.status == OrderStatus.SHIPPED
                else ""
            )
            asked = say(
                f"{gone}确定全额退款 {found.number}（{OrderStatus(found.status).label}，¥{found.amount_total}，{found.email or '-'}）？",
                f"{gone}refund {found.number} ({found.status}, ¥{found.amount_total}, {found.email or '-'}) in full?",
            )
            if not click.confirm(asked):
                click.echo(say("没有退款", "nothing refunded"))
                raise SystemExit(1)
        refunded = service.refund(get_database(app), order, client=_stripe(app))
        click.echo(
            say(f"{refunded.number} 已全额退款（{refunded.stripe_refund_id}）", f"{refunded.number} refunded ({refunded.stripe_refund_id})")
        )


@orders.command(zh="补记已付款、却没有订单的 Stripe 结账（webhook 没有送达）。有不是本店发起的付款时退出码 1。")
@option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only sessions created on or after this day, Beijing time (北京时间).",
    zh="只核对这一天（北京时间）及以后发起的结账。",
)
def reconcile(since: dt.datetime | None) -> None:
    """Record paid Stripe sessions that have no order.

    Such a session is a webhook that never arrived; exit 1 on paid sessions this store did not start."""
    from checkout.db import get_database
    from checkout.operations import reconcile as run

    _logging(verbose=False)
    with _app() as app:
        report = run(get_database(app), _stripe(app), since=_beijing_day(since))
        for session_id in report.recorded:
            click.echo(say(f"已补记订单 {session_id}", f"recorded {session_id}"))
        for session_id in report.unknown:
            click.echo(say(f"不是本店发起的付款：{session_id}", f"not started by this store: {session_id}"), err=True)
        click.echo(
            say(
                f"核对 {report.checked} 笔已付款：补记 {len(report.recorded)} 笔，未知 {len(report.unknown)} 笔",
                f"checked {report.checked} paid session(s): {len(report.recorded)} recorded, {len(report.unknown)} unknown",
            )
        )
        if report.unknown:
            raise SystemExit(1)


@orders.command(zh="归还过期未付款的结账占用的库存。")
def sweep() -> None:
    """Give back the stock of checkouts that expired unpaid."""
    from checkout.db import get_database
    from checkout.operations import sweep_reservations

    with _app() as app:
        released = sweep_reservations(get_database(app), _stripe(app))
        click.echo(say(f"释放了 {released} 个过期未付的库存预留", f"released {released} expired reservation(s)"))


@orders.group("returns", invoke_without_command=True, zh="买家的退货：列出、批准（在 Stripe 退款，可加 --restock）或拒绝。")
@click.pass_context
def returns_(ctx: click.Context) -> None:
    """Buyers' returns: list, approve or refuse.

    Approving refunds the lines at Stripe (--restock puts them back in stock)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_returns)


def _return_id(value: str) -> int:
    """A return number as typed (TH00000003 or 3), checked as the command line is read (see `_order_id`)."""
    digits = value.upper().removeprefix("TH")
    if not digits.isdigit():
        raise click.UsageError(
            say(f"{value} 不是退货单号：退货单号写成 TH00000003 或 3。", f"{value!r} is not a return number such as TH00000003 or 3")
        )
    return int(digits)


@returns_.command("list", zh="退货申请，最新的在前（按状态筛选时最早的在前）。")
@option(
    "--status",
    type=click.Choice(["requested", "refunding", "refunded", "refused"]),
    help="Only these (oldest first).",
    zh="只列出这个状态的（最早的在前）。",
)
@list_format
def list_returns(status: str | None = None, fmt: str = "table") -> None:
    """Returns, newest first (or one status, oldest first)."""
    from checkout.db import get_database
    from checkout.operations import return_reasons, returns_csv, returns_listing

    with _app() as app, get_database(app).sessions() as session:
        rows = returns_listing(session, status)
        reasons = return_reasons(session, rows) if fmt != "json" else {}
    if fmt == "csv":
        _echo_csv(returns_csv(rows, reasons, language()))
    elif fmt == "json":
        click.echo(json.dumps({"returns": rows, "total": len(rows)}, ensure_ascii=False, indent=2))
    else:
        from checkout.returns import STATUS_LABELS

        table = []
        for row in rows:
            cells = [
                row["number"],
                row["order_number"],
                say(STATUS_LABELS[row["status"]], row["status"]),
                f"¥{row['amount']}",
                say(reasons[row["id"]], row["reason"]),
            ]
            refused = say("未通过：", "refused: ") + row["refusal"] if row["refusal"] else ""
            said = "  ".join(filter(None, [row["note"], refused]))  # the buyer's words, then why it was refused
            table.append((cells, [*_bought(row["lines"]), *([f"    {said}"] if said else [])]))
        _echo_table(RETURN_COLUMNS, table, right={3})
        click.echo(say(f"共 {len(rows)} 个售后单", f"{len(rows)} return(s)"))


RETURN_COLUMNS = (
    ("售后单号", "return"),
    ("订单号", "order"),
    ("状态", "status"),
    ("退款金额", "amount"),
    ("原因", "reason"),
)
"""The columns of `plus orders returns list`, (zh, en): what comes back goes under the row, by title, as in
`plus orders list`."""


@returns_.command("approve", zh="批准退货：在 Stripe 退还这几项的款（再运行一次也不会重复退款）。")
@click.argument("number", callback=lambda _ctx, _param, value: _return_id(value))
@option("--restock", is_flag=True, help="Give the returned units back to the stock counters.", zh="把退回的件数加回库存。")
def approve_return(number: int, restock: bool) -> None:
    """Approve a return: refund its lines at Stripe (running it again never refunds twice)."""
    from checkout import returns as service
    from checkout.db import get_database

    _logging(verbose=False)
    with _app() as app:
        done = service.approve(get_database(app), number, client=_stripe(app), restock=restock)
        stocked = ("，已回库存", " and restocked") if done.restocked else ("", "")
        click.echo(
            say(
                f"{done.number} 已退款 ¥{done.amount}{stocked[0]}，已邮件通知买家",
                f"{done.number} refunded ¥{done.amount} ({done.stripe_refund_id}){stocked[1]}; the buyer is mailed",
            )
        )


@returns_.command("refuse", zh="拒绝一个待处理的退货；理由会邮件发给买家。")
@click.argument("number", callback=lambda _ctx, _param, value: _return_id(value))
@option(
    "--reason",
    required=True,
    help="Why, in words the buyer reads (zh-CN); it is mailed to them.",
    zh="拒绝的理由，用买家看得懂的中文写；会邮件发给买家。",
)
def refuse_return(number: int, reason: str) -> None:
    """Refuse a waiting return; the buyer gets the reason by mail."""
    from checkout import returns as service
    from checkout.db import get_database

    with _app() as app, get_database(app).transaction() as session:
        done = service.refuse(session, number, why=reason)
        click.echo(say(f"{done.number} 已拒绝，已邮件通知买家", f"{done.number} refused; the buyer is mailed"))


@orders.group("invoices", invoke_without_command=True, zh="买家的发票申请：列出，或登记开好的发票号码。")
@click.pass_context
def invoices_(ctx: click.Context) -> None:
    """Buyers' 发票 requests: list, mark issued.

    List them, or mark one issued with its number."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_invoices)


@invoices_.command("list", zh="发票申请，最新的在前（按状态筛选时最早的在前）。")
@option("--status", type=click.Choice(["requested", "issued"]), help="Only these (oldest first).", zh="只列出这个状态的（最早的在前）。")
@list_format
def list_invoices(status: str | None = None, fmt: str = "table") -> None:
    """Invoice requests, newest first (or one status, oldest first)."""
    from checkout.db import get_database
    from checkout.operations import invoices_csv, invoices_listing

    with _app() as app, get_database(app).sessions() as session:
        rows = invoices_listing(session, status)
    if fmt == "csv":
        _echo_csv(invoices_csv(rows, language()))
    elif fmt == "json":
        click.echo(json.dumps({"invoices": rows, "total": len(rows)}, ensure_ascii=False, indent=2))
    else:
        from checkout.invoices import STATUS_LABELS, TITLE_TYPES

        table = [
            (
                [
                    row["order_number"],
                    say(STATUS_LABELS[row["status"]], row["status"]),
                    f"¥{row['amount']}",
                    say(INVOICE_KINDS[row["kind"]], row["kind"]),
                    say(TITLE_TYPES[row["title_type"]], row["title_type"]),
                    row["invoice_number"] or "",
                    row["title"] + (f" {row['tax_id']}" if row["tax_id"] else ""),
                ],
                [f"    {row['registered_address']} {row['registered_phone']} {row['bank_name']} {row['bank_account']}"]
                if row["kind"] == "special"
                else [],
            )
            for row in rows
        ]
        _echo_table(INVOICE_COLUMNS, table, right={2})
        click.echo(say(f"共 {len(rows)} 个发票申请", f"{len(rows)} invoice request(s)"))


INVOICE_COLUMNS = (
    ("订单号", "order"),
    ("状态", "status"),
    ("开票金额", "amount"),
    ("发票类型", "kind"),
    ("抬头类型", "title type"),
    ("发票号码", "number"),
    ("发票抬头", "title"),
)
"""The columns of `plus orders invoices list`, (zh, en): the title last, as long as it is."""
INVOICE_KINDS = {"normal": "普通发票", "special": "专用发票"}
"""Invoice kinds in a table's words (the order page's checkout.invoices.KINDS, without 增值税)."""


@invoices_.command("issue", zh="登记订单的发票已开具及其号码，并邮件通知买家。")
@click.argument("order", callback=lambda _ctx, _param, value: _order_id(value))
@option(
    "--number",
    "invoice_number",
    required=True,
    help="The invoice number the tax platform gave (8–20 digits or letters).",
    zh="税务平台给的发票号码（8–20 位数字或字母）。",
)
def issue_invoice(order: int, invoice_number: str) -> None:
    """Mark an order's invoice issued with its number; the buyer is mailed."""
    from checkout import invoices as service
    from checkout.db import get_database
    from checkout.models import order_number

    with _app() as app, get_database(app).transaction() as session:
        done = service.issue(session, order, invoice_number)
        click.echo(
            say(
                f"{order_number(done.order_id)} 的发票 {done.invoice_number} 已开具，已邮件通知买家",
                f"invoice {done.invoice_number} of {order_number(done.order_id)} issued; the buyer is mailed",
            )
        )


@group(zh="PLUS 会员。")
def members() -> None:
    """PLUS members."""


@members.command("list", zh="PLUS 会员列表，到期晚的在前：邮箱、开通和到期时间、续费方式、状态。")
@option(
    "--status",
    type=click.Choice(["active", "expired"]),
    help="Only members whose PLUS is active, or has ended.",
    zh="只列出 PLUS 有效（active）或已到期（expired）的会员。",
)
@option("--csv", "as_csv", is_flag=True, help="CSV for a spreadsheet (the same as --format csv).", zh="导出 CSV 表格（同 --format csv）。")
@list_format
def list_members(status: str | None, as_csv: bool, fmt: str) -> None:
    """PLUS members, latest end first: email, member since and until, how it renews, status."""
    from checkout.db import get_database
    from checkout.membership import RENEWALS, STANDINGS, members_listing
    from checkout.operations import member_json, members_csv

    with _app() as app, get_database(app).sessions() as session:
        rows = members_listing(session, status)
    if as_csv or fmt == "csv":
        _echo_csv(members_csv(rows, language()))
    elif fmt == "json":
        click.echo(json.dumps({"members": [member_json(row) for row in rows], "total": len(rows)}, ensure_ascii=False, indent=2))
    else:
        table = [
            [
                row["email"],
                local_time(row["since"]),
                local_time(row["until"]) if row["until"] else "-",
                say(*STANDINGS[row["status"]]),
                say(*RENEWALS[row["renewal"]]),
            ]
            for row in rows
        ]
        _echo_table(MEMBER_COLUMNS, [(cells, []) for cells in table])
        click.echo(say(f"共 {len(rows)} 位会员", f"{len(rows)} member(s)"))


MEMBER_COLUMNS = (("邮箱", "email"), ("开通时间", "since"), ("到期时间", "until"), ("状态", "status"), ("续费方式", "renewal"))
"""The columns of `plus members list`, (zh, en)."""


@members.command(zh="提醒 PLUS 即将到期、又不会自动续费的会员。给每人排一封提醒邮件，同一个到期日只提醒一次。")
@option(
    "--days",
    default=7,
    show_default=True,
    type=click.IntRange(1, 366),
    help="Remind memberships ending within this many days.",
    zh="提醒这么多天内到期的会员。",
)
def remind(days: int) -> None:
    """Queue a mail for members whose PLUS ends soon and does not renew by itself (once per end date)."""
    from checkout import notices
    from checkout.db import get_database
    from checkout.membership import remind_expiring

    _logging()
    with _app() as app:
        # One short transaction per member: the mail row and `reminded_for` commit together, and
        # a failure reminds nobody twice and loses nobody else's reminder. The outbox sends them.
        database = get_database(app)
        sent = remind_expiring(database, days=days, write=notices.membership_reminder)
        click.echo(say(f"提醒了 {sent} 位会员（邮件已排队：plus mail send）", f"reminded {sent} member(s) (mails queued: plus mail send)"))


@group(zh="发件队列（订单、重置密码、邮箱验证和会员提醒邮件）。")
def mail() -> None:
    """The mail outbox (order, reset, verification and reminder mails)."""


@mail.command("send", zh="把到时间的邮件各发一次（给 cron 用；plus serve 每隔几秒会自己发）。")
@option("--retry-failed", is_flag=True, help="First put failed mails back in the queue.", zh="先把发送失败的邮件放回队列。")
def send_mail(retry_failed: bool) -> None:
    """Send every due mail once (for cron; plus serve does it every few seconds)."""
    from admin.serve import send_mails
    from checkout.db import get_database

    _logging()
    with _app() as app:
        if retry_failed:
            from checkout.outbox import retry_failed as requeue

            again = requeue(get_database(app))
            click.echo(say(f"重新排队 {again} 封失败的邮件", f"re-queued {again} failed mail(s)"))
        report = send_mails(app)
        if report.sent or report.retrying or report.failed or report.interrupted:
            click.echo(
                say(
                    f"已发 {report.sent}，稍后重试 {report.retrying}，失败 {report.failed}，中断 {report.interrupted}",
                    f"sent {report.sent}, retrying later {report.retrying}, failed {report.failed}, interrupted {report.interrupted}",
                )
            )
        else:
            click.echo(_nothing_due(get_database(app)))
        if report.failed or report.interrupted:
            raise SystemExit(1)


def _nothing_due(database) -> str:
    """Why a run sent nothing: usually the running `plus serve` sent the mails already."""
    from sqlalchemy import func, select

    from checkout.models import OutboxMail, utcnow

    since = utcnow() - dt.timedelta(hours=24)
    with database.sessions() as db:
        sent = db.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.status == "sent", OutboxMail.sent_at >= since))
        later = db.execute(
            select(func.count(), func.min(OutboxMail.next_attempt_at)).where(OutboxMail.status.in_(("pending", "sending")))
        ).one()
    words = say(
        f"没有待发邮件：最近 24 小时已发 {sent} 封（plus serve 每隔几秒会自己发）",
        f"nothing waiting: {sent} already sent in the last 24 h (plus serve sends every few seconds)",
    )
    if later[0]:
        words += say(
            f"；{later[0]} 封正在发送或稍后重试（下次 {local_time(later[1])}）",
            f"; {later[0]} being sent or retried later (next {local_time(later[1])})",
        )
    return words


COMMANDS = (serve, db, orders, members, mail)
"""The top-level commands and groups this module adds to `plus`."""
