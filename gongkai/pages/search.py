"""The search pages: a county's, and the portal's over every county; each takes its query
and filters from the address (search/?q=…&单位=…)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..search import BUNDLE
from . import Page

if TYPE_CHECKING:
    from ..load import Project
    from . import CountySite


def build(site: CountySite) -> None:
    """The search page; theme/assets/gongkai-search.js fills it from the static index."""
    site.pages.append(Page("search/index.md", "搜索", "search.html", {"bundle": f"../{BUNDLE}/", "root": "../"}, kind="search"))


def portal(project: Project) -> Page:
    """The portal's search page: the same script reads every county's index (each county's
    site is a folder beside it) and merges their results, naming each result's county."""
    sources = [{"name": c.name, "bundle": f"../{c.id}/{BUNDLE}/", "root": f"../{c.id}/"} for c in project.counties.values()]
    return Page("search/index.md", "搜索各县（市、区）公开信息", "search.html", {"sources": sources}, kind="search")
