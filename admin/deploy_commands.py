"""`plus deploy …`: the nginx front for several app instances, precompressed static files."""

from __future__ import annotations

from pathlib import Path

import click

from catalog.messages import say

from .bilingual import group, option


@group(zh="用多台机器提供商店：nginx 在前，静态文件预先压缩。")
def deploy() -> None:
    """Serve the store from many machines: nginx in front, static files precompressed."""


@deploy.command(zh="打印 nginx 配置。已生成的网站作为静态文件提供，结账的请求转给各个应用实例。")
@option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="output",
    show_default=True,
    help="The built site nginx serves (made absolute).",
    zh="nginx 提供的已生成的网站（会转成绝对路径）。",
)
@option(
    "--upstream",
    "upstreams",
    multiple=True,
    required=True,
    metavar="HOST:PORT",
    help="An app instance (`plus serve --no-build --port …`); repeat for each.",
    zh="一个应用实例（plus serve --no-build --port …）；有几个就写几次。",
)
@option(
    "--server-name",
    default="_",
    show_default=True,
    help="nginx server_name: the store's host name(s), space-separated.",
    zh="nginx 的 server_name：商店的域名，多个用空格分开。",
)
@option(
    "--listen",
    default=None,
    help="Port or address:port to listen on [default: 443 with TLS, else 80].",
    zh="监听的端口或 地址:端口 [默认：有 TLS 时 443，否则 80]。",
)
@option(
    "--tls-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TLS certificate (full chain) file: nginx terminates HTTPS and redirects port 80.",
    zh="TLS 证书文件（完整证书链）：由 nginx 处理 HTTPS，并把 80 端口的访问重定向过去。",
)
@option("--tls-key", type=click.Path(dir_okay=False, path_type=Path), help="The certificate's private key file.", zh="证书的私钥文件。")
@option(
    "--hsts/--no-hsts",
    default=None,
    help="Send Strict-Transport-Security on static files [default: with TLS].",
    zh="静态文件带上 Strict-Transport-Security 响应头 [默认：有 TLS 时带]。",
)
@option(
    "--brotli",
    is_flag=True,
    help="Serve the .br copies too (needs Debian's libnginx-mod-http-brotli-static).",
    zh="也提供 .br 副本（需要 Debian 的 libnginx-mod-http-brotli-static）。",
)
@option(
    "--checkout-origin",
    default="https://checkout.stripe.com",
    show_default=True,
    help="Where the pay page lives (the CSP's form-action), as the app sets it.",
    zh="支付页的地址（CSP 的 form-action），与应用的设置一致。",
)
def nginx(
    output_dir: Path,
    upstreams: tuple[str, ...],
    server_name: str,
    listen: str | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    hsts: bool | None,
    brotli: bool,
    checkout_origin: str,
) -> None:
    """Print an nginx config: the built site as static files, the checkout's routes to the app instances."""
    from admin.deploy.nginx import NginxConfigError, NginxSite, render_nginx

    site = NginxSite(
        root=output_dir.absolute(),
        upstreams=upstreams,
        server_name=server_name,
        listen=listen or ("443" if tls_cert else "80"),
        tls_cert=tls_cert.absolute() if tls_cert else None,
        tls_key=tls_key.absolute() if tls_key else None,
        hsts=hsts,
        brotli=brotli,
        checkout_origin=checkout_origin.rstrip("/"),
    )
    try:
        click.echo(render_nginx(site), nl=False)
    except NginxConfigError as exc:
        raise click.ClickException(str(exc)) from None


@deploy.command(zh="为网站的文本文件写出 .gz 和 .br 预压缩副本。供 nginx（gzip_static/brotli_static）和 plus serve 直接发送。")
@click.argument("output", type=click.Path(file_okay=False, exists=True, path_type=Path), default="output")
@option("--no-brotli", is_flag=True, help="Write .gz copies only.", zh="只写 .gz 副本。")
@option(
    "--quality",
    default=9,
    show_default=True,
    type=click.IntRange(0, 11),
    help="Brotli quality (11 is smallest and about 4x slower).",
    zh="Brotli 压缩级别（11 压得最小，约慢 4 倍）。",
)
def compress(output: Path, no_brotli: bool, quality: int) -> None:
    """Write .gz and .br copies of the site's text files for nginx (gzip_static/brotli_static) and plus serve."""
    from admin.deploy.compress import precompress

    report = precompress(output, use_brotli=not no_brotli, quality=quality)
    saved = f"{report.bytes_in / 2**20:.1f} MiB → gzip {report.bytes_gz / 2**20:.1f} MiB, brotli {report.bytes_br / 2**20:.1f} MiB"
    click.echo(
        say(
            f"压缩了 {report.files} 个文件中的 {report.files - report.fresh} 个（{saved}）；"
            f"{report.fresh} 个已是最新，删除了 {report.removed} 个过时的副本",
            f"compressed {report.files - report.fresh} of {report.files} files ({saved}); "
            f"{report.fresh} up to date, {report.removed} stale copies removed",
        )
    )


@deploy.command(zh="打印静态文件需要的安全响应头，供 CDN 或对象存储使用。与应用自己发的一致。")
@option(
    "--checkout-origin",
    default="https://checkout.stripe.com",
    show_default=True,
    help="Where the pay page lives (the CSP's form-action).",
    zh="支付页的地址（CSP 的 form-action）。",
)
@option(
    "--hsts/--no-hsts",
    default=True,
    show_default=True,
    help="Include Strict-Transport-Security (HTTPS sites).",
    zh="带上 Strict-Transport-Security（HTTPS 网站）。",
)
@option(
    "--format",
    "fmt",
    type=click.Choice(["plain", "pages"]),
    default="plain",
    show_default=True,
    help="pages: a `_headers` file for Netlify / Cloudflare Pages.",
    zh="pages：写成 Netlify / Cloudflare Pages 用的 _headers 文件。",
)
def headers(checkout_origin: str, hsts: bool, fmt: str) -> None:
    """Print the security headers static files need (the app's own), for a CDN or object store."""
    from checkout.security import security_headers

    lines = [f"{name}: {value}" for name, value in security_headers(checkout_origin=checkout_origin.rstrip("/"), production=hsts)]
    if fmt == "pages":
        lines = ["/*"] + [f"  {line}" for line in lines]
    click.echo("\n".join(lines))


COMMANDS = (deploy,)
"""The top-level commands and groups this module adds to `plus`."""
