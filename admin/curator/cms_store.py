"""What the browser editor's local backend does to the content folder: read, check, then write.

Every save is applied to a scratch copy first and validated by the project's own catalog loader;
only a change that adds no error reaches the work tree, merged into the file it edits
(`yamlmerge`) so a two-field change is a two-line diff.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from catalog import load_catalog
from catalog.messages import SLUG_PATTERN
from catalog.models import Belt, Category, Factory, Product, Retailer, Settings

from . import yamlmerge

FOLDERS: dict[str, type[BaseModel]] = {"products": Product, "factories": Factory}
"""Folders of one-file-per-entry collections; the file name is the id."""
INDEXES: dict[str, type[BaseModel]] = {"categories": Category, "retailers": Retailer, "belts": Belt}
"""Files mapping an id to an entry; the editor sees them as a list under `items`."""
SINGLES: dict[str, type[BaseModel]] = {"settings": Settings}
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
IMAGE_SUFFIXES = {"PNG": {".png"}, "JPEG": {".jpg", ".jpeg"}, "WebP": {".webp"}}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MODELINE = "# yaml-language-server: $schema=../../schema/{kind}.schema.json\n"


class Refused(ValueError):
    """A change the backend will not write; the message is for the curator (zh-CN)."""


@dataclass
class ChangeSet:
    """Files to write (text or bytes) and to delete, relative to the repository root."""

    writes: dict[str, str | bytes] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)


def normalised(text: str) -> str:
    """Text compared with NDA names: NFKC, case-folded, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def money_paths(model: type[BaseModel]) -> frozenset[str]:
    """Dotted paths (list indexes left out) of the model's money fields: written with two decimals."""
    root = model.model_json_schema()
    out: set[str] = set()

    def walk(schema: dict[str, Any], path: str) -> None:
        if "$ref" in schema:
            schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
        if schema.get("decimal_places") == 2:
            out.add(path)
        for branch in schema.get("anyOf", []):
            walk(branch, path)
        if "items" in schema:
            walk(schema["items"], path)
        for name, prop in schema.get("properties", {}).items():
            walk(prop, f"{path}.{name}" if path else name)

    walk(root, "")
    return frozenset(out)


class ContentStore:
    """The content folder as the editor sees it; paths are relative to the folder's parent."""

    def __init__(self, content: Path, *, today: dt.date | None = None):
        self.content = Path(content).resolve()
        self.root = self.content.parent
        self.today = today
        self.lock = threading.Lock()  # one save at a time: each is checked against the files as they are

    # Reading -----------------------------------------------------------------------------

    def resolve(self, rel: str) -> Path:
        """The absolute path of `rel`, refused outside the content folder."""
        path = (self.root / rel).resolve()
        if path != self.content and self.content not in path.parents:
            raise Refused(f"{rel}: 只能读写 {self.content.name}/ 里的文件")
        return path

    def kind(self, rel: str) -> tuple[str, str]:
        """('folder'|'index'|'single'|'other', name) for a repository path."""
        parts = Path(rel).relative_to(self.content.name).parts if rel.startswith(self.content.name + "/") else ()
        if len(parts) == 2 and parts[0] in FOLDERS and parts[1].endswith(".yaml"):
            return "folder", parts[0]
        if len(parts) == 1 and parts[0].removesuffix(".yaml") in INDEXES:
            return "index", parts[0].removesuffix(".yaml")
        if len(parts) == 1 and parts[0].removesuffix(".yaml") in SINGLES:
            return "single", parts[0].removesuffix(".yaml")
        return "other", ""

    def entry(self, rel: str) -> dict[str, Any]:
        """One entry in Decap's shape: `data` is the text the editor parses (None when missing)."""
        path = self.resolve(rel)
        if not path.is_file():
            return {"data": None, "file": {"path": rel, "id": None}}
        raw = path.read_bytes()
        return {"data": self.as_edited(rel, raw.decode("utf-8")), "file": {"path": rel, "id": hashlib.sha256(raw).hexdigest()}}

    def as_edited(self, rel: str, text: str) -> str:
        """The file's text as the editor's form wants it: the id on top, index maps as lists."""
        kind, _ = self.kind(rel)
        if kind == "folder":
            return f"id: {json.dumps(Path(rel).stem)}\n{text}"
        if kind == "index":
            data = yaml.safe_load(text) or {}
            items = [{"id": key, **(value if isinstance(value, dict) else {"name": value})} for key, value in data.items()]
            return yaml.safe_dump({"items": items}, allow_unicode=True, sort_keys=False, width=4096)
        return text

    def folder(self, rel: str, extension: str, depth: int) -> list[dict[str, Any]]:
        """Every entry file under `rel` (Decap's entriesByFolder)."""
        base = self.resolve(rel)
        if not base.is_dir():
            return []
        files = sorted(p for p in base.rglob(f"*{extension}") if len(p.relative_to(base).parts) <= depth and p.is_file())
        return [self.entry(p.relative_to(self.root).as_posix()) for p in files]

    def media(self, rel: str) -> list[dict[str, Any]]:
        """Every picture in a media folder, base64 encoded."""
        base = self.resolve(rel)
        return (
            [self.media_file(p.relative_to(self.root).as_posix()) for p in sorted(base.iterdir()) if p.is_file()] if base.is_dir() else []
        )

    def media_file(self, rel: str) -> dict[str, Any]:
        """One picture, base64 encoded."""
        raw = self.resolve(rel).read_bytes()
        return {
            "id": hashlib.sha256(raw).hexdigest(),
            "content": base64.b64encode(raw).decode(),
            "encoding": "base64",
            "path": rel,
            "name": Path(rel).name,
        }

    # Changing ----------------------------------------------------------------------------

    def persist(self, files: list[dict[str, Any]], assets: list[dict[str, Any]], *, created: bool) -> list[str]:
        """Check and write edited entries and their pictures; returns the paths written."""
        changes = ChangeSet()
        with self.lock:  # planned and written against the same files
            for asset in assets:
                self.resolve(asset["path"])
                changes.writes[asset["path"]] = checked_image(asset["path"], base64.b64decode(asset["content"]))
            for data_file in files:
                self._plan(data_file["path"], data_file["raw"], created=created, changes=changes)
            self._apply(changes)
        return sorted(changes.writes)

    def persist_media(self, rel: str, content: str) -> None:
        """Check and write one uploaded picture."""
        self.resolve(rel)
        self.apply(ChangeSet(writes={rel: checked_image(rel, base64.b64decode(content))}))

    def delete(self, paths: Iterable[str]) -> None:
        """Delete files, refused when the catalog would stop validating (a factory still in use)."""
        changes = ChangeSet(deletes=set(paths))
        for rel in changes.deletes:
            self.resolve(rel)
        self.apply(changes)

    def _plan(self, rel: str, raw: str, *, created: bool, changes: ChangeSet) -> None:
        kind, name = self.kind(rel)
        path = self.resolve(rel)
        edited = yamlmerge.parse_edited(raw) or {}
        if kind == "folder":
            self._plan_folder(rel, name, edited, created=created, changes=changes)
            return
        if kind == "index":
            edited = self._index_map(rel, name, edited)
        model = INDEXES.get(name) or SINGLES.get(name)
        money = money_paths(model) if model else frozenset()
        changes.writes[rel] = self._merged(path, edited, money, header="")

    def _plan_folder(self, rel: str, name: str, edited: dict[str, Any], *, created: bool, changes: ChangeSet) -> None:
        old_id = Path(rel).stem
        new_id = str(edited.pop("id", None) or old_id).strip()
        self.check_id(new_id, name)
        target = f"{Path(rel).parent.as_posix()}/{new_id}.yaml"
        if not created and new_id != old_id and not self.resolve(rel).exists() and self.resolve(target).is_file():
            # The editor still holds the path from before its last save renamed the file.
            rel, old_id = target, new_id
        if (created or new_id != old_id) and self.resolve(target).exists():
            raise Refused(f"{target}: 已有编号为 {new_id} 的{_LABELS[name]}，请换一个编号")
        source = None if created else self.resolve(rel)
        if source is not None and not source.is_file():
            raise Refused(f"{rel}: 文件已不存在（可能被改名或删除），请刷新页面")
        header = MODELINE.format(kind={"products": "product", "factories": "factory"}[name])
        changes.writes[target] = self._merged(source, edited, money_paths(FOLDERS[name]), header=header)
        if source is not None and new_id != old_id:
            changes.deletes.add(rel)
            if name == "factories":
                self._plan_references(old_id, new_id, changes)

    def _plan_references(self, old_id: str, new_id: str, changes: ChangeSet) -> None:
        """A renamed factory: products made there follow it to the new id."""
        for path in sorted((self.content / "products").glob("*.yaml")):
            doc = yamlmerge.Document(path.read_text(encoding="utf-8"))
            if isinstance(doc.data, dict) and doc.data.get("factory") == old_id:
                doc.data["factory"] = new_id
                changes.writes[path.relative_to(self.root).as_posix()] = doc.dump()

    def _index_map(self, rel: str, name: str, edited: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        old = yaml.safe_load(self.resolve(rel).read_text(encoding="utf-8")) if self.resolve(rel).is_file() else {}
        for item in edited.get("items") or []:
            item = dict(item)
            key = str(item.pop("id", "") or "").strip()
            self.check_id(key, name)
            if key in out:
                raise Refused(f"{rel}: 编号 {key} 出现了两次，请改掉一个")
            # `taobao: 淘宝` stays that short when only the name is given
            if (
                name == "retailers"
                and isinstance((old or {}).get(key), str)
                and set(item) - {"kind"} == {"name"}
                and item.get("kind", "retailer") == "retailer"
            ):
                item = item["name"]
            out[key] = item
        return out

    def _merged(self, source: Path | None, edited: Any, money: frozenset[str], *, header: str) -> str:
        if source is not None and source.is_file():
            doc = yamlmerge.Document(source.read_text(encoding="utf-8"))
            if doc.data is None:
                return header + yamlmerge.new_text(edited)
            doc.data = yamlmerge.merge(doc.data, edited, money=money)
            return doc.dump()
        return header + yamlmerge.new_text(yamlmerge.merge(None, edited, money=money))

    def check_id(self, new_id: str, name: str) -> None:
        """Refuse an id that breaks the id rules or spells a brand under NDA."""
        label = _LABELS[name]
        if not re.fullmatch(SLUG_PATTERN, new_id or ""):
            raise Refused(f"{label}编号“{new_id}”不合规：只能用小写字母、数字和连字符（如 aux-vacuum），不能以连字符开头或结尾")
        for brand in self.nda_names():
            if normalised(brand) and normalised(brand) in normalised(new_id):
                raise Refused(f"{label}编号“{new_id}”含有保密品牌的名字：编号会出现在网址里，请换一个不提品牌的编号")

    def nda_names(self) -> list[str]:
        """Every spelling of every brand under NDA, read straight from the factory files."""
        names = []
        for path in sorted((self.content / "factories").glob("*.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                continue
            for oem in data.get("oem_for") or [] if isinstance(data, dict) else []:
                if isinstance(oem, dict) and oem.get("disclosure") == "nda":
                    names += [str(n) for n in [oem.get("brand"), *(oem.get("aliases") or [])] if n]
        return names

    def apply(self, changes: ChangeSet) -> None:
        """Validate `changes` on a scratch copy, then write them; raises `Refused` with the new errors."""
        with self.lock:
            self._apply(changes)

    def _apply(self, changes: ChangeSet) -> None:
        before = self._errors(self.content)
        with tempfile.TemporaryDirectory(prefix="plus-cms-") as scratch:
            copy = Path(scratch) / self.content.name
            _copy_tree(self.content, copy)
            _write(Path(scratch), changes)
            after = self._errors(copy)
        touched = set(changes.writes) | changes.deletes
        new = [text for rel, text in after if text not in {t for _, t in before} or rel in touched]
        if new:
            raise Refused("没有保存：改动后内容校验不通过，请按提示修改后再保存。\n" + "\n".join(new[:10]))
        _write(self.root, changes)

    def _errors(self, content: Path) -> list[tuple[str, str]]:
        result = load_catalog(content, today=self.today)
        out = []
        for problem in result.errors:
            where = Path(problem.path)
            where = where if where.is_absolute() else Path.cwd() / where
            try:
                rel = where.resolve().relative_to(content.parent.resolve()).as_posix()
            except ValueError:
                rel = str(problem.path)
            out.append((rel, f"{rel}:{problem.line}:{problem.column}: {problem.field}: {problem.message}"))
        return out


_LABELS = {"products": "商品", "factories": "工厂", "categories": "品类", "retailers": "渠道/品牌", "belts": "产业带"}


def checked_image(rel: str, raw: bytes) -> bytes:
    """The picture's bytes when it is a PNG, JPEG or WebP (by content) of allowed size; else `Refused`."""
    name = Path(rel).name
    kind = next((k for magic, k in IMAGE_TYPES.items() if raw.startswith(magic)), None)
    if kind is None and raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        kind = "WebP"
    if kind is None:
        raise Refused(f"图片 {name} 不是 PNG、JPEG 或 WebP 图片（按文件内容判断，不看扩展名），请换一张")
    if Path(rel).suffix.lower() not in IMAGE_SUFFIXES[kind]:
        raise Refused(
            f"图片 {name} 其实是 {kind} 图片，扩展名却是 {Path(rel).suffix or '（无）'}：请改成 {sorted(IMAGE_SUFFIXES[kind])[0]}"
        )
    if len(raw) > MAX_IMAGE_BYTES:
        raise Refused(f"图片 {name} 有 {len(raw) / 1024 / 1024:.1f} MB，超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB 的上限，请压缩后再上传")
    return raw


def _copy_tree(source: Path, target: Path) -> None:
    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)  # pictures are many and large: share them; every write replaces, never edits in place
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy)


def _write(root: Path, changes: ChangeSet) -> None:
    for rel, content in changes.writes.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        os.replace(tmp, path)  # readers never see half a file
    for rel in changes.deletes - set(changes.writes):
        (root / rel).unlink(missing_ok=True)
