"""Copy the price proofs the product pages link to (查看价格凭证) into the site.

Only the files a comparison names, after `validate` checked them (regular files inside
content/evidence/, no symlink, the recorded SHA-256); each is checked again here and copied as a
plain file, never a link. Nothing else of content/evidence/ is published. The build's last byte scan
reads every copied file for NDA names, like every file nothing checked on its way out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from catalog import Catalog, urls
from catalog.evidence import check_evidence, evidence_dir


class EvidenceChanged(Exception):
    """A price proof changed between validation and the copy: the build stops rather than publish it."""


def copy_evidence(catalog: Catalog, output: Path) -> list[str]:
    """Copy every proof a comparison names to `output/evidence/`; returns the site-relative paths written."""
    folder = evidence_dir(catalog.root)
    limits = {"max_bytes": catalog.settings.image_max_bytes, "max_pixels": catalog.settings.image_max_pixels}
    written: list[str] = []
    for product in catalog.products.values():
        for comparison in product.compare:
            if comparison.evidence is None:
                continue
            relative = urls.evidence_url(comparison.evidence)
            if relative in written:
                continue
            check = check_evidence(folder, comparison.evidence.file, comparison.evidence.sha256, **limits)
            if check.state != "ok":
                raise EvidenceChanged(f"content/evidence/{comparison.evidence.file}: {check.state} {check.detail}")
            target = output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / comparison.evidence.file, target, follow_symlinks=False)
            written.append(relative)
    return written
