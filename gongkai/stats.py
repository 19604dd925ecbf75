"""Statistics an inspector asks for: how much each county and unit published, how, how
promptly, what was corrected or withdrawn, and how 依申请公开 requests were answered.

    records     per county × category × year (of `published`) × unit
    modes       per county: 主动公开 / 依申请公开 (the catalogue item's mode)
    withdrawals records withdrawn (`withdrawn:`) or with content removed (`removed:`)
    corrections every revision in git that changed a published record's fields or body,
                with the change notes that explain it (or none)
    on time     per unit: periods due (published + overdue), published on time, late,
                overdue (公开时限, deadlines.assess, judged at `as_of`)
    overdue     the items and units with the most overdue periods
    requests    依申请公开 register rows by outcome (the 2021 annual-report groups) and by
                time taken (on time, extended, late, pending)

One `Statistics` value is computed and rendered three ways (terminal table, JSON, CSV).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from . import changes, deadlines
from .checks import OUTCOMES, reply_time
from .load import Project
from .model import CATEGORIES, County, Record
from .periods import next_period

OUTCOME_GROUP_ZH = {
    "disclosed": "予以公开", "partly": "部分公开", "refused": "不予公开", "unable": "无法提供",
    "not_processed": "不予处理", "other": "其他处理",
}
REPLY_STATUSES = ("按时答复", "延期答复", "逾期答复", "未答复", "逾期未答复")


@dataclass
class Correction:
    """One revision of a published record: what changed, and whether a change note explains it."""

    path: str
    unit: str
    title: str
    date: str
    fields: list[str]
    body: str
    notes: list[str]
    typo: bool = False  # only a few characters of the body changed: no note is needed (README)

    @property
    def explained(self) -> bool:
        """A change note explains it, or it needed none (a typo fix in the body)."""
        return bool(self.notes) or (not self.fields and self.typo)


@dataclass
class OnTime:
    """One unit's periodic disclosures: periods due, on time, late and overdue."""

    unit: str
    name: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    county: str = ""

    @property
    def rate(self) -> float | None:
        return round(self.on_time / self.due, 4) if self.due else None


@dataclass
class Statistics:
    """Everything `build.py stats` shows, for the counties and year asked."""

    as_of: str
    counties: list[str]
    year: str | None
    unit: str | None
    records: list[dict] = field(default_factory=list)  # {county, category, year, unit, count}
    modes: dict[str, dict[str, int]] = field(default_factory=dict)
    withdrawn: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    on_time: dict[str, list[OnTime]] = field(default_factory=dict)
    overdue_items: list[dict] = field(default_factory=list)
    overdue_units: list[dict] = field(default_factory=list)
    requests_by_outcome: dict[str, int] = field(default_factory=dict)
    requests_by_time: dict[str, int] = field(default_factory=dict)


def _year(r: Record) -> str:
    """The year a record was published (not its period's): what "published in 2013" means."""
    return r.published[:4]


def _wanted(r: Record, counties: list[str], year: str | None, unit: str | None) -> bool:
    return r.county in counties and (year is None or _year(r) == year) and (unit is None or r.unit == unit)


def compute(project: Project, counties: list[str], as_of: dt.date, year: str | None = None, unit: str | None = None,
            histories: dict | None = None, assessments: dict[str, deadlines.Assessment] | None = None) -> Statistics:
    """The statistics of the given counties (and year of publication, and unit), judged at as_of.
    `assessments`: deadlines.assess of counties at as_of, where the caller has them already."""
    s = Statistics(as_of.isoformat(), counties, year, unit)
    chosen = [r for r in project.records if _wanted(r, counties, year, unit)]
    counts = Counter((r.county, r.category, _year(r), r.unit) for r in chosen)
    s.records = [{"county": c, "category": k, "year": y, "unit": u, "count": n} for (c, k, y, u), n in sorted(counts.items())]
    for r in chosen:
        mode = r.item.mode if r.item else "未知"
        s.modes.setdefault(r.county, {}).setdefault(mode, 0)
        s.modes[r.county][mode] += 1
        for key, bucket in (("withdrawn", s.withdrawn), ("removed", s.removed)):
            info = r.meta.get(key)
            if isinstance(info, dict):
                bucket.append({"path": r.path, "unit": r.unit, "title": r.title, "date": str(info.get("date", "")),
                               "reason": str(info.get("reason", ""))})
        for row in r.meta.get("requests") or [] if r.item and r.item.id == "request-register" else []:
            if not isinstance(row, dict):
                continue
            group = OUTCOMES.get(str(row.get("outcome")), ("", None))[0]
            label = OUTCOME_GROUP_ZH.get(group, "尚未办结")
            s.requests_by_outcome[label] = s.requests_by_outcome.get(label, 0) + 1
            t = reply_time(row, as_of)
            if t:
                s.requests_by_time[t.status] = s.requests_by_time.get(t.status, 0) + 1
    s.corrections = corrections(project, counties, unit, histories)
    if year:  # corrections of the records published that year, whenever they were made
        published = {r.path for r in chosen}
        s.corrections = [c for c in s.corrections if c.path in published]
    items: Counter = Counter()
    units: Counter = Counter()
    for county_id in counties:
        county = project.counties[county_id]
        a = (assessments or {}).get(county_id) or deadlines.assess(project, county, as_of)
        s.on_time[county_id] = on_time(project, county, a, year, unit)
        for m in a.missing:
            if unit and m.unit.id != unit:
                continue
            n = _periods_in_year(m, year)
            if n:
                items[(m.item.category, m.item.id, m.item.name)] += n
                units[(county_id, m.unit.id, m.unit.name)] += n
    s.overdue_items = [{"category": c, "item": i, "name": name, "periods": n} for (c, i, name), n in items.most_common(10)]
    s.overdue_units = [{"county": c, "unit": u, "name": name, "periods": n} for (c, u, name), n in units.most_common(10)]
    return s


def _periods_in_year(m: deadlines.Missing, year: str | None) -> int:
    if year is None:
        return m.count
    n, period = 0, m.first
    for _ in range(m.count):
        n += period[:4] == year
        period = next_period(period, m.item.period)
    return n


def on_time(project: Project, county: County, a: deadlines.Assessment, year: str | None, unit: str | None) -> list[OnTime]:
    """Per unit: periods that came due (published or overdue), how many on time, late, overdue."""
    out: dict[str, OnTime] = {}

    def row(unit_id: str) -> OnTime:
        if unit_id not in out:
            out[unit_id] = OnTime(unit_id, county.units[unit_id].name, county=county.id)
        return out[unit_id]

    late = {x.record.path for x in a.late}
    for r in project.records:
        item = r.item
        if r.county != county.id or not r.valid or item is None or item.period == "none" or item.deadline_days is None:
            continue
        if r.unit not in county.units or (unit and r.unit != unit) or r.meta.get("withdrawn") or r.meta.get("removed"):
            continue
        period = str(r.meta.get("period") or "")
        if not period or (year and period[:4] != year):
            continue
        u = row(r.unit)
        u.due += 1
        if r.path in late:
            u.late += 1
        else:
            u.on_time += 1
    for m in a.missing:
        if unit and m.unit.id != unit:
            continue
        n = _periods_in_year(m, year)
        if n:
            u = row(m.unit.id)
            u.missing += n
            u.due += n
    return sorted(out.values(), key=lambda u: (u.rate if u.rate is not None else 2, u.unit))


def corrections(project: Project, counties: list[str], unit: str | None, histories: dict | None = None) -> list[Correction]:
    """Every revision after a record landed that changed its fields or body, with its notes."""
    from . import history

    current = {r.path: r for r in project.records}
    if histories is None and not history.is_repository(project.root):
        # No git (a tarball): the change notes in the files are all that is known.
        return [
            Correction(r.path, r.unit, r.title, str(c.get("date", "")), [], "", [str(c.get("note", ""))])
            for r in sorted(project.records, key=lambda r: r.path)
            if r.county in counties and (unit is None or r.unit == unit)
            for c in r.meta.get("changes") or [] if isinstance(c, dict)
        ]
    if histories is None:
        histories = revised_histories(project)
    out = []
    for _, h in sorted(histories.items()):
        parts = h.path.split("/")
        if len(parts) != 5 or parts[2] not in counties or (unit and parts[3] != unit):
            continue
        for rev in h.revisions[1:]:
            if rev.kind not in ("changed", "renamed") or not (rev.fields or rev.body):
                continue
            r = current.get(h.path)
            typo = not rev.fields and not rev.notes and rev.typo
            out.append(Correction(h.path, parts[3], r.title if r else str(h.meta.get("title", h.path)), rev.date,
                                  [f.label for f in rev.fields], rev.body, rev.notes, typo))
    return out


def revised_histories(project: Project) -> dict:
    """Record histories, read only when some record was changed, moved or deleted after it landed.

    Reading every version of every record is the slow part (a few seconds per thousand); an
    archive that was only ever added to needs none of it."""
    from . import history

    try:
        commits = history.log(project.root)
    except history.HistoryError:
        return {}
    if not any(f.status != "A" and (changes.is_record_path(f.path) or changes.is_record_path(f.old_path))
               for c in commits for f in c.files):
        return {}
    return changes.record_histories(project, project.root)


def as_json(s: Statistics) -> dict:
    """The statistics as plain data, for tools."""
    data = asdict(s)
    data["corrections"] = [{**asdict(c), "explained": c.explained} for c in s.corrections]
    data["on_time"] = {c: [{**asdict(u), "rate": u.rate} for u in units] for c, units in s.on_time.items()}
    return data


def _by_county_category(s: Statistics) -> dict[str, Counter]:
    out: dict[str, Counter] = defaultdict(Counter)
    for row in s.records:
        out[row["county"]][row["category"]] += row["count"]
    return out


def render_terminal(project: Project, s: Statistics) -> str:
    """The statistics as an inspector reads them in a terminal (Chinese)."""
    names = {c: project.counties[c].name for c in s.counties}
    scope = "、".join(names.values()) + (f"，{s.year}年发布" if s.year else "") + (f"，单位 {s.unit}" if s.unit else "")
    out = [f"统计范围：{scope}（截至 {s.as_of}）", "", "一、各县（市、区）公开记录数（按类别）"]
    cats = [c for c in CATEGORIES if any(r["category"] == c for r in s.records)]
    table = _by_county_category(s)
    out.append("  " + "\t".join(["县（市、区）", *(CATEGORIES[c] for c in cats), "合计"]))
    for c in s.counties:
        row = table.get(c, Counter())
        out.append("  " + "\t".join([names[c], *(str(row[k]) for k in cats), str(sum(row.values()))]))
    out.append("  " + "\t".join(["合计", *(str(sum(t[k] for t in table.values())) for k in cats), str(sum(r["count"] for r in s.records))]))
    out += ["", "二、各单位公开记录数（按年份）"]
    per_unit: dict[tuple, Counter] = defaultdict(Counter)
    for row in s.records:
        per_unit[(row["county"], row["unit"])][row["year"]] += row["count"]
    for (c, u), years in sorted(per_unit.items()):
        unit = project.counties[c].units.get(u)
        out.append(f"  {names[c]} · {unit.name if unit else u}：" + "，".join(f"{y}年 {n} 条" for y, n in sorted(years.items())))
    out += ["", "三、公开方式"]
    for c in s.counties:
        modes = s.modes.get(c, {})
        out.append(f"  {names[c]}：" + ("，".join(f"{m} {n} 条" for m, n in sorted(modes.items())) or "无"))
    out += ["", f"四、撤回 {len(s.withdrawn)} 条，删除内容 {len(s.removed)} 条"]
    for w in s.withdrawn + s.removed:
        out.append(f"  {w['title']}（{w['date']}）：{w['reason']}  {w['path']}")
    unexplained = [c for c in s.corrections if not c.explained]
    out += ["", f"五、更正 {len(s.corrections)} 次：已写修订说明或无需说明 {len(s.corrections) - len(unexplained)} 次，未写说明 {len(unexplained)} 次"]
    for c in s.corrections:
        what = "、".join(c.fields[:6]) + (f" 等 {len(c.fields)} 处" if len(c.fields) > 6 else "")
        what = "；".join(x for x in (what, c.body) if x)
        note = "说明：" + "；".join(c.notes) if c.notes else ("错别字修改，无需说明" if c.explained else "未写修订说明")
        out.append(f"  {c.date} {c.title}：{what}。{note}  {c.path}")
    out += ["", "六、定期公开事项按时率（应公开期数 = 已公开 + 逾期未公开）"]
    for c in s.counties:
        for u in s.on_time.get(c, []):
            rate = f"{u.rate:.0%}" if u.rate is not None else "—"
            out.append(f"  {names[c]} · {u.name}：应公开 {u.due} 期，按时 {u.on_time}，逾期公开 {u.late}，逾期未公开 {u.missing}，按时率 {rate}")
    out += ["", "七、逾期未公开期数最多的事项"]
    out += [f"  {i['name']}（{CATEGORIES[i['category']]}）：{i['periods']} 期" for i in s.overdue_items] or ["  无"]
    out += ["", "八、逾期未公开期数最多的单位"]
    out += [f"  {names[u['county']]} · {u['name']}：{u['periods']} 期" for u in s.overdue_units] or ["  无"]
    out += ["", "九、依申请公开办理情况（登记）"]
    if s.requests_by_outcome:
        out.append("  按办理结果：" + "，".join(f"{k} {v} 件" for k, v in s.requests_by_outcome.items()))
        out.append("  按答复时间：" + "，".join(f"{k} {s.requests_by_time[k]} 件" for k in REPLY_STATUSES if k in s.requests_by_time))
    else:
        out.append("  无登记")
    return "\n".join(out)


def render_csv(project: Project, s: Statistics) -> str:
    """The statistics as one long CSV table: 统计项, 县, 类别, 年份, 单位, 分项, 数量."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["统计项", "县", "类别", "年份", "单位", "分项", "数量"])
    for r in s.records:
        w.writerow(["记录数", r["county"], r["category"], r["year"], r["unit"], "", r["count"]])
    for c, modes in s.modes.items():
        for m, n in modes.items():
            w.writerow(["公开方式", c, "", "", "", m, n])
    for kind, rows in (("撤回", s.withdrawn), ("删除内容", s.removed)):
        for x in rows:
            w.writerow([kind, x["path"].split("/")[2], x["path"].split("/")[1], "", x["unit"], x["path"], 1])
    for c in s.corrections:
        w.writerow(["更正", c.path.split("/")[2], c.path.split("/")[1], c.date[:4], c.unit, "已说明" if c.explained else "未说明", 1])
    for c, units in s.on_time.items():
        for u in units:
            for key in ("due", "on_time", "late", "missing"):
                w.writerow(["公开时限", c, "", s.year or "", u.unit, key, getattr(u, key)])
    for k, v in s.requests_by_outcome.items():
        w.writerow(["依申请办理结果", "", "", "", "", k, v])
    for k, v in s.requests_by_time.items():
        w.writerow(["依申请答复时间", "", "", "", "", k, v])
    return buf.getvalue().rstrip("\n")


def render(project: Project, s: Statistics, fmt: str) -> str:
    """The statistics in the format asked: table, json or csv."""
    if fmt == "json":
        return json.dumps(as_json(s), ensure_ascii=False, indent=1)
    if fmt == "csv":
        return render_csv(project, s)
    return render_terminal(project, s)
