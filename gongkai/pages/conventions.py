"""The pages every 政府信息公开 site carries where a citizen expects them (国办发〔2017〕47号,
《政府信息公开条例》): 信息公开指南 and 信息公开年报 (the records of those catalogue items),
依申请公开 (how to apply, to whom, how fast: from the county file) and 网站地图.
theme/partials/gk-toolbar.html links them from every page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import CATEGORIES, LEVELS
from . import Page, rel_url
from .data import COUNTY_LIST

if TYPE_CHECKING:
    from . import CountySite

# The catalogue items whose records these entries list (catalogues/government.yml).
GUIDE_ITEMS = ("guide",)
REPORT_ITEMS = ("annual-report",)

# 《政府信息公开条例》（国务院令第711号）第三十三条: the reply within 20 working days, an
# extension of at most 20 more. A county file may promise less (application.reply_days).
REPLY_DAYS = 20
EXTENSION_DAYS = 20


def _items(site: CountySite, here: str, ids: tuple[str, ...]) -> list[dict[str, str]]:
    """The catalogue items with these ids, as links from the page at `here`."""
    return [
        {"href": rel_url(here, f"catalogue/{category}/{i.id}/"), "name": i.name}
        for category, cat in site.project.catalogues.items()
        for i in cat.items.values()
        if i.id in ids
    ]


def entry(site: CountySite, base: str, title: str, ids: tuple[str, ...], intro: str) -> None:
    """A fixed entry (信息公开指南, 信息公开年报): every unit's records of those items, newest first."""
    records = [r for r in site.records if r.item and r.item.id in ids]
    here = f"{base}/"
    head = {"intro": intro, "items": _items(site, here, ids), "apply": rel_url(here, "apply/") if ids == GUIDE_ITEMS else ""}
    site.paginate(base, title, "entry.html", records, head, group=lambda r: f"{r.year}年")


def apply(site: CountySite) -> None:
    """依申请公开: to whom, where and how to apply, how fast the answer comes, and what if it does not."""
    a: dict[str, Any] = dict(site.county.application)
    office = [
        (label, str(a[key]))
        for key, label in (
            ("office", "受理机构"), ("address", "受理地址"), ("postcode", "邮政编码"), ("hours", "受理时间"),
            ("phone", "咨询电话"), ("fax", "传真"), ("email", "电子邮箱"), ("online", "网上申请"),
        )
        if a.get(key)
    ]
    guides = [site.link("apply/", r) for r in site.records if r.item and r.item.id in GUIDE_ITEMS]
    data = {
        "county": site.county.name,
        "office": office,
        "online": str(a.get("online") or ""),
        "reply_days": int(a.get("reply_days") or REPLY_DAYS),
        "extension_days": int(a.get("extension_days") if a.get("extension_days") is not None else EXTENSION_DAYS),
        "guides": guides,
    }
    site.pages.append(Page("apply/index.md", "依申请公开", "apply.html", data))


def sitemap(site: CountySite) -> None:
    """网站地图: every section of the site and every list in it (records are reached from the lists)."""
    here = "sitemap/"
    link = lambda url, text: {"href": rel_url(here, url), "text": text}  # noqa: E731
    categories = []
    for category, name in CATEGORIES.items():
        cat = site.project.catalogues.get(category)
        items = [link(f"catalogue/{category}/{i.id}/", i.name) for i in cat.items.values()] if cat else []
        categories.append({**link(f"{category}/", name), "children": items})
    levels = []
    for level, name in LEVELS.items():
        units = [link(f"units/{u.id}/", u.name) for u in site.county.units.values() if u.level == level]
        if units:
            levels.append({"text": name, "children": units})
    data = {
        "main": [
            link("", "首页"), link("search/", "搜索"), link("catalogue/", "公开目录"),
            link("changes/", "变更记录"), link("deadlines/", "公开时限"),
        ],
        "openness": [
            link("guide/", "信息公开指南"), link("annual-reports/", "信息公开年报"), link("apply/", "依申请公开"),
            link("data/", "开放数据"), {"href": rel_url(here, f"{COUNTY_LIST}.csv"), "text": "全部公开信息清单（CSV）"},
        ],
        "categories": categories,
        "units": {**link("units/", "公开单位"), "levels": levels},
    }
    site.pages.append(Page("sitemap/index.md", "网站地图", "sitemap.html", data))


def build(site: CountySite) -> None:
    """信息公开指南, 信息公开年报, 依申请公开 and 网站地图."""
    entry(
        site, "guide", "信息公开指南", GUIDE_ITEMS,
        "各公开单位的政府信息公开指南：信息的分类和获取方式，公开工作机构的名称、地址、办公时间和联系电话，依申请公开的程序和监督救济途径。",
    )
    entry(
        site, "annual-reports", "信息公开年报", REPORT_ITEMS,
        "各公开单位每年向社会公布的政府信息公开工作年度报告：主动公开、依申请公开、行政复议和诉讼的情况，存在的问题和改进措施。",
    )
    apply(site)
    sitemap(site)
