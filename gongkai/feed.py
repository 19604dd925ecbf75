"""The county's 变更记录 as an Atom feed (written with feedgen, a well-kept feed library)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from feedgen.feed import FeedGenerator

from . import store
from .pii import mask_text

if TYPE_CHECKING:
    from .changes import Revision
    from .load import Project
    from .model import County, Unit

CHINA = dt.timezone(dt.timedelta(hours=8))


# What XML 1.0 cannot hold (lxml refuses the whole feed): control characters, surrogates,
# U+FFFE and U+FFFF. A commit message may carry any of them, and an old version of a
# record may too (the check names them today; history keeps what was).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    """Text as a feed can hold it: characters XML 1.0 does not allow are left out."""
    return _NOT_XML.sub("", value)


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
        fg.title(_text(f"{county.name}党务政务公开 · 变更记录"))
        fg.link(href=f"{site}changes/", rel="alternate")
        fg.link(href=f"{site}changes.xml", rel="self")
    else:
        fg.id(f"{site}units/{unit.id}/changes.xml")
        fg.title(_text(f"{unit.name} · 公开信息更新"))
        fg.link(href=f"{site}units/{unit.id}/", rel="alternate")
        fg.link(href=f"{site}units/{unit.id}/changes.xml", rel="self")
    fg.language("zh-CN")
    fg.author({"name": _text(county.host or project.site.host or county.name)})
    fg.updated(_when(entries[0][0].date) if entries else dt.datetime(2000, 1, 1, tzinfo=CHINA))
    for rev, title, url, unit_name in reversed(entries):  # feedgen lists the last added first
        e = fg.add_entry()
        e.id(f"{site}{url}#{rev.sha[:12]}-{rev.kind}")
        e.title(_text(f"【{rev.kind_zh}】{title}"))
        e.link(href=f"{site}{url}")
        e.updated(_when(rev.date))
        e.author({"name": _text(unit_name)})
        summary = "；".join(rev.notes) or rev.reason or rev.body or rev.message
        e.summary(_text(mask_text(summary)))
    return fg.atom_str(pretty=True)


KIND = "atom-feeds"


class KeptFeeds:
    """The feeds of one county site, kept from one build to the next by what they show.

    A county has a feed for itself and one per unit (51 at the benchmark's scale); made
    with feedgen, they were a third of 变更记录's time in a one-record build, which changes
    one or two of them. Each is kept under a key of everything atom() reads (the site's
    and county's names and addresses, the unit, and each entry's revision, title, address
    and unit name); the code is the file's key (store.code_key), so a code change makes
    them all again. The byte-identity tests (tests/test_warm_build.py) hold what is taken
    to what a cold build makes."""

    def __init__(self, root: Path, county: County):
        self.path = store.cache_root(root) / "feeds" / f"{store.digest(county.id)[:16]}.msgpack"
        found = store.read_sealed(self.path, KIND, store.code_key(), packed=True)
        self.old: dict[str, bytes] = found if isinstance(found, dict) else {}
        self.new: dict[str, bytes] = {}
        self.made = 0

    def atom(self, project: Project, county: County, entries: list[tuple[Revision, str, str, str]], unit: Unit | None = None) -> bytes:
        """atom(…), taken from the cache when it holds the feed of the same inputs."""
        try:
            key = store.digest(json.dumps([
                project.site.base_url, project.site.host, county.id, county.name, county.host,
                [unit.id, unit.name] if unit is not None else None,
                [[r.sha, r.kind, r.date, r.notes, r.reason, r.body, r.message, title, url, name] for r, title, url, name in entries],
            ], ensure_ascii=False))
        except (TypeError, ValueError):  # not plain text: made, never kept
            return atom(project, county, entries, unit)
        value = self.old.get(key)
        if not isinstance(value, bytes):
            value = atom(project, county, entries, unit)
            self.made += 1
        self.new[key] = value
        return value

    def save(self) -> None:
        """Keep the feeds of this build (only when they are not the ones kept already)."""
        if self.new.keys() != self.old.keys():
            store.write_sealed(self.path, KIND, store.code_key(), self.new, packed=True)
