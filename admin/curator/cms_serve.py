"""`plus cms-serve`: the browser editor and its local backend on one local port.

Speaks the protocol of Decap's `decap-server` (one `POST /api/v1` with an `action`), but every
save is checked by the project's own validator and merged into the file it edits (`cms_store`).
`/admin/` serves the editor with a config made for this backend: new products and factories with
their id asked first, renames, and the index files and settings as forms.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from catalog import Catalog, load_catalog
from catalog.messages import SLUG_PATTERN, say

from . import cms
from .cms_store import INDEXES, ContentStore, Refused

log = logging.getLogger(__name__)

_LOCAL_ORIGIN = re.compile(r"^https?://(localhost|127\.0\.0\.1)(:\d+)?$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_MAX_BODY = 64 * 1024 * 1024  # a few pictures, base64 encoded
_ID_FIELD = {
    "name": "id",
    "label": "编号（文件名）· id",
    "widget": "string",
    "pattern": [SLUG_PATTERN, "小写字母、数字和连字符，如 aux-vacuum"],
    "hint": "文件名和网址里的编号：小写字母、数字、连字符；不能含保密品牌。改了它，保存时文件会改名。",
}


def local_config(content_path: str, api_url: str, catalog: Catalog | None = None) -> dict[str, Any]:
    """Decap's config for this backend: creation, renames and every index file editable."""
    config = cms.cms_config(repo="local/content", content_path=content_path, local_backend=api_url, catalog=catalog)
    config.pop("publish_mode")  # the local backend writes straight into the work tree
    for collection in config["collections"][:2]:
        collection |= {"create": True, "delete": True, "identifier_field": "id", "slug": "{{slug}}"}
        collection["fields"] = [_ID_FIELD, *collection["fields"]]
    settings = config["collections"][2]
    settings["label"] = "索引与参数"
    options = cms.id_choices(catalog)
    indexes = [
        {
            "name": name,
            "label": f"{cms.INDEX_LABELS[name]} {name}.yaml",
            "file": f"{content_path}/{name}.yaml",
            "format": "yaml",
            "fields": [
                {
                    "name": "items",
                    "label": cms.INDEX_LABELS[name],
                    "widget": "list",
                    "summary": "{{fields.id}}",
                    "collapsed": True,
                    "fields": [
                        {**_ID_FIELD, "hint": "编号：小写字母、数字、连字符；其他文件用它引用这一条。"},
                        *cms.model_fields(model, options),
                    ],
                }
            ],
        }
        for name, model in INDEXES.items()
    ]
    settings["files"] = indexes + settings["files"]
    return config


class Handler(BaseHTTPRequestHandler):
    """`POST /api/v1` for Decap, `GET /admin/…` for the editor; nothing else."""

    store: ContentStore
    cms_dir: Path = cms.CMS_DIR
    hosts: frozenset[str] = frozenset(_LOCAL_HOSTS)

    def _host_ok(self) -> bool:
        """Only requests addressed to this machine: a web page cannot reach it by a DNS name of its own."""
        if urlsplit("//" + self.headers.get("Host", "")).hostname in self.hosts:
            return True
        self._send(421, "只接受发往本机的请求".encode(), "text/plain; charset=utf-8")
        return False

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("cms-serve: " + format, *args)

    def _cors(self) -> None:
        origin = self.headers.get("Origin", "")
        if _LOCAL_ORIGIN.match(origin):  # the built site on another local port may use this backend
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
            self.send_header("Vary", "Origin")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
        """The CORS preflight of a page on another local port."""
        self._send(204, b"", "text/plain")

    def do_GET(self) -> None:  # noqa: N802
        """The editor's page, config and scripts."""
        if not self._host_ok():
            return
        path = self.path.split("?", 1)[0]
        if path in ("/", "/admin"):
            self.send_response(302)
            self.send_header("Location", "/admin/")
            self.end_headers()
            return
        name = path.removeprefix("/admin/") if path.startswith("/admin/") else None
        if name in ("", "index.html"):
            self._send(200, cms.index_html().encode(), "text/html; charset=utf-8")
        elif name == "config.yml":
            catalog = load_catalog(self.store.content, today=self.store.today).catalog  # today's ids to choose from
            config = local_config(self.store.content.name, f"http://{self.headers.get('Host', 'localhost')}/api/v1", catalog)
            self._send(200, cms.dump_config(config).encode(), "text/yaml; charset=utf-8")
        elif name and "/" not in name and (file := self._asset(name)) is not None:
            kind = "application/wasm" if name.endswith(".wasm") else mimetypes.guess_type(name)[0] or "application/octet-stream"
            self._send(200, file.read_bytes(), kind)
        else:
            self._send(404, "没有这个页面".encode(), "text/plain; charset=utf-8")

    def _asset(self, name: str) -> Path | None:
        for folder in (self.cms_dir / cms.BUNDLE, self.cms_dir):
            if (folder / name).is_file() and (name.endswith(("decap-cms.js", ".wasm")) or name == cms.EXTENSION):
                return folder / name
        return None

    def do_POST(self) -> None:  # noqa: N802
        """One Decap action."""
        if not self._host_ok():
            return
        if self.path.split("?", 1)[0] != "/api/v1":
            self._json(404, {"error": "unknown path"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._json(413, {"error": f"一次上传太大（超过 {_MAX_BODY // 1024 // 1024} MB）"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            self._json(200, act(self.store, body.get("action", ""), body.get("params") or {}))
        except Refused as exc:
            log.info(say("cms-serve: 拒绝：%s", "cms-serve: refused: %s"), exc)
            self._json(422, {"error": str(exc)})
        except (KeyError, TypeError, ValueError, OSError) as exc:
            log.exception(say("cms-serve: %s 出错", "cms-serve: %s failed"), self.path)
            self._json(500, {"error": f"本地后端出错：{exc}"})


def act(store: ContentStore, action: str, params: dict[str, Any]) -> Any:
    """Run one Decap local-backend action and return its JSON answer."""
    if action == "info":
        return {"repo": store.content.name, "publish_modes": ["simple"], "type": "local_fs"}
    if action == "entriesByFolder":
        return store.folder(params["folder"], params.get("extension", ""), int(params.get("depth", 1)))
    if action == "entriesByFiles":
        entries = [store.entry(f["path"]) for f in params["files"]]
        for entry, f in zip(entries, params["files"], strict=True):
            entry["file"]["label"] = f.get("label")
        return entries
    if action == "getEntry":
        return store.entry(params["path"])
    if action == "persistEntry":
        files = params.get("dataFiles") or [params["entry"]]
        created = bool(params.get("options", {}).get("newEntry"))  # Decap says so; an edit never overwrites another id
        store.persist(files, params.get("assets") or [], created=created)
        return {"message": "entry persisted"}
    if action == "persistMedia":
        asset = params["asset"]
        store.persist_media(asset["path"], asset["content"])
        return store.media_file(asset["path"])
    if action == "getMedia":
        return store.media(params["mediaFolder"])
    if action == "getMediaFile":
        return store.media_file(params["path"])
    if action in ("deleteFile", "deleteFiles"):
        paths = params.get("paths") or [params["path"]]
        store.delete(paths)
        return {"message": f"deleted {', '.join(paths)}"}
    if action == "getDeployPreview":
        return None
    raise Refused(f"本地后端不支持 {action}")


def make_server(store: ContentStore, *, host: str = "127.0.0.1", port: int = 8081, cms_dir: Path = cms.CMS_DIR) -> ThreadingHTTPServer:
    """An HTTP server for the editor and its backend (call `serve_forever`)."""
    handler = type("BoundHandler", (Handler,), {"store": store, "cms_dir": cms_dir, "hosts": frozenset({*_LOCAL_HOSTS, host})})
    return ThreadingHTTPServer((host, port), handler)
