"""Late and missing disclosures of periodic items (公开时限), for inspectors and citizens.

A catalogue item that is published every month, quarter, half-year or year has a
deadline: so many days after its period ends. For each unit and each such item that
applies to it (its category, its level), `assess` finds
    missing  periods that have come due with no current record: the gaps in the unit's
             series and the periods after its latest record, as ranges
    late     records published after their deadline
    never    periodic items that apply to the unit and have no record yet, unless it
             publishes an item the catalogue says may stand instead (`instead_of`: a
             village that publishes its accounts quarterly owes no monthly ones); listed
             apart, because a series that never started may not be owed
A series starts with the unit's first record of the item: before that the unit may not
have existed or the item may not have been in the catalogue.

Backdating: the clerk types `published`; git knows when the record reached main. A record
that reached main more than BACKDATE_SLACK_DAYS after its `published` date is backdated:
`check` warns about it (record-backdated), the assessment lists it, and its lateness is
judged by the day it reached main, not the day typed. Records published before their
county's `online_since` (the day its records began to go through this platform; by default the
day its county file reached git) were
imported from the old site, whenever they reached git, and are not judged: the seed
archive of 2013 records was imported in November 2026.

Withdrawn and removed records do not count as published: the period has nothing current
for it. The date things are judged at is given (see `as_of_date`): a site built twice
from the same commit says the same thing, so `verify` can rebuild it byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import history
from .findings import WARNING, Findings
from .load import Project
from .model import CatalogueItem, County, Record, Unit
from .periods import PERIOD_SHAPES, due_date, next_period, period_zh

CHINA = dt.timezone(dt.timedelta(hours=8))


def as_of_date(root: Path) -> dt.date:
    """The date deadlines are judged at: the day (UTC+8) of the commit the site is built
    from, so that a rebuild of that commit says the same; today outside a git checkout."""
    t = history.head_time(root)
    return dt.datetime.fromtimestamp(t, CHINA).date() if t is not None else dt.datetime.now(CHINA).date()


@dataclass(frozen=True)
class Missing:
    """Consecutive periods of one item that one unit owes."""

    unit: Unit
    item: CatalogueItem
    first: str
    last: str
    count: int
    due: dt.date  # when the first of them fell due

    @property
    def periods_zh(self) -> str:
        if self.count == 1:
            return period_zh(self.first)
        return f"{period_zh(self.first)}至{period_zh(self.last)}（共 {self.count} 期）"


# Days a record may take from its `published` date to main (review of a pull request).
BACKDATE_SLACK_DAYS = 10


@dataclass(frozen=True)
class Backdated:
    """A record that reached main long after the date it says it was published."""

    record: Record
    typed: dt.date  # the `published` date the clerk wrote
    landed: dt.date  # the day (UTC+8) it reached main; today for a record not yet committed

    @property
    def days(self) -> int:
        return (self.landed - self.typed).days


@dataclass(frozen=True)
class Late:
    """A record published after its deadline (for a backdated record: reached main after it)."""

    record: Record
    unit: Unit
    item: CatalogueItem
    period: str
    due: dt.date
    published: dt.date  # the day judged: `published`, or the day it reached main when backdated
    typed: dt.date | None = None  # the `published` the clerk wrote, when it differs from the day judged

    @property
    def days(self) -> int:
        return (self.published - self.due).days


@dataclass
class Assessment:
    """What is late or missing on one county site, judged at `as_of`."""

    as_of: dt.date
    missing: list[Missing] = field(default_factory=list)
    late: list[Late] = field(default_factory=list)
    never: dict[str, list[CatalogueItem]] = field(default_factory=dict)  # unit id -> items
    backdated: list[Backdated] = field(default_factory=list)

    @property
    def missing_periods(self) -> int:
        return sum(m.count for m in self.missing)

    @property
    def missing_items(self) -> int:
        """How many (unit, item) series owe something; one series may have several gaps."""
        return len({(m.unit.id, m.item.category, m.item.id) for m in self.missing})


def _periodic(item: CatalogueItem) -> bool:
    """Published every period, with a deadline (an item without one cannot be late)."""
    return item.period != "none" and item.deadline_days is not None


def _alternatives(project: Project, item: CatalogueItem) -> set[str]:
    """Items of the same catalogue that may be published instead of this one (either way round)."""
    catalogue = project.catalogues.get(item.category)
    others = set(item.instead_of)
    if catalogue:
        others |= {i.id for i in catalogue.items.values() if item.id in i.instead_of}
    return others


def _current(r: Record) -> bool:
    return not r.meta.get("withdrawn") and not r.meta.get("removed")


def landed_dates(project: Project) -> dict[str, dt.date]:
    """Repository path -> the day (UTC+8) each record reached main; empty outside a git checkout.

    Read once per project (one `git log` pass) and kept on it: pages, stats and the report
    all ask."""
    cached = getattr(project, "_landed_dates", None)
    if cached is None:
        try:
            times = history.first_landed(project.root)
        except history.HistoryError:
            times = {}
        # One conversion per commit time, not per path: 100,000 paths, a few thousand commits.
        days: dict[int, dt.date] = {}
        cached = {}
        for path, t in times.items():
            day = days.get(t)
            if day is None:
                day = days[t] = dt.datetime.fromtimestamp(t, CHINA).date()
            cached[path] = day
        project._landed_dates = cached  # type: ignore[attr-defined]
    return cached


def online_since(county: County, landed: dict[str, dt.date], today: dt.date) -> str:
    """The day a county's records began to go through this platform (YYYY-MM-DD).

    The county file's `online_since` when it says; otherwise the day its county file reached
    git (a county joins the platform by that commit, and what it brings along then is its
    archive), or today while that file is not yet committed.
    """
    if county.online_since:
        return county.online_since
    return landed.get(county.source, today).isoformat()


def backdating(project: Project, county: County | None = None, today: dt.date | None = None) -> list[Backdated]:
    """Records (of one county, or all) that reached main more than BACKDATE_SLACK_DAYS after they say.

    Outside a git checkout nothing can be judged. A record not yet committed is judged as if
    it reached main today: that is the warning a pull request gets."""
    if not history.is_repository(project.root):
        return []
    landed = landed_dates(project)
    today = today or dt.datetime.now(CHINA).date()
    out = []
    for r in project.records:
        c = project.counties.get(r.county)
        if c is None or (county is not None and c.id != county.id):
            continue
        try:
            typed = dt.date.fromisoformat(r.published)
        except ValueError:
            continue
        if r.published < online_since(c, landed, today):
            continue  # published on the old site before the county went online: imported, not backdated
        arrived = landed.get(r.path, today)
        if (arrived - typed).days > BACKDATE_SLACK_DAYS:
            out.append(Backdated(r, typed, arrived))
    out.sort(key=lambda b: (-b.days, b.record.path))
    return out


def backdating_findings(project: Project) -> Findings:
    """A warning for every backdated record, at its `published` line (the pull request's warning)."""
    findings = Findings()
    for b in backdating(project):
        line, col = b.record.doc.position(("published",))
        arrived = "今天才提交" if b.record.path not in landed_dates(project) else f"{b.landed.isoformat()} 才提交到平台"
        findings.add(
            "record-backdated",
            b.record.path,
            f"补录（倒签）：发布日期写的是 {b.typed.isoformat()}，但这条记录{arrived}，晚了 {b.days} 天",
            line=line,
            column=col,
            field="published",
            hint="发布日期写实际公开的日期；确是补录的旧记录，请在正文或修订说明中写明补录原因。"
            "公开时限按实际提交的日期计算。",
            severity=WARNING,
        )
    return findings


def assess(project: Project, county: County, as_of: dt.date, today: dt.date | None = None) -> Assessment:
    """Late and missing disclosures of every periodic item of every unit of the county."""
    out = Assessment(as_of)
    out.backdated = [b for b in backdating(project, county, today or as_of) if b.landed <= as_of]
    judged = {b.record.path: b.landed for b in out.backdated}
    series: dict[tuple[str, str, str], dict[str, Record]] = defaultdict(dict)
    for r in project.records:
        item = r.item
        if r.county != county.id or not r.valid or item is None or not _periodic(item):
            continue
        period = str(r.meta.get("period") or "")
        if not PERIOD_SHAPES[item.period][0].match(period):
            continue
        if _current(r):
            series[(r.unit, item.category, item.id)].setdefault(period, r)  # item ids repeat across categories
        due = due_date(period, item)
        try:
            published = dt.date.fromisoformat(str(r.published))
        except ValueError:
            continue
        typed = published if r.path in judged else None
        published = judged.get(r.path, published)
        if due and published > due and r.unit in county.units:
            out.late.append(Late(r, county.units[r.unit], item, period, due, published, typed))
    items = [i for c in project.catalogues.values() for i in c.items.values() if _periodic(i)]
    for unit in county.units.values():
        for item in items:
            if item.category not in unit.categories or (item.applies_to and unit.level not in item.applies_to):
                continue
            published = series.get((unit.id, item.category, item.id))
            if not published:
                if not any((unit.id, item.category, other) in series for other in _alternatives(project, item)):
                    out.never.setdefault(unit.id, []).append(item)
                continue
            out.missing.extend(_gaps(unit, item, sorted(published), as_of))
    out.missing.sort(key=lambda m: (m.due, m.unit.id, m.item.id))
    out.late.sort(key=lambda x: (-x.days, x.record.path))
    return out


def _gaps(unit: Unit, item: CatalogueItem, periods: list[str], as_of: dt.date) -> list[Missing]:
    """Runs of periods from the first published one on that are due by as_of and absent."""
    have = set(periods)
    runs: list[Missing] = []
    run: list[str] = []
    period = periods[0]
    while True:
        due = due_date(period, item)
        if due is None or due >= as_of:
            break
        if period in have:
            if run:
                runs.append(_run(unit, item, run))
                run = []
        else:
            run.append(period)
        period = next_period(period, item.period)
    if run:
        runs.append(_run(unit, item, run))
    return runs


def _run(unit: Unit, item: CatalogueItem, run: list[str]) -> Missing:
    return Missing(unit, item, run[0], run[-1], len(run), due_date(run[0], item) or dt.date.min)


def render_terminal(county: County, a: Assessment) -> str:
    """The assessment as an inspector reads it in a terminal (Chinese)."""
    out = [f"{county.name}（截至 {a.as_of.isoformat()}）", f"  逾期未公开 {a.missing_items} 项，共 {a.missing_periods} 期"]
    for m in a.missing:
        out.append(f"    {m.unit.name} · {m.item.name}：{m.periods_zh}，最早应于 {m.due.isoformat()} 前公开")
    out.append(f"  逾期公开 {len(a.late)} 条")
    for x in a.late:
        out.append(
            f"    {x.unit.name} · {x.record.title}（{period_zh(x.period)}）：应于 {x.due.isoformat()} 前公开，"
            f"{x.published.isoformat()} " + (f"提交（发布日期写 {x.typed.isoformat()}）" if x.typed else "发布")
            + f"，逾期 {x.days} 天  {x.record.path}"
        )
    if a.backdated:
        out.append(f"  补录（倒签）{len(a.backdated)} 条：提交到平台的日期比发布日期晚 {BACKDATE_SLACK_DAYS} 天以上，公开时限按提交日期计算")
        for b in a.backdated:
            out.append(
                f"    {b.record.title}：发布日期写 {b.typed.isoformat()}，{b.landed.isoformat()} 才提交，晚 {b.days} 天  {b.record.path}"
            )
    if a.never:
        out.append(f"  尚无记录的定期事项（{len(a.never)} 个单位，请核实是否适用）")
        for unit_id, items in a.never.items():
            out.append(f"    {county.units[unit_id].name}：{'、'.join(i.name for i in items)}")
    return "\n".join(out)


def as_json(a: Assessment) -> dict:
    """The assessment as plain data, for tools."""
    return {
        "as_of": a.as_of.isoformat(),
        "missing": [
            {"unit": m.unit.id, "item": m.item.id, "first": m.first, "last": m.last, "count": m.count, "due": m.due.isoformat()}
            for m in a.missing
        ],
        "late": [
            {"path": x.record.path, "unit": x.unit.id, "item": x.item.id, "period": x.period, "due": x.due.isoformat(),
             "published": x.published.isoformat(), "typed": x.typed.isoformat() if x.typed else None, "days": x.days}
            for x in a.late
        ],
        "never": {u: [i.id for i in items] for u, items in a.never.items()},
        "backdated": [
            {"path": b.record.path, "unit": b.record.unit, "published": b.typed.isoformat(), "landed": b.landed.isoformat(), "days": b.days}
            for b in a.backdated
        ],
    }
