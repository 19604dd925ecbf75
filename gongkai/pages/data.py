"""开放数据: each record's tables, and the list of records of each unit, catalogue item and
the county, as CSV and JSON files written into the site, and the data/ page listing them.

Every file lives under data/ (no page or attachment does), so a download's name cannot meet
a record's page or attachment: data/records/<category>/<unit>/<record>.json and
<record>/<table>.csv, data/units/<unit>.csv, data/catalogue/<category>/<item>.csv and
data/records.csv (the whole county), each with its .json. They are site files like any
other, so the manifest lists them and verify rebuilds and compares them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .. import opendata, pii
from ..model import CATEGORIES, Record
from . import Asset, Page

if TYPE_CHECKING:
    from . import CountySite

COUNTY_LIST = "data/records"


def unit_list(unit_id: str) -> str:
    """Where a unit's list of records goes (without .csv/.json)."""
    return f"data/units/{unit_id}"


def item_list(category: str, item_id: str) -> str:
    """Where a catalogue item's list of records goes (without .csv/.json)."""
    return f"data/catalogue/{category}/{item_id}"


def links(here: str, stem: str) -> list[dict[str, str]]:
    """The CSV and JSON links of one download, as seen from the page at `here`.

    Up to the site's root, then down: every record page links its files, and rel_url's
    posixpath.relpath cost more than writing them (measured)."""
    up = "../" * here.count("/")
    return [
        {"href": f"{up}{stem}.csv", "format": "CSV", "note": "Excel 可直接打开"},
        {"href": f"{up}{stem}.json", "format": "JSON", "note": "供程序读取"},
    ]


def record_url(site: CountySite, r: Record) -> str:
    """The record page's full address where site.yml gives the site's base_url, else its path in the site."""
    return address(site, r.url)


def address(site: CountySite, url: str) -> str:
    """A page's full address where site.yml gives the site's base_url, else its path in the site."""
    base = site.project.site.base_url
    return f"{base}{site.county.id}/{url}" if base else url


def record_entry(site: CountySite, r: Record) -> dict[str, Any]:
    """One record as a row of a list download (opendata.LIST_COLUMNS), masked."""
    from .record import validity_zh

    assert r.item is not None
    m = r.meta
    entry = {
        "index_no": r.index_no,
        "title": r.title,
        "unit": site.unit(r).name,
        "category": CATEGORIES[r.category],
        "item": r.item.name,
        "period": str(m.get("period") or ""),
        "published": r.published,
        "doc_number": str(m.get("doc_number") or ""),
        "validity": validity_zh(m),
        "url": record_url(site, r),
    }
    # Only what a unit typed can hold a number by mistake; the rest is the site's own words.
    for key in ("title", "doc_number", "period"):
        entry[key] = pii.mask_text(entry[key])
    return entry


def record_downloads(site: CountySite, r: Record) -> list[dict[str, Any]]:
    """Write a record's data files (when it has tables) and return the links its page shows.

    A removed record has none: its content is gone from the site, its data with it."""
    assert r.item is not None
    if r.meta.get("removed") or not opendata.has_tables(r.fields):
        return []
    fields, tables = opendata.record_data(r.fields, r.item.schema)
    if not tables:
        return []
    stem = f"data/records/{r.category}/{r.unit}/{r.id}"
    data = {
        **record_entry(site, r),
        "fields": fields,
        "tables": [{k: t[k] for k in ("title", "columns", "rows")} for t in tables],
    }
    site.assets.append(Asset(f"{stem}.json", content=opendata.json_bytes(data)))
    out = [{"title": "本条信息的全部数据", **links(r.url, stem)[1]}]
    # Each table in the record's own folder, so no other record's file can take its name;
    # a name used twice in one record (a key written a.b and a nested a: {b}) gets a number.
    used: set[str] = set()
    for t in tables:
        name = _file_name(t["key"])
        while name in used:
            name = f"{name}-{len(used) + 1}"
        used.add(name)
        table = f"{stem}/{name}"
        site.assets.append(Asset(f"{table}.csv", content=opendata.csv_bytes(t["columns"], t["rows"])))
        out.append({"title": t["title"], **links(r.url, table)[0]})
    return out


def _file_name(key: str) -> str:
    """A table's key as a file name that needs no quoting in an address (schema keys are
    the office's choice: anything but letters, digits, - and _ becomes _)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", key) or "table"


def _write_list(site: CountySite, stem: str, title: str, records: list[Record], entries: dict[str, tuple[str, str]]) -> None:
    csv_data, json_data = opendata.list_files(title, [entries[r.path] for r in records])
    site.assets.append(Asset(f"{stem}.csv", content=csv_data))
    site.assets.append(Asset(f"{stem}.json", content=json_data))


def build(site: CountySite) -> None:
    """The list downloads (county, each unit, each catalogue item) and the data/ page."""
    # Each record's row encoded once, for the three lists it is in; kept with its page when
    # the page was (pages/memo.py, whose key holds everything record_entry reads).
    rest = [r for r in site.records if r.path not in site.list_rows]
    entries = {**site.list_rows, **dict(zip((r.path for r in rest), opendata.list_rows([record_entry(site, r) for r in rest]), strict=True))}
    here = "data/"
    county = f"{site.county.name}全部公开信息"
    _write_list(site, COUNTY_LIST, county, site.records, entries)
    by_unit: dict[str, list[Record]] = defaultdict(list)
    by_item: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in site.records:
        assert r.item is not None
        by_unit[r.unit].append(r)
        by_item[(r.category, r.item.id)].append(r)
    units = []
    for u in site.county.units.values():
        _write_list(site, unit_list(u.id), f"{u.name}公开信息", by_unit[u.id], entries)
        units.append({"name": u.name, "count": len(by_unit[u.id]), "links": links(here, unit_list(u.id))})
    items = []
    for category, cat in site.project.catalogues.items():
        for i in cat.items.values():
            records = by_item[(category, i.id)]
            _write_list(site, item_list(category, i.id), f"{i.name}公开信息", records, entries)
            if records:  # an item nobody in this county publishes would be an empty row to scroll past
                items.append({"name": f"{CATEGORIES[category]} · {i.name}", "count": len(records), "links": links(here, item_list(category, i.id))})
    # record_downloads ran for every record before: one JSON file per record with tables.
    with_tables = sum(1 for a in site.assets if a.src.startswith("data/records/") and a.src.endswith(".json"))
    data = {
        "county": {"name": county, "count": len(site.records), "links": links(here, COUNTY_LIST)},
        "units": units,
        "items": items,
        "with_tables": with_tables,
    }
    site.pages.append(Page("data/index.md", "开放数据", "data.html", data))
