"""The search page: takes its query from the address (search/?q=…)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..search import BUNDLE
from . import Page

if TYPE_CHECKING:
    from . import CountySite


def build(site: CountySite) -> None:
    """The search page; theme/assets/gongkai-search.js fills it from the static index."""
    site.pages.append(Page("search/index.md", "搜索", "search.html", {"bundle": f"../{BUNDLE}/", "root": "../"}, kind="search"))
