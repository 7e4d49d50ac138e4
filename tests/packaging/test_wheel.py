"""The wheel works outside the repository: built, installed into a fresh venv, run from an empty folder."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import requests

from bench.serving import free_port, wait_for
from tests.conftest import REPO, TODAY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh venv holding only the wheel and its dependencies."""
    base = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(base / "dist"), str(REPO)],
        check=True,
        cwd=base,
        timeout=600,
    )
    (wheel,) = (base / "dist").glob("plus_store-*.whl")
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)], check=True, timeout=900)
    return bin_dir


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command from the venv, in `cwd`, with no trace of the repository on its paths."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PLUS_", "PYTHON", "STRIPE_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_code_runs_from_site_packages_not_the_repository(installed, tmp_path):
    done = run(
        installed, tmp_path, "python", "-c", "import admin, catalog, checkout, storefront, theme; print(admin.__file__, theme.__file__)"
    )
    assert done.returncode == 0, done.stderr
    assert "site-packages" in done.stdout and str(REPO) not in done.stdout


def test_validate_build_and_serve_from_an_empty_folder(installed, tmp_path):
    content = REPO / "content"
    today = TODAY.isoformat()
    validated = run(installed, tmp_path, "plus", "validate", "--content", str(content), "--today", today)
    assert validated.returncode == 0, validated.stdout + validated.stderr

    built = run(installed, tmp_path, "plus", "build", "--content", str(content), "--output", "site", "--today", today)
    assert built.returncode == 0, built.stdout + built.stderr
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "PLUS会员店" in home and "/theme/css/" in home  # the theme travelled with the wheel
    assert (tmp_path / "site" / "theme" / "css" / "store.css").is_file()
    assert (tmp_path / "site" / "pagefind").is_dir()

    port = free_port()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("PLUS_", "PYTHON", "STRIPE_", "DATABASE_URL", "PUBLIC_URL"))
    }
    env["PATH"] = f"{installed}{os.pathsep}{env.get('PATH', '')}"
    command = [str(installed / "plus"), "serve", "--no-build", "--output", "site", "--content", str(content), "--port", str(port)]
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{port}/api/health", timeout=60, process=server)
            assert requests.get(f"http://127.0.0.1:{port}/api/health", timeout=10).status_code == 200
            page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
            assert page.status_code == 200 and "PLUS会员店" in page.text
            login = requests.get(f"http://127.0.0.1:{port}/auth/login", timeout=10)  # a checkout template from the wheel
            assert login.status_code == 200 and "<form" in login.text
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert "Traceback" not in (tmp_path / "serve.log").read_text(encoding="utf-8")
