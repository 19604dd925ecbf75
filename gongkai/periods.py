"""Periods of periodic disclosures (2013, 2013-H1, 2013-Q4, 2013-12): their shape, end,
successor, Chinese name and deadline. Shared by validate (a record published late is a
warning) and deadlines (the 公开时限 page), so both judge a deadline the same way."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .model import CatalogueItem

HALF = {"H1": "上半年", "H2": "下半年"}
QUARTER = {"1": "一", "2": "二", "3": "三", "4": "四"}

PERIOD_SHAPES = {
    "month": (re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "2013-12"),
    "quarter": (re.compile(r"^\d{4}-Q[1-4]$"), "2013-Q4"),
    "half-year": (re.compile(r"^\d{4}-H[12]$"), "2013-H2"),
    "year": (re.compile(r"^\d{4}$"), "2013"),
}


def period_end(period: str) -> dt.date | None:
    """The last day of a period such as 2013, 2013-H1, 2013-Q4 or 2013-12."""
    try:
        year = int(period[:4])
        rest = period[5:]
        if not rest:
            return dt.date(year, 12, 31)
        if rest.startswith("H"):
            return dt.date(year, 6, 30) if rest == "H1" else dt.date(year, 12, 31)
        if rest.startswith("Q"):
            month = int(rest[1]) * 3
        else:
            month = int(rest)
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    except (ValueError, IndexError):
        return None


def next_period(period: str, kind: str) -> str:
    """The period after `period` (2013-12 -> 2014-01, 2013-Q4 -> 2014-Q1, 2013-H2 -> 2014-H1)."""
    year = int(period[:4])
    if kind == "year":
        return str(year + 1)
    if kind == "half-year":
        return f"{year}-H2" if period.endswith("H1") else f"{year + 1}-H1"
    if kind == "quarter":
        q = int(period[-1])
        return f"{year}-Q{q + 1}" if q < 4 else f"{year + 1}-Q1"
    month = int(period[5:7])
    return f"{year}-{month + 1:02d}" if month < 12 else f"{year + 1}-01"


def period_zh(period: str) -> str:
    """2013-05 -> 2013年5月, 2013-Q2 -> 2013年第二季度, 2013-H1 -> 2013年上半年, 2013 -> 2013年."""
    year, rest = period[:4], period[5:]
    if not rest:
        return f"{year}年"
    if rest.startswith("H"):
        return f"{year}年{HALF[rest]}"
    if rest.startswith("Q"):
        return f"{year}年第{QUARTER[rest[1]]}季度"
    return f"{year}年{int(rest)}月"


def due_date(period: str, item: CatalogueItem) -> dt.date | None:
    """The last day the period's record may be published."""
    end = period_end(period)
    return end + dt.timedelta(days=item.deadline_days) if end and item.deadline_days is not None else None
