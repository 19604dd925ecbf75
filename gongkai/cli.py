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

    q = sub.add_parser(
        "query", parents=[common], help="records and table rows that meet conditions (字段=值 …)",
        description="查询记录：条件写成 字段 比较符号 值（= != >= <= > < ~），全部满足的记录及其符合条件的表格行。"
        "例如 category=government item=power-item steps.risk=高；county=xuchangxian period>=2013-01。",
    )
    q.add_argument("conditions", nargs="*", help="conditions such as county=xuchangxian steps.risk=高 period>=2013-01")
    q.add_argument("--format", choices=["table", "csv", "json"], default="table")
    q.set_defaults(func=cmd_query)

    st = sub.add_parser(
        "stats", parents=[common], help="records per county, category, year and unit; corrections; on-time rates",
        description="统计：各县（市、区）按类别、年份、单位的公开记录数，公开方式，撤回和更正，定期公开事项按时率，依申请公开办理情况。",
    )
    st.add_argument("--county", action="append", help="only this county (repeatable)")
    st.add_argument("--year", help="only records published in this year, e.g. 2013")
    st.add_argument("--unit", help="only this unit (its id)")
    st.add_argument("--as-of", help="judge deadlines at this date, YYYY-MM-DD (default: today in China)")
    st.add_argument("--format", choices=["table", "json", "csv"], default="table")
    st.set_defaults(func=cmd_stats)

    ins = sub.add_parser(
        "inspect", parents=[common], help="the 督查 report: every problem by inspector category and unit, with a heat map",
        description="督查报告：按督查类别（公开不及时、内容不全、数据不一致……）和单位汇总发现的全部问题，并画出各单位逐月应公开和实际公开情况。",
    )
    ins.add_argument("--county", action="append", help="only this county (repeatable)")
    ins.add_argument("--as-of", help="judge at this date, YYYY-MM-DD (default: today in China)")
    ins.add_argument("--months", type=int, default=24, help="months shown in the heat map, ending with the month of --as-of (default 24)")
    ins.add_argument("--format", choices=["table", "html", "csv", "json"], default="table")
    ins.set_defaults(func=cmd_inspect)

    s = sub.add_parser("serve", parents=[common], help="build one county and preview it on localhost")
    s.add_argument("county")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--site-dir", default="site")
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
    return int(args.func(args) or 0)
