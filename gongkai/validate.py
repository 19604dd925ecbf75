"""Validation in layers, as openstates' linter does it.

1. files and YAML syntax (load.py)
2. the fields every record has (catalogues/_record.yml)
3. the catalogue item's own schema
4. the item's named rules (checks.py)
5. checks across records: units, categories, duplicate 索引号, one record per period

A record skips a layer only when it failed the one before. Every problem is a Finding.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from . import schema as schemas
from .checks import RULES
from .findings import WARNING, Findings
from .load import Project
from .model import CATEGORIES, COMMON_FIELDS, LEVELS, PERIODS, CatalogueItem, Record

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


class Validator:
    """Runs every layer over a loaded project, adding findings to it."""

    def __init__(self, project: Project):
        self.project = project
        self.findings: Findings = project.findings
        self.common = schemas.make_validator(project.record_schema)
        self._item_validators: dict[tuple[str, str], Any] = {}

    def item_validator(self, item: CatalogueItem) -> Any:
        """One compiled validator per catalogue item, built on first use."""
        key = (item.category, item.id)
        if key not in self._item_validators:
            self._item_validators[key] = schemas.make_validator(item.schema)
        return self._item_validators[key]

    def run(self) -> None:
        """All layers, then the checks across records."""
        for record in self.project.records:
            record.valid = self.record(record)
        self.across()

    # Layer 2-4 -------------------------------------------------------------------------

    def record(self, r: Record) -> bool:
        """Validate one record; True when it may be published."""
        p = self.project
        f = self.findings
        before = len(f.errors)
        county = p.counties.get(r.county)
        if county is None:
            f.add(
                "unit-county-unknown",
                r.path,
                f"文件夹「{r.county}」不是已登记的县（市、区）",
                hint="县（市、区）的文件夹名必须与 content/counties/ 下的文件名一致。",
            )
            return False
        unit = county.units.get(r.unit)
        if unit is None:
            f.add(
                "unit-unknown",
                r.path,
                f"单位「{r.unit}」不在 {county.name} 的单位名单中",
                hint=f"在 {county.source} 的 units 中登记该单位，或把文件放到已登记单位的文件夹中。",
            )
            return False
        if r.category not in unit.categories:
            f.add(
                "unit-category-not-allowed",
                r.path,
                f"{unit.name} 没有登记发布「{CATEGORIES[r.category]}」",
                hint=f"该单位登记的类别：{'、'.join(CATEGORIES[c] for c in unit.categories)}；如需增加，请修改 {county.source}。",
            )
            return False
        if not re.match(r"^[a-z0-9][a-z0-9-]*$", r.id):
            f.add(
                "record-id",
                r.path,
                f"文件名「{r.id}」不能用作网址",
                hint="文件名只用小写英文字母、数字和连字符，例如 2013-12-ledger.md。",
            )
        meta = r.meta
        common = {k: v for k, v in meta.items() if k in COMMON_FIELDS}
        common = schemas.coerce(common, p.record_schema, r.doc)
        meta.update(common)
        if schemas.report(self.common, common, r.doc, r.path, f, code_prefix="record"):
            return False
        catalogue = p.catalogues.get(r.category)
        item = catalogue.items.get(meta["catalogue"]) if catalogue else None
        if item is None:
            line, col = r.doc.position(("catalogue",))
            known = catalogue.items.values() if catalogue else []
            f.add(
                "record-catalogue-unknown",
                r.path,
                f"「{CATEGORIES[r.category]}」目录中没有事项「{meta['catalogue']}」",
                line=line,
                column=col,
                field="catalogue",
                hint="可选的事项：" + "、".join(f"{i.id}（{i.name}）" for i in list(known)[:12]),
            )
            return False
        r.item = item
        if item.applies_to and unit.level not in item.applies_to:
            line, col = r.doc.position(("catalogue",))
            f.add(
                "record-item-level",
                r.path,
                f"「{item.name}」一般由{'、'.join(LEVELS[lv] for lv in item.applies_to)}单位公开，{unit.name}是{LEVELS[unit.level]}",
                line=line,
                column=col,
                field="catalogue",
                hint="请确认事项选得对；如确需公开，可以忽略这条提醒。",
                severity=WARNING,
            )
        self.period(r, item)
        self.dates(r)
        self.attachments(r)
        fields = schemas.coerce(r.fields, item.schema, r.doc)
        meta.update(fields)
        # Unknown keys first: a misspelt required field should be named where it was typed,
        # not only reported as missing.
        shape_errors = len(f.errors)
        self.unknown_fields(r, item, fields)
        self.finite_numbers(r, fields)
        if schemas.report(self.item_validator(item), fields, r.doc, r.path, f, code_prefix="field"):
            return False
        if len(f.errors) != shape_errors:  # rules may trust only fields of the right shape
            return False
        for name in item.checks:
            try:
                problems = list(RULES[name](fields))
            except Exception as exc:  # a rule bug must not hide the rest of the report
                f.add(
                    "check-failed",
                    r.path,
                    f"规则「{name}」无法检查这条记录（{type(exc).__name__}: {exc}）",
                    hint="这是检查程序的问题，不一定是记录写错了；请把这条提示转给平台维护人员。",
                )
                continue
            for problem in problems:
                line, col = r.doc.position(problem.path)
                f.add(
                    f"check-{name.replace('_', '-')}",
                    r.path,
                    problem.message,
                    line=line,
                    column=col,
                    field=schemas.field_path(problem.path),
                    hint=problem.hint,
                )
        return len(f.errors) == before

    def unknown_fields(self, r: Record, item: CatalogueItem, fields: dict[str, Any]) -> None:
        """Keys the item's schema does not define would silently vanish from the page."""
        if item.schema.get("additionalProperties") is False:
            return  # the schema itself reports them (schema-additionalProperties)
        props = item.schema.get("properties") or {}
        for key in fields:
            if key not in props:
                line, col = r.doc.position((key,))
                close = difflib.get_close_matches(key, list(props), n=1)
                self.findings.add(
                    "field-unknown",
                    r.path,
                    f"「{item.name}」没有字段「{key}」，它不会出现在公开页面上",
                    line=line,
                    column=col,
                    field=key,
                    hint=(f"是否想写「{close[0]}」？" if close else "检查字段名的拼写。")
                    + "本事项的字段："
                    + "、".join(f"{k}（{v.get('title', k) if isinstance(v, dict) else k}）" for k, v in props.items()),
                )

    def finite_numbers(self, r: Record, value: Any, path: tuple = ()) -> None:
        """.inf and .nan are valid YAML numbers but no amount or count can be infinite."""
        if isinstance(value, dict):
            for k, v in value.items():
                self.finite_numbers(r, v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.finite_numbers(r, v, path + (i,))
        elif isinstance(value, float) and not math.isfinite(value):
            line, col = r.doc.position(path)
            self.findings.add(
                "field-not-finite",
                r.path,
                f"「{schemas.field_path(path)}」写成了 {r.doc.raw.get(path, value)}，这不是一个有效的数字",
                line=line,
                column=col,
                field=schemas.field_path(path),
                hint="填写具体数字，例如 1200.50。",
            )

    def period(self, r: Record, item: CatalogueItem) -> None:
        """A periodic item needs a period of the item's shape; lateness is a warning."""
        period = r.meta.get("period")
        line, col = r.doc.position(("period",))
        if item.period == "none":
            return
        shape, example = PERIOD_SHAPES[item.period]
        if not period:
            self.findings.add(
                "record-period-missing",
                r.path,
                f"「{item.name}」{PERIODS[item.period]}公开一次，必须写明所属期间",
                line=r.doc.position(("catalogue",))[0],
                field="period",
                hint=f"添加一行 period: {example}",
            )
            return
        if not shape.match(str(period)):
            self.findings.add(
                "record-period-shape",
                r.path,
                f"「{item.name}」{PERIODS[item.period]}公开一次，所属期间应写成 {example} 的样子，现在是「{period}」",
                line=line,
                column=col,
                field="period",
                hint=f"例如 period: {example}",
            )
            return
        end = period_end(str(period))
        if end and item.deadline_days is not None and r.published:
            try:
                published = dt.date.fromisoformat(r.published)
            except ValueError:
                return
            due = end + dt.timedelta(days=item.deadline_days)
            if published > due:
                self.findings.add(
                    "record-late",
                    r.path,
                    f"逾期公开：{period} 的「{item.name}」应在 {due} 前公开，实际发布于 {published}",
                    line=r.doc.position(("published",))[0],
                    field="published",
                    hint="公开时限见本事项的目录；如发布日期写错请改正。",
                    severity=WARNING,
                )

    def dates(self, r: Record) -> None:
        """成文日期 comes before 发布日期; 废止 needs a 废止日期."""
        written, published = r.meta.get("written"), r.meta.get("published")
        if isinstance(written, str) and isinstance(published, str) and written > published:
            line, col = r.doc.position(("written",))
            self.findings.add(
                "record-dates-order",
                r.path,
                f"成文日期 {written} 晚于发布日期 {published}",
                line=line,
                column=col,
                field="written",
                hint="文件应先成文、后发布；请核对两个日期。",
            )
        if r.meta.get("validity") == "废止" and not r.meta.get("repealed"):
            line, col = r.doc.position(("validity",))
            self.findings.add(
                "record-repealed-missing",
                r.path,
                "有效性为「废止」，但没有写废止日期",
                line=line,
                column=col,
                field="repealed",
                hint="添加一行 repealed: YYYY-MM-DD。",
            )

    def attachments(self, r: Record) -> None:
        """Each attachment is a file inside the record's own unit folder."""
        folder = (self.project.root / r.path).parent
        for i, att in enumerate(r.meta.get("attachments") or []):
            target = folder / att["file"]
            line, col = r.doc.position(("attachments", i, "file"))
            problem = None
            try:
                inside = target.resolve().is_relative_to(folder.resolve())
            except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte in the name
                inside = False
            if not inside or Path(att["file"]).is_absolute():
                problem = "附件必须放在本单位的文件夹中"
            elif target.is_symlink():
                problem = "附件不能是符号链接"
            elif not target.is_file():
                problem = f"找不到附件文件「{att['file']}」"
            if problem:
                self.findings.add(
                    "record-attachment",
                    r.path,
                    problem,
                    line=line,
                    column=col,
                    field=f"attachments[{i}].file",
                    hint="把附件文件放在记录旁边（同一文件夹），file 写文件名。",
                )

    # Layer 5 ---------------------------------------------------------------------------

    def across(self) -> None:
        """Duplicates and uniqueness that no single record can see."""
        by_key: dict[tuple, list[Record]] = defaultdict(list)
        by_period: dict[tuple, list[Record]] = defaultdict(list)
        for r in self.project.records:
            by_key[r.key].append(r)
            if r.valid and r.item and r.item.period != "none" and r.meta.get("period"):
                if r.meta.get("validity", "有效") == "有效" and not r.meta.get("withdrawn") and not r.meta.get("removed"):
                    by_period[(r.county, r.unit, r.category, r.item.id, str(r.meta["period"]))].append(r)
        for group in by_key.values():
            for r in group[1:]:
                r.valid = False
                self.findings.add(
                    "record-id-duplicate",
                    r.path,
                    f"与 {group[0].path} 的记录编号（文件名）相同",
                    hint="同一单位的记录文件名（不含扩展名）必须不同。",
                )
        for (*_, item, period), group in by_period.items():
            for r in group[1:]:
                line, col = r.doc.position(("period",))
                self.findings.add(
                    "record-period-duplicate",
                    r.path,
                    f"「{r.item.name if r.item else item}」{period} 已由 {group[0].path} 公开过",
                    line=line,
                    column=col,
                    field="period",
                    hint="同一期间只公开一次；更正原记录（并写修订说明），或把旧记录的有效性改为「失效」。",
                )
        seen: dict[tuple[str, str], Record] = {}
        for r in self.project.records:
            index_no = r.meta.get("index_no") if r.valid else None
            if not index_no:
                continue
            if (r.county, index_no) in seen:
                line, col = r.doc.position(("index_no",))
                self.findings.add(
                    "record-index-no-duplicate",
                    r.path,
                    f"索引号 {index_no} 已被 {seen[(r.county, index_no)].path} 使用",
                    line=line,
                    column=col,
                    field="index_no",
                    hint="索引号一经发布不能重复使用；删除这一行，系统会自动生成新的索引号。",
                )
            else:
                seen[(r.county, index_no)] = r


def validate(project: Project) -> Findings:
    """Run every validation layer; the findings are also kept on the project."""
    Validator(project).run()
    return project.findings
