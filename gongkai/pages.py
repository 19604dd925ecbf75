"""The pages of one county site, as engine-neutral values (path, title, Markdown/HTML).

Index pages (home, categories, units, catalogue items) have no source file: they are
generated here from the records, the way Material's blog plugin generates archives.
Everything a unit wrote is escaped or sanitised before it reaches a page.
"""

from __future__ import annotations

import datetime as dt
import html as html_module
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import markdown
import nh3

from . import deadlines, feed, pii
from .changes import RecordHistory, Revision
from .load import Project
from .model import CATEGORIES, LEVELS, PERIODS, CatalogueItem, County, Record, Unit
from .periods import period_zh
from .render import render_fields
from .search import SearchDocument, flatten

PER_PAGE = 50


@dataclass
class Page:
    """One page of a county site: where it goes, its title and its content."""

    src: str  # e.g. government/guotu/2013-power-01.md
    title: str
    content: str  # HTML, final: the engine puts it in the page as it is
    kind: str = "index"  # index | record | search
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The page's address inside the site (directory URLs)."""
        stem = self.src[:-3]
        if stem == "index":
            return ""
        if stem.endswith("/index"):
            return stem[: -len("index")]
        return stem + "/"


@dataclass
class Asset:
    """A file copied into the site as it is (an attachment), or made here (the feed)."""

    src: str
    path: Path | None = None
    content: bytes | None = None


def rel_url(from_url: str, to_url: str) -> str:
    """A relative link between two directory URLs of the same site."""
    target = posixpath.relpath("/" + to_url, "/" + (from_url or "."))
    if to_url.endswith("/") and not target.endswith("/"):
        target += "/"
    return "./" if target in (".", "./") else target


# Record bodies are Markdown written by units: converted here, then sanitised so that no
# script, style or outside resource survives (the rendered page is content, not code).
_md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
_ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "a", "img",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div", "del", "ins", "mark",
}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src" and (value.startswith(("http:", "https:", "//")) or ":" in value.split("/")[0]):
        return None  # an outside image would make the reader's browser reach another host
    return value


def body_html(text: str) -> str:
    """A record body (Markdown) as sanitised HTML."""
    if not text.strip():
        return ""
    html = _md.reset().convert(pii.protect_masks(text))
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer",
    )


def _date_zh(iso: str) -> str:
    return iso or "—"


# What a page for a record lost from history keeps (and the next manifest carries on).
LOST_FIELDS = ("path", "url", "title", "unit", "published", "index_no", "commit", "source_sha256", "last_built_from")


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
        self.as_of = as_of or deadlines.as_of_date(project.root)
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

    # helpers ---------------------------------------------------------------------------

    def unit(self, r: Record) -> Unit:
        """The record's unit."""
        return self.county.units[r.unit]

    def unit_name(self, unit_id: str) -> str:
        """A unit's name; its id when the county file no longer lists it (a page about the past)."""
        return self.county.units[unit_id].name if unit_id in self.county.units else unit_id

    def link(self, here: str, r: Record) -> str:
        """One record as a list entry: title link (marked when withdrawn), unit and date."""
        badge = ""
        if r.meta.get("removed"):
            badge = '<span class="gk-badge">内容已删除</span>'
        elif r.meta.get("withdrawn"):
            badge = '<span class="gk-badge">已撤回</span>'
        return (
            f'<li><a href="{rel_url(here, r.url)}">{escape(r.title)}</a>{badge}'
            f'<span class="gk-sub">{escape(self.unit(r).name)} · {escape(r.published)}</span></li>'
        )

    def paginate(self, base: str, title: str, records: list[Record], head: str, group=None) -> None:
        """Pages of PER_PAGE records under base/, then base/page/2/ …, with a pager."""
        self.paged(
            base, title, records, head,
            item=self.link,
            group=(lambda r: f"<h3>{escape(group(r))}</h3>") if group else None,
            empty="暂无公开信息。",
        )

    def paged(
        self,
        base: str,
        title: str,
        entries: list[Any],
        head: str,
        *,
        item: Callable[[str, Any], str],
        group: Callable[[Any], str] | None = None,
        list_class: str = "gk-list",
        empty: str,
    ) -> None:
        """Any long list as pages of PER_PAGE entries under base/, base/page/2/ …

        item(here, entry) is the entry's <li> as seen from the page at `here`; group(entry)
        is a heading put before an entry whose heading differs from the one before it. The
        first page carries `head`; every page of a list longer than one page has a pager.
        """
        chunks = [entries[i : i + PER_PAGE] for i in range(0, len(entries), PER_PAGE)] or [[]]
        for n, chunk in enumerate(chunks, start=1):
            here = Page(_page_source(base, n), "", "").url
            parts = [head if n == 1 else ""]
            if not chunk:
                parts.append(f'<p class="gk-empty">{empty}</p>')
            heading = None
            items: list[str] = []
            for entry in chunk:
                h = group(entry) if group else None
                if h != heading:
                    if items:
                        parts.append(f'<ul class="{list_class}">{"".join(items)}</ul>')
                        items = []
                    parts.append(h or "")
                    heading = h
                items.append(item(here, entry))
            if items:
                parts.append(f'<ul class="{list_class}">{"".join(items)}</ul>')
            if len(chunks) > 1:
                parts.append(_pager(base, here, n, len(chunks), len(entries)))
            page_title = title if n == 1 else f"{title}（第{n}页）"
            self.pages.append(Page(_page_source(base, n), page_title, _block("".join(parts))))

    # pages -----------------------------------------------------------------------------

    def build(self) -> list[Page]:
        """Every page of the county site."""
        self.home()
        for category in CATEGORIES:
            self.category(category)
        self.units()
        self.catalogue()
        for r in self.records:
            self.record(r)
        self.tombstones()
        self.lost_records()
        self.changes()
        self.deadlines()
        self.search()
        return self.pages

    def home(self) -> None:
        """County home: search box, the six categories, latest disclosures, units."""
        counts = defaultdict(int)
        for r in self.records:
            counts[r.category] += 1
        cards = "".join(
            f'<li><a href="{category}/"><strong>{name}</strong><span>{counts[category]} 条</span></a></li>'
            for category, name in CATEGORIES.items()
        )
        latest = "".join(self.link("", r) for r in self.records[:20])
        html = (
            f"<h1>{escape(self.county.name)}党务政务公开</h1>"
            f'<form class="gk-search-form" action="search/" method="get" role="search">'
            f'<label for="gk-home-q">搜索公开信息</label>'
            f'<input id="gk-home-q" name="q" type="search" placeholder="输入关键词，如 涉农补贴、单位名称、文号">'
            f'<button type="submit">搜索</button></form>'
            f'<h2>公开类别</h2><ul class="gk-cards">{cards}</ul>'
            f'<h2>最新公开</h2><ul class="gk-list">{latest or "<li>暂无公开信息。</li>"}</ul>'
            f'<p><a href="units/">全部 {len(self.county.units)} 个公开单位</a> · <a href="catalogue/">公开目录</a>'
            ' · <a href="deadlines/">公开时限</a> · <a href="changes/">变更记录</a></p>'
        )
        self.pages.append(Page("index.md", f"{self.county.name}党务政务公开", _block(html)))

    def category(self, category: str) -> None:
        """One category: its catalogue items with counts, its units, all its records."""
        records = [r for r in self.records if r.category == category]
        here = f"{category}/"
        cat = self.project.catalogues.get(category)
        by_item = defaultdict(int)
        for r in records:
            by_item[r.item.id] += 1
        items = ""
        if cat:
            items = "".join(
                f'<li><a href="{rel_url(here, f"catalogue/{category}/{i.id}/")}">{escape(i.name)}</a>'
                f'<span class="gk-sub">{by_item[i.id]} 条</span></li>'
                for i in cat.items.values()
            )
        units = [u for u in self.county.units.values() if category in u.categories]
        unit_links = "、".join(f'<a href="{rel_url(here, f"units/{u.id}/")}">{escape(u.name)}</a>' for u in units)
        head = (
            f"<p>{escape(cat.description) if cat and cat.description else ''}</p>"
            f'<h2>公开事项</h2><ul class="gk-list gk-columns">{items}</ul>'
            f"<h2>公开单位</h2><p>{unit_links or '暂无'}</p><h2>公开信息</h2>"
        )
        self.paginate(category, CATEGORIES[category], records, head)

    def units(self) -> None:
        """The unit index, and one page per unit (records by category, item and year)."""
        by_unit = defaultdict(list)
        for r in self.records:
            by_unit[r.unit].append(r)
        groups = defaultdict(list)
        for u in self.county.units.values():
            groups[u.level].append(u)
        parts = []
        for level in LEVELS:
            if groups[level]:
                lis = "".join(
                    f'<li><a href="{u.id}/">{escape(u.name)}</a><span class="gk-sub">{len(by_unit[u.id])} 条</span></li>'
                    for u in groups[level]
                )
                parts.append(f'<h2>{LEVELS[level]}</h2><ul class="gk-list gk-columns">{lis}</ul>')
        self.pages.append(Page("units/index.md", "公开单位", _block("".join(parts))))
        for u in self.county.units.values():
            # A reader who trims a record's address (village/<unit>/<record>/) lands on the
            # unit's folder: lead them to the unit's page instead of a 404. ("page" would be
            # a category's second page of its list.)
            for category in sorted({r.category for r in by_unit[u.id]}) if u.id != "page" else []:
                here, target = f"{category}/{u.id}/", f"units/{u.id}/"
                link = rel_url(here, target)
                html = (
                    f'<p>{escape(u.name)}的全部公开信息：<a href="{link}">{escape(u.name)}</a></p>'
                    f'<meta http-equiv="refresh" content="0; url={link}">'
                )
                self.pages.append(Page(f"{category}/{u.id}/index.md", u.name, _block(html), kind="moved"))
        for u in self.county.units.values():
            # By category and item, newest year first, then newest record first within a year.
            records = sorted(by_unit[u.id], key=lambda r: (r.year, r.published), reverse=True)
            records.sort(key=lambda r: (list(CATEGORIES).index(r.category), r.item.name))
            township = self.county.units.get(u.township) if u.township else None
            head = (
                '<table class="gk-fields"><tbody>'
                f"<tr><th>单位名称</th><td>{escape(u.name)}</td></tr>"
                f"<tr><th>单位层级</th><td>{LEVELS[u.level]}</td></tr>"
                + (f"<tr><th>所属乡镇</th><td>{escape(township.name)}</td></tr>" if township else "")
                + f"<tr><th>公开类别</th><td>{'、'.join(CATEGORIES[c] for c in u.categories)}</td></tr>"
                f"<tr><th>单位代码</th><td>{escape(u.code)}</td></tr>"
                f"<tr><th>公开信息</th><td>{len(records)} 条</td></tr>"
                "</tbody></table>"
                '<p><a href="changes.xml">订阅本单位的更新（Atom）</a>：用阅读器或浏览器订阅，本单位发布、修改、撤回信息时即可看到。</p>'
            )
            self.paginate(
                f"units/{u.id}",
                u.name,
                records,
                head,
                group=lambda r: f"{CATEGORIES[r.category]} · {r.item.name} · {r.year}年",
            )

    def catalogue(self) -> None:
        """The 公开目录 (every item with its standard columns) and one page per item."""
        by_item = defaultdict(list)
        for r in self.records:
            by_item[(r.category, r.item.id)].append(r)
        rows = []
        for category, cat in self.project.catalogues.items():
            for i in cat.items.values():
                rows.append(
                    [CATEGORIES[category], escape(i.group), f'<a href="{category}/{i.id}/">{escape(i.name)}</a>',
                     escape("；".join(i.basis)), _deadline(i), escape(i.mode), str(len(by_item[(category, i.id)]))]
                )
        table = _table(["类别", "一级事项", "公开事项", "公开依据", "公开时限", "公开方式", "条数"], rows)
        self.pages.append(Page("catalogue/index.md", "公开目录", _block(table)))
        for category, cat in self.project.catalogues.items():
            for i in cat.items.values():
                records = sorted(by_item[(category, i.id)], key=lambda r: (r.year, r.published), reverse=True)
                facts = [
                    ("公开类别", CATEGORIES[category]),
                    ("一级事项", i.group),
                    ("公开内容", i.content),
                    ("公开依据", "；".join(i.basis)),
                    ("公开时限", _deadline(i)),
                    ("公开周期", PERIODS[i.period]),
                    ("公开方式", i.mode),
                    ("公开对象", "、".join(i.audience)),
                    ("公开层级", "、".join(i.levels)),
                    ("公开渠道", "、".join(i.channels)),
                    ("主题分类", i.topic),
                ]
                head = (
                    '<table class="gk-fields"><tbody>'
                    + "".join(f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in facts if v)
                    + "</tbody></table><h2>公开信息</h2>"
                )
                self.paginate(f"catalogue/{category}/{i.id}", i.name, records, head, group=lambda r: f"{r.year}年")

    def record(self, r: Record) -> None:
        """A record page: metadata table, body, fields as tables, attachments."""
        u = self.unit(r)
        item = r.item
        assert item is not None
        m = r.meta
        here = r.url
        rows = [
            ("索引号", escape(r.index_no), "主题分类", escape(str(m.get("topic") or item.topic or ""))),
            ("发布机构", f'<a href="{rel_url(here, f"units/{u.id}/")}">{escape(u.name)}</a>', "成文日期", escape(str(m.get("written") or "—"))),
            ("文号", escape(str(m.get("doc_number") or "—")), "发布日期", escape(r.published)),
            ("有效性", escape(str(m.get("validity") or "有效")), "公开方式", escape(item.mode)),
            (
                "公开事项",
                f'<a href="{rel_url(here, f"catalogue/{r.category}/{item.id}/")}">{escape(item.name)}</a>',
                "所属期间",
                escape(str(m.get("period") or "—")),
            ),
        ]
        if m.get("repealed"):
            rows.append(("废止日期", escape(str(m["repealed"])), "", ""))
        meta_rows = "".join(
            f"<tr><th>{a}</th><td>{b}</td>" + (f"<th>{c}</th><td>{d}</td>" if c else "<td></td><td></td>") + "</tr>"
            for a, b, c, d in rows
        )
        meta = f'<table class="gk-meta"><tbody>{meta_rows}</tbody></table>'
        h = self.histories.get(r.path)
        removed, withdrawn = m.get("removed"), m.get("withdrawn")
        parts = [self.dates_line(r.published, h), self.notice(withdrawn, removed), meta]
        if removed:
            # Personal data published by mistake: the page stays, the content does not.
            self.documents.append(self.search_document(r, "", with_content=False))
        else:
            if m.get("keywords"):
                parts.append(f'<p class="gk-keywords">关键词：{escape("、".join(map(str, m["keywords"])))}</p>')
            body = body_html(r.body)
            self.documents.append(self.search_document(r, body))
            if body:
                parts.append(f'<div class="gk-body">{body}</div>')
            fields = render_fields(r.fields, item.schema)
            if fields:
                parts.append(f'<div class="gk-data">{fields}</div>')
            attachments = m.get("attachments") or []
            if attachments:
                lis = []
                folder = (self.project.root / r.path).parent
                for a in attachments:
                    src = f"{r.category}/{r.unit}/{a['file']}"
                    self.assets.append(Asset(src, folder / a["file"]))
                    # Quoted: a file name may hold spaces, # or ?, which would end the address early.
                    lis.append(f'<li><a href="../{escape(quote(a["file"]))}">{escape(a["title"])}</a></li>')
                parts.append(f'<h2>附件</h2><ul class="gk-attachments">{"".join(lis)}</ul>')
        parts.append(self.revisions_html(h, m, hide_values=bool(removed)))
        self.pages.append(
            Page(
                f"{r.category}/{r.unit}/{r.id}.md",
                r.title,
                _block("".join(parts)),
                kind="record",
                meta={"description": f"{u.name} {item.name} {r.published}"},
            )
        )

    def search_document(self, r: Record, body: str, *, with_content: bool = True) -> SearchDocument:
        """What the search index holds for a record: every word a citizen might type."""
        u = self.unit(r)
        m = r.meta
        assert r.item is not None
        body_text = html_module.unescape(re.sub(r"<[^>]+>", " ", body))
        body_text = re.sub(r"\s+", " ", body_text).strip()
        # The record's own words first, then what the site says about it: the excerpt under
        # a search result shows the first place after the title that holds the query.
        parts = [r.title]
        if with_content:
            parts += [
                body_text, " ".join(flatten(r.fields)), " ".join(map(str, m.get("keywords") or [])),
                " ".join(str(a.get("title", "")) for a in m.get("attachments") or []),
            ]
        parts += [
            u.name, r.item.name, r.index_no, str(m.get("doc_number") or ""), r.published,
            str(m.get("written") or ""), str(m.get("period") or ""),
        ]
        summary = body_text[:120] + ("……" if len(body_text) > 120 else "") if body_text else f"{r.item.name} {m.get('period') or ''}"
        return SearchDocument(
            url=r.url,
            title=r.title,
            unit=u.name,
            date=r.published,
            summary=summary,
            filters={"类别": CATEGORIES[r.category], "单位": u.name, "事项": r.item.name, "年份": r.year},
            text="\n".join(p for p in parts if p),
            heading="\n".join(p for p in (r.title, str(m.get("doc_number") or ""), r.index_no) if p),
        )

    # history -------------------------------------------------------------------------

    def dates_line(self, published: str, h: RecordHistory | None) -> str:
        """发布日期 and 最后更新, as GOV.UK's "Published … Last updated … see all updates"."""
        updated = h.updated if h else ""
        count = len(h.revisions) if h else 0
        parts = [f"发布日期：{escape(published or '—')}"]
        if updated:
            parts.append(f"最后更新：{escape(updated)}")
        if count:
            parts.append(f'<a href="#revisions">查看修订记录（{count}）</a>')
        return f'<p class="gk-dates">{"　".join(parts)}</p>'

    @staticmethod
    def notice(withdrawn: Any, removed: Any) -> str:
        """The banner of a withdrawn record (content stays) or a removed one (it does not)."""
        if removed:
            return (
                '<div class="admonition danger gk-notice"><p class="admonition-title">'
                f"本信息的内容已于 {escape(str(removed.get('date', '')))} 删除</p>"
                f"<p>删除原因：{escape(str(removed.get('reason', '')))}</p>"
                "<p>为保护有关人员的合法权益，本页只保留信息的基本情况。</p></div>"
            )
        if withdrawn:
            return (
                '<div class="admonition warning gk-notice"><p class="admonition-title">'
                f"本信息已于 {escape(str(withdrawn.get('date', '')))} 撤回</p>"
                f"<p>撤回原因：{escape(str(withdrawn.get('reason', '')))}</p>"
                "<p>以下内容保留供查阅，不再作为现行有效的信息。</p></div>"
            )
        return ""

    def commit_link(self, sha: str) -> str:
        """A link to the commit where the portal names its repository, else the short id."""
        repo = self.project.site.repo_url.rstrip("/")
        if repo:
            return f'<a class="gk-commit" href="{escape(repo)}/commit/{sha}">提交 {sha[:8]}</a>'
        return f'<span class="gk-commit">提交 {sha[:8]}</span>'

    def revisions_html(self, h: RecordHistory | None, meta: dict[str, Any], *, hide_values: bool = False) -> str:
        """修订记录: every revision with its date, note and field-level changes, newest first."""
        if h is None or not h.revisions:
            notes = [c for c in meta.get("changes") or [] if isinstance(c, dict)]
            if not notes:
                return ""
            items = "".join(f"<li><time>{escape(str(c.get('date', '')))}</time> {escape(str(c.get('note', '')))}</li>" for c in notes)
            return f'<h2 id="revisions">修订记录</h2><ol class="gk-revisions" reversed>{items}</ol>'
        items = []
        for rev in reversed(h.revisions):
            head = f"<time>{escape(rev.date)}</time> <strong>{escape(rev.kind_zh)}</strong>"
            if rev.kind == "added":
                head += "：首次公开"
            details = []
            for note in rev.notes:
                details.append(f'<p class="gk-note">修订说明：{escape(pii.mask_text(note))}</p>')
            if rev.reason:
                details.append(f"<p>原因：{escape(pii.mask_text(rev.reason))}</p>")
            changed = [c for c in rev.fields if c.path[:1] not in (("changes",), ("withdrawn",), ("removed",))]
            if changed:
                lis = []
                for c in changed[:30]:
                    if hide_values:
                        lis.append(f"<li>「{escape(c.label)}」已修改</li>")
                    elif c.old is None:
                        lis.append(f"<li>新增「{escape(c.label)}」：{escape(_short(c.new))}</li>")
                    elif c.new is None:
                        lis.append(f"<li>删去「{escape(c.label)}」（原为 {escape(_short(c.old))}）</li>")
                    else:
                        lis.append(f"<li>「{escape(c.label)}」：{escape(_short(c.old))} → {escape(_short(c.new))}</li>")
                if len(changed) > 30:
                    lis.append(f"<li>…… 另有 {len(changed) - 30} 处修改</li>")
                details.append(f'<ul class="gk-field-changes">{"".join(lis)}</ul>')
            if rev.body:
                details.append(f"<p>{escape(rev.body)}</p>")
            details.append(f'<p class="gk-revmeta">{escape(rev.message)}　{self.commit_link(rev.sha)}</p>')
            items.append(f"<li>{head}{''.join(details)}</li>")
        return f'<h2 id="revisions">修订记录</h2><ol class="gk-revisions" reversed>{"".join(items)}</ol>'

    def tombstones(self) -> None:
        """Pages for records that vanished from the content without being withdrawn.

        A deletion that skipped the checks (a force-push, a merge without review) must not
        silently drop a published page: its address keeps the last known metadata, and the
        变更记录 lists it for inspectors.
        """
        current = {r.url for r in self.records}
        by_path = {r.path: r for r in self.records}
        moved: dict[str, Record] = {}
        for h in self.histories.values():
            record = by_path.get(h.path)
            for rev in h.revisions[:-1] if record else []:
                old_url = _url_of(rev.path)
                if old_url != record.url and old_url not in current:
                    moved[old_url] = record
        for old_url, record in sorted(moved.items()):
            # A moved record's old address still leads to it (links and bookmarks live on).
            target = rel_url(old_url, record.url)
            html = (
                f'<p>本信息已移至新地址：<a href="{target}">{escape(record.title)}</a></p>'
                f'<meta http-equiv="refresh" content="0; url={target}">'
            )
            self.pages.append(Page(old_url[:-1] + ".md", record.title, _block(html), kind="moved"))
        for key, h in sorted(self.histories.items()):
            if not h.deleted:
                continue
            url = _url_of(h.path)
            if url in current or "#" in key:
                continue
            last = h.revisions[-1]
            m = h.meta
            html = _gone(
                f"本信息已于 {escape(last.date)} 从公开目录中删除",
                "这条已公开的信息被删除时没有按规定办理撤回手续。本页保留其基本情况，供群众和纪检监察部门查阅；"
                f"删除前的完整内容保存在{self.commit_link(last.sha)}之前的版本中。",
                [
                    ("标题", str(m.get("title", ""))),
                    ("发布机构", self.unit_name(h.path.split("/")[3])),
                    ("发布日期", str(m.get("published", "—"))),
                    ("文号", str(m.get("doc_number") or "—")),
                    ("原文件", h.path),
                ],
            )
            html += self.revisions_html(h, m, hide_values=True)
            title = m.get("title", h.path.rsplit("/", 1)[1])
            self.pages.append(Page(url[:-1] + ".md", f"【已删除】{title}", _block(html), kind="record"))

    def lost_records(self) -> None:
        """Pages for records the last published site listed that nothing knows any more.

        A force-push can rewrite history so that a published record was never there: no
        deletion to flag, no old version to make a tombstone from. The previous build's
        manifest still lists it, so its address keeps a page with what the manifest says
        (title, unit, date, the source file's hash), and the manifest of this build
        carries it on, so the page outlives later builds too.
        """
        known_paths = {r.path for r in self.project.records}
        for h in self.histories.values():
            known_paths.update(rev.path for rev in h.revisions)
            known_paths.add(h.path)
        taken = {p.url for p in self.pages}
        last_build = str(self.previous.get("built_from") or "")
        entries = [e for e in self.previous.get("lost") or [] if isinstance(e, dict)]
        # A manifest written from uncommitted files lists drafts nobody published.
        if not self.previous.get("dirty"):
            entries += [{**r, "last_built_from": last_build} for r in self.previous.get("records") or [] if isinstance(r, dict)]
        seen: set[str] = set()
        for raw in sorted(entries, key=lambda e: str(e.get("path"))):
            # Only the fields this page uses, as text: the manifest may have been tampered with.
            e = {k: str(raw.get(k) or "") for k in LOST_FIELDS}
            path = e["path"]
            # Only a record's own address, derived from its path as for any record page; so a
            # tampered manifest can place no page elsewhere, and no address needs escaping.
            m = re.fullmatch(rf"content/([a-z]+)/{re.escape(self.county.id)}/([a-z0-9][a-z0-9_-]*)/([a-z0-9][a-z0-9-]*)\.(?:md|ya?ml)", path)
            if not m or m.group(1) not in CATEGORIES or m.group(2) == "page" or path in known_paths:
                continue
            url = e["url"] = _url_of(path)
            if url in taken or url in seen:
                continue
            seen.add(url)
            self.lost.append(e)
            title = e["title"] or path
            built = e["last_built_from"]
            html = _gone(
                "本信息已从公开目录中消失",
                "这条信息曾在本站公开，但现在的内容和修订历史中都已没有它：它很可能是通过改写历史（强制推送）删除的，"
                "没有留下删除记录。本页根据上次发布时的清单（manifest.json）保留其基本情况，供群众和纪检监察部门查阅"
                + (f"；上次发布它的网站生成于提交 {escape(built[:12])}" if built else "")
                + "。",
                [
                    ("标题", title),
                    ("发布机构", self.unit_name(e["unit"])),
                    ("发布日期", e["published"] or "—"),
                    ("原文件", path),
                    ("原文件 SHA-256", e["source_sha256"] or "—"),
                ],
            )
            self.pages.append(Page(url[:-1] + ".md", f"【已删除】{title}", _block(html), kind="record"))

    def change_entries(self) -> list[tuple[Revision, str, str, str]]:
        """(revision, title, url, unit name) for every revision in the county, newest first."""
        by_path = {r.path: r for r in self.records}
        out = []
        for h in self.histories.values():
            record = by_path.get(h.path)
            _, category, _, unit, file = h.path.split("/")
            url = record.url if record else f"{category}/{unit}/{file.rsplit('.', 1)[0]}/"
            title = record.title if record else str(h.meta.get("title", file))
            unit_name = self.unit_name(unit)
            for rev in h.revisions:
                out.append((rev, title, url, unit_name))
        out.sort(key=lambda e: (e[0].date, e[0].sha, e[2]), reverse=True)
        return out

    def changes(self) -> None:
        """变更记录: newest first, grouped by month, paginated; and its Atom feed."""
        entries = self.change_entries()
        deleted = [e for e in entries if e[0].kind == "deleted"]
        head = (
            '<p>本站每一条公开信息的新增、修改、撤回和删除，按时间倒序排列；'
            '<a href="../changes.xml">订阅（Atom）</a>。</p>'
        )
        if deleted:
            lis = "".join(
                f'<li><a href="{rel_url("changes/", url)}">{escape(title)}</a>'
                f'<span class="gk-sub">{escape(unit)} · {escape(rev.date)} 删除</span></li>'
                for rev, title, url, unit in deleted
            )
            head += f'<h2>未按规定删除的记录（{len(deleted)}）</h2><ul class="gk-list">{lis}</ul>'
        if self.lost:
            lis = "".join(
                f'<li><a href="{escape(rel_url("changes/", e["url"]))}">{escape(e["title"] or e["path"])}</a>'
                f'<span class="gk-sub">{escape(e["path"])}</span></li>'
                for e in self.lost
            )
            head += (
                f"<h2>修订历史中消失的记录（{len(self.lost)}）</h2>"
                "<p>这些记录曾在本站公开，现在的修订历史中却没有它们，可能是改写历史删除的。</p>"
                f'<ul class="gk-list">{lis}</ul>'
            )

        def item(here: str, entry: tuple[Revision, str, str, str]) -> str:
            rev, title, url, unit = entry
            note = "；".join(rev.notes) or rev.reason or _summary(rev)
            return (
                f'<li><span><span class="gk-badge gk-kind-{rev.kind}">{escape(rev.kind_zh)}</span> '
                f'<a href="{rel_url(here, url)}">{escape(title)}</a>'
                + (f'<br><span class="gk-sub">{escape(note)}</span>' if note else "")
                + f'</span><span class="gk-sub">{escape(unit)} · {escape(rev.date)}</span></li>'
            )

        def month(entry: tuple[Revision, str, str, str]) -> str:
            m = entry[0].date[:7]
            return f"<h2>{m[:4]}年{int(m[5:7])}月</h2>"

        self.paged(
            "changes", "变更记录", entries, head,
            item=item, group=month, list_class="gk-list gk-changes", empty="暂无变更。",
        )
        self.assets.append(Asset("changes.xml", content=feed.atom(self.project, self.county, entries[:100])))
        by_unit = defaultdict(list)
        for e in entries:
            by_unit[e[2].split("/")[1]].append(e)  # url: <category>/<unit>/<record>/
        for u in self.county.units.values():
            self.assets.append(Asset(f"units/{u.id}/changes.xml", content=feed.atom(self.project, self.county, by_unit[u.id][:100], u)))

    def deadlines(self) -> None:
        """公开时限: periodic items that are overdue, records published late, series never begun."""
        a = deadlines.assess(self.project, self.county, self.as_of)
        here = "deadlines/"

        def unit_link(u: Unit) -> str:
            return f'<a href="{rel_url(here, f"units/{u.id}/")}">{escape(u.name)}</a>'

        def item_link(i: CatalogueItem) -> str:
            return f'<a href="{rel_url(here, f"catalogue/{i.category}/{i.id}/")}">{escape(i.name)}</a>'

        parts = [
            f"<p>按公开目录规定的公开周期和时限，核对本站各单位定期公开事项的公开情况，"
            f"截至 {self.as_of.year}年{self.as_of.month}月{self.as_of.day}日（本站内容最近一次更新的日期）。"
            "撤回或因含个人信息删除的记录不计为已公开。</p>"
        ]
        parts.append(f"<h2>逾期未公开（{a.missing_items} 项，共 {a.missing_periods} 期）</h2>")
        if a.missing:
            parts.append('<p class="gk-sub">从该单位第一次公开该事项起，已过公开时限而本站没有记录的期间。</p>')
            parts.append(
                _table(
                    ["单位", "公开事项", "未公开的期间", "最早应公开日期"],
                    ([unit_link(m.unit), item_link(m.item), escape(m.periods_zh), m.due.isoformat()] for m in a.missing),
                )
            )
        else:
            parts.append('<p class="gk-empty">没有逾期未公开的定期事项。</p>')
        parts.append(f"<h2>逾期公开（{len(a.late)} 条）</h2>")
        if a.late:
            parts.append(
                _table(
                    ["公开信息", "单位", "所属期间", "应公开日期", "发布日期", "逾期天数"],
                    (
                        [f'<a href="{rel_url(here, x.record.url)}">{escape(x.record.title)}</a>', unit_link(x.unit),
                         escape(period_zh(x.period)), x.due.isoformat(), x.published.isoformat(), str(x.days)]
                        for x in a.late
                    ),
                )
            )
        else:
            parts.append('<p class="gk-empty">没有逾期公开的记录。</p>')
        parts.append(f"<h2>尚无记录的定期公开事项（{len(a.never)} 个单位）</h2>")
        if a.never:
            lis = "".join(
                f"<li>{unit_link(self.county.units[u])}：{'、'.join(item_link(i) for i in items)}</li>"
                for u, items in a.never.items()
            )
            parts.append(
                '<p class="gk-sub">按公开目录这些事项适用于该单位，但本站还没有任何一期记录。'
                "有的事项可能另有安排（例如按季度公开财务的村不再按月公开），请核实。</p>"
                f'<ul class="gk-list">{lis}</ul>'
            )
        else:
            parts.append('<p class="gk-empty">每个单位都已开始公开适用于它的定期事项。</p>')
        self.pages.append(Page("deadlines/index.md", "公开时限", _block("".join(parts))))

    def search(self) -> None:
        """The search page: takes its query from the address (search/?q=…)."""
        from .search import BUNDLE

        html = (
            f'<div id="gk-search" class="gk-search" data-bundle="../{BUNDLE}/" data-root="../"></div>'
            '<noscript><p>搜索需要浏览器启用 JavaScript；也可以按<a href="../catalogue/">公开目录</a>或'
            '<a href="../units/">公开单位</a>查找。</p></noscript>'
        )
        self.pages.append(Page("search/index.md", "搜索", _block(html), kind="search"))


def _url_of(path: str) -> str:
    """The site URL a record file has (or had): content/<cat>/<county>/<unit>/<id>.md -> <cat>/<unit>/<id>/."""
    _, category, _, unit, file = path.split("/")
    return f"{category}/{unit}/{file.rsplit('.', 1)[0]}/"


def _page_source(base: str, n: int) -> str:
    """The source path of page n of the list under base/ (page 1 is base/ itself)."""
    return f"{base}/index.md" if n == 1 else f"{base}/page/{n}.md"


# Pages either side of the current one that the pager links by number. A list of 10,000
# records has 200 pages: linking them all would put 200 links on every page, which on a
# phone is a wall of numbers. First, last, previous, next and this window are enough.
PAGER_WINDOW = 2


def _pager(base: str, here: str, n: int, total: int, count: int) -> str:
    """上一页, the first and last page, the pages near n, 下一页, and how many entries."""
    def link(m: int, text: str | None = None, rel: str = "") -> str:
        if m == n and text is None:
            return f'<span class="gk-current" aria-current="page">{m}</span>'
        attrs = f' rel="{rel}"' if rel else ""
        return f'<a href="{rel_url(here, Page(_page_source(base, m), "", "").url)}"{attrs}>{text or m}</a>'

    shown = sorted({1, total, *range(max(1, n - PAGER_WINDOW), min(total, n + PAGER_WINDOW) + 1)})
    links = [link(n - 1, "上一页", "prev")] if n > 1 else []
    previous = 0
    for m in shown:
        if m - previous == 2:
            links.append(link(m - 1))  # "…" standing for one page hides a page for nothing
        elif m - previous > 2:
            links.append('<span class="gk-gap" aria-hidden="true">…</span>')
        links.append(link(m))
        previous = m
    if n < total:
        links.append(link(n + 1, "下一页", "next"))
    return f'<nav class="gk-pager" aria-label="分页">共 {count} 条，第 {n}/{total} 页：{" ".join(links)}</nav>'


def _short(text: str | None, limit: int = 80) -> str:
    # Old values come from git: a number masked since must not come back through 修订记录.
    text = pii.mask_text(text) if text else "（空）"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summary(rev: Revision) -> str:
    """A one-line account of a revision without a note."""
    if rev.kind == "added":
        return ""
    labels = [c.label for c in rev.fields if c.path[:1] not in (("changes",), ("withdrawn",), ("removed",))]
    parts = ["修改了「" + "」「".join(labels[:3]) + "」" + ("等" if len(labels) > 3 else "")] if labels else []
    if rev.body:
        parts.append(rev.body)
    return "；".join(parts)


def _deadline(item: Any) -> str:
    if item.deadline_days is None:
        return "及时"
    if item.period == "none":
        return f"信息形成或变更之日起{item.deadline_days}日内"
    return f"每期结束后{item.deadline_days}日内"


def _gone(heading: str, explanation: str, facts: list[tuple[str, str]]) -> str:
    """A page for a record that is no longer published: a notice (HTML), then what is
    known of it (plain text, escaped here)."""
    rows = "".join(f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    return (
        f'<div class="admonition danger gk-notice"><p class="admonition-title">{heading}</p><p>{explanation}</p></div>'
        f'<table class="gk-meta"><tbody>{rows}</tbody></table>'
    )


def _table(headers: list[str], rows: Iterable[list[str]]) -> str:
    """A listing table; headers are plain text, cells are HTML already escaped."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="gk-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _block(html: str) -> str:
    """Wrap a generated page's HTML in the container the CSS styles."""
    return f'<div class="gk-page">{html}</div>'


def county_pages(
    project: Project,
    county: County,
    histories: dict[str, RecordHistory] | None = None,
    as_of: dt.date | None = None,
) -> tuple[list[Page], list[Asset], list[SearchDocument]]:
    """All pages, assets and search documents of one county site; deadlines judged at as_of."""
    site = CountySite(project, county, histories, as_of)
    return site.build(), site.assets, site.documents

