"""The command line behind build.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import check
from .findings import RENDERERS


def _root(args: argparse.Namespace) -> Path:
    return Path(args.root).resolve()


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the content and print every finding; non-zero when any is an error."""
    project = check(_root(args))
    findings = project.findings
    if args.base:
        from .changes import check_against

        findings.extend(check_against(project, args.base))
    if args.unit:
        from .owners import unit_scope

        if not args.base:
            print("--unit 需要同时给出 --base（与哪个版本比较）", file=sys.stderr)
            return 2
        findings.extend(unit_scope(_root(args), args.base, args.unit, project))
    from .owners import check_codeowners

    check_codeowners(project)
    out = RENDERERS[args.format](findings)
    if out:
        print(out)
    failed = bool(findings.errors) or (args.strict and bool(findings))
    if args.format == "terminal" and not findings:
        print(f"共 {len(project.records)} 条记录。", file=sys.stderr)
    return 1 if failed else 0


def cmd_build(args: argparse.Namespace) -> int:
    """Validate, then build every county site (or the named ones) and the portal."""
    from .site import build_all

    if args.as_of:
        return build_as_of(args)
    return build_all(
        _root(args), Path(args.site_dir).resolve(), counties=args.county or None, search=not args.no_search,
        previous_from=args.previous,
    )


def build_as_of(args: argparse.Namespace) -> int:
    """The sites as they stood at a date or revision, built from that revision's content."""
    import shutil
    import subprocess
    import tempfile

    from . import history
    from .site import build_all, log

    root = _root(args)
    try:
        sha = history.resolve(root, args.as_of)
    except history.HistoryError as exc:
        log(str(exc))
        return 2
    site_dir = Path(args.site_dir if args.site_dir != "site" else f"site-as-of-{args.as_of}").resolve()
    tmp = Path(tempfile.mkdtemp(prefix="gongkai-as-of-")) / "tree"
    history.git(root, "worktree", "add", "--detach", str(tmp), sha)
    try:
        # Today's code, theme and catalogues would not be "as it stood": take them all from
        # that revision, except where it predates them (then today's engine files are used).
        for name in ("mkdocs.yml", "theme"):
            if not (tmp / name).exists():
                src = root / name
                (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp / name)
        log(f"按 {args.as_of}（提交 {sha[:8]}）时的内容生成网站 → {site_dir}")
        return build_all(tmp, site_dir, counties=args.county or None, search=not args.no_search, past=True)
    finally:
        subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tmp)], capture_output=True)
        shutil.rmtree(tmp.parent, ignore_errors=True)


def cmd_fix(args: argparse.Namespace) -> int:
    """Rewrite files with personal numbers masked and nothing else changed."""
    from .pii import fix_files

    fix_files(_root(args), [Path(p) for p in args.mask])
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Rebuild from git what a published site says it was built from, and name every page that differs."""
    from .manifest import verify_command

    return verify_command(_root(args), args.target, args.county)


def cmd_codeowners(args: argparse.Namespace) -> int:
    """Write .github/CODEOWNERS from the units' owners in the county files."""
    from .owners import write_codeowners

    print(write_codeowners(_root(args)))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """What changed between two revisions or dates, per county and unit."""
    from . import history
    from .changes import between, render_between

    root = _root(args)
    project = check(root)
    try:
        differences = between(project, root, args.a, args.b)
    except history.HistoryError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(render_between(differences, project, args.format))
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
        print(json.dumps({c: deadlines.as_json(a) for c, a in results.items()}, ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(deadlines.render_terminal(project.counties[c], a) for c, a in results.items()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Build one county and serve the site folder on localhost for a preview."""
    import functools
    import http.server

    from .site import build_all

    site_dir = Path(args.site_dir).resolve()
    status = build_all(_root(args), site_dir, counties=[args.county], search=True)
    if status:
        return status
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
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
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=argparse.SUPPRESS, help="repository folder (default: current folder)")
    p = argparse.ArgumentParser(prog="build.py", description="Gongkai: check disclosure records and build the county sites.")
    p.add_argument("--root", default=".", help="repository folder (default: current folder)")
    p.add_argument("--as-of", dest="top_as_of", help="build the sites as they stood at a date or revision")
    sub = p.add_subparsers(dest="command")

    b = sub.add_parser("build", parents=[common], help="validate and build the sites (default)")
    b.add_argument("--site-dir", default="site")
    b.add_argument("--county", action="append", help="build only this county (repeatable)")
    b.add_argument("--no-search", action="store_true", help="skip the search index")
    b.add_argument("--as-of", help="build the sites as they stood at a date (YYYY-MM-DD) or revision")
    b.add_argument(
        "--previous", metavar="SITE",
        help="the live portal (folder or URL) whose manifests say what was published before; "
        "records gone from git keep a page (for the publishing build)",
    )
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", parents=[common], help="validate the content and list every problem")
    c.add_argument("--format", choices=sorted(RENDERERS), default="terminal")
    c.add_argument("--strict", action="store_true", help="warnings fail too")
    c.add_argument("--base", help="also check the change against this revision (a pull request's base)")
    c.add_argument("--unit", help="with --base: fail when the change touches files outside this unit's folders (<county>/<unit>)")
    c.set_defaults(func=cmd_check)

    f = sub.add_parser("fix", parents=[common], help="rewrite files with personal numbers masked")
    f.add_argument("--mask", nargs="+", required=True, metavar="PATH", help="record or attachment files (or folders)")
    f.set_defaults(func=cmd_fix)

    v = sub.add_parser("verify", parents=[common], help="compare a published site (folder or URL) with a rebuild from git")
    v.add_argument("target", help="site folder (portal or one county) or its http(s) address")
    v.add_argument("--county", help="only this county")
    v.set_defaults(func=cmd_verify)

    o = sub.add_parser("codeowners", parents=[common], help="write .github/CODEOWNERS from the county files")
    o.set_defaults(func=cmd_codeowners)

    d = sub.add_parser("diff", parents=[common], help="what changed between two revisions or dates")
    d.add_argument("a", help="from: revision or YYYY-MM-DD")
    d.add_argument("b", nargs="?", default="HEAD", help="to: revision or YYYY-MM-DD (default HEAD)")
    d.add_argument("--format", choices=["terminal", "json"], default="terminal")
    d.set_defaults(func=cmd_diff)

    t = sub.add_parser("deadlines", parents=[common], help="periodic items overdue or published late, per county")
    t.add_argument("--county", action="append", help="only this county (repeatable)")
    t.add_argument("--on", help="judge at this date, YYYY-MM-DD (default: today in China)")
    t.add_argument("--format", choices=["terminal", "json"], default="terminal")
    t.set_defaults(func=cmd_deadlines)

    s = sub.add_parser("serve", parents=[common], help="build one county and preview it on localhost")
    s.add_argument("county")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--site-dir", default="site")
    s.set_defaults(func=cmd_serve)

    e = sub.add_parser("edit", parents=[common], help="open one unit's form editor on localhost (decap-server)")
    e.add_argument("unit", help="<county>/<unit>, for example xiangcheng/sm-dongguan")
    e.add_argument("--port", type=int, default=8080, help="the editor page's port")
    e.add_argument("--server-port", type=int, default=8081, help="decap-server's port")
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
    return int(args.func(args) or 0)
