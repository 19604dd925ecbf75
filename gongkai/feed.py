"""The county's 变更记录 as an Atom feed (written with feedgen, a well-kept feed library)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from .pii import mask_text

if TYPE_CHECKING:
    from .changes import Revision
    from .load import Project
    from .model import County, Unit

CHINA = dt.timezone(dt.timedelta(hours=8))


def _when(date: str) -> dt.datetime:
    return dt.datetime.fromisoformat(date).replace(tzinfo=CHINA)


def atom(
    project: Project, county: County, entries: list[tuple[Revision, str, str, str]], unit: Unit | None = None
) -> bytes:
    """Atom XML for the newest entries (revision, title, url, unit), newest first: the
    county's 变更记录, or one unit's (for a villager who follows only their village)."""
    base = project.site.base_url or "https://example.invalid/"
    site = f"{base}{county.id}/"
    fg = FeedGenerator()
    if unit is None:
        fg.id(f"{site}changes.xml")
        fg.title(f"{county.name}党务政务公开 · 变更记录")
        fg.link(href=f"{site}changes/", rel="alternate")
        fg.link(href=f"{site}changes.xml", rel="self")
    else:
        fg.id(f"{site}units/{unit.id}/changes.xml")
        fg.title(f"{unit.name} · 公开信息更新")
        fg.link(href=f"{site}units/{unit.id}/", rel="alternate")
        fg.link(href=f"{site}units/{unit.id}/changes.xml", rel="self")
    fg.language("zh-CN")
    fg.author({"name": county.host or project.site.host or county.name})
    fg.updated(_when(entries[0][0].date) if entries else dt.datetime(2000, 1, 1, tzinfo=CHINA))
    for rev, title, url, unit_name in reversed(entries):  # feedgen lists the last added first
        e = fg.add_entry()
        e.id(f"{site}{url}#{rev.sha[:12]}-{rev.kind}")
        e.title(f"【{rev.kind_zh}】{title}")
        e.link(href=f"{site}{url}")
        e.updated(_when(rev.date))
        e.author({"name": unit_name})
        summary = "；".join(rev.notes) or rev.reason or rev.body or rev.message
        e.summary(mask_text(summary))
    return fg.atom_str(pretty=True)
