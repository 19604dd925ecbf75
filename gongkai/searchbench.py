"""Search benchmark: a synthetic county, a fixed set of Chinese queries, headless Chromium.

    python -m gongkai.searchbench --records 20000
    python -m gongkai.searchbench --records 20000 --keep /tmp/bench-site   # keep the site
    python -m gongkai.searchbench --site /tmp/bench-site                     # measure it again
    python -m gongkai.searchbench --site /tmp/bench-site --counties 5        # the portal over 5 counties

With --counties N the queries run on the portal's search page, which reads N counties'
indexes and merges their results: the county is published N times under N names (bench,
bench2, …; symbolic links to the one built), so each query reads N indexes of --records
records each and finds N times the results (building N different counties of 20,000
records takes too long for a benchmark run on a small machine).

The county comes from gongkai.bench.write_county (names, villages, subsidy terms, 文号
with near misses, ledgers) and is built like any county (MkDocs and the search index side
by side). Each query runs in a fresh browser context on the county's search page, as a
reader would type it; the page marks the time from the query to its first 10 results on
screen (title, unit, date), and to the excerpt under each. For each query the benchmark
prints recall (of every record whose text contains the query), precision of the first 10
as first shown, those times, and the bytes the query downloaded (Playwright's response
body sizes under search-index/, after the page and meta.json have loaded). Then the same
per kind of query. The build prints the indexer's time and peak memory (its own process).

Ground truth is computed here, from each record's indexed text, independently of the index:
a record is relevant when its text contains the query once both are normalised (NFKC,
lower case, punctuation and spaces dropped except between two numbers or words), with
numbers and Latin words matched whole (12号 is not in 112号).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .search import BUNDLE, HAN, continues, date_spelling, query_pieces, segments, units

_WORD = f"[^\\W_{HAN}]"


def normalise(text: str) -> str:
    """Text as the ground truth compares it: NFKC, lower case, punctuation and spaces
    dropped except one space between two numbers or words."""
    spaced = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).lower())
    return re.sub(f"(?<=[{HAN}]) | (?=[{HAN}])", "", spaced).strip()


def query_terms(query: str) -> list[tuple[str, bool]]:
    """The terms of a query (quoted phrases and whitespace-separated words), each with
    whether its last number or word may continue: unquoted, and something before it."""
    found = re.findall(r'(["“”「」『』])([^"“”「」『』]*)["“”「」『』]?|([^\s"“”「」『』]+)', query)
    # Sentence punctuation ends a term as a space does (no key runs across it: search.segments).
    return [(term, not quote and continues(units(term)))
            for quote, quoted, bare in found for piece in query_pieces(quoted or bare) if (term := normalise(date_spelling(piece)))]


def relevant(text: str, query: str) -> bool:
    """Whether a record's text contains every term of the query (the ground truth)."""
    parts = [normalise(part) for part in segments(text)]
    for term, prefix in query_terms(query):
        pattern = re.escape(term)
        if re.match(_WORD, term):
            pattern = f"(?<!{_WORD})" + pattern
        if re.search(_WORD + "$", term) and not prefix:
            pattern += f"(?!{_WORD})"
        if not any(re.search(pattern, part) for part in parts):
            return False
    return True


@dataclass
class Query:
    """One benchmark query and the kind of thing a citizen looks for with it."""

    kind: str
    text: str
    filters: dict[str, str] | None = None


def queries(records: list[dict]) -> list[Query]:
    """The fixed query set, completed with values taken from the county's own records."""
    ledger = next(r for r in records if "财务收支" in r["title"])
    amount = re.findall(r"\b\d+\.\d\d\b", ledger["text"])[0]
    # A site whose records carry no 索引号 (an index written without indexno.assign) skips that query.
    index_no = next((m.group(0) for r in records if "通知" in r["title"] and (m := re.search(r"\b\w+/\d{4}-\d{5}\b", r["text"]))), None)
    village = next(r["unit"] for r in records if r["unit"].endswith("村村民委员会"))
    return [
        Query("人名", "许振华"),
        Query("人名", "欧阳振华"),
        Query("复合词", "护林员"),
        Query("复合词", "一卡通"),
        Query("长词", "耕地地力保护补贴"),
        Query("跨词片段", "农补"),
        Query("跨词片段", "地力保"),
        Query("引号短语", '"行政许可"'),
        Query("引号短语", "“村务监督委员会”"),
        Query("文号", "许政〔2013〕12号"),
        Query("文号", "许政[2013]121号"),
        Query("数字开头", "许政〔2013〕1"),
        Query("数字开头", "张家寨村20"),
        *([Query("索引号", index_no)] if index_no else []),
        Query("单位全称", "基准县人民政府办公室"),
        Query("单位全称", village),
        Query("村名", "张家寨"),
        Query("村名", "刘营村"),
        Query("台账数字", amount),
        Query("单字", "许"),
        Query("几乎每页都有", "村民"),
        Query("多词", "护林员 2015"),
        Query("筛选", "一卡通", {"单位": village}),
    ]


class _Handler(http.server.SimpleHTTPRequestHandler):
    # Keep-alive and no Nagle delay, as any production web server.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass


def _serve_forever(folder: str) -> None:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=folder))
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve a folder on a free localhost port from a process of its own (so the server
    does not wait for the browser driver's thread); yields its base URL."""
    package_root = str(Path(__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, {package_root!r}); from gongkai.searchbench import _serve_forever; _serve_forever({str(folder)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().strip()
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.kill()
        proc.wait()


@dataclass
class Result:
    """What one run of one query gave."""

    query: Query
    expected: int
    found: int
    recall: float
    p10: float
    ms: float
    excerpts_ms: float
    kb: float


def read_records(county: Path) -> list[dict]:
    """The records as the index holds them, by id: address, title, unit, date and text."""
    bundle = county / BUNDLE
    meta = json.loads((bundle / "meta.json").read_text("utf-8"))
    out = []
    for n in range(0, meta["records"], meta["block"]):
        block = json.loads((bundle / "c" / f"{n // meta['block']}.json").read_text("utf-8"))
        for url, title, unit, date in block["cards"]:
            text = json.loads((bundle / "r" / f"{len(out)}.json").read_text("utf-8"))["text"]
            out.append({"url": url, "title": title, "unit": block["units"][unit], "date": date, "text": text})
    return out


def measure(county: Path, base: str, qs: list[Query], runs: int, counties: int = 1) -> list[list[Result]]:
    """Run each query `runs` times in Chromium, each in a fresh browser context: on the
    county's search page at `base`, or (counties > 1) on the portal's there."""
    from playwright.sync_api import sync_playwright

    records = read_records(county)
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                          "--disable-background-networking", "--disable-component-update"])
        for q in qs:
            urls = {r["url"] for r in records if relevant(r["text"] + "\n" + r.get("also", ""), q.text)}
            if q.filters:
                urls = {r["url"] for r in records if r["url"] in urls and r["unit"] == q.filters["单位"]}
            expected = {(c, u) for c in range(counties) for u in urls}  # (county, address)
            rows = []
            for _ in range(runs):
                context = browser.new_context(locale="zh-CN")
                page = context.new_page()
                address = base + "search/" + ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in q.filters.items()) if q.filters else "")
                page.goto(address)
                page.wait_for_selector("#gk-search[data-ready]")
                if q.filters:  # the page first lists what the filter alone finds; not measured
                    page.wait_for_function("performance.getEntriesByName('gk-search-excerpts').length > 0", timeout=60000)
                    page.evaluate("performance.clearMarks(); performance.clearMeasures()")
                finished = []
                page.on("requestfinished", lambda request, seen=finished: seen.append(request))
                page.fill("#gk-search-q", q.text)
                page.press("#gk-search-q", "Enter")
                page.wait_for_function("performance.getEntriesByName('gk-search-excerpts').length > 0", timeout=60000)
                ms = page.evaluate("performance.getEntriesByName('gk-search')[0].duration")
                excerpts_ms = page.evaluate("performance.getEntriesByName('gk-search-excerpts')[0].duration")
                by_county = page.evaluate("document.getElementById('gk-search').gkResultsBy")
                first = page.evaluate("document.getElementById('gk-search').gkFirst")  # as first shown, before any check
                size = sum(r.sizes()["responseBodySize"] for r in finished if f"/{BUNDLE}/" in r.url)
                context.close()
                got = {(c, records[i]["url"]) for c, ids in enumerate(by_county) for i in ids}
                top = [(c, records[i]["url"]) for c, i in first]
                recall = len(expected & got) / len(expected) if expected else 1.0
                p10 = sum(u in expected for u in top) / len(top) if top else (1.0 if not expected else 0.0)
                rows.append(Result(q, len(expected), len(got), recall, p10, ms, excerpts_ms, size / 1024))
            out.append(rows)
    return out


def report(results: list[list[Result]]) -> None:
    """Print one line per query, then one per kind and the totals."""
    print("\nms: from the query to its first 10 results on screen (title, unit, date); +excerpts: to the")
    print("excerpt under each of them too. KB: everything the query downloaded from search-index/.")
    print(f"\n{'kind':<8} {'query':<32} {'expected':>8} {'found':>7} {'recall':>7} {'P@10':>5} {'median ms':>9} "
          f"{'worst ms':>8} {'+excerpts':>9} {'KB':>6}")
    for rows in results:
        r0 = rows[0]
        label = r0.query.text + (f" +单位={r0.query.filters['单位']}" if r0.query.filters else "")
        print(f"{r0.query.kind:<8} {label:<32} {r0.expected:>8} {r0.found:>7} {min(r.recall for r in rows):>7.3f} "
              f"{min(r.p10 for r in rows):>5.2f} {statistics.median(r.ms for r in rows):>9.1f} "
              f"{max(r.ms for r in rows):>8.1f} {statistics.median(r.excerpts_ms for r in rows):>9.1f} {max(r.kb for r in rows):>6.1f}")
    print(f"\n{'kind':<8} {'recall':>7} {'P@10':>5} {'median ms':>9} {'worst ms':>8} {'+excerpts':>9} {'KB/query':>8}")
    kinds: dict[str, list[Result]] = {}
    for rows in results:
        kinds.setdefault(rows[0].query.kind, []).extend(rows)
    every = [r for rows in results for r in rows]
    for kind, rows in [*kinds.items(), ("all", every)]:
        print(f"{kind:<8} {min(r.recall for r in rows):>7.3f} {min(r.p10 for r in rows):>5.2f} "
              f"{statistics.median(r.ms for r in rows):>9.1f} {max(r.ms for r in rows):>8.1f} "
              f"{statistics.median(r.excerpts_ms for r in rows):>9.1f} {max(r.kb for r in rows):>8.1f}")
    print(f"median KB per query {statistics.median(r.kb for r in every):.1f}; runs per query {len(results[0])}")


def build(n: int, site_dir: Path) -> None:
    """Write a synthetic county of n records and build its site into site_dir/bench/."""
    from . import bench, indexno
    from .load import load
    from .site import build_county
    from .validate import validate

    tmp = Path(tempfile.mkdtemp(prefix=f"gongkai-searchbench-{n}-"))
    try:
        t = time.perf_counter()
        bench.write_county(tmp, n)
        project = load(tmp)
        validate(project)
        indexno.assign(project, indexno.ledger(project, tmp))
        errors = project.findings.errors
        if errors:
            raise SystemExit(f"synthetic content has {len(errors)} errors, first: {errors[0]}")
        print(f"{n} records written, loaded and validated in {time.perf_counter() - t:.1f} s", flush=True)
        site_dir.mkdir(parents=True, exist_ok=True)
        stages = build_county(project, project.counties["bench"], site_dir)
        print("build: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
        print(f"search index: {stages.get('search (in parallel)', 0):.1f} s in its own process, "
              f"peak memory {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def publish_portal(site_dir: Path, counties: int) -> None:
    """The county under `counties` names beside it (bench2, …: symbolic links) and the
    portal's search page over all of them, in site_dir."""
    from types import SimpleNamespace

    from . import engine
    from .pages.search import portal

    ids = ["bench"] + [f"bench{i}" for i in range(2, counties + 1)]
    for county in ids[1:]:
        link = site_dir / county
        if not link.exists():
            link.symlink_to("bench", target_is_directory=True)
    project = SimpleNamespace(counties={c: SimpleNamespace(id=c, name=f"基准县{i + 1}") for i, c in enumerate(ids)})
    work = Path(tempfile.mkdtemp(prefix="gongkai-searchbench-portal-"))
    try:
        # MkDocs empties the folder it builds into: build the portal aside, then copy it in.
        engine.build_site(Path(__file__).resolve().parent.parent, work / "site", site_name="基准测试门户", site_url="",
                          footer={}, pages=[portal(project)], assets=[], nav=[{"搜索": "search/index.md"}])
        for part in ("search", "assets"):
            shutil.rmtree(site_dir / part, ignore_errors=True)
            shutil.copytree(work / "site" / part, site_dir / part)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def describe(county: Path) -> None:
    """The index's size beside what one page load downloads."""
    bundle = county / BUNDLE
    meta = json.loads((bundle / "meta.json").read_text("utf-8"))
    index = sum(f.stat().st_size for f in (bundle / "t").iterdir())
    records = sum(f.stat().st_size for f in (bundle / "r").iterdir())
    script = (county / "assets" / "gongkai-search.js").stat().st_size
    print(f"index: {meta['records']} records, {meta['buckets']} key files, {index / 1e6:.1f} MB (+ {records / 1e6:.1f} MB of record files); "
          f"page load: gongkai-search.js {script / 1024:.1f} KB + meta.json {(bundle / 'meta.json').stat().st_size / 1024:.1f} KB")


def main(argv: list[str] | None = None) -> int:
    """Command line: build (or reuse) a county, run the query set, print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=20000)
    p.add_argument("--runs", type=int, default=3, help="fresh-browser runs of each query (default 3)")
    p.add_argument("--keep", type=Path, help="build the site into this folder and keep it")
    p.add_argument("--site", type=Path, help="measure a site built before with --keep (no build)")
    p.add_argument("--counties", type=int, default=1,
                   help="measure the portal's search over this many counties (the county under as many names)")
    args = p.parse_args(argv)
    folder = args.site or args.keep or Path(tempfile.mkdtemp(prefix="gongkai-searchbench-site-"))
    try:
        if not args.site:
            build(args.records, folder)
        county = folder / "bench"
        describe(county)
        records = read_records(county)
        if args.counties > 1:
            publish_portal(folder, args.counties)
            print(f"portal: {args.counties} counties of {len(records)} records each")
        with serve(folder) as base:
            results = measure(county, base + ("" if args.counties > 1 else "bench/"), queries(records), args.runs, args.counties)
        report(results)
        return 0
    finally:
        if not args.site and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
