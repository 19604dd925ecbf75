"""The pages of one county site, as engine-neutral values: each page is its kind (which
theme/ template draws it), its title and the data it shows.

Index pages (home, categories, units, catalogue items) have no source file: they are
generated here from the records, the way Material's blog plugin generates archives. No
page holds markup written here: theme/<template> draws each one, and its autoescape
escapes every value except the two made safe on purpose (a record's sanitised body and
the flowcharts drawn at build time). One module per kind of page:

    home      county home               listing    categories, units, the catalogue
    record    a record and its 修订记录   gone       deleted, lost and moved records
    changes   变更记录 and the feeds      deadlines  公开时限
    stats     统计 (county and portal)     inspection 督查报告 (portal)
    charts    SVG charts' values          search     the search page
    data      开放数据 (CSV and JSON downloads)
    conventions  信息公开指南, 信息公开年报, 依申请公开, 网站地图
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2

from .. import deadlines as deadlines_module
from ..changes import RecordHistory
from ..load import Project
from ..model import CATEGORIES, County, Record, Unit
from ..search import SearchDocument
from .body import body_html

__all__ = ["Asset", "CountySite", "Page", "RecordPageError", "body_html", "county_pages", "rel_url"]

PER_PAGE = 50

# Pages either side of the current one that the pager links by number. A list of 10,000
# records has 200 pages: linking them all would put 200 links on every page, which on a
# phone is a wall of numbers. First, last, previous, next and this window are enough.
PAGER_WINDOW = 2

THEME = Path(__file__).resolve().parent.parent.parent / "theme"

# The templates that draw pages (theme/<kind>.html) and their parts (theme/gk/). They are
# compiled with autoescape on; Material's own templates, and the copies of them in
# theme/partials, are not (they print values Material has already escaped).
TEMPLATES = frozenset(
    f"{kind}.html"
    for kind in (
        "home", "category", "units", "unit", "catalogue", "item", "record", "gone", "moved",
        "changes", "deadlines", "search", "portal", "stats", "inspection",
        "data", "entry", "apply", "sitemap",
    )
)


def autoescape(name: str | None) -> bool:
    """Whether a template escapes what it prints: Gongkai's page templates and parts do."""
    return bool(name) and (name in TEMPLATES or name.startswith("gk/"))


@dataclass
class Page:
    """One page of a county site: where it goes, its title, its kind and what it shows."""

    src: str  # e.g. government/guotu/2013-power-01.md
    title: str
    template: str  # the theme/ template that draws it, e.g. record.html
    data: dict[str, Any] = field(default_factory=dict)
    kind: str = "index"  # the layout: index | record (lean, no sidebar) | search | moved
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The page's address inside the site (directory URLs)."""
        return url_of_source(self.src)

    @property
    def kept_digest(self) -> str | None:
        """The page's hash (warm.page_digests) when it was taken from the cache with it and its
        data is unread (pages/memo.KeptPage); None for every page made in this build."""
        return None

    @property
    def content(self) -> str:
        """The page's article as HTML (what the template draws under the title)."""
        return render_content(self)


@dataclass
class Asset:
    """A file copied into the site as it is (an attachment), or made here (the feed)."""

    src: str
    path: Path | None = None
    content: bytes | None = None


def url_of_source(src: str) -> str:
    """The directory URL of a page source path: a/b.md -> a/b/, a/index.md -> a/."""
    stem = src[:-3]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def rel_url(from_url: str, to_url: str) -> str:
    """A relative link between two directory URLs of the same site.

    A 10,000-record county makes ~90,000 links, and posixpath.relpath (absolute paths,
    normalising, commonprefix) was a tenth of the page stage. Plain addresses (no '.', no
    empty segment) go by the prefixes of the page's own address; anything else by segments."""
    if "." in to_url or "//" in to_url or to_url[:1] == "/":
        return _rel_url_segments(from_url, to_url)
    prefixes = _prefixes(from_url)
    if prefixes is None:
        return _rel_url_segments(from_url, to_url)
    there = to_url if not to_url or to_url[-1] == "/" else to_url + "/"
    for prefix, up in prefixes:
        if there.startswith(prefix):
            target = "../" * up + there[len(prefix) :]
            break
    if not target:
        return "./"
    return target if to_url[-1:] == "/" else target[:-1]


@lru_cache(maxsize=1024)
def _prefixes(from_url: str) -> tuple[tuple[str, int], ...] | None:
    """The folders a page's address lies in, deepest first, each with how many '../' lead
    up to it; None for an address that is not plain."""
    if "." in from_url or "//" in from_url or from_url[:1] == "/":
        return None
    here = [p for p in from_url.split("/") if p]
    return tuple(("/".join(here[:i]) + "/" if i else "", len(here) - i) for i in range(len(here), -1, -1))


def _rel_url_segments(from_url: str, to_url: str) -> str:
    here = [p for p in from_url.split("/") if p]
    there = [p for p in to_url.split("/") if p]
    if any(p in (".", "..") for p in here) or any(p in (".", "..") for p in there):
        return _rel_url_normalised(from_url, to_url)
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    target = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    if to_url.endswith("/") and not target.endswith("/"):
        target += "/"
    return "./" if target in (".", "./") else target


def _rel_url_normalised(from_url: str, to_url: str) -> str:
    target = posixpath.relpath("/" + to_url, "/" + (from_url or "."))
    if to_url.endswith("/") and not target.endswith("/"):
        target += "/"
    return "./" if target in (".", "./") else target


@cache
def _environment() -> jinja2.Environment:
    # The engine renders the whole page through Material's main.html; without it (tests,
    # inspection) main.html is a stand-in holding only the article block.
    loader = jinja2.ChoiceLoader(
        [jinja2.DictLoader({"main.html": "{% block gk_page %}{% endblock %}"}), jinja2.FileSystemLoader(THEME)]
    )
    return jinja2.Environment(loader=loader, autoescape=autoescape, auto_reload=False)


def render_content(page: Page) -> str:
    """A page's article rendered with its template, without the engine's frame."""
    return _environment().get_template(page.template).render(gk=page.data, gk_title=page.title)


def render_macro(template: str, name: str, *args: Any) -> str:
    """One macro of a theme/ template rendered on its own (to inspect a part of a page)."""
    return str(getattr(_environment().get_template(template).module, name)(*args))


def render_partial(template: str, **values: Any) -> str:
    """A part of a page (a theme/gk/ template) rendered on its own with these values."""
    return _environment().get_template(template).render(**values)


def source_of_page(base: str, n: int) -> str:
    """The source path of page n of the list under base/ (page 1 is base/ itself)."""
    return f"{base}/index.md" if n == 1 else f"{base}/page/{n}.md"


def pager(base: str, here: str, n: int, total: int, count: int) -> dict[str, Any]:
    """上一页, the first and last page, the pages near n, 下一页, and how many entries.

    Each link is {href, text, rel}; the current page has no href; a gap is {gap: True}.
    """

    def link(m: int, text: str | None = None, rel: str = "") -> dict[str, Any]:
        if m == n and text is None:
            return {"text": str(m), "current": True}
        return {"href": rel_url(here, url_of_source(source_of_page(base, m))), "text": text or str(m), "rel": rel}

    shown = sorted({1, total, *range(max(1, n - PAGER_WINDOW), min(total, n + PAGER_WINDOW) + 1)})
    links = [link(n - 1, "上一页", "prev")] if n > 1 else []
    previous = 0
    for m in shown:
        if m - previous == 2:
            links.append(link(m - 1))  # "…" standing for one page hides a page for nothing
        elif m - previous > 2:
            links.append({"gap": True})
        links.append(link(m))
        previous = m
    if n < total:
        links.append(link(n + 1, "下一页", "next"))
    return {"count": count, "n": n, "total": total, "links": links}


def source_of_settled_page(base: str, k: int) -> str:
    """The source of page k of a list paged from its oldest entry (0: base/ itself, the newest)."""
    return f"{base}/index.md" if k == 0 else f"{base}/page/{k}.md"


def settled_pager(base: str, here: str, k: int, last: int, count: int, shown: int) -> dict[str, Any]:
    """The pager of a list whose pages stay put as it grows (CountySite.paged, settled=True).

    Page 0 is base/ and shows the newest entries; the older ones are on pages numbered from
    the oldest (1) up to `last`. Links run newest first, as the entries do: 上一页 (newer),
    最新, the pages near k, page 1, 下一页 (older). What a numbered page links depends on
    `last` only for the pages within PAGER_WINDOW + 2 of it, so a new entry changes the
    first page alone and a new numbered page a few more, not all of them.
    """

    def link(m: int, text: str | None = None, rel: str = "") -> dict[str, Any]:
        if m == k and text is None:
            return {"text": "最新" if m == 0 else str(m), "current": True}
        href = rel_url(here, url_of_source(source_of_settled_page(base, m)))
        return {"href": href, "text": text or ("最新" if m == 0 else str(m)), "rel": rel}

    def page(q: int) -> int:  # the page at place q of the pager: 0 is 最新, then last … 1
        return 0 if q == 0 else last + 1 - q

    at = 0 if k == 0 else last + 1 - k
    places = sorted({0, last, *range(max(0, at - PAGER_WINDOW), min(last, at + PAGER_WINDOW) + 1)})
    links = [link(page(at - 1), "上一页", "prev")] if at > 0 else []
    previous = 0
    for q in places:
        if q - previous == 2:
            links.append(link(page(q - 1)))  # "…" standing for one page hides a page for nothing
        elif q - previous > 2:
            links.append({"gap": True})
        links.append(link(page(q)))
        previous = q
    if at < last:
        links.append(link(page(at + 1), "下一页", "next"))
    if k:  # how many there are changes with every entry: only the first page says it
        return {"settled": True, "n": k, "links": links}
    return {"settled": True, "count": count, "shown": shown, "n": k, "total": last, "links": links}


class RecordPageError(Exception):
    """A record's page could not be made; names the record (the message is Chinese)."""

    def __init__(self, path: str, cause: BaseException):
        self.path = path
        super().__init__(f"记录 {path} 的页面无法生成（{type(cause).__name__}: {cause}）")


class CountySite:
    """Builds the page list of one county from the validated project."""

    def __init__(
        self,
        project: Project,
        county: County,
        histories: dict[str, RecordHistory] | None = None,
        as_of: dt.date | None = None,
        previous: dict[str, Any] | None = None,
    ):
        self.project = project
        self.county = county
        self.previous = previous or {}
        self.lost: list[dict[str, Any]] = []  # published before, unknown to content and history now
        self.as_of = as_of or deadlines_module.as_of_date(project.root)
        prefix = "content/"
        self.histories = {
            path: h for path, h in (histories or {}).items() if path.startswith(prefix) and path.split("/")[2] == county.id
        }
        self.records = sorted(
            (r for r in project.records if r.county == county.id and r.valid and r.item),
            key=lambda r: (r.published, r.path),
            reverse=True,
        )
        self.pages: list[Page] = []
        self.assets: list[Asset] = []
        self.documents: list[SearchDocument] = []
        self.kept_records = 0  # record pages taken from the cache (pages/memo.py)
        self._assessment: deadlines_module.Assessment | None = None
        self.list_rows: dict[str, tuple[str, str]] = {}  # path -> its list row, kept with its page (pages/memo.py)

    # helpers ---------------------------------------------------------------------------

    @property
    def site_name(self) -> str:
        """The county site's name, as its header and home page give it."""
        return f"{self.county.name}党务政务公开"

    def unit(self, r: Record) -> Unit:
        """The record's unit."""
        return self.county.units[r.unit]

    def unit_name(self, unit_id: str) -> str:
        """A unit's name; its id when the county file no longer lists it (a page about the past)."""
        return self.county.units[unit_id].name if unit_id in self.county.units else unit_id

    def link(self, here: str, r: Record) -> dict[str, Any]:
        """One record as a list entry: title link (marked when withdrawn), unit and date."""
        badge = "内容已删除" if r.meta.get("removed") else "已撤回" if r.meta.get("withdrawn") else ""
        return {"href": rel_url(here, r.url), "title": r.title, "badge": badge, "sub": f"{self.unit(r).name} · {r.published}"}

    def assessment(self) -> deadlines_module.Assessment:
        """公开时限 of the county at the site's date (deadlines.assess), worked out once for
        the pages that show it (公开时限 and 统计)."""
        if self._assessment is None:
            self._assessment = deadlines_module.assess(self.project, self.county, self.as_of)
        return self._assessment

    def commit_href(self, sha: str) -> str:
        """The commit's address where the portal names its repository, else ""."""
        repo = self.project.site.repo_url.rstrip("/")
        return f"{repo}/commit/{sha}" if repo else ""

    def paginate(self, base: str, title: str, template: str, records: list[Record], head: dict[str, Any], group=None) -> None:
        """Records as pages of PER_PAGE under base/, then base/page/2/ …, with a pager."""
        self.paged(base, title, template, records, head, item=self.link, group=group, empty="暂无公开信息。")

    def paged(
        self,
        base: str,
        title: str,
        template: str,
        entries: list[Any],
        head: dict[str, Any],
        *,
        item: Callable[[str, Any], Any],
        group: Callable[[Any], str] | None = None,
        empty: str,
        settled: bool = False,
    ) -> None:
        """Any long list (newest first) as pages of PER_PAGE entries under base/, base/page/2/ …

        item(here, entry) is the entry's data as seen from the page at `here`; group(entry)
        is a heading put before an entry whose heading differs from the one before it. The
        first page's data carries `head`; every page of a list longer than one page has a pager.

        settled: for a list that only grows at the top (变更记录), the pages are cut from the
        oldest entry, as a blog's archive is: base/page/1/ holds the oldest PER_PAGE entries
        and keeps them, base/ the newest PER_PAGE to 2 × PER_PAGE − 1. Cut from the newest,
        every new entry moved every page by one, and a one-record change re-rendered all
        ~600 pages of a 10,000-record county's 变更记录 (most of a warm build's MkDocs time).
        """
        if settled:
            older = max(len(entries) // PER_PAGE - 1, 0)  # numbered pages, all full
            top = len(entries) - older * PER_PAGE
            cuts = [(0, entries[:top])] + [
                (k, entries[len(entries) - k * PER_PAGE : len(entries) - (k - 1) * PER_PAGE]) for k in range(older, 0, -1)
            ]
        else:
            cuts = list(enumerate([entries[i : i + PER_PAGE] for i in range(0, len(entries), PER_PAGE)] or [[]], start=1))
        for n, chunk in cuts:
            src = source_of_settled_page(base, n) if settled else source_of_page(base, n)
            here = url_of_source(src)
            groups: list[dict[str, Any]] = []
            heading = None
            for entry in chunk:
                h = group(entry) if group else None
                if not groups or h != heading:
                    groups.append({"heading": h, "entries": []})
                    heading = h
                groups[-1]["entries"].append(item(here, entry))
            first = n == (0 if settled else 1)
            if len(cuts) == 1:
                paging = None
            elif settled:
                paging = settled_pager(base, here, n, len(cuts) - 1, len(entries), len(chunk))
            else:
                paging = pager(base, here, n, len(cuts), len(entries))
            data = {**(head if first else {}), "first": first, "groups": groups, "empty": "" if chunk else empty, "pager": paging}
            page_title = title if first else f"{title}（第{n}页）"
            self.pages.append(Page(src, page_title, template, data))

    def revisions_html(self, h: RecordHistory | None, meta: dict[str, Any], *, hide_values: bool = False) -> str:
        """修订记录 as a record page shows it (theme/gk/revisions.html)."""
        from .record import revisions

        return render_partial("gk/revisions.html", revisions=revisions(h, meta, hide_values=hide_values))

    # pages -----------------------------------------------------------------------------

    def build(self, documents_ready: Callable[[list[SearchDocument]], Any] | None = None) -> list[Page]:
        """Every page of the county site. `documents_ready` is called with the search documents
        as soon as they are complete (after the record pages; site.build_county starts the
        indexer then)."""
        from . import (
            changes,
            conventions,
            data,
            deadlines,
            gone,
            home,
            listing,
            record,
            search,
            stats,
        )
        from .memo import RecordPages

        home.build(self)
        for category in CATEGORIES:
            listing.category(self, category)
        listing.units(self)
        listing.catalogue(self)
        kept = RecordPages(self)
        drawing = record.start_qr_codes(self, kept.old)  # beside the record pages, on the other core
        try:
            for r in self.records:
                if not kept.take(r):
                    try:
                        with kept.keeping(r):
                            record.build(self, r)
                    except OSError:
                        raise  # the disk or the folder, not the record (site.py names it)
                    except Exception as exc:  # say which record: the clerk has thousands
                        raise RecordPageError(r.path, exc) from exc
            record.add_qr_codes(self, drawing)  # before save(): a record page is kept with its QR code
        finally:
            if drawing is not None:
                drawing.stop()
        kept.save()
        self.kept_records = kept.hits
        self.list_rows = kept.rows
        if documents_ready is not None:
            documents_ready(self.documents)
        data.build(self)
        conventions.build(self)
        gone.tombstones(self)
        gone.lost_records(self)
        changes.build(self)
        deadlines.build(self)
        stats.build(self)
        search.build(self)
        # Two records may list one file (a notice and its correction): it is one file of the
        # site. Listed twice, the warm build linked it into place twice and failed.
        seen: set[str] = set()
        self.assets[:] = [a for a in self.assets if not (a.src in seen or seen.add(a.src))]
        return self.pages


def county_pages(
    project: Project,
    county: County,
    histories: dict[str, RecordHistory] | None = None,
    as_of: dt.date | None = None,
) -> tuple[list[Page], list[Asset], list[SearchDocument]]:
    """All pages, assets and search documents of one county site; deadlines judged at as_of."""
    site = CountySite(project, county, histories, as_of)
    return site.build(), site.assets, site.documents
