"""The command line behind build.py."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

from . import argzh, check, collector_paused, store
from .cache import RecordCache, default_dir
from .findings import RENDERERS

LOCK_HELP = "另一个生成正在写同一输出文件夹时，最多等它多少秒（默认 900；0 表示不等，直接退出）"


def _root(args: argparse.Namespace) -> Path:
    return Path(args.root).resolve()


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the content and print every finding; non-zero when any is an error."""
    if args.owner is not None and not args.owner.strip().lstrip("@"):
        print("--owner 后面要写代码托管平台的账号，例如 --owner @xc-guotu", file=sys.stderr)
        return 2
    if (args.unit or args.owner) and not args.base:
        print("--unit 和 --owner 需要同时给出 --base（与哪个版本比较）", file=sys.stderr)
        return 2
    # The collector stays paused after the check too: its passes over the project's
    # hundreds of thousands of live objects cost seconds in the change rules and the report
    # (measured: about 2 s of 15 s at 100,000 records), and the command ends right after.
    with collector_paused(for_good=True):
        return _check_and_report(args)


def _check_and_report(args: argparse.Namespace) -> int:
    root = _root(args)
    cache = None if args.no_cache else RecordCache(Path(args.cache).resolve() if args.cache else default_dir(root))
    # --no-cache: the history read incrementally (store.py) is read whole too.
    with store.disabled() if args.no_cache else nullcontext():
        # The records a change touches are read in full: the change rules compare all their fields.
        changed = _changed_files(root, args.base) if args.base else None
        project = check(root, cache=cache, fresh={p for f in changed or () for p in (f.path, f.old_path)} if args.base else None)
        findings = project.findings
        if args.base:
            findings.extend(change_findings(project, args.base, args.unit or [], args.owner, changed))
    from .owners import check_codeowners

    check_codeowners(project)
    out = RENDERERS[args.format](findings)
    if out:
        print(out)
    failed = bool(findings.errors) or (args.strict and bool(findings))
    if args.format == "terminal" and not findings:
        print(f"共 {len(project.records)} 条记录。", file=sys.stderr)
    return 1 if failed else 0


def _changed_files(root: Path, base: str) -> list | None:
    """The files under content/ that differ from base (history.FileChange); None when base is
    unknown (check_against says so)."""
    from . import history

    try:
        return history.diff(root, history.resolve(root, base))
    except (history.HistoryError, OSError, subprocess.CalledProcessError):
        return None


def change_findings(project, base: str, units: list[str], owner: str | None, changed: list | None = None):
    """What `check --base` adds to the content checks: the change's rules, its commit messages, its scope.

    changed: the files that differ from base, when already read (one diff of a 100,000-file
    working tree is a tenth of a second)."""
    from .changes import check_against
    from .commits import check_messages
    from .labels import name_fields
    from .owners import owner_scope, unit_scope

    root = project.root
    findings = check_against(project, base, changed)
    findings.extend(check_messages(root, base))
    if units:
        findings.extend(unit_scope(root, base, units, project))
    if owner:
        findings.extend(owner_scope(root, base, owner, project))
    return name_fields(project, findings)


def cmd_build(args: argparse.Namespace) -> int:
    """Validate, then build every county site (or the named ones) and the portal."""
    from .site import build_all

    if args.as_of:
        return build_as_of(args)
    status = build_all(
        _root(args), Path(args.site_dir).resolve(), counties=args.county or None, search=not args.no_search,
        previous_from=args.previous, lock_wait=args.lock_timeout,
    )
    # The command ends here: what is still alive is frozen, so the collection at exit does
    # not walk it (0.5 s after a one-record build at 10,000 records).
    import gc

    gc.freeze()
    return status


def build_as_of(args: argparse.Namespace) -> int:
    """The sites as they stood at a date or revision, built from that revision's content."""
    import shutil
    import subprocess
    import tempfile

    from . import history
    from .site import DISK_FULL, build_all, folder_problem, log, unusable_site_dir

    root = _root(args)
    stamp = args.as_of.strip().replace(" ", "T").replace(":", "-")  # a time of day makes no odd folder name
    site_dir = Path(args.site_dir if args.site_dir != "site" else f"site-as-of-{stamp}").resolve()
    problem = unusable_site_dir(site_dir, root)
    if problem:  # before checking out a whole revision
        log(problem)
        return 2
    try:
        sha = history.resolve(root, args.as_of)
    except history.HistoryError as exc:
        log(str(exc))
        return 2
    if sha == history.EMPTY_TREE:
        log(f"{args.as_of} 时仓库中还没有任何内容（早于第一次提交），没有可以生成的网站。")
        return 0
    tmp: Path | None = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix="gongkai-as-of-")) / "tree"
        history.git(root, "worktree", "add", "--detach", str(tmp), sha)
        # Today's code, theme and catalogues would not be "as it stood": take them all from
        # that revision, except where it predates them (then today's engine files are used).
        for name in ("mkdocs.yml", "theme"):
            if not (tmp / name).exists():
                src = root / name
                (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp / name)
        log(f"按 {args.as_of}（提交 {sha[:8]}）时的内容生成网站 → {site_dir}")
        return build_all(
            tmp, site_dir, counties=args.county or None, search=not args.no_search, past=True, lock_wait=args.lock_timeout
        )
    except subprocess.CalledProcessError as exc:  # git could not check the revision out (a full disk, most likely)
        log(f"无法取出 {args.as_of}（提交 {sha[:8]}）时的内容：{(exc.stderr or '').strip() or exc}")
        return 2
    except OSError as exc:  # preparing the checkout in the temporary folder
        if exc.errno in DISK_FULL:
            log(folder_problem(exc, site_dir))
        else:
            log(f"无法准备 {args.as_of} 时的内容（{exc.filename or ''}：{exc.strerror or exc}）；未生成网站。")
        return 2
    finally:
        if tmp is not None:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tmp)], capture_output=True)
            subprocess.run(["git", "-C", str(root), "worktree", "prune"], capture_output=True)
            shutil.rmtree(tmp.parent, ignore_errors=True)


def cmd_fix(args: argparse.Namespace) -> int:
    """Rewrite files with personal numbers masked and nothing else changed."""
    from .pii import fix_files

    refused: list[str] = []
    fix_files(_root(args), [Path(p) for p in args.mask], refused)
    if refused:
        # A script or the clerk's next step must not take "ran" for "masked".
        print(f"有 {len(refused)} 个文件没有遮挡完（原因见上）；其中的号码请手工遮挡。", file=sys.stderr)
        return 1
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Rebuild from git what a published site says it was built from, and name every page that differs."""
    from .manifest import verify_command
    from .site import LOCK_WAIT, SiteDirError, reading_site

    is_url = args.target.startswith(("http://", "https://"))
    wait = LOCK_WAIT if args.lock_timeout is None else args.lock_timeout
    try:
        # A folder is read only while no build writes it: it would differ halfway through a swap.
        with nullcontext() if is_url else reading_site(Path(args.target), wait):
            return verify_command(_root(args), args.target, args.county)
    except SiteDirError as exc:
        print(str(exc), file=sys.stderr)
        return 2


def cmd_codeowners(args: argparse.Namespace) -> int:
    """Write .github/CODEOWNERS from the units' owners in the county files."""
    from .owners import write_codeowners

    print(write_codeowners(_root(args)))
    return 0


def _emit(text: str, args: argparse.Namespace) -> None:
    """Print a report, and write it where --output and --step-summary ask (the forge's job summary appends)."""
    import os

    if getattr(args, "output", None):
        Path(args.output).write_text(text, encoding="utf-8")
    summary = os.environ.get("GITHUB_STEP_SUMMARY") if getattr(args, "step_summary", False) else None
    if summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write(text + ("" if text.endswith("\n") else "\n"))
    print(text, end="" if text.endswith("\n") else "\n")


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", metavar="FILE", help="同时把报告写入文件 FILE")
    p.add_argument("--step-summary", action="store_true", help="同时追加到 CI 任务摘要（$GITHUB_STEP_SUMMARY）")


def cmd_diff(args: argparse.Namespace) -> int:
    """What changed between two revisions or dates, per county and unit; with --base, what a change does."""
    from . import history
    from .changes import between, render_between, render_markdown

    root = _root(args)
    if bool(args.a) == bool(args.base):
        print("请给出要比较的两个版本（diff 起 止），或用 --base 与分支的起点比较（diff --base origin/main）", file=sys.stderr)
        return 2
    project = check(root)
    try:
        if args.base:
            base = history.resolve(root, args.base)
            a = base if base == history.EMPTY_TREE else history.git(root, "merge-base", base, "HEAD").strip() or base
            b = "HEAD"
        else:
            a, b = args.a, args.b
        differences = between(project, root, a, b)
    except history.HistoryError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (OSError, subprocess.CalledProcessError):
        print(f"无法与「{args.base}」比较：它与当前分支没有共同的历史（或这里不是 git 仓库）", file=sys.stderr)
        return 2
    if args.format == "markdown":
        from .owners import check_codeowners

        check_codeowners(project)  # the summary lists what `check` would
        findings = list(project.findings)
        if args.base:
            findings += change_findings(project, args.base, args.unit or [], args.owner)
        _emit(render_markdown(differences, project, findings, preview=args.preview_url or "", preview_note=args.preview_note or ""), args)
        return 0
    _emit(render_between(differences, project, args.format), args)
    return 0


def cmd_deadlines(args: argparse.Namespace) -> int:
    """Overdue and late disclosures of periodic items, per county (what the 公开时限 pages show)."""
    import datetime as dt
    import json

    from . import deadlines

    project = check(_root(args))
    try:
        on = dt.date.fromisoformat(args.on) if args.on else dt.datetime.now(deadlines.CHINA).date()
    except ValueError:
        print(f"日期「{args.on}」应写成 YYYY-MM-DD", file=sys.stderr)
        return 2
    wanted = args.county or list(project.counties)
    unknown = [c for c in wanted if c not in project.counties]
    if unknown:
        print(f"没有这个县（市、区）：{'、'.join(unknown)}；可选：{'、'.join(project.counties)}", file=sys.stderr)
        return 2
    results = {c: deadlines.assess(project, project.counties[c], on) for c in wanted}
    if args.format == "json":
        text = json.dumps({c: deadlines.as_json(a) for c, a in results.items()}, ensure_ascii=False, indent=1)
    elif args.format == "markdown":  # the nightly job summary an office reads
        text = f"## 公开时限（按 {on.isoformat()} 计）\n\n" + "\n\n".join(
            f"### {project.counties[c].name}（{c}）\n\n```text\n{deadlines.render_terminal(project.counties[c], a)}\n```"
            for c, a in results.items()
        )
    else:
        text = "\n\n".join(deadlines.render_terminal(project.counties[c], a) for c, a in results.items())
    _emit(text, args)
    return 0


def cmd_counties(args: argparse.Namespace) -> int:
    """The counties in content/counties/ (the publishing matrix), or those a change touches."""
    import json

    from . import forge

    root = _root(args)
    if args.touched:
        ids = forge.touched_counties(root, args.touched)
        if ids is None:
            print(f"找不到用来比较的版本「{args.touched}」（或这里不是 git 仓库）", file=sys.stderr)
            return 2
    else:
        ids = forge.county_ids(root)
    if args.format == "json":
        print(json.dumps(ids))
    elif args.format == "output":  # a line for $GITHUB_OUTPUT
        print(f"counties={json.dumps(ids)}")
    else:
        print(" ".join(ids))
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    """Build only the counties a change touches (since --base), for the pull request's preview."""
    from . import forge
    from .site import build_all, log

    root = _root(args)
    ids = forge.touched_counties(root, args.base)
    if ids is None:
        log(f"找不到用来比较的版本「{args.base}」（或这里不是 git 仓库）")
        return 2
    site_dir = Path(args.site_dir).resolve()
    site_dir.mkdir(parents=True, exist_ok=True)
    if not ids:
        log("这次修改不涉及任何县（市、区）的网站，没有需要预览的页面。")
        (site_dir / "index.html").write_text("<p>这次修改不涉及任何县（市、区）的网站。</p>\n", encoding="utf-8")
        return 0
    log("预览：" + "、".join(ids))
    return build_all(root, site_dir, counties=ids, search=not args.no_search)


def cmd_portal(args: argparse.Namespace) -> int:
    """Build only the portal page into a site folder whose county sites were built elsewhere (a matrix job)."""
    from .findings import render_terminal
    from .site import build_portal, log

    project = check(_root(args))
    if project.findings.errors:
        log(render_terminal(project.findings))
        log("有错误，未生成门户；已发布的网站保持不变。")
        return 1
    site_dir = Path(args.site_dir).resolve()
    missing = [c for c in project.counties if not (site_dir / c / "index.html").exists()]
    if missing:
        log(f"{site_dir} 中缺少这些县（市、区）的网站：{'、'.join(missing)}；门户未生成。")
        return 1
    build_portal(project, site_dir)
    log(f"门户：{site_dir / 'index.html'}")
    return 0


def cmd_comment(args: argparse.Namespace) -> int:
    """Post the reviewer's summary as the pull request's one comment, updating it on later pushes."""
    from . import forge

    try:
        done = forge.post_summary_from_env(Path(args.body_file), args.pr, args.api_url, args.repository)
    except forge.ForgeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except OSError:
        print(f"读不到摘要文件「{args.body_file}」：请先运行 diff --format markdown --output 生成", file=sys.stderr)
        return 1
    print("已更新拉取请求中的检查摘要。" if done == "updated" else "已在拉取请求中发布检查摘要。")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """Write a new record for a unit and a catalogue item, with every field to fill marked."""
    from .load import load
    from .scaffold import ScaffoldError, write

    project = load(_root(args))
    try:
        path = write(project, args.unit, args.item, args.period)
    except ScaffoldError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except FileExistsError as exc:
        print(f"文件已经存在，没有覆盖：{exc.filename}", file=sys.stderr)
        return 2
    rel = path.relative_to(project.root).as_posix()
    print(rel)
    print(f"已生成 {rel}：请填写标有「← 请填写」的项目，然后运行 python build.py check。", file=sys.stderr)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    """Records (and table rows) that meet every condition of a filter."""
    from . import query

    project = check(_root(args))
    try:
        conditions = query.parse(args.conditions, query.known_fields(project))
    except query.QueryError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(query.render(project, query.run(project, conditions), args.format))
    return 0


def _inspection_scope(args: argparse.Namespace, project) -> tuple[list[str], object] | None:
    """(counties, judging date) from --county and --as-of, or None after a Chinese message."""
    import datetime as dt

    from . import deadlines

    wanted = args.county or list(project.counties)
    unknown = [c for c in wanted if c not in project.counties]
    if unknown:
        print(f"没有这个县（市、区）：{'、'.join(unknown)}；可选：{'、'.join(project.counties)}", file=sys.stderr)
        return None
    try:
        on = dt.date.fromisoformat(args.as_of) if args.as_of else dt.datetime.now(deadlines.CHINA).date()
    except ValueError:
        print(f"日期「{args.as_of}」应写成 YYYY-MM-DD", file=sys.stderr)
        return None
    unit = getattr(args, "unit", None)
    if unit and not any(unit in project.counties[c].units for c in wanted):
        units = sorted({u for c in wanted for u in project.counties[c].units})
        print(f"所选县（市、区）中没有单位「{unit}」；可选：{'、'.join(units)}", file=sys.stderr)
        return None
    year = getattr(args, "year", None)
    if year and not (len(year) == 4 and year.isdigit()):
        print(f"年份「{year}」应写成四位数字，例如 2013", file=sys.stderr)
        return None
    return wanted, on


def cmd_stats(args: argparse.Namespace) -> int:
    """Records per county, category, year and unit; modes; withdrawals and corrections; on-time rates."""
    from . import stats

    project = check(_root(args))
    scope = _inspection_scope(args, project)
    if scope is None:
        return 2
    counties, on = scope
    print(stats.render(project, stats.compute(project, counties, on, args.year, args.unit), args.format))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    """The 督查 report: every problem grouped by inspector category, per unit, and a heat map of months."""
    from . import inspection

    root = _root(args)
    project = check(root)
    scope = _inspection_scope(args, project)
    if scope is None:
        return 2
    if args.months < 1 or args.months > 240:
        print("--months 应在 1 到 240 之间", file=sys.stderr)
        return 2
    counties, on = scope
    report = inspection.build(project, counties, on, args.months)
    theme = root / "theme" if (root / "theme" / "inspect-report.html").exists() else Path(__file__).resolve().parent.parent / "theme"
    print(inspection.render(project, report, args.format, theme))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Build one county and serve the site folder on localhost for a preview."""
    import functools
    import http.server

    from .site import build_all

    site_dir = Path(args.site_dir).resolve()
    status = build_all(_root(args), site_dir, counties=[args.county], search=True, lock_wait=args.lock_timeout)
    if status:
        return status
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as exc:
        print(f"无法在端口 {args.port} 上预览（{exc.strerror or exc}）；可用 --port 换一个端口。", file=sys.stderr)
        return 2
    with server:
        print(f"预览地址：http://127.0.0.1:{args.port}/{args.county}/  （Ctrl+C 结束）")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    """Serve one unit's form editor on 127.0.0.1 with decap-server writing into this repository."""
    import functools
    import http.server
    import tempfile

    from . import editor
    from .load import load

    root = _root(args).resolve()
    county, _, unit = args.unit.partition("/")
    project = load(root)
    known = project.counties.get(county)
    if known is None or unit not in known.units:
        choices = "、".join(f"{c}/{u}" for c, k in project.counties.items() for u in k.units)
        print(f"找不到单位「{args.unit}」。可选：{choices}", file=sys.stderr)
        return 2
    mode = "git" if (root / ".git").exists() else "fs"
    try:
        server = editor.start_decap_server(root, args.server_port, mode=mode)
    except (OSError, RuntimeError) as e:
        print(f"无法启动 decap-server：{e}（先运行 make site 安装）", file=sys.stderr)
        return 1
    try:
        with tempfile.TemporaryDirectory(prefix="gongkai-edit-") as tmp:
            editor.write_local_editor(project, county, unit, Path(tmp), f"http://127.0.0.1:{args.server_port}/api/v1")
            handler = functools.partial(editor.QuietHandler, directory=tmp)
            with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as httpd:
                print(f"{known.units[unit].name}的信息维护页面：http://127.0.0.1:{args.port}/admin/{unit}/", flush=True)
                print("保存的内容直接写入本仓库" + ("（每份草稿一个分支，发布时合并）" if mode == "git" else "") + "。按 Ctrl+C 结束。", flush=True)
                try:
                    httpd.serve_forever()
                except KeyboardInterrupt:
                    pass
    finally:
        editor.stop(server)
    print("信息维护服务已停止。", flush=True)
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser; `build` is the default command."""
    # --root is accepted before or after the command (build.py --root X check, build.py check --root X).
    argzh.install()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=argparse.SUPPRESS, help="仓库文件夹（默认：当前文件夹）")
    p = argparse.ArgumentParser(prog="build.py", description="公开（Gongkai）：检查公开记录，生成各县（市、区）公开网站。不写命令时即为 build。")
    p.add_argument("--root", default=".", help="仓库文件夹（默认：当前文件夹）")
    p.add_argument("--as-of", dest="top_as_of", help="按某一日期或版本时的内容生成网站")
    sub = p.add_subparsers(dest="command", title="命令", metavar="命令", help="下列之一；每个命令的说明见 build.py 命令 -h")

    b = sub.add_parser("build", parents=[common], help="检查并生成网站（默认命令）")
    b.add_argument("--site-dir", default="site", help="输出文件夹（默认 site）")
    b.add_argument("--county", action="append", help="只生成这个县（可写多次）")
    b.add_argument("--no-search", action="store_true", help="不生成搜索索引")
    b.add_argument("--as-of", help="按某一日期（YYYY-MM-DD）或版本时的内容生成网站")
    b.add_argument("--lock-timeout", type=float, default=None, metavar="SECONDS", help=LOCK_HELP)
    b.add_argument(
        "--previous", metavar="SITE",
        help="正在运行的门户网站（文件夹或网址），其清单说明此前发布过什么；"
        "从仓库中消失的记录仍保留页面（发布时使用）",
    )
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", parents=[common], help="检查全部内容，列出每一个问题")
    c.add_argument("--format", choices=sorted(RENDERERS), default="terminal")
    c.add_argument("--strict", action="store_true", help="有提醒也算不通过")
    c.add_argument("--base", help="同时对照这个版本检查改动（合并请求的目标分支，如 origin/main）")
    c.add_argument(
        "--unit", action="append",
        help="与 --base 同用：改动超出该单位文件夹（<县>/<单位>）即不通过；可写多次",
    )
    c.add_argument(
        "--owner", metavar="@ACCOUNT",
        help="与 --base 同用：改动的提交者账号；只能改动 owners 中列有该账号的单位的文件夹"
        "（content/site.yml 中公开办的账号可以改动全部）",
    )
    c.add_argument("--cache", metavar="文件夹", help="记录检查结果的缓存文件夹（默认：仓库中的 .gongkai-cache/records/；环境变量 GONGKAI_CACHE 可另指缓存文件夹）")
    c.add_argument("--no-cache", action="store_true", help="不读也不写缓存，全部重新检查")
    c.set_defaults(func=cmd_check)

    f = sub.add_parser("fix", parents=[common], help="把文件中的个人号码改为遮挡形式")
    f.add_argument("--mask", nargs="+", required=True, metavar="PATH", help="记录或附件文件（或文件夹）")
    f.set_defaults(func=cmd_fix)

    v = sub.add_parser("verify", parents=[common], help="把已发布的网站（文件夹或网址）与按仓库重新生成的结果逐一比对")
    v.add_argument("target", metavar="网站", help="网站文件夹（门户或某县）或其 http(s) 网址")
    v.add_argument("--county", help="只比对这个县")
    v.add_argument("--lock-timeout", type=float, default=None, metavar="SECONDS", help=LOCK_HELP)
    v.set_defaults(func=cmd_verify)

    o = sub.add_parser("codeowners", parents=[common], help="根据各县文件生成 .github/CODEOWNERS")
    o.set_defaults(func=cmd_codeowners)

    d = sub.add_parser("diff", parents=[common], help="两个版本或日期之间改了什么")
    d.add_argument("a", nargs="?", metavar="起", help="起：版本、YYYY-MM-DD 或 'YYYY-MM-DD HH:MM'（北京时间）")
    d.add_argument("b", nargs="?", default="HEAD", metavar="止", help="止：版本或日期（默认 HEAD）")
    d.add_argument("--base", help="代替起止：本分支自离开 BASE（合并请求的目标分支）以来的改动")
    d.add_argument("--format", choices=["terminal", "json", "markdown"], default="terminal",
                   help="markdown：给审核人的合并请求摘要，含 check --base 发现的问题")
    d.add_argument("--owner", metavar="@ACCOUNT", help="markdown 与 --base 同用：同时检查提交者的权限范围（同 check --owner）")
    d.add_argument("--unit", action="append", help="markdown 与 --base 同用：同时检查这些单位的范围（同 check --unit）")
    d.add_argument("--preview-url", help="预览网站的地址：每条记录链接到那里的页面")
    d.add_argument("--preview-note", help="摘要中说明到哪里取预览的一行字")
    _output_options(d)
    d.set_defaults(func=cmd_diff)

    t = sub.add_parser("deadlines", parents=[common], help="各县定期公开事项中逾期未公开或公开迟了的")
    t.add_argument("--county", action="append", help="只看这个县（可写多次）")
    t.add_argument("--on", help="按这一天判断，YYYY-MM-DD（默认：北京时间今天）")
    t.add_argument("--format", choices=["terminal", "json", "markdown"], default="terminal")
    _output_options(t)
    t.set_defaults(func=cmd_deadlines)

    m = sub.add_parser("counties", parents=[common], help="列出各县（发布矩阵），或某次改动涉及的县")
    m.add_argument("--format", choices=["text", "json", "output"], default="text",
                   help="json：JSON 列表；output：写给 $GITHUB_OUTPUT 的 counties=<JSON>")
    m.add_argument("--touched", metavar="BASE", help="只列出自 BASE 以来的改动会改变其网站的县")
    m.set_defaults(func=cmd_counties)

    pv = sub.add_parser("preview", parents=[common], help="只生成改动涉及的县（合并请求预览）")
    pv.add_argument("--base", required=True, help="合并请求的目标分支，如 origin/main")
    pv.add_argument("--site-dir", default="site-preview", help="输出文件夹（默认 site-preview）")
    pv.add_argument("--no-search", action="store_true", help="不生成搜索索引")
    pv.set_defaults(func=cmd_preview)

    po = sub.add_parser("portal", parents=[common], help="在各县分别生成的网站之上生成门户页")
    po.add_argument("--site-dir", default="site", help="各县网站所在的输出文件夹（默认 site）")
    po.set_defaults(func=cmd_portal)

    cm = sub.add_parser("comment", parents=[common], help="在合并请求上发表或更新摘要评论（CI 使用）")
    cm.add_argument("--pr", type=int, required=True, help="合并请求的编号")
    cm.add_argument("--body-file", required=True, help="diff --format markdown 写出的摘要文件")
    cm.add_argument("--api-url", help="代码托管平台的 REST API，如 https://api.github.com 或 https://git.example/api/v1（默认：$GITHUB_API_URL）")
    cm.add_argument("--repository", metavar="OWNER/NAME", help="仓库（默认：$GITHUB_REPOSITORY）")
    cm.set_defaults(func=cmd_comment)

    n = sub.add_parser("new", parents=[common], help="新建一条待填写的记录")
    n.add_argument("unit", metavar="COUNTY/UNIT", help="单位，如 xiangcheng/sm-liuzhuang")
    n.add_argument("item", metavar="事项", help="目录事项编号，如 finance-ledger")
    n.add_argument("--period", help="定期事项的所属期间：2014-01、2014-Q1、2014-H1 或 2014（默认：下一期）")
    n.set_defaults(func=cmd_new)

    q = sub.add_parser(
        "query", parents=[common], help="查询满足条件（字段=值 …）的记录和表格行",
        description="查询记录：条件写成 字段 比较符号 值（= != >= <= > < ~），全部满足的记录及其符合条件的表格行。"
        "例如 category=government item=power-item steps.risk=高；county=xuchangxian period>=2013-01。",
    )
    q.add_argument("conditions", nargs="*", metavar="条件", help="条件，如 county=xuchangxian steps.risk=高 period>=2013-01")
    q.add_argument("--format", choices=["table", "csv", "json"], default="table")
    q.set_defaults(func=cmd_query)

    st = sub.add_parser(
        "stats", parents=[common], help="统计：各县按类别、年份、单位的记录数，更正，按时率",
        description="统计：各县（市、区）按类别、年份、单位的公开记录数，公开方式，撤回和更正，定期公开事项按时率，依申请公开办理情况。",
    )
    st.add_argument("--county", action="append", help="只看这个县（可写多次）")
    st.add_argument("--year", help="只统计这一年发布的记录，如 2013")
    st.add_argument("--unit", help="只统计这个单位（单位编号）")
    st.add_argument("--as-of", help="按这一天判断公开时限，YYYY-MM-DD（默认：北京时间今天）")
    st.add_argument("--format", choices=["table", "json", "csv"], default="table")
    st.set_defaults(func=cmd_stats)

    ins = sub.add_parser(
        "inspect", parents=[common], help="督查报告：按督查类别和单位列出全部问题，附热力图",
        description="督查报告：按督查类别（公开不及时、内容不全、数据不一致……）和单位汇总发现的全部问题，并画出各单位逐月应公开和实际公开情况。",
    )
    ins.add_argument("--county", action="append", help="只看这个县（可写多次）")
    ins.add_argument("--as-of", help="按这一天判断，YYYY-MM-DD（默认：北京时间今天）")
    ins.add_argument("--months", type=int, default=24, help="热力图显示的月数，截至 --as-of 所在月（默认 24）")
    ins.add_argument("--format", choices=["table", "html", "csv", "json"], default="table")
    ins.set_defaults(func=cmd_inspect)

    s = sub.add_parser("serve", parents=[common], help="生成一个县并在本机预览")
    s.add_argument("county", metavar="县", help="县的编号，如 xiangcheng")
    s.add_argument("--port", type=int, default=8000, help="预览端口（默认 8000）")
    s.add_argument("--site-dir", default="site", help="输出文件夹（默认 site）")
    s.add_argument("--lock-timeout", type=float, default=None, metavar="SECONDS", help=LOCK_HELP)
    s.set_defaults(func=cmd_serve)

    e = sub.add_parser("edit", parents=[common], help="在本机打开一个单位的信息维护表单（decap-server）")
    e.add_argument("unit", metavar="县/单位", help="<县>/<单位>，如 xiangcheng/sm-dongguan")
    e.add_argument("--port", type=int, default=8080, help="表单页面的端口")
    e.add_argument("--server-port", type=int, default=8081, help="decap-server 的端口")
    e.set_defaults(func=cmd_edit)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse arguments and run the command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    p = parser()
    args = p.parse_args(argv)
    if args.command is None:
        args = p.parse_args(argv + ["build"])
    if getattr(args, "top_as_of", None) and args.command == "build" and not args.as_of:
        args.as_of = args.top_as_of
    if (getattr(args, "lock_timeout", None) or 0) < 0:
        p.error("--lock-timeout 不能是负数")
    # SIGTERM (a CI job cancelled, a service stopped) and SIGHUP (the terminal closed)
    # unwind like Ctrl+C, so a build removes what it half wrote instead of leaving it to
    # fill the disk.
    import threading

    in_main = threading.current_thread() is threading.main_thread()
    stops = (signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _interrupt) for sig in stops} if in_main else {}
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("已中断；未完成的部分已清除，已发布的网站保持不变。", file=sys.stderr)
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
