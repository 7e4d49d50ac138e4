"""`/account/addresses`: a member's address book (add, edit, delete, choose the default)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from . import addresses
from .addresses import AddressError, parse_address
from .auth import login_required
from .db import get_database, get_db
from .delivery import PROVINCES

bp = Blueprint("address_book", __name__, url_prefix="/account/addresses")


def _form_page(form: dict, *, entry=None, error: AddressError | None = None, status: int = 200):
    page = render_template("account/address_form.html", form=form, entry=entry, error=error, provinces=PROVINCES)
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/")
@login_required
def index():
    """The member's addresses, the default first."""
    page = render_template("account/addresses.html", book=addresses.book(get_db(), g.user.id))
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/new", methods=("GET", "POST"))
@login_required
def add():
    """Add an address (the first one becomes the default)."""
    if request.method == "GET":
        return _form_page({})
    form = request.form.to_dict()
    try:
        address = parse_address(form)
        with get_database().transaction() as db:
            addresses.save(db, g.user.id, address, default=form.get("default") == "1")
    except AddressError as exc:
        return _form_page(form, error=exc, status=400)
    flash("地址已保存", "info")
    return redirect(url_for("address_book.index"))


@bp.route("/<int:address_id>", methods=("GET", "POST"))
@login_required
def edit(address_id: int):
    """Change an address; orders already placed keep the address they were sent to."""
    entry = addresses.saved(get_db(), g.user.id, address_id)
    if entry is None:
        abort(404)
    if request.method == "GET":
        return _form_page(addresses.as_address(entry).as_record() | {"default": "1" if entry.is_default else ""}, entry=entry)
    form = request.form.to_dict()
    try:
        address = parse_address(form)
        with get_database().transaction() as db:
            current = addresses.saved(db, g.user.id, address_id)
            if current is None:
                abort(404)
            addresses.save(db, g.user.id, address, default=form.get("default") == "1", entry=current)
    except AddressError as exc:
        return _form_page(form, entry=entry, error=exc, status=400)
    flash("地址已更新", "info")
    return redirect(url_for("address_book.index"))


@bp.post("/<int:address_id>/delete")
@login_required
def delete(address_id: int):
    """Remove an address."""
    with get_database().transaction() as db:
        if not addresses.delete(db, g.user.id, address_id):
            abort(404)
    flash("地址已删除", "info")
    return redirect(url_for("address_book.index"))


@bp.post("/<int:address_id>/default")
@login_required
def make_default(address_id: int):
    """Make an address the one the address step chooses first."""
    with get_database().transaction() as db:
        if addresses.saved(db, g.user.id, address_id) is None:
            abort(404)
        addresses.make_default(db, g.user.id, address_id)
    flash("已设为默认地址", "info")
    return redirect(url_for("address_book.index"))
