"""Pages for records no longer published: deleted without being withdrawn, lost from
history (a force-push), and the old addresses of moved records."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..model import CATEGORIES, Record
from . import Page, rel_url
from .record import revisions

if TYPE_CHECKING:
    from . import CountySite

# What a page for a record lost from history keeps (and the next manifest carries on).
LOST_FIELDS = ("path", "url", "title", "unit", "published", "index_no", "commit", "source_sha256", "last_built_from")


def url_of(path: str) -> str:
    """The site URL a record file has (or had): content/<cat>/<county>/<unit>/<id>.md -> <cat>/<unit>/<id>/."""
    _, category, _, unit, file = path.split("/")
    return f"{category}/{unit}/{file.rsplit('.', 1)[0]}/"


def tombstones(site: CountySite) -> None:
    """Pages for records that vanished from the content without being withdrawn.

    A deletion that skipped the checks (a force-push, a merge without review) must not
    silently drop a published page: its address keeps the last known metadata, and the
    变更记录 lists it for inspectors.
    """
    current = {r.url for r in site.records}
    by_path = {r.path: r for r in site.records}
    moved: dict[str, Record] = {}
    for h in site.histories.values():
        record = by_path.get(h.path)
        for rev in h.revisions[:-1] if record else []:
            if rev.path == record.path:  # most revisions: the address it has now
                continue
            old_url = url_of(rev.path)
            if old_url != record.url and old_url not in current:
                moved[old_url] = record
    for old_url, record in sorted(moved.items()):
        # A moved record's old address still leads to it (links and bookmarks live on).
        data = {"text": "本信息已移至新地址：", "href": rel_url(old_url, record.url), "title": record.title}
        site.pages.append(Page(old_url[:-1] + ".md", record.title, "moved.html", data, kind="moved"))
    for key, h in sorted(site.histories.items()):
        if not h.deleted:
            continue
        url = url_of(h.path)
        if url in current or "#" in key:
            continue
        last = h.revisions[-1]
        m = h.meta
        data: dict[str, Any] = {
            "reason": "deleted",
            "date": last.date,
            "history_href": site.commit_href(last.sha),
            "facts": [
                ("标题", str(m.get("title", ""))),
                ("发布机构", site.unit_name(h.path.split("/")[3])),
                ("发布日期", str(m.get("published", "—"))),
                ("文号", str(m.get("doc_number") or "—")),
                ("原文件", h.path),
            ],
            "revisions": revisions(h, m, hide_values=True),
        }
        title = m.get("title", h.path.rsplit("/", 1)[1])
        site.pages.append(Page(url[:-1] + ".md", f"【已删除】{title}", "gone.html", data, kind="record"))


def lost_records(site: CountySite) -> None:
    """Pages for records the last published site listed that nothing knows any more.

    A force-push can rewrite history so that a published record was never there: no
    deletion to flag, no old version to make a tombstone from. The previous build's
    manifest still lists it, so its address keeps a page with what the manifest says
    (title, unit, date, the source file's hash), and the manifest of this build
    carries it on, so the page outlives later builds too.
    """
    known_paths = {r.path for r in site.project.records}
    for h in site.histories.values():
        known_paths.update(rev.path for rev in h.revisions)
        known_paths.add(h.path)
    taken = {p.url for p in site.pages}
    last_build = str(site.previous.get("built_from") or "")
    def listed(name: str) -> list[dict[str, Any]]:  # a tampered manifest may hold anything
        value = site.previous.get(name)
        return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []

    entries = listed("lost")
    # A manifest written from uncommitted files lists drafts nobody published.
    if not site.previous.get("dirty"):
        entries += [{**r, "last_built_from": last_build} for r in listed("records")]
    seen: set[str] = set()
    county = site.county.id
    for raw in sorted(entries, key=lambda e: str(e.get("path"))):
        # Only the fields this page uses, as text: the manifest may have been tampered with.
        e = {k: str(raw.get(k) or "") for k in LOST_FIELDS}
        path = e["path"]
        # Only a record's own address, derived from its path as for any record page; so a
        # tampered manifest can place no page elsewhere.
        m = re.fullmatch(rf"content/([a-z]+)/{re.escape(county)}/([a-z0-9][a-z0-9_-]*)/([a-z0-9][a-z0-9-]*)\.(?:md|ya?ml)", path)
        if not m or m.group(1) not in CATEGORIES or m.group(2) == "page" or path in known_paths:
            continue
        url = e["url"] = url_of(path)
        if url in taken or url in seen:
            continue
        seen.add(url)
        site.lost.append(e)
        title = e["title"] or path
        data = {
            "reason": "lost",
            "facts": [
                ("标题", title),
                ("发布机构", site.unit_name(e["unit"])),
                ("发布日期", e["published"] or "—"),
                ("原文件", path),
                ("原文件 SHA-256", e["source_sha256"] or "—"),
            ],
            "revisions": [],
        }
        site.pages.append(Page(url[:-1] + ".md", f"【已删除】{title}", "gone.html", data, kind="record"))
