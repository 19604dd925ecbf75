"""Working days (工作日) in mainland China, for the statutory reply time of 依申请公开.

《政府信息公开条例》第三十三条: a request is answered within 20 working days of its receipt
(of its correction, 第三十条), extendable once by at most 20 working days with a recorded
reason. Working days are Monday to Friday, less the statutory holidays the State Council
announces each year, plus the weekend days it makes working days (调休). The calendar
below holds the years the bundled content needs; a year not listed counts Monday to
Friday only (which can only make a reply look later, never earlier, than it was).
"""

from __future__ import annotations

import datetime as dt


def _days(*spans: str) -> set[dt.date]:
    out: set[dt.date] = set()
    for span in spans:
        first, _, last = span.partition("/")
        a = dt.date.fromisoformat(first)
        b = dt.date.fromisoformat(last or first)
        out |= {a + dt.timedelta(days=i) for i in range((b - a).days + 1)}
    return out


# 国务院办公厅关于部分节假日安排的通知 (国办发明电〔2012〕14号, 〔2013〕28号, 〔2020〕27号, 〔2021〕11号).
HOLIDAYS = _days(
    "2013-01-01/2013-01-03", "2013-02-09/2013-02-15", "2013-04-04/2013-04-06", "2013-04-29/2013-05-01",
    "2013-06-10/2013-06-12", "2013-09-19/2013-09-21", "2013-10-01/2013-10-07",
    "2014-01-01", "2014-01-31/2014-02-06", "2014-04-05/2014-04-07", "2014-05-01/2014-05-03",
    "2014-05-31/2014-06-02", "2014-09-06/2014-09-08", "2014-10-01/2014-10-07",
    "2021-01-01/2021-01-03", "2021-02-11/2021-02-17", "2021-04-03/2021-04-05", "2021-05-01/2021-05-05",
    "2021-06-12/2021-06-14", "2021-09-19/2021-09-21", "2021-10-01/2021-10-07",
    "2022-01-01/2022-01-03", "2022-01-31/2022-02-06", "2022-04-03/2022-04-05", "2022-04-30/2022-05-04",
)
MADE_WORKING = _days(
    "2013-01-05", "2013-01-06", "2013-02-16", "2013-02-17", "2013-04-07", "2013-04-27", "2013-04-28",
    "2013-06-08", "2013-06-09", "2013-09-22", "2013-09-29", "2013-10-12",
    "2014-01-26", "2014-02-08", "2014-05-04", "2014-09-28", "2014-10-11",
    "2021-02-07", "2021-02-20", "2021-04-25", "2021-05-08", "2021-09-18", "2021-09-26", "2021-10-09",
    "2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07",
)


def is_working(day: dt.date) -> bool:
    """True on a working day (weekday not a holiday, or a weekend day made working)."""
    if day in MADE_WORKING:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def add(start: dt.date, n: int) -> dt.date:
    """The n-th working day after start (the day of receipt itself is not counted)."""
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working(day):
            n -= 1
    return day


def between(start: dt.date, end: dt.date) -> int:
    """Working days after start up to and including end (0 when end is not after start)."""
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        n += is_working(day)
    return n
