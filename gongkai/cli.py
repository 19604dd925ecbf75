"""The command line behind build.py."""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import nullcontext
from pathlib import Path

from . import check
from .findings import RENDERERS

LOCK_HELP = "另一个生成正在写同一输出文件夹时，最多等它多少秒（默认 900；0 表示不等，直接退出）"


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
        previous_from=args.previous, lock_wait=args.lock_timeout,
    )


def build_as_of(args: argparse.Namespace) -> int:
    """The sites as they stood at a date or revision, built from that revision's content."""
    import shutil
    import subprocess
    import tempfile

    from . import history
    from .site import DISK_FULL, build_all, folder_problem, log, unusable_site_dir

    root = _root(args)
    site_dir = Path(args.site_dir if args.site_dir != "site" else f"site-as-of-{args.as_of}").resolve()
    problem = unusable_site_dir(site_dir, root)
    if problem:  # before checking out a whole revision
        log(problem)
        return 2
    try:
        sha = history.resolve(root, args.as_of)
    except history.HistoryError as exc:
        log(str(exc))
        return 2
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

    fix_files(_root(args), [Path(p) for p in args.mask])
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
    b.add_argument("--lock-timeout", type=float, default=None, metavar="SECONDS", help=LOCK_HELP)
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
    v.add_argument("--lock-timeout", type=float, default=None, metavar="SECONDS", help=LOCK_HELP)
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
    s.add_argument("--lock-timeout", type=float, default=None, metavar="SECONDS", help=LOCK_HELP)
    s.set_defaults(func=cmd_serve)
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
