"""A record's page: its metadata, body, fields, attachments and 修订记录; and what the
search index holds for it."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import pii, qr
from ..changes import RecordHistory, Revision
from ..model import CATEGORIES, Record
from ..render import render_fields, value_text
from ..search import SearchDocument
from . import Asset, Page, rel_url
from .body import body_html
from .data import address, record_downloads, record_url

if TYPE_CHECKING:
    from . import CountySite

# Fields whose change is the revision's own bookkeeping, not a change of what is published.
PROCESS_PATHS = (("changes",), ("withdrawn",), ("removed",))


def validity_zh(meta: dict[str, Any]) -> str:
    """有效性 as a citizen should read it: a withdrawn, removed or repealed record says so."""
    if meta.get("removed"):
        return "已删除"
    if meta.get("withdrawn"):
        return "已撤回"
    validity = str(meta.get("validity") or "有效")
    if validity == "废止" or meta.get("repealed"):
        return "已废止"
    if validity == "失效":
        return "已失效"
    return validity


def build(site: CountySite, r: Record) -> None:
    """A record page: metadata table, body, fields as tables, attachments, 修订记录."""
    u = site.unit(r)
    item = r.item
    assert item is not None
    m = r.meta
    here = r.url
    meta = {
        "index_no": r.index_no,
        "topic": str(m.get("topic") or item.topic or ""),
        "unit": u.name,
        "unit_href": rel_url(here, f"units/{u.id}/"),
        "written": str(m.get("written") or "—"),
        "doc_number": str(m.get("doc_number") or "—"),
        "published": r.published,
        "validity": validity_zh(m),
        "mode": item.mode,
        "item": item.name,
        "item_href": rel_url(here, f"catalogue/{r.category}/{item.id}/"),
        "period": str(m.get("period") or "—"),
        "repealed": str(m.get("repealed") or ""),
    }
    h = site.histories.get(r.path)
    removed, withdrawn = m.get("removed"), m.get("withdrawn")
    data: dict[str, Any] = {
        "dates": dates(r.published, h),
        "notice": notice(withdrawn, removed),
        "meta": meta,
        "revisions": revisions(h, m, hide_values=bool(removed)),
        "print": print_view(site, r),
    }
    if removed:
        # Personal data published by mistake: the page stays, the content does not.
        site.documents.append(search_document(site, r, "", with_content=False))
    else:
        if m.get("keywords"):
            data["keywords"] = "、".join(map(str, m["keywords"]))
        body = body_html(r.body)
        site.documents.append(search_document(site, r, body))
        data["body"] = body
        data["fields"] = render_fields(r.fields, item.schema)
        attachments = []
        folder = (site.project.root / r.path).parent
        for a in m.get("attachments") or []:
            site.assets.append(Asset(f"{r.category}/{r.unit}/{a['file']}", folder / a["file"]))
            # Quoted: a file name may hold spaces, # or ?, which would end the address early.
            attachments.append({"href": f"../{quote(a['file'])}", "title": a["title"]})
        data["attachments"] = attachments
        data["downloads"] = record_downloads(site, r)
    site.pages.append(
        Page(
            f"{r.category}/{r.unit}/{r.id}.md",
            r.title,
            "record.html",
            data,
            kind="record",
            meta={"description": f"{u.name} {item.name} {r.published}"},
        )
    )


def print_view(site: CountySite, r: Record) -> dict[str, Any]:
    """What only the printed page shows (公开栏): the site's name, the page's full address, a
    QR code to it (added by add_qr_codes) and the 监督电话 of the unit, else of the county."""
    u = site.unit(r)
    return {
        "site": site.site_name,
        "url": record_url(site, r),
        "phone": u.supervision_phone or site.county.supervision_phone,
        "qr": None,
    }


def start_qr_codes(site: CountySite, remembered: Collection[str]) -> qr.Drawing | None:
    """Start drawing the QR codes of the record pages that are likely to be made anew (those
    whose path is not in `remembered`, the kept pages, pages/memo.py) in a forked process,
    when there are many (a cold build); add_qr_codes takes them."""
    if not site.project.site.base_url.startswith(("http://", "https://")):
        return None
    urls = [record_url(site, r) for r in site.records if r.path not in remembered]
    return qr.Drawing(urls, site.county.id) if len(urls) > qr.FEW else None


def add_qr_codes(site: CountySite, drawing: qr.Drawing | None = None) -> None:
    """A QR code on each record page whose full address is known (site.yml's base_url), in one
    batch; `drawing` is what start_qr_codes started."""
    # A page kept from an earlier build (pages/memo.py) has its code already; reading its data
    # would parse it. Its address stays in the code cache all the same.
    records = [p for p in site.pages if p.kind == "record"]
    kept = [address(site, p.url) for p in records if p.kept_digest is not None]
    views = [p.data["print"] for p in records if p.kept_digest is None and "print" in p.data]
    full = ("http://", "https://")
    views = [v for v in views if v["url"].startswith(full)]
    codes = qr.codes([v["url"] for v in views], site.county.id, keep=[u for u in kept if u.startswith(full)], drawing=drawing)
    for v in views:
        v["qr"] = codes[v["url"]]


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def date_forms(text: str) -> list[str]:
    """A date or month as written and as citizens write it: 2013-06-07 also as 2013年6月7日
    and 20130607; 2013-05 also as 2013年5月 (each on a line of its own)."""
    m = _ISO_DAY.fullmatch(text.strip())
    if not m:
        return [text] if text else []
    year, month, day = m.group(1), int(m.group(2)), m.group(3)
    if day is None:
        return [text, f"{year}年{month}月"]
    return [text, f"{year}年{month}月{int(day)}日", f"{year}{m.group(2)}{day}"]


_BLOCK_END = re.compile(r"</(?:p|li|td|th|tr|h[1-6]|div|blockquote|pre|dt|dd|caption)>|<br\s*/?>", re.IGNORECASE)


def search_document(site: CountySite, r: Record, body: str, *, with_content: bool = True) -> SearchDocument:
    """What the search index holds for a record: every word a citizen might type."""
    u = site.unit(r)
    m = r.meta
    assert r.item is not None
    # A block (paragraph, list item, table cell, heading) ends a line: no search key runs
    # from one cell or paragraph into the next (search.segments).
    body_text = html_module.unescape(re.sub(r"<[^>]+>", " ", _BLOCK_END.sub("\n", body)))
    body_text = re.sub(r"\s*\n\s*", "\n", re.sub(r"[^\S\n]+", " ", body_text)).strip()
    # The record's own words first, then what the site says about it: the excerpt under
    # a search result shows the first place after the title that holds the query.
    parts = [r.title]
    other_forms: list[str] = []  # what a citizen may type but the page does not show (SearchDocument.also)
    if with_content:
        parts += [
            # Each field's value and each keyword on a line of its own: no search key runs
            # from one into the next (search.segments).
            body_text, "\n".join(searchable(r.fields, r.item.schema, other_forms)), "\n".join(map(str, m.get("keywords") or [])),
            "\n".join(str(a.get("title", "")) for a in m.get("attachments") or []),
        ]
    parts += [u.name, r.item.name, r.index_no, str(m.get("doc_number") or "")]
    # The county's name, which the page shows in its header only: on the portal a citizen
    # types 许昌县 王秀梅, and found nothing though all thirteen were 许昌县's.
    other_forms.append(site.county.name)
    for date in (r.published, str(m.get("written") or ""), str(m.get("period") or "")):
        forms = date_forms(date)
        parts += forms[:1]
        other_forms += forms[1:]
    flat = body_text.replace("\n", " ")
    summary = flat[:120] + ("……" if len(flat) > 120 else "") if flat else f"{r.item.name} {m.get('period') or ''}"
    return SearchDocument(
        url=r.url,
        title=r.title,
        unit=u.name,
        date=r.published,
        summary=summary,
        filters={"类别": CATEGORIES[r.category], "单位": u.name, "事项": r.item.name, "年份": r.year},
        text="\n".join(p for p in parts if p),
        also="\n".join(dict.fromkeys(f for f in other_forms if f)),
        heading="\n".join(p for p in (r.title, str(m.get("doc_number") or ""), r.index_no) if p),
    )


def searchable(value: Any, schema: Any, other_forms: list[str]) -> Iterator[str]:
    """Every scalar inside a record's fields as the page shows it (4063.9 as 4,063.90元);
    the other forms a citizen may type (4063.9, 4063.9元, 4063.90元, a date as 2013年6月18日)
    go to other_forms (SearchDocument.also: searched, never shown in an excerpt)."""
    if isinstance(value, dict):
        props = schema.get("properties") if isinstance(schema, dict) else None
        for k, v in value.items():
            yield from searchable(v, props.get(k) if isinstance(props, dict) else None, other_forms)
    elif isinstance(value, list):
        items = schema.get("items") if isinstance(schema, dict) else None
        for v in value:
            yield from searchable(v, items, other_forms)
    elif value is not None and not isinstance(value, bool):
        written = str(value)
        if isinstance(value, int | float):
            shown = value_text(value, schema)
            unit = schema.get("x-unit", "") if isinstance(schema, dict) else ""
            yield shown
            # As written, with its unit, and as shown without the commas: 4063.9, 4063.9元, 4063.90元.
            other_forms.extend(f for f in dict.fromkeys((written, written + unit, shown.replace(",", ""))) if f != shown)
            if unit and isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
                # A whole sum as citizens say it: 1200元 and 1,200元 for 1,200.00元.
                other_forms.extend((f"{int(value)}{unit}", f"{int(value):,}{unit}"))
        else:
            yield written
            other_forms.extend(date_forms(written)[1:])  # a date in a field: 2013年6月18日, 20130618


def dates(published: str, h: RecordHistory | None) -> dict[str, Any]:
    """发布日期 and 最后更新, as GOV.UK's "Published … Last updated … see all updates"."""
    return {"published": published or "—", "updated": h.updated if h else "", "count": len(h.revisions) if h else 0}


def notice(withdrawn: Any, removed: Any) -> dict[str, str] | None:
    """The banner of a withdrawn record (content stays) or a removed one (it does not)."""
    if removed:
        return {"kind": "removed", "date": str(removed.get("date", "")), "reason": str(removed.get("reason", ""))}
    if withdrawn:
        return {"kind": "withdrawn", "date": str(withdrawn.get("date", "")), "reason": str(withdrawn.get("reason", ""))}
    return None


def _short(text: str | None, limit: int = 80) -> str:
    # Old values come from git: a number masked since must not come back through 修订记录.
    text = pii.mask_text(text) if text else "（空）"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(rev: Revision) -> str:
    """A one-line account of a revision without a note."""
    if rev.kind == "added":
        return ""
    labels = [c.label for c in rev.fields if c.path[:1] not in PROCESS_PATHS]
    parts = ["修改了「" + "」「".join(labels[:3]) + "」" + ("等" if len(labels) > 3 else "")] if labels else []
    if rev.body:
        parts.append(rev.body)
    return "；".join(parts)


def revisions(h: RecordHistory | None, meta: dict[str, Any], *, hide_values: bool = False) -> list[dict[str, Any]]:
    """修订记录, newest first: each revision's date, kind, public change note and changed fields.

    What a citizen reads: the `changes:` note the unit wrote, never the commit message or
    its id (those are for inspectors: `build.py diff` and the Atom feed)."""
    if h is None or not h.revisions:
        return [
            {"date": str(c.get("date", "")), "notes": [str(c.get("note", ""))]}
            for c in meta.get("changes") or [] if isinstance(c, dict)
        ]
    out = []
    for rev in reversed(h.revisions):
        changed = [c for c in rev.fields if c.path[:1] not in PROCESS_PATHS]
        lines = []
        for c in changed[:30]:
            if hide_values:
                lines.append(f"「{c.label}」已修改")
            elif c.old is None:
                lines.append(f"新增「{c.label}」：{_short(c.new)}")
            elif c.new is None:
                lines.append(f"删去「{c.label}」（原为 {_short(c.old)}）")
            else:
                lines.append(f"「{c.label}」：{_short(c.old)} → {_short(c.new)}")
        if len(changed) > 30:
            lines.append(f"…… 另有 {len(changed) - 30} 处修改")
        out.append({
            "date": rev.date,
            "kind": rev.kind_zh,
            "first": rev.kind == "added",
            "notes": [pii.mask_text(n) for n in rev.notes],
            "reason": pii.mask_text(rev.reason) if rev.reason else "",
            "fields": lines,
            "body": rev.body,
        })
    return out
