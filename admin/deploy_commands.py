"""`plus deploy …`: the nginx front for several app instances, precompressed static files."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def deploy() -> None:
    """Serve the store from many machines: nginx in front, static files precompressed."""


@deploy.command()
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="output",
    show_default=True,
    help="The built site nginx serves (made absolute).",
)
@click.option(
    "--upstream",
    "upstreams",
    multiple=True,
    required=True,
    metavar="HOST:PORT",
    help="An app instance (`plus serve --no-build --port …`); repeat for each.",
)
@click.option("--server-name", default="_", show_default=True, help="nginx server_name: the store's host name(s), space-separated.")
@click.option("--listen", default=None, help="Port or address:port to listen on [default: 443 with TLS, else 80].")
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TLS certificate (full chain) file: nginx terminates HTTPS and redirects port 80.",
)
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path), help="The certificate's private key file.")
@click.option("--hsts/--no-hsts", default=None, help="Send Strict-Transport-Security on static files [default: with TLS].")
@click.option("--brotli", is_flag=True, help="Serve the .br copies too (needs Debian's libnginx-mod-http-brotli-static).")
@click.option(
    "--checkout-origin",
    default="https://checkout.stripe.com",
    show_default=True,
    help="Where the pay page lives (the CSP's form-action), as the app sets it.",
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


@deploy.command()
@click.argument("output", type=click.Path(file_okay=False, exists=True, path_type=Path), default="output")
@click.option("--no-brotli", is_flag=True, help="Write .gz copies only.")
@click.option(
    "--quality", default=9, show_default=True, type=click.IntRange(0, 11), help="Brotli quality (11 is smallest and about 4x slower)."
)
def compress(output: Path, no_brotli: bool, quality: int) -> None:
    """Write .gz and .br copies of the site's text files for nginx (gzip_static/brotli_static) and plus serve."""
    from admin.deploy.compress import precompress

    report = precompress(output, use_brotli=not no_brotli, quality=quality)
    saved = f"{report.bytes_in / 2**20:.1f} MiB → gzip {report.bytes_gz / 2**20:.1f} MiB, brotli {report.bytes_br / 2**20:.1f} MiB"
    click.echo(
        f"compressed {report.files - report.fresh} of {report.files} files ({saved}); {report.fresh} up to date, {report.removed} stale copies removed"
    )


@deploy.command()
@click.option(
    "--checkout-origin", default="https://checkout.stripe.com", show_default=True, help="Where the pay page lives (the CSP's form-action)."
)
@click.option("--hsts/--no-hsts", default=True, show_default=True, help="Include Strict-Transport-Security (HTTPS sites).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["plain", "pages"]),
    default="plain",
    show_default=True,
    help="pages: a `_headers` file for Netlify / Cloudflare Pages.",
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
