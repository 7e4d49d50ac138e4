"""`plus` commands for the curator (joined to `plus` in admin/cli.py): report, new, schema, cms-config, cms-serve, audit."""

from __future__ import annotations

import datetime as dt
import shlex
from collections import Counter
from pathlib import Path

import click

from catalog import load_catalog
from catalog.messages import content_flag, say

from .bilingual import command, group, option
from .curator import audit as audit_module
from .curator import cms, scaffold, schema
from .curator import cms_serve as cms_serve_module
from .curator.cms_store import ContentStore
from .curator.evidence import EvidenceError, evidence_line, read_settings
from .curator.report import build_report
from .curator.snapshot import repo_root, resolve
from .git import GitError, changed_files
from .options import content_option, today_option

EXIT_FINDINGS = 1
EXIT_INVALID = 2


@command(zh="商品库的变更报告（Markdown）。与 git 版本 BASE 相比改了什么，用作拉取请求的评论。")
@option("--base", required=True, help="The git revision to compare with, e.g. origin/main.", zh="用来比较的 git 版本，如 origin/main。")
@content_option
@option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the Markdown here instead of printing it.",
    zh="把 Markdown 写进这个文件，不打印出来。",
)
@today_option
def report(base: str, content: Path, output: Path | None, today: dt.datetime | None) -> None:
    """Markdown report of what changed in the catalog since BASE (for a pull request comment)."""
    _report(base, content, output, _day(today))


@group(zh="用模板新建商品或工厂文件，全部字段都列好。")
def new() -> None:
    """Start a product or factory file from a template with every field."""


@new.command("product", zh="新建待填写的 content/products/ID.yaml，并放一张占位图。")
@click.argument("pid", metavar="ID")
@option(
    "--factory",
    required=True,
    help="The id of the factory that makes it (a file in content/factories/).",
    zh="生产它的工厂的 id（content/factories/ 里的文件名）。",
)
@content_option
@today_option
def new_product(pid: str, factory: str, content: Path, today: dt.datetime | None) -> None:
    """Write content/products/ID.yaml to fill in."""
    _scaffold(
        content,
        lambda: scaffold.new_product(content, pid, factory=factory, today=_day(today)),
        say(
            f"用真实图片覆盖占位图 {content / 'images' / 'products' / (pid + '.png')}，",
            "replace the placeholder picture with the real one, ",
        ),
    )


@new.command("factory", zh="新建待填写的 content/factories/ID.yaml。")
@click.argument("fid", metavar="ID")
@content_option
def new_factory(fid: str, content: Path) -> None:
    """Write content/factories/ID.yaml to fill in."""
    _scaffold(content, lambda: scaffold.new_factory(content, fid), "")


@command("schema", zh="生成商品、工厂和 store.yaml 的 JSON Schema，供编辑器补全和即时检查。")
@option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schema"),
    show_default=True,
    help="The folder to write product.schema.json, factory.schema.json and store.schema.json into.",
    zh="把 product.schema.json、factory.schema.json 和 store.schema.json 写到这个文件夹。",
)
def schema_command(output: Path) -> None:
    """Write the JSON Schema of product and factory files, for editors."""
    for path in schema.write_schemas(output):
        click.echo(say(f"已写入 {path}", f"wrote {path}"))


@command("cms-config", zh="打印网页编辑器的 config.yml：由商品库的模型生成。")
@option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the YAML here instead of printing it.",
    zh="把 YAML 写进这个文件，不打印出来。",
)
@option(
    "--repo",
    help="GitHub owner/name (default: PLUS_CMS_REPO, GITHUB_REPOSITORY or git's origin).",
    zh="GitHub 仓库 owner/name（默认依次用 PLUS_CMS_REPO、GITHUB_REPOSITORY、git 的 origin）。",
)
@option("--branch", default="main", show_default=True, help="The branch pull requests go to.", zh="拉取请求合入的分支。")
@content_option
def cms_config(output: Path | None, repo: str | None, branch: str, content: Path) -> None:
    """Print the browser editor's config.yml, generated from the catalog's models."""
    catalog = load_catalog(content).catalog if content.is_dir() else None
    _emit(cms.dump_config(cms.cms_config(repo=repo, branch=branch, catalog=catalog)), output)


@command("cms-serve", zh="在浏览器里编辑内容。网页编辑器在 /admin/，每次保存都先校验，再合并进对应的文件。")
@content_option
@option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on (keep it local: there is no login).",
    zh="监听的地址（只用本机地址：编辑器没有登录）。",
)
@option("--port", type=click.IntRange(1, 65535), default=8081, show_default=True, help="The port to listen on.", zh="监听的端口。")
@today_option
def cms_serve(content: Path, host: str, port: int, today: dt.datetime | None) -> None:
    """Edit the content in the browser: the editor at /admin/, every save checked and merged into its file."""
    if not content.is_dir():
        raise click.ClickException(say(f"{content} 不是内容文件夹", f"no content folder at {content}"))
    if not (cms.CMS_DIR / cms.BUNDLE / "decap-cms.js").is_file():
        raise click.ClickException(
            say(
                f"缺少网页编辑器的程序文件：先运行一次 npm ci --prefix {cms.CMS_DIR}",
                f"the editor's bundle is missing: run `npm ci --prefix {cms.CMS_DIR}` once",
            )
        )
    server = cms_serve_module.make_server(ContentStore(content, today=today.date() if today else None), host=host, port=port)
    address = f"http://{host}:{server.server_address[1]}/admin/"
    click.echo(say(f"网页编辑器：{address}（按 Ctrl+C 停止）", f"browser editor: {address} (Ctrl+C stops)"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@command(
    "audit",
    zh="""列出需要复核的内容。有发现时退出码 1（加 --base 时只算本次改动的文件），内容没有通过校验时退出码 2。""",
)
@content_option
@option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="json for programs; github prints workflow annotations.",
    zh="json 给程序；github：输出 GitHub Actions 的注释。",
)
@option(
    "--days",
    type=click.IntRange(min=0),
    help="Flag comparisons older than this many days (default: the settings' limit).",
    zh="对比价超过这么多天就列出（默认用 settings.yaml 的 compare_max_age_days）。",
)
@option(
    "--base",
    help="Judge only files changed since this git revision (e.g. origin/main); findings elsewhere are listed as information.",
    zh="只评判相对这个 git 版本（如 origin/main）改动过的文件；其他文件的发现只列出来供参考。",
)
@today_option
def audit_command(content: Path, fmt: str, days: int | None, base: str | None, today: dt.datetime | None) -> None:
    """List what to check again; exit 1 when there are findings (in the change, with --base), 2 when the catalog does not validate."""
    _audit(content, fmt, days, _day(today), base)


@group(zh="content/evidence/ 里的价格凭证。")
def evidence() -> None:
    """Price proofs (价格凭证) in content/evidence/."""


@evidence.command("hash", zh="检查价格凭证文件，打印要加进对比的 evidence: 一行。每个文件（FILES）都按 validate 的规则检查。")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@content_option
@option(
    "--captured-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the screenshot was taken (default: the comparison's observed_on).",
    zh="截图的日期（默认用这条对比的 observed_on）。",
)
def evidence_hash(files: tuple[Path, ...], content: Path, captured_on: dt.datetime | None) -> None:
    """Check each FILE as validate will and print the `evidence:` line to add to its comparison."""
    settings = read_settings(content)
    failed = False
    for file in files:
        try:
            click.echo(evidence_line(content, file, settings=settings, captured_on=captured_on.date() if captured_on else None))
        except EvidenceError as exc:
            click.echo(str(exc), err=True)
            failed = True
    if failed:
        raise SystemExit(1)


COMMANDS = (report, new, schema_command, cms_config, cms_serve, audit_command, evidence)
"""The top-level commands and groups this module adds to `plus`."""


def _day(today: dt.datetime | None) -> dt.date:
    return today.date() if today else dt.date.today()


def _emit(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(say(f"已写入 {output}", f"wrote {output}"))
    else:
        click.echo(text, nl=False)


def _report(base: str, content: Path, output: Path | None, today: dt.date) -> None:
    if not content.is_dir():
        raise click.ClickException(say(f"{content} 不是内容文件夹", f"no content folder at {content}"))
    try:
        text = build_report(content, base, today=today)
    except GitError as exc:
        raise click.ClickException(str(exc)) from None
    _emit(text, output)


def _scaffold(content: Path, make, extra_step: str) -> None:
    try:
        path = make()
    except scaffold.ScaffoldError as exc:
        click.echo(str(exc), err=True)  # already the whole sentence, in the curator's language
        raise SystemExit(1) from None
    folder = shlex.quote(str(content))
    validate = f"plus validate{content_flag(content)}"
    click.echo(
        say(
            f"已写好 {path}：把每个标着“必填”的 ~ 换成真实内容，{extra_step}然后运行 {validate}；提交新文件用 git add {folder}",
            f"wrote {path}: replace every ~ marked 必填, {extra_step}then run `{validate}`; commit new files with `git add {folder}`",
        )
    )


def _audit(content: Path, fmt: str, days: int | None, today: dt.date, base: str | None) -> None:
    touched = _touched(content, base) if base else None
    result = load_catalog(content, today=today)
    if result.catalog is None:
        for problem in result.errors:
            click.echo(problem.as_text(), err=True)
        click.echo(
            say(
                f"内容没有通过校验（{len(result.errors)} 个错误）：先运行 plus validate 改好",
                f"the catalog does not validate ({len(result.errors)} error(s)): fix it first (`plus validate`)",
            ),
            err=True,
        )
        raise SystemExit(EXIT_INVALID)
    findings, elsewhere = audit_module.split_by_change(audit_module.audit(result.catalog, days=days), touched, content)
    if fmt == "json":
        click.echo(audit_module.as_json(findings, result.catalog, elsewhere=elsewhere))
    else:
        for finding in findings:
            problem = finding.as_problem()
            click.echo(problem.as_github() if fmt == "github" else problem.as_text())
        counts = Counter(say(audit_module.KINDS[f.kind], f.kind) for f in findings)
        summary = "、".join(f"{label} {n}" for label, n in counts.items())
        click.echo(
            say(f"共 {len(findings)} 条：{summary}", f"{len(findings)} finding(s): {summary}")
            if findings
            else say("没有需要复查的内容", "ok: nothing to audit")
        )
        if elsewhere:
            click.echo(
                say(
                    f"本次未改动的文件中另有 {len(elsewhere)} 条（仅供参考，不影响本次检查）：",
                    f"{len(elsewhere)} more in files this change does not touch (for information; they do not fail the check):",
                )
            )
            for finding in elsewhere:
                problem = finding.as_problem()
                click.echo(problem.as_github().replace("::warning ", "::notice ", 1) if fmt == "github" else f"  {problem.as_text()}")
    if findings:
        raise SystemExit(EXIT_FINDINGS)


def _touched(content: Path, base: str) -> set[Path]:
    try:
        repo = repo_root(content.resolve())
        return changed_files(repo, resolve(repo, base), content)
    except GitError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(EXIT_INVALID) from None
