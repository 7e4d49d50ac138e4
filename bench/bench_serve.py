"""Serving at scale: static pages from `plus serve` (gunicorn) and from nginx, checkout latency, a 100,000-product build.

- one product page of the built seed site, `wrk` with 32 connections for 10 s on loopback: `plus serve
  --workers 2` with gunicorn's sync and gthread workers, then nginx (`plus deploy nginx`) on the same folder;
- `POST /api/checkout` from 50 concurrent clients (bench_checkout's client), straight to `plus serve
  --workers 2` and through nginx, p50/p99;
- `plus build` of a generated 100,000-product catalog on /dev/shm: wall time and peak memory
  (minutes: `--skip-100k` leaves it out).

    .venv/bin/python bench/bench_serve.py [--skip-100k] [--products 100000] [--sessions 500]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from admin.deploy.compress import precompress  # noqa: E402
from admin.deploy.nginx import BROTLI_MODULE, NginxSite, render_nginx, standalone_conf  # noqa: E402
from bench.bench_build import TODAY, plus_build  # noqa: E402
from bench.bench_checkout import create_sessions, percentile, pick_product  # noqa: E402
from bench.catalog_gen import write_catalog  # noqa: E402
from bench.serving import free_port, running  # noqa: E402

PLUS = str(Path(sys.executable).with_name("plus"))
WRK_CONNECTIONS, WRK_SECONDS = 32, 10


def plus_serve(work: Path, site: Path, content: Path, port: int, worker_class: str, name: str):
    """`plus serve --workers 2` on the built site (no keys: its own stand-in)."""
    env = {
        "PLUS_INSTANCE": str(work / name),
        "PLUS_CONTENT": str(content),
        "PLUS_TODAY": TODAY,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "STRIPE_SECRET_KEY": "",
        "DATABASE_URL": "",
        "PLUS_RATE_CHECKOUT": "1000000 per minute",  # all the load comes from this one address
        "PLUS_TRUSTED_PROXIES": "2",  # the shopper's own address in X-Forwarded-For, before nginx's (or a stand-in's)
    }
    command = [PLUS, "serve", "--no-build", "--output", str(site), "--port", str(port), "--workers", "2", "--worker-class", worker_class]
    return running(command, f"http://127.0.0.1:{port}/api/health", work / f"{name}.log", env)


def nginx(work: Path, site: Path, upstream_port: int, port: int):
    """nginx in front of one app instance, serving `site` (the config `plus deploy nginx` prints)."""
    prefix = work / "nginx"
    prefix.mkdir(exist_ok=True)
    brotli = BROTLI_MODULE.exists()
    conf = render_nginx(NginxSite(root=site, upstreams=(f"127.0.0.1:{upstream_port}",), listen=f"127.0.0.1:{port}", brotli=brotli))
    (prefix / "nginx.conf").write_text(
        standalone_conf(conf, prefix, brotli_module=BROTLI_MODULE if brotli else None, workers="auto"), encoding="utf-8"
    )
    return running(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], f"http://127.0.0.1:{port}/", work / "nginx.log")


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str) -> dict:
    """Requests per second and latency percentiles of `wrk` on one URL."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "errors": (int(errors.group(1)) if errors else 0),
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def sessions(base: str, product: str, clients: int, total: int, *, proxies: int) -> dict:
    """Create-session latency from `clients` concurrent clients (after a warm-up); `proxies`: the
    proxies' addresses the requests bring in X-Forwarded-For (nginx adds its own)."""
    create_sessions(base, product, clients, clients, proxies=proxies)
    latencies, _, wall = create_sessions(base, product, clients, total, proxies=proxies)
    return {"p50": statistics.median(latencies), "p99": percentile(latencies, 99), "rate": total / wall}


def build_100k(products: int) -> tuple[float, int]:
    """Seconds and peak MiB of `plus build` over a generated catalog (on /dev/shm when it is there)."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=base, prefix="bench-100k-") as tmp:
        content = write_catalog(Path(tmp) / "content", products)
        run = plus_build(content, Path(tmp) / "output")
        return run.seconds, run.peak_mb


def serving(args: argparse.Namespace, work: Path) -> list[tuple[str, str]]:
    """The serving rows of the table."""
    content = args.content
    site = work / "site"
    subprocess.run([PLUS, "build", "--content", str(content), "--output", str(site), "--today", TODAY], check=True, capture_output=True)
    precompress(site)
    page = "/p/" + min(p.name for p in (site / "p").iterdir()) + "/"
    product = pick_product(content, args.sessions * 2 + 2 * args.clients)
    rows: list[tuple[str, str]] = []
    static: dict[str, dict] = {}
    for worker_class in ("sync", "gthread"):
        port = free_port()
        with plus_serve(work, site, content, port, worker_class, f"serve-{worker_class}"):
            static[worker_class] = wrk(f"http://127.0.0.1:{port}{page}")
            if worker_class == "sync":
                direct = sessions(f"http://127.0.0.1:{port}", product, args.clients, args.sessions, proxies=1)
                nginx_port = free_port()
                with nginx(work, site, port, nginx_port):
                    static["nginx"] = wrk(f"http://127.0.0.1:{nginx_port}{page}")
                    proxied = sessions(f"http://127.0.0.1:{nginx_port}", product, args.clients, args.sessions, proxies=0)
    for name, label in (
        ("sync", "plus serve, gunicorn sync ×2"),
        ("gthread", "plus serve, gunicorn gthread ×2 (4 threads)"),
        ("nginx", "nginx, same folder"),
    ):
        result = static[name]
        errors = f", {result['errors']} non-2xx" if result["errors"] else ""
        errors += f", socket errors {result['socket_errors']}" if result["socket_errors"] else ""
        rows.append(
            (f"static {page}: {label}", f"{result['rps']:,.0f} req/s (p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms{errors})")
        )
    rows.append(("static: nginx ÷ plus serve (sync)", f"{static['nginx']['rps'] / static['sync']['rps']:.1f}x"))
    for label, result in (
        (f"create session, {args.clients} clients: plus serve (sync ×2)", direct),
        (f"create session, {args.clients} clients: through nginx", proxied),
    ):
        rows.append((label, f"p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms ({result['rate']:.0f}/s)"))
    return rows


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, default=REPO / "content", help="the catalog whose site is served")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=500, help="checkout sessions per measurement")
    parser.add_argument("--products", type=int, default=100_000, help="size of the generated catalog built")
    parser.add_argument("--skip-100k", action="store_true", help="leave out the large build (it takes minutes)")
    args = parser.parse_args()
    missing = [tool for tool in ("wrk", "nginx") if not shutil.which(tool) and not Path("/usr/sbin", tool).exists()]
    if missing:
        raise SystemExit(f"bench_serve needs {' and '.join(missing)} (apt-get install {' '.join(missing)})")
    rows: list[tuple[str, str]] = []
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=base, prefix="bench-serve-") as tmp:
        rows += serving(args, Path(tmp))
    if not args.skip_100k:
        seconds, peak = build_100k(args.products)
        rows.append((f"plus build, {args.products:,} generated products", f"{seconds:.0f} s, peak {peak:,} MiB"))
    print(f"serving benchmark — {os.cpu_count()} CPUs, loopback, wrk -c{WRK_CONNECTIONS} -d{WRK_SECONDS}s")
    print("| measure | value |\n|---|---|")
    for measure, value in rows:
        print(f"| {measure} | {value} |")


if __name__ == "__main__":
    main()
