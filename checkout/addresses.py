"""Delivery addresses: what a shopper types, checked and normalised, and a member's address book.

Every field is checked before anything is stored, so a refused address leaves no trace; the
messages say in the shopper's words what to fix. Mobiles are mainland numbers, stored as 11 digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .delivery import canonical_province
from .errors import Refusal
from .models import SavedAddress

MOBILE = re.compile(r"1[3-9]\d{9}")
POSTCODE = re.compile(r"\d{6}")
MAX_BOOK = 20
# field: (label, maximum length)
FIELDS = {
    "name": ("收件人", 20),
    "mobile": ("手机号", 20),
    "province": ("省份", 20),
    "city": ("城市", 20),
    "district": ("区县", 20),
    "address": ("详细地址", 120),
    "postcode": ("邮政编码", 6),
}


class AddressError(Refusal, ValueError):
    """An address the store cannot deliver to as typed: the field, an API code and a zh-CN message (400)."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(400, code, message)
        self.field = field


@dataclass(frozen=True)
class Address:
    """A checked delivery address (province canonical, mobile as 11 digits)."""

    name: str
    mobile: str
    province: str
    city: str
    district: str
    address: str
    postcode: str | None = None

    def as_record(self) -> dict:
        """The address as stored with a checkout (JSON)."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict) -> Address:
        """An address stored by `as_record`."""
        return cls(**{name: record[name] for name in FIELDS if name in record})

    def one_line(self) -> str:
        """The address as a courier writes it: province, city, district, street."""
        return "".join(dict.fromkeys([self.province, self.city, self.district])) + self.address

    @property
    def masked_mobile(self) -> str:
        """The mobile with its middle digits hidden (mask_mobile)."""
        return mask_mobile(self.mobile)


def mask_mobile(mobile: str | None) -> str:
    """A mobile with its middle digits hidden, `138****8000`: what mails and shoppers' pages show (mails are
    forwarded, order links shared); only the operator's API and CLI show the whole number, for the courier."""
    if not mobile:
        return ""
    return f"{mobile[:3]}****{mobile[-4:]}"


def normalise_mobile(text: str) -> str | None:
    """The 11 digits of a mainland mobile typed with +86, spaces or dashes; None when it is not one."""
    digits = re.sub(r"[\s\-()（）]", "", text)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if MOBILE.fullmatch(digits) else None


def _clean(text: object) -> str:
    """One line of text: control characters dropped, runs of blanks made one space."""
    value = "" if text is None else str(text)
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    return re.sub(r"\s+", " ", value).strip()


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def _text(form: dict, field: str, *, required: bool = True) -> str:
    label, longest = FIELDS[field]
    raw = form.get(field)
    if raw is not None and not isinstance(raw, str):
        raise AddressError(field, "invalid_address", f"{label}须为文字")
    value = _clean(raw)
    if not value:
        if required:
            raise AddressError(field, "missing_field", f"请填写{label}")
        return ""
    if len(value) > longest:
        raise AddressError(field, "field_too_long", f"{label}不能超过{longest}个字")
    if field not in ("mobile", "postcode") and not _has_letter(value):
        raise AddressError(field, "invalid_address", f"{label}须包含文字（不能只填符号或表情）")
    return value


def parse_address(form: dict) -> Address:
    """A checked address from a form or a JSON object; raises AddressError naming the first bad field."""
    if not isinstance(form, dict):
        raise AddressError("address", "invalid_address", "收货地址须为一个对象")
    name = _text(form, "name")
    mobile = normalise_mobile(_text(form, "mobile"))
    if mobile is None:
        raise AddressError("mobile", "invalid_mobile", "请填写11位中国大陆手机号，例如 138 0013 8000")
    province_text = _text(form, "province")
    province = canonical_province(province_text)
    if province is None:
        raise AddressError("province", "unknown_province", f"没有「{province_text[:20]}」这个省份，请从列表中选择")
    city = _text(form, "city")
    district = _text(form, "district")
    street = _text(form, "address")
    if len(street) < 4:
        raise AddressError("address", "invalid_address", "详细地址太短：请写到街道、门牌号")
    postcode = _text(form, "postcode", required=False) or None
    if postcode is not None and not POSTCODE.fullmatch(postcode):
        raise AddressError("postcode", "invalid_postcode", "邮政编码须为6位数字（可不填）")
    return Address(name, mobile, province, city, district, street, postcode)


# -- a member's address book ---------------------------------------------------------------------


def book(db: Session, user_id: int) -> list[SavedAddress]:
    """A member's saved addresses, the default first."""
    return list(
        db.scalars(
            select(SavedAddress).where(SavedAddress.user_id == user_id).order_by(SavedAddress.is_default.desc(), SavedAddress.id)
        ).all()
    )


def saved(db: Session, user_id: int, address_id: int) -> SavedAddress | None:
    """One of this member's saved addresses (None for someone else's)."""
    entry = db.get(SavedAddress, address_id) if 0 < address_id < 2**31 else None
    return entry if entry is not None and entry.user_id == user_id else None


def as_address(entry: SavedAddress) -> Address:
    """A saved entry as an Address (the order copies it)."""
    return Address(entry.name, entry.mobile, entry.province, entry.city, entry.district, entry.address, entry.postcode)


def save(db: Session, user_id: int, address: Address, *, default: bool, entry: SavedAddress | None = None) -> SavedAddress:
    """Add an address to the book (or overwrite `entry`); the first one, or one marked so, is the default."""
    if entry is None:
        existing = len(book(db, user_id))
        if existing >= MAX_BOOK:
            raise AddressError("address", "address_book_full", f"地址簿最多保存{MAX_BOOK}个地址，请先删除不用的")
        entry = SavedAddress(user_id=user_id, **address.as_record())
        db.add(entry)
        default = default or existing == 0
    for name, value in address.as_record().items():
        setattr(entry, name, value)
    db.flush()
    if default:
        make_default(db, user_id, entry.id)
    return entry


def make_default(db: Session, user_id: int, address_id: int) -> None:
    """Mark one address the default and every other one not."""
    db.execute(
        update(SavedAddress)
        .where(SavedAddress.user_id == user_id)
        .values(is_default=SavedAddress.id == address_id)
        .execution_options(synchronize_session=False)
    )
    db.expire_all()


def delete(db: Session, user_id: int, address_id: int) -> bool:
    """Remove an address; when it was the default, the oldest remaining one becomes it."""
    entry = saved(db, user_id, address_id)
    if entry is None:
        return False
    was_default = entry.is_default
    db.delete(entry)
    db.flush()
    remaining = book(db, user_id)
    if was_default and remaining:
        make_default(db, user_id, remaining[0].id)
    return True
