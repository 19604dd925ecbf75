"""The county home page: search box, the six categories, latest disclosures, units."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..model import CATEGORIES
from . import Page

if TYPE_CHECKING:
    from . import CountySite


def build(site: CountySite) -> None:
    """County home: search box, the six categories, latest disclosures, units."""
    counts = Counter(r.category for r in site.records)
    title = site.site_name
    data = {
        "heading": title,
        "categories": [{"href": f"{category}/", "name": name, "count": counts[category]} for category, name in CATEGORIES.items()],
        "latest": [site.link("", r) for r in site.records[:20]],
        "units": len(site.county.units),
    }
    site.pages.append(Page("index.md", title, "home.html", data))
