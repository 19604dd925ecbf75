"""统计: what a county (or, on the portal, the whole city) published, how, how promptly,
what was withdrawn or corrected, and how 依申请 requests were answered (gongkai/stats.py).

The county page counts by category, unit and year; the portal's counts by county. Both
draw records per month and on-time rates as charts (pages/charts.py) beside their tables.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import stats
from ..load import Project
from ..model import CATEGORIES
from . import Page, rel_url
from .charts import RateRow, month_bars, rate_bars

if TYPE_CHECKING:
    from . import CountySite

HERE = "stats/"
SRC = "stats/index.md"
TITLE = "统计"
MONTH_CHARTS = 4  # years drawn month by month, newest first; every year is in the tables
LIST_LIMIT = 100  # withdrawals and corrections listed; the counts cover all of them


def _day(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _years(s: stats.Statistics) -> list[str]:
    return sorted({r["year"] for r in s.records})


def _crosstab(s: stats.Statistics, key: str, labels: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """Records per `key` (category, unit or county) × year, with totals both ways."""
    years = _years(s)
    table: dict[str, Counter] = defaultdict(Counter)
    for r in s.records:
        table[r[key]][r["year"]] += r["count"]
    rows = [[labels.get(k, k), *(table[k][y] or "" for y in years), sum(table[k].values())] for k in order if table.get(k)]
    totals = ["合计", *(sum(t[y] for t in table.values()) for y in years), sum(r["count"] for r in s.records)]
    return {"headers": [*(f"{y}年" for y in years), "合计"], "rows": rows, "totals": totals}


def _month_charts(project: Project, s: stats.Statistics, counties: list[str]) -> list[dict[str, Any]]:
    """Records per month of publication, one chart for each of the latest years with records."""
    per: dict[str, Counter] = defaultdict(Counter)
    wanted = set(counties)
    for r in project.records:
        if r.county in wanted and len(r.published) >= 7 and r.published[5:7].isdigit():
            per[r.published[:4]][int(r.published[5:7])] += 1
    years = sorted(per, reverse=True)[:MONTH_CHARTS]
    return [month_bars(f"months-{y}", y, dict(per[y])) for y in years]


def _requests(s: stats.Statistics) -> dict[str, Any]:
    outcomes = [[k, v] for k, v in s.requests_by_outcome.items()]
    times = [[k, s.requests_by_time[k]] for k in stats.REPLY_STATUSES if k in s.requests_by_time]
    return {"outcomes": outcomes, "times": times, "total": sum(s.requests_by_outcome.values())}


def _changes(project: Project, s: stats.Statistics, href: Callable[[str], str]) -> dict[str, Any]:
    """Withdrawals, removals and corrections: counts, and the latest of each with links."""
    by_path = {r.path: r for r in project.records}

    def link(path: str, title: str) -> dict[str, str] | str:
        return {"href": href(path), "text": title} if path in by_path and by_path[path].valid else title

    def unit(path: str) -> str:
        _, _, county, unit_id, _ = path.split("/")
        c = project.counties.get(county)
        name = c.units[unit_id].name if c and unit_id in c.units else unit_id
        return f"{c.name} · {name}" if c and len(s.counties) > 1 else name

    gone = sorted(
        [("撤回", w) for w in s.withdrawn] + [("删除内容", w) for w in s.removed], key=lambda e: (e[1]["date"], e[1]["path"]), reverse=True
    )
    corrections = sorted(s.corrections, key=lambda c: (c.date, c.path), reverse=True)
    unexplained = sum(1 for c in corrections if not c.explained)
    rows = []
    for c in corrections[:LIST_LIMIT]:
        what = "、".join(c.fields[:6]) + (f" 等 {len(c.fields)} 处" if len(c.fields) > 6 else "")
        what = "；".join(x for x in (what, c.body) if x)
        note = "；".join(c.notes) if c.notes else ("错别字修改，无需说明" if c.explained else "未写修订说明")
        rows.append([c.date[:10], link(c.path, c.title), unit(c.path), what, note])
    return {
        "withdrawn": len(s.withdrawn), "removed": len(s.removed),
        "gone": [[kind, link(w["path"], w["title"]), unit(w["path"]), w["date"], w["reason"]] for kind, w in gone[:LIST_LIMIT]],
        "gone_more": max(0, len(gone) - LIST_LIMIT),
        "corrections": len(corrections), "unexplained": unexplained, "explained": len(corrections) - unexplained,
        "correction_rows": rows, "corrections_more": max(0, len(corrections) - LIST_LIMIT),
    }


def _overdue(project: Project, s: stats.Statistics, item_href: Callable[[str, str], str], unit_href: Callable[[str, str], str]) -> dict[str, Any]:
    several = len(s.counties) > 1
    items = [[{"href": item_href(i["category"], i["item"]), "text": i["name"]}, CATEGORIES[i["category"]], i["periods"]] for i in s.overdue_items]
    units = [
        [*([project.counties[u["county"]].name] if several else []), {"href": unit_href(u["county"], u["unit"]), "text": u["name"]}, u["periods"]]
        for u in s.overdue_units
    ]
    return {"items": items, "units": units, "unit_headers": [*(["县（市、区）"] if several else []), "单位", "逾期未公开（期）"]}


def county_values(site: CountySite, s: stats.Statistics) -> dict[str, Any]:
    """The county's 统计 page: categories, units and years; how; changes; on time; requests."""
    county = site.county
    unit_names = {u.id: u.name for u in county.units.values()}
    modes = s.modes.get(county.id, {})
    rates = [RateRow(u.name, u.due, u.on_time, u.late, u.missing) for u in s.on_time.get(county.id, [])]
    return {
        "portal": False,
        "scope": county.name,
        "as_of": _day(site.as_of),
        "total": sum(r["count"] for r in s.records),
        "by_category": _crosstab(s, "category", dict(CATEGORIES), list(CATEGORIES)),
        "by_unit": _crosstab(s, "unit", {k: {"href": rel_url(HERE, f"units/{k}/"), "text": v} for k, v in unit_names.items()},
                             [*county.units, *sorted({r["unit"] for r in s.records} - set(county.units))]),
        "modes": {"headers": ["公开方式", "记录数"], "rows": [[m, n] for m, n in sorted(modes.items())]},
        "months": _month_charts(site.project, s, [county.id]),
        "changes": _changes(site.project, s, lambda path: rel_url(HERE, _record_url(site.project, path))),
        "on_time": rate_bars("rates", f"{county.name}定期公开事项按时率（按单位）", rates),
        "overdue": _overdue(site.project, s, lambda c, i: rel_url(HERE, f"catalogue/{c}/{i}/"), lambda c, u: rel_url(HERE, f"units/{u}/")),
        "requests": _requests(s),
        "links": {"deadlines": rel_url(HERE, "deadlines/"), "changes": rel_url(HERE, "changes/")},
    }


def _record_url(project: Project, path: str) -> str:
    """A record's address inside its county site, from its path (content/<cat>/<county>/<unit>/<id>.md)."""
    _, category, _, unit, file = path.split("/")
    return f"{category}/{unit}/{file.rsplit('.', 1)[0]}/"


def build(site: CountySite) -> None:
    """The county's 统计 page, judged at the site's date like 公开时限."""
    s = stats.compute(site.project, [site.county.id], site.as_of, histories=site.histories or None,
                      assessments={site.county.id: site.assessment()})
    site.pages.append(Page(SRC, TITLE, "stats.html", county_values(site, s)))


def portal_page(project: Project, as_of: dt.date, histories: dict | None = None) -> Page:
    """The portal's 统计 page: the whole city, county by county."""
    counties = list(project.counties)
    s = stats.compute(project, counties, as_of, histories=histories)
    names = {c: project.counties[c].name for c in counties}
    county_link = {c: {"href": rel_url(HERE, f"{c}/stats/"), "text": n} for c, n in names.items()}
    per_county: dict[str, Counter] = defaultdict(Counter)
    for r in s.records:
        per_county[r["county"]][r["category"]] += r["count"]
    cats = [c for c in CATEGORIES if any(c in t for t in per_county.values())]
    by_county_category = {
        "headers": [*(CATEGORIES[c] for c in cats), "合计"],
        "rows": [[county_link[c], *(per_county[c][k] or "" for k in cats), sum(per_county[c].values())] for c in counties],
        "totals": ["合计", *(sum(t[k] for t in per_county.values()) for k in cats), sum(r["count"] for r in s.records)],
    }
    mode_names = sorted({m for modes in s.modes.values() for m in modes})
    modes = {"headers": ["县（市、区）", *mode_names], "rows": [[names[c], *(s.modes.get(c, {}).get(m, 0) for m in mode_names)] for c in counties]}
    rates = []
    for c in counties:
        units = s.on_time.get(c, [])
        rates.append(RateRow(names[c], *(sum(getattr(u, k) for u in units) for k in ("due", "on_time", "late", "missing"))))
    data = {
        "portal": True,
        "scope": f"{project.site.city or '全市'}（{'、'.join(names.values())}）",
        "as_of": _day(as_of),
        "total": sum(r["count"] for r in s.records),
        "by_county_category": by_county_category,
        "by_county_year": _crosstab(s, "county", county_link, counties),
        "modes": modes,
        "months": _month_charts(project, s, counties),
        "changes": _changes(project, s, lambda path: rel_url(HERE, f"{path.split('/')[2]}/{_record_url(project, path)}")),
        "on_time": rate_bars("rates", "定期公开事项按时率（按县（市、区））", rates),
        "overdue": _overdue(project, s, lambda c, i: "", lambda c, u: rel_url(HERE, f"{c}/units/{u}/")),
        "requests": _requests(s),
        "links": {"inspection": rel_url(HERE, "inspection/")},
    }
    for row in data["overdue"]["items"]:
        row[0] = row[0]["text"]  # the portal has no catalogue pages of its own
    return Page(SRC, TITLE, "stats.html", data)
