"""督查报告 on the portal: the disclosure office's own oversight, published (gongkai/inspection.py).

The same values as `build.py inspect --format html`, for every county, judged at the date of
the commit the portal is built from (so a rebuild says the same), with each problem's record
linked to its page on its county's site.
"""

from __future__ import annotations

import datetime as dt

from .. import inspection
from ..load import Project
from . import Page, rel_url

HERE = "inspection/"
SRC = "inspection/index.md"
TITLE = "督查报告"
MONTHS = 24  # the heat map's months up to the date judged at
PER_CATEGORY = 200  # problems listed per category on the page; the counts cover all of them


def portal_page(project: Project, as_of: dt.date, histories: dict | None = None) -> Page:
    """The 督查 report of every county as a portal page."""
    report = inspection.build(project, list(project.counties), as_of, MONTHS, histories)
    published = {r.path: r for r in project.records if r.valid and r.item}

    def href(p: inspection.Problem) -> str:
        r = published.get(p.path)
        return rel_url(HERE, f"{r.county}/{r.url}") if r else ""

    data = inspection.page_values(project, report, href)
    for group in data["grouped"]:  # a county of 10,000 records can have thousands: the page stays readable
        group["more"] = max(0, len(group["problems"]) - PER_CATEGORY)
        group["problems"] = group["problems"][:PER_CATEGORY]
    data["links"] = {"stats": rel_url(HERE, "stats/")}
    return Page(SRC, TITLE, "inspection.html", data)
