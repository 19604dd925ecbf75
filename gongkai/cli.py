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

    return build_all(_root(args), Path(args.site_dir).resolve(), counties=args.county or None, search=not args.no_search)


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
    sub = p.add_subparsers(dest="command")

    b = sub.add_parser("build", parents=[common], help="validate and build the sites (default)")
    b.add_argument("--site-dir", default="site")
    b.add_argument("--county", action="append", help="build only this county (repeatable)")
    b.add_argument("--no-search", action="store_true", help="skip the search index")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", parents=[common], help="validate the content and list every problem")
    c.add_argument("--format", choices=sorted(RENDERERS), default="terminal")
    c.add_argument("--strict", action="store_true", help="warnings fail too")
    c.set_defaults(func=cmd_check)

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
    return int(args.func(args) or 0)
