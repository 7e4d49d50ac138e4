"""`plus evidence hash`: the `evidence:` line a curator adds to a comparison for a price proof.

The proof is checked as `validate` will check it (a regular file inside content/evidence/, a
screenshot or saved page by its content, within the limits), so a line is only printed for a file
that will pass; its SHA-256 pins it, so replacing the file later needs a new line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from catalog.evidence import check_evidence, evidence_dir, file_sha256
from catalog.messages import other_content_flag, say
from catalog.models import EVIDENCE_FILE_PATTERN, EVIDENCE_SUFFIXES, Settings
from catalog.yamlfile import YamlProblem, parse_text, read_bytes


def read_settings(content: Path) -> Settings:
    """The limits of content/settings.yaml (the defaults when it is absent or does not validate: `validate` says why)."""
    try:
        data = parse_text(read_bytes(content / "settings.yaml"))
        return Settings.model_validate(data or {})
    except (OSError, YamlProblem, ValueError):
        return Settings()


class EvidenceError(Exception):
    """The file cannot be a price proof: the message says why, in the curator's words."""


def evidence_line(content: Path, file: Path, *, settings: Settings, captured_on: dt.date | None = None) -> str:
    """`evidence: {file: …, sha256: …}` for `file` (a path to a file in content/evidence/)."""
    folder = evidence_dir(content)
    if not file.exists() and not file.is_absolute() and (folder / file).exists():
        file = folder / file  # a name in the evidence folder, as validate's hint writes it
    try:
        name = Path(os.path.abspath(file)).relative_to(os.path.abspath(folder)).as_posix()
    except ValueError:
        other = Path(os.path.abspath(file)).parent
        hint = other.parent if other.name == folder.name else None  # the proof of another content folder
        raise EvidenceError(
            say(f"{file} 不在 {folder}/ 里：先把凭证文件放进这个文件夹", f"{file} is not inside {folder}/: put the proof there first")
            + (
                say(
                    f"；商品库是 {hint} 的话，加上{other_content_flag(hint)}",
                    f"; if the content folder is {hint}, add{other_content_flag(hint)}",
                )
                if hint
                else ""
            )
        ) from None
    if not (folder / name).is_file() or (folder / name).is_symlink():
        raise EvidenceError(say(f"找不到凭证文件 {folder / name}", f"no proof file at {folder / name}"))
    stem, dot, suffix = Path(name).name.rpartition(".")
    if suffix.lower() in EVIDENCE_SUFFIXES and not re.match(EVIDENCE_FILE_PATTERN, name):  # (others: by content, below)
        from pypinyin import lazy_pinyin  # (a name in Chinese becomes its pinyin: 山姆截图 → shan-mu-jie-tu)

        ascii_stem = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(lazy_pinyin(stem))))
        better = (ascii_stem.strip("-._") or "proof") + dot + suffix.lower()
        raise EvidenceError(
            say(
                f"凭证文件名 {name} 只能用英文字母、数字和 . _ -（不能有空格、中文或逗号），后缀用小写："
                f"请把它改名，如 {better}，再运行这条命令",
                f"a proof's file name uses ASCII letters, digits and . _ - only, with a lowercase suffix: "
                f"rename {name}, e.g. to {better}, and run this again",
            )
        )
    digest = file_sha256(folder / name)
    check = check_evidence(folder, name, digest, max_bytes=settings.image_max_bytes, max_pixels=settings.image_max_pixels)
    if check.state != "ok":
        raise EvidenceError(f"{folder / name} {check.detail}")
    day = f", captured_on: {captured_on.isoformat()}" if captured_on else ""
    return f"evidence: {{file: {name}, sha256: {digest}{day}}}"
