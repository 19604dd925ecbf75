"""公开时限: periodic items that are overdue, records published late, series never begun."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import deadlines
from ..model import CatalogueItem, Unit
from ..periods import period_zh
from . import Page, rel_url

if TYPE_CHECKING:
    from . import CountySite

HERE = "deadlines/"


def _unit(u: Unit) -> dict[str, str]:
    return {"href": rel_url(HERE, f"units/{u.id}/"), "text": u.name}


def _item(i: CatalogueItem) -> dict[str, str]:
    return {"href": rel_url(HERE, f"catalogue/{i.category}/{i.id}/"), "text": i.name}


def build(site: CountySite) -> None:
    """公开时限: periodic items that are overdue, records published late, series never begun."""
    a = site.assessment()
    data = {
        "as_of": f"{site.as_of.year}年{site.as_of.month}月{site.as_of.day}日",
        "missing_items": a.missing_items,
        "missing_periods": a.missing_periods,
        "missing": [[_unit(m.unit), _item(m.item), m.periods_zh, m.due.isoformat()] for m in a.missing],
        "late": [
            [{"href": rel_url(HERE, x.record.url), "text": x.record.title}, _unit(x.unit), period_zh(x.period),
             x.due.isoformat(),
             {"text": x.published.isoformat(), "note": f"（补录，发布日期写 {x.typed.isoformat()}）"} if x.typed else x.published.isoformat(),
             str(x.days)]
            for x in a.late
        ],
        "never": [{"unit": _unit(site.county.units[u]), "items": [_item(i) for i in items]} for u, items in a.never.items()],
        # Records that reached the platform long after the date they say (补录/倒签): their
        # lateness above is judged by the day they came.
        "backdated": [
            [{"href": rel_url(HERE, b.record.url), "text": b.record.title}, _unit(site.county.units[b.record.unit]),
             b.typed.isoformat(), b.landed.isoformat(), str(b.days)]
            for b in a.backdated if b.record.valid and b.record.unit in site.county.units
        ],
        "slack": deadlines.BACKDATE_SLACK_DAYS,
    }
    site.pages.append(Page("deadlines/index.md", "公开时限", "deadlines.html", data))
