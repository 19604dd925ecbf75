"""变更记录: every revision in the county, newest first, by month; and the Atom feeds."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .. import feed, pii
from ..changes import Revision
from . import Asset, rel_url
from .record import summary

if TYPE_CHECKING:
    from . import CountySite

Entry = tuple[Revision, str, str, str]  # revision, record title, record url, unit name


def entries(site: CountySite) -> list[Entry]:
    """(revision, title, url, unit name) for every revision in the county, newest first."""
    by_path = {r.path: r for r in site.records}
    out = []
    for h in site.histories.values():
        record = by_path.get(h.path)
        _, category, _, unit, file = h.path.split("/")
        url = record.url if record else f"{category}/{unit}/{file.rsplit('.', 1)[0]}/"
        title = record.title if record else str(h.meta.get("title", file))
        unit_name = site.unit_name(unit)
        for rev in h.revisions:
            out.append((rev, title, url, unit_name))
    out.sort(key=lambda e: (e[0].date, e[0].sha, e[2]), reverse=True)
    return out


def build(site: CountySite) -> None:
    """变更记录: newest first, grouped by month, in pages that stay put as it grows; and its Atom feeds."""
    all_entries = entries(site)
    deleted = [
        {"href": rel_url("changes/", url), "title": title, "sub": f"{unit} · {rev.date} 删除"}
        for rev, title, url, unit in all_entries
        if rev.kind == "deleted"
    ]
    lost = [{"href": rel_url("changes/", e["url"]), "title": e["title"] or e["path"], "sub": e["path"]} for e in site.lost]

    def item(here: str, entry: Entry) -> dict[str, Any]:
        # What a citizen reads: the unit's change note, the kind and the date; the commit
        # message is for inspectors (build.py diff, the feed).
        rev, title, url, unit = entry
        note = "；".join(pii.mask_text(n) for n in rev.notes) or pii.mask_text(rev.reason) or summary(rev)
        return {"kind": rev.kind, "kind_zh": rev.kind_zh, "href": rel_url(here, url), "title": title, "note": note, "sub": f"{unit} · {rev.date}"}

    def month(entry: Entry) -> str:
        m = entry[0].date[:7]
        return f"{m[:4]}年{int(m[5:7])}月"

    site.paged("changes", "变更记录", "changes.html", all_entries, {"deleted": deleted, "lost": lost}, item=item, group=month, empty="暂无变更。", settled=True)
    feeds = feed.KeptFeeds(site.project.root, site.county)
    site.assets.append(Asset("changes.xml", content=feeds.atom(site.project, site.county, all_entries[:100])))
    by_unit = defaultdict(list)
    for e in all_entries:
        by_unit[e[2].split("/")[1]].append(e)  # url: <category>/<unit>/<record>/
    for u in site.county.units.values():
        site.assets.append(Asset(f"units/{u.id}/changes.xml", content=feeds.atom(site.project, site.county, by_unit[u.id][:100], u)))
    feeds.save()
