"""The 督查 report: every problem an inspector would raise, grouped the way inspectors group them.

Sources, all judged at one date (`as_of`):
    findings     of `check` on the current content (errors and warnings), each placed in a
                 category by its code (CATEGORY_OF)
    公开时限      overdue periods and late records (deadlines.assess, backdating included)
    history      corrections without a change note, records deleted from git
    claims       annual reports' typed figures against what the records show: 主动公开 counts
                 (2013 format) and the 依申请 table (2021 format) against the unit's register
The report counts problems per category and per unit (the shape of "110 problems in 12
categories") and draws a heat map of units × months: what was due and what came.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import deadlines
from .checks import OUTCOMES
from .findings import Finding, field_text
from .load import Project
from .model import Record
from .periods import due_date, next_period
from .stats import corrections, on_time, revised_histories

# Inspectors' categories, in the order the report lists them.
CATEGORIES_ZH = (
    "公开不及时",
    "内容不全",
    "数据不一致",
    "年报数据与记录不符",
    "未按规定更正、撤回或删除",
    "个人信息",
    "依申请公开答复超期",
    "网页安全和附件",
    "格式不规范",
    "其他",
)
# A finding's code -> category; codes are matched exactly first, then by their prefix.
CATEGORY_OF = {
    "record-backdated": "公开不及时",
    "record-period-missing": "内容不全",
    "record-repealed-missing": "内容不全",
    "record-required": "内容不全",
    "field-required": "内容不全",
    "record-date-future": "数据不一致",
    "record-dates-order": "数据不一致",
    "record-period-duplicate": "数据不一致",
    "record-index-no-duplicate": "数据不一致",
    "record-index-no-changed": "数据不一致",
    "check-request-reply-in-time": "依申请公开答复超期",
    "unsafe-markup": "网页安全和附件",
    "body-too-complex": "网页安全和附件",
    "pii-attachment-unchecked": "个人信息",
}
CATEGORY_PREFIX = (
    ("check-", "数据不一致"),
    ("pii-", "个人信息"),
    ("history-", "未按规定更正、撤回或删除"),
    ("record-attachment", "网页安全和附件"),
    ("field-", "格式不规范"),
    ("record-", "格式不规范"),
    ("yaml-", "格式不规范"),
    ("file-", "格式不规范"),
)
# Codes the report takes from the 公开时限 assessment instead (judged with backdating, at as_of).
FROM_ASSESSMENT = ("record-late", "record-backdated")


def category_of(code: str) -> str:
    """The inspector's category of a finding code."""
    if code in CATEGORY_OF:
        return CATEGORY_OF[code]
    return next((cat for prefix, cat in CATEGORY_PREFIX if code.startswith(prefix)), "其他")


@dataclass
class Problem:
    """One problem in the report: its category, where, and what."""

    category: str
    county: str
    unit: str
    path: str
    code: str
    message: str
    severity: str = "warning"
    line: int = 0


@dataclass
class Cell:
    """One unit's month: periods due that month, and how they went; records that came."""

    month: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    came: int = 0

    @property
    def mark(self) -> str:
        """A symbol readable without colour: ✗ something never came, ! late, ✓ all on time, · only came."""
        if self.missing:
            return "✗"
        if self.late:
            return "!"
        if self.due:
            return "✓"
        return "·" if self.came else ""


@dataclass
class Report:
    """The whole report for some counties, judged at as_of."""

    as_of: str
    counties: list[str]
    months: list[str]
    problems: list[Problem] = field(default_factory=list)
    heat: dict[tuple[str, str], dict[str, Cell]] = field(default_factory=dict)  # (county, unit) -> month -> cell
    on_time: list[Any] = field(default_factory=list)  # stats.OnTime of every unit with periodic items, worst first

    def by_category(self) -> list[tuple[str, int]]:
        """(category, count) for every category, in the report's order; empty ones included."""
        counts = Counter(p.category for p in self.problems)
        return [(c, counts[c]) for c in CATEGORIES_ZH]

    def by_unit(self) -> dict[tuple[str, str], Counter]:
        """(county, unit) -> category -> count."""
        out: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for p in self.problems:
            out[(p.county, p.unit)][p.category] += 1
        return out


def _place(path: str) -> tuple[str, str]:
    parts = path.split("/")
    if len(parts) == 5 and parts[0] == "content":
        return parts[2], parts[3]
    if len(parts) == 3 and parts[1] == "counties":
        return parts[2].rsplit(".", 1)[0], ""
    return "", ""


def build(project: Project, counties: list[str], as_of: dt.date, months: int = 24, histories: dict | None = None) -> Report:
    """Every problem of the counties at as_of, and the heat map of the `months` months up to as_of."""
    last = f"{as_of.year}-{as_of.month:02d}"
    window = [last]
    while len(window) < months:
        y, m = int(window[0][:4]), int(window[0][5:])
        window.insert(0, f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}")
    report = Report(as_of.isoformat(), counties, window)
    wanted = set(counties)
    for f in project.findings:
        county, unit = _place(f.file)
        if county in wanted and f.code not in FROM_ASSESSMENT:
            report.problems.append(_from_finding(f, county, unit))
    for county_id in counties:
        county = project.counties[county_id]
        a = deadlines.assess(project, county, as_of)
        for m in a.missing:
            report.problems.append(Problem(
                "公开不及时", county_id, m.unit.id, "", "overdue",
                f"{m.unit.name}「{m.item.name}」逾期未公开：{m.periods_zh}，最早应于 {m.due.isoformat()} 前公开",
            ))
        for x in a.late:
            typed = f"（发布日期写 {x.typed.isoformat()}）" if x.typed else ""
            report.problems.append(Problem(
                "公开不及时", county_id, x.unit.id, x.record.path, "late",
                f"「{x.record.title}」逾期公开：应于 {x.due.isoformat()} 前公开，{x.published.isoformat()} 才公开{typed}，逾期 {x.days} 天",
            ))
        for b in a.backdated:
            report.problems.append(Problem(
                "公开不及时", county_id, b.record.unit, b.record.path, "backdated",
                f"「{b.record.title}」补录（倒签）：发布日期写 {b.typed.isoformat()}，{b.landed.isoformat()} 才提交，晚 {b.days} 天",
            ))
        for unit_id, items in a.never.items():
            report.problems.append(Problem(
                "内容不全", county_id, unit_id, "", "never",
                f"{county.units[unit_id].name}从未公开定期事项：{'、'.join(i.name for i in items)}（请核实是否适用）",
            ))
        _heat(project, county_id, a, report)
        report.on_time += on_time(project, county, a, None, None)
    report.problems += _history(project, wanted, histories)
    report.problems += claims(project, wanted)
    order = {c: i for i, c in enumerate(CATEGORIES_ZH)}
    report.problems.sort(key=lambda p: (order[p.category], p.county, p.unit, p.path, p.message))
    return report


def _from_finding(f: Finding, county: str, unit: str) -> Problem:
    return Problem(category_of(f.code), county, unit, f.file, f.code, field_text(f) + f.message, f.severity, f.line)


def _history(project: Project, counties: set[str], histories: dict | None) -> list[Problem]:
    """Corrections without a change note, and records deleted from git instead of withdrawn."""
    if histories is None:
        histories = revised_histories(project)
    out = []
    for c in corrections(project, sorted(counties), None, histories):
        if not c.explained:
            county, unit = _place(c.path)
            what = "、".join(c.fields[:6]) or c.body
            out.append(Problem("未按规定更正、撤回或删除", county, unit, c.path, "correction-unexplained",
                               f"「{c.title}」{c.date} 修改了{what}，没有写修订说明"))
    for h in histories.values():
        county, unit = _place(h.path)
        if h.deleted and county in counties:
            out.append(Problem("未按规定更正、撤回或删除", county, unit, h.path, "deleted",
                               f"已发布的记录「{h.meta.get('title', h.path)}」于 {h.revisions[-1].date} 被删除，没有按规定撤回"))
    return out


def claims(project: Project, counties: set[str]) -> list[Problem]:
    """Annual reports' figures against the records: 主动公开 counts and the 依申请 table against the register."""
    out = []
    records = [r for r in project.records if r.county in counties]
    for r in records:
        if not r.item or r.item.id != "annual-report" or not r.valid:
            continue
        year = str(r.meta.get("period") or "")[:4]
        if r.meta.get("proactive_count") is not None:
            scope = [x for x in project.records if x.county == r.county and x.published[:4] == year
                     and x.item and x.item.mode == "主动公开" and not x.meta.get("removed")]
            typed = int(r.meta["proactive_count"])
            if typed != len(scope):
                county = project.counties[r.county]
                out.append(Problem(
                    "年报数据与记录不符", r.county, r.unit, r.path, "claim-proactive",
                    f"「{r.title}」称{year}年主动公开 {typed:,} 条，{county.name}本平台记录的{year}年主动公开信息为 {len(scope)} 条，"
                    f"相差 {typed - len(scope):,} 条",
                ))
        register = [row for x in records if x.unit == r.unit and x.county == r.county and x.item and x.item.id == "request-register"
                    for row in x.meta.get("requests") or [] if isinstance(row, dict)]
        apps = r.meta.get("applications")
        if register and isinstance(apps, dict):
            out += _register_claims(r, apps, register, year)
    return out


def _register_claims(r: Record, apps: dict, register: list[dict], year: str) -> list[Problem]:
    """The 2021-format 依申请 table (表三) against the unit's register rows for the year."""
    received = [row for row in register if str(row.get("received", ""))[:4] == year]
    replied = [row for row in register if str(row.get("replied", ""))[:4] == year]
    pending = [row for row in received if not row.get("replied") or str(row["replied"])[:4] > year]
    rows: list[tuple[str, int, int]] = [("一、本年新收申请", _total(apps.get("new")), len(received))]
    results = apps.get("results") or {}
    counted = Counter(OUTCOMES[str(row["outcome"])] for row in replied if str(row.get("outcome")) in OUTCOMES)
    for outcome, (group, sub) in OUTCOMES.items():
        node = results.get(group)
        typed = _total(node if sub is None else (node or {}).get(sub))
        mine = counted[(group, sub)]
        if typed or mine:
            rows.append((f"三、办理结果「{outcome}」", typed, mine))
    rows.append(("四、结转下年度继续办理", _total(apps.get("carried_forward")), len(pending)))
    carried = _total(apps.get("carried_over"))
    out = []
    for label, typed, mine in rows:
        if typed != mine:
            note = f"（年报另有上年结转 {carried} 件，不在本年登记中）" if carried and label.startswith("三") else ""
            carried = 0 if note else carried  # said once
            out.append(Problem(
                "年报数据与记录不符", r.county, r.unit, r.path, "claim-requests",
                f"「{r.title}」{label}为 {typed} 件，本单位{year}年依申请公开登记为 {mine} 件{note}",
            ))
    return out


def _total(node: Any) -> int:
    return int(node.get("total") or 0) if isinstance(node, dict) else 0


def _month(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _heat(project: Project, county_id: str, a: deadlines.Assessment, report: Report) -> None:
    """Per unit and month: periodic disclosures due (on time, late, missing) and records that came."""
    county = project.counties[county_id]
    months = set(report.months)
    late = {x.record.path: x.published for x in a.late}

    def cell(unit: str, month: str) -> Cell:
        row = report.heat.setdefault((county_id, unit), {})
        return row.setdefault(month, Cell(month))

    for unit in county.units:
        report.heat.setdefault((county_id, unit), {})
    for r in project.records:
        item = r.item
        if r.county != county_id or r.unit not in county.units or not r.valid or item is None:
            continue
        if r.meta.get("withdrawn") or r.meta.get("removed"):
            continue
        came = late.get(r.path)
        try:
            came = came or dt.date.fromisoformat(r.published)
        except ValueError:
            continue
        if _month(came) in months:
            cell(r.unit, _month(came)).came += 1
        due = due_date(str(r.meta.get("period") or ""), item) if item.period != "none" and r.meta.get("period") else None
        if due and _month(due) in months and due < a.as_of:
            c = cell(r.unit, _month(due))
            c.due += 1
            if r.path in late:
                c.late += 1
            else:
                c.on_time += 1
    for m in a.missing:
        period = m.first
        for _ in range(m.count):
            due = due_date(period, m.item)
            if due and _month(due) in months:
                c = cell(m.unit.id, _month(due))
                c.due += 1
                c.missing += 1
            period = next_period(period, m.item.period)


# Renderings ------------------------------------------------------------------------------


def as_json(project: Project, report: Report) -> dict:
    """The report as plain data, for tools."""
    units = report.by_unit()
    return {
        "as_of": report.as_of,
        "counties": report.counties,
        "total": len(report.problems),
        "categories": [{"category": c, "count": n} for c, n in report.by_category()],
        "units": [
            {"county": c, "unit": u, "name": _unit_name(project, c, u), "total": sum(n.values()), "counts": dict(n)}
            for (c, u), n in sorted(units.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        ],
        "problems": [asdict(p) for p in report.problems],
        "on_time": [asdict(u) | {"rate": u.rate} for u in report.on_time],
        "heatmap": {
            "months": report.months,
            "rows": [
                {"county": c, "unit": u, "cells": [asdict(cells[m]) | {"mark": cells[m].mark} for m in report.months if m in cells]}
                for (c, u), cells in sorted(report.heat.items())
            ],
        },
    }


def render_csv(project: Project, report: Report) -> str:
    """One line per problem: 类别, 县, 单位, 文件, 行, 代码, 严重程度, 问题."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["类别", "县", "单位", "文件", "行", "代码", "严重程度", "问题"])
    for p in report.problems:
        w.writerow([p.category, p.county, _unit_name(project, p.county, p.unit), p.path, p.line or "", p.code,
                    "错误" if p.severity == "error" else "提醒", p.message])
    return buf.getvalue().rstrip("\n")


def render_terminal(project: Project, report: Report) -> str:
    """The category table, the units with most problems, and every problem by category (Chinese)."""
    names = "、".join(project.counties[c].name for c in report.counties)
    out = [f"督查报告：{names}（截至 {report.as_of}），共发现问题 {len(report.problems)} 个", "", "问题类别\t数量"]
    out += [f"{c}\t{n}" for c, n in report.by_category() if n]
    out += ["", "各单位问题数"]
    for (c, u), counts in sorted(report.by_unit().items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        detail = "，".join(f"{cat} {n}" for cat, n in counts.items())
        out.append(f"  {_unit_name(project, c, u) or project.counties[c].name}：{sum(counts.values())}（{detail}）")
    current = None
    for p in report.problems:
        if p.category != current:
            current = p.category
            out += ["", f"【{current}】"]
        out.append(f"  {p.message}" + (f"  {p.path}" if p.path else ""))
    return "\n".join(out)


# The heat map: each cell writes its mark (✓ ! ✗ ·) and counts, so its colour only repeats
# what the text says; gongkai/pages/charts.py holds the font and the text widths.
CELL_H, HEAD_H, FILLS = 24, 52, {"ok": "#d9efd5", "late": "#fde5a6", "missing": "#f4b6b0", "came": "#e3ecf7", "none": "#ffffff"}
HEAT_LEGEND = (("ok", "✓ 到期的都按时公开"), ("late", "! 有逾期公开"), ("missing", "✗ 有到期未公开"), ("came", "· 只有不定期公开"))


def heat_values(project: Project, report: Report, chart_id: str = "heat") -> dict[str, Any]:
    """The heat map as the template draws it: months, rows (a county's name heads its units
    when there are several counties), each cell's place, state, mark and counts."""
    from .pages.charts import FONT, text_width

    several = len(report.counties) > 1
    entries: list[dict[str, Any]] = []
    county = None
    for (c, u), cells in sorted(report.heat.items()):
        if several and c != county:
            entries.append({"heading": project.counties[c].name})
        county = c
        row: dict[str, Any] = {"label": _unit_name(project, c, u), "county": c, "unit": u, "cells": []}
        for month in report.months:
            cell = cells.get(month, Cell(month))
            state = "missing" if cell.missing else "late" if cell.late else "ok" if cell.due else "came" if cell.came else "none"
            row["cells"].append({
                "month": month, "state": state, "mark": cell.mark,
                "text": f"{cell.came}/{cell.due}" if cell.due else (str(cell.came) if cell.came else ""),
                "title": f"{month}：应公开 {cell.due} 期（按时 {cell.on_time}，逾期公开 {cell.late}，未公开 {cell.missing}），发布 {cell.came} 条",
            })
        entries.append(row)
    label_w = max([text_width(e["label"]) for e in entries if "label" in e] + [80]) + 12
    cell_w = max([text_width(c["mark"] + c["text"]) for e in entries for c in e.get("cells", [])] + [text_width("12/12")]) + 8
    for i, e in enumerate(entries):
        e["y"] = HEAD_H + i * CELL_H
        for j, c in enumerate(e.get("cells", [])):
            c["x"] = label_w + j * cell_w
    legend, x = [], label_w
    for state, name in HEAT_LEGEND:
        legend.append({"fill": FILLS[state], "name": name, "x": x})
        x += 20 + text_width(name) + 16
    months = [{"x": label_w + j * cell_w, "month": m, "label": m[2:].replace("-", "/") if m.endswith("-01") or j == 0 else m[5:]}
              for j, m in enumerate(report.months)]
    due = sum(c.due for cells in report.heat.values() for c in cells.values())
    missing = sum(c.missing for cells in report.heat.values() for c in cells.values())
    return {
        "id": chart_id, "title": "各单位逐月应公开和实际公开情况",
        "desc": f"{report.months[0]} 至 {report.months[-1]}，{sum(1 for e in entries if 'label' in e)} 个单位；"
                f"到期应公开 {due} 期，其中到期未公开 {missing} 期。逐月数字见下表。",
        "months": months, "rows": entries, "legend": legend, "fills": FILLS, "font": FONT,
        "cell_w": cell_w, "cell_h": CELL_H, "label_w": label_w, "head_h": HEAD_H,
        "width": max(label_w + cell_w * len(report.months), x) + 10, "height": HEAD_H + CELL_H * len(entries) + 10,
    }


def page_values(project: Project, report: Report, href: Any = None) -> dict[str, Any]:
    """What a 督查 report page shows (the standalone report and the portal's page alike).

    `href(problem)` is the address of the record a problem is about, or "" (none by default)."""
    from .pages.charts import RateRow, rate_bars

    units = sorted(report.by_unit().items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    grouped: dict[str, list[Problem]] = defaultdict(list)
    for p in report.problems:
        grouped[p.category].append(p)
    names = [c for c, n in report.by_category() if n]
    several = len(report.counties) > 1

    def who(county: str, unit: str) -> str:
        name = _unit_name(project, county, unit) if unit else project.counties[county].name
        return f"{project.counties[county].name} · {name}" if several and unit else name

    rates = [RateRow(who(u.county, u.unit), u.due, u.on_time, u.late, u.missing) for u in report.on_time]
    return {
        "title": "政务公开督查报告",
        "counties": [project.counties[c].name for c in report.counties],
        "as_of": report.as_of,
        "total": len(report.problems),
        "categories": [{"name": c, "count": n, "anchor": f"cat-{i}"} for i, (c, n) in enumerate(report.by_category(), 1) if n],
        "category_names": names,
        "units": [{"name": who(c, u), "total": sum(n.values()), "counts": [n[c2] or "" for c2 in names]} for (c, u), n in units],
        "grouped": [
            {"name": c, "anchor": f"cat-{CATEGORIES_ZH.index(c) + 1}", "problems": [
                {"who": who(p.county, p.unit) if p.unit else "", "message": p.message,
                 "where": f"{p.path}:{p.line}" if p.path and p.line else p.path, "href": href(p) if href else ""}
                for p in grouped[c]
            ]}
            for c in CATEGORIES_ZH if grouped.get(c)
        ],
        "heat": heat_values(project, report),
        "on_time": rate_bars("rates", "定期公开事项按时率（按单位）", rates),
    }


def render_html(project: Project, report: Report, theme: Path) -> str:
    """The report as one HTML page from theme/inspect-report.html (Jinja, autoescaped)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(theme)), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("inspect-report.html").render(gk=page_values(project, report))


def _unit_name(project: Project, county: str, unit: str) -> str:
    c = project.counties.get(county)
    u = c.units.get(unit) if c else None
    return u.name if u else unit


def render(project: Project, report: Report, fmt: str, theme: Path) -> str:
    """The report in the format asked: html, csv, json or terminal."""
    if fmt == "json":
        return json.dumps(as_json(project, report), ensure_ascii=False, indent=1)
    if fmt == "csv":
        return render_csv(project, report)
    if fmt == "html":
        return render_html(project, report, theme)
    return render_terminal(project, report)

