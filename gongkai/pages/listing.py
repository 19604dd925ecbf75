"""The lists of records: a category, the unit index and each unit, the 公开目录 and each item."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..model import CATEGORIES, LEVELS, PERIODS
from . import Page, rel_url
from .data import item_list, links, unit_list

if TYPE_CHECKING:
    from . import CountySite


def deadline_zh(item: Any) -> str:
    """An item's 公开时限 in words."""
    if item.deadline_days is None:
        return "及时"
    if item.period == "none":
        return f"信息形成或变更之日起{item.deadline_days}日内"
    return f"每期结束后{item.deadline_days}日内"


def category(site: CountySite, category: str) -> None:
    """One category: its catalogue items with counts, its units, all its records."""
    records = [r for r in site.records if r.category == category]
    here = f"{category}/"
    cat = site.project.catalogues.get(category)
    by_item: dict[str, int] = defaultdict(int)
    for r in records:
        by_item[r.item.id] += 1
    items = []
    if cat:
        items = [
            {"href": rel_url(here, f"catalogue/{category}/{i.id}/"), "name": i.name, "count": by_item[i.id]}
            for i in cat.items.values()
        ]
    units = [
        {"href": rel_url(here, f"units/{u.id}/"), "name": u.name}
        for u in site.county.units.values()
        if category in u.categories
    ]
    head = {"description": cat.description if cat and cat.description else "", "items": items, "units": units}
    site.paginate(category, CATEGORIES[category], "category.html", records, head)


def units(site: CountySite) -> None:
    """The unit index, and one page per unit (records by category, item and year)."""
    by_unit = defaultdict(list)
    for r in site.records:
        by_unit[r.unit].append(r)
    groups = defaultdict(list)
    for u in site.county.units.values():
        groups[u.level].append(u)
    levels = [
        {"name": LEVELS[level], "units": [{"href": f"{u.id}/", "name": u.name, "count": len(by_unit[u.id])} for u in groups[level]]}
        for level in LEVELS
        if groups[level]
    ]
    site.pages.append(Page("units/index.md", "公开单位", "units.html", {"levels": levels}))
    for u in site.county.units.values():
        # A reader who trims a record's address (village/<unit>/<record>/) lands on the
        # unit's folder: lead them to the unit's page instead of a 404. ("page" would be
        # a category's second page of its list.)
        for category in sorted({r.category for r in by_unit[u.id]}) if u.id != "page" else []:
            data = {"text": f"{u.name}的全部公开信息：", "href": rel_url(f"{category}/{u.id}/", f"units/{u.id}/"), "title": u.name}
            site.pages.append(Page(f"{category}/{u.id}/index.md", u.name, "moved.html", data, kind="moved"))
    for u in site.county.units.values():
        # By category and item, newest year first, then newest record first within a year.
        records = sorted(by_unit[u.id], key=lambda r: (r.year, r.published), reverse=True)
        records.sort(key=lambda r: (list(CATEGORIES).index(r.category), r.item.name))
        township = site.county.units.get(u.township) if u.township else None
        facts = [("单位名称", u.name), ("单位层级", LEVELS[u.level])]
        if township:
            facts.append(("所属乡镇", township.name))
        facts += [
            ("公开类别", "、".join(CATEGORIES[c] for c in u.categories)),
            ("单位代码", u.code),
            ("公开信息", f"{len(records)} 条"),
        ]
        site.paginate(
            f"units/{u.id}",
            u.name,
            "unit.html",
            records,
            {
                "facts": facts,
                # The unit's form editor (gongkai/editor.py), written once site.yml names the forge.
                "editor": rel_url(f"units/{u.id}/", f"admin/{u.id}/") if site.project.site.editor else None,
                "downloads": links(f"units/{u.id}/", unit_list(u.id)),
            },
            group=lambda r: f"{CATEGORIES[r.category]} · {r.item.name} · {r.year}年",
        )


def catalogue(site: CountySite) -> None:
    """The 公开目录 (every item with its standard columns) and one page per item."""
    by_item = defaultdict(list)
    for r in site.records:
        by_item[(r.category, r.item.id)].append(r)
    rows = []
    for category, cat in site.project.catalogues.items():
        for i in cat.items.values():
            rows.append(
                [CATEGORIES[category], i.group, {"href": f"{category}/{i.id}/", "text": i.name},
                 "；".join(i.basis), deadline_zh(i), i.mode, str(len(by_item[(category, i.id)]))]
            )
    headers = ["类别", "一级事项", "公开事项", "公开依据", "公开时限", "公开方式", "条数"]
    site.pages.append(Page("catalogue/index.md", "公开目录", "catalogue.html", {"headers": headers, "rows": rows}))
    for category, cat in site.project.catalogues.items():
        for i in cat.items.values():
            records = sorted(by_item[(category, i.id)], key=lambda r: (r.year, r.published), reverse=True)
            facts = [
                ("公开类别", CATEGORIES[category]),
                ("一级事项", i.group),
                ("公开内容", i.content),
                ("公开依据", "；".join(i.basis)),
                ("公开时限", deadline_zh(i)),
                ("公开周期", PERIODS[i.period]),
                ("公开方式", i.mode),
                ("公开对象", "、".join(i.audience)),
                ("公开层级", "、".join(i.levels)),
                ("公开渠道", "、".join(i.channels)),
                ("主题分类", i.topic),
            ]
            here = f"catalogue/{category}/{i.id}/"
            head = {"facts": [(k, v) for k, v in facts if v], "downloads": links(here, item_list(category, i.id))}
            site.paginate(f"catalogue/{category}/{i.id}", i.name, "item.html", records, head, group=lambda r: f"{r.year}年")
