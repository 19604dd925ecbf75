"""Validation in layers, as openstates' linter does it.

1. files and YAML syntax (load.py)
2. the fields every record has (catalogues/_record.yml)
3. the catalogue item's own schema
4. the item's named rules (checks.py)
5. checks across records: units, categories, duplicate 索引号, one record per period

A record skips a layer only when it failed the one before. Every problem is a Finding.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html as html_module
import math
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

import markdown

from . import history, indexno
from . import schema as schemas
from .chars import INVISIBLE_RE, describe, name_problem, plain_name
from .checks import PARTIAL, RECORD_RULES, RULE_SEVERITY, RULES, SERIES_RULES, CheckedFields
from .findings import ERROR, WARNING, Findings
from .load import Project
from .model import CATEGORIES, COMMON_FIELDS, LEVELS, PERIODS, URL_NAME, CatalogueItem, Record
from .periods import PERIOD_SHAPES, due_date
from .urls import leaves_site

# Names a unit's folder on the site holds for itself: its list (index.html) and the list's
# later pages (page/2/ …).
UNIT_PAGE_NAMES = frozenset({"index", "page"})


class Validator:
    """Runs every layer over a loaded project, adding findings to it."""

    def __init__(self, project: Project):
        self.project = project
        self.findings: Findings = project.findings
        # Counties the cache holds settled whole (cache.py): nothing here runs over their records.
        self.settled = project.cache.settled if project.cache is not None else {}
        self.common = schemas.make_validator(project.record_schema)
        self._item_validators: dict[tuple[str, str], Any] = {}

    def item_validator(self, item: CatalogueItem) -> Any:
        """One compiled validator per catalogue item, built on first use."""
        key = (item.category, item.id)
        if key not in self._item_validators:
            self._item_validators[key] = schemas.make_validator(item.schema)
        return self._item_validators[key]

    def run(self) -> None:
        """All layers, then the checks across records.

        A record taken from the cache (cache.py) brings its own layers' findings; only the
        checks across records run over it. A county the cache holds settled whole brings
        every finding of its own: nothing here runs over its records.
        """
        cache = self.project.cache
        for record in self.project.records:
            if record.county in self.settled:
                continue
            entry = cache.entry(record) if cache is not None else None
            if entry is not None:
                catalogue = self.project.catalogues.get(record.category)
                record.item = catalogue.items.get(entry.item) if catalogue and entry.item else None
                record.valid = entry.valid
                self.findings.extend(entry.record)
                continue
            before = len(self.findings)
            record.valid = self.record(record)
            if cache is not None:
                cache.found(record, "record", self.findings[before:], valid=record.valid)
        self.across()
        self.inspection()

    # Layer 2-4 -------------------------------------------------------------------------

    def record(self, r: Record) -> bool:
        """Validate one record; True when it may be published."""
        p = self.project
        f = self.findings
        before = len(f.errors)
        county = p.counties.get(r.county)
        if county is None and r.county not in p.broken_counties:
            f.add(
                "unit-county-unknown",
                r.path,
                f"文件夹「{r.county}」不是已登记的县（市、区）",
                hint="县（市、区）的文件夹名必须与 content/counties/ 下的文件名一致。",
            )
            return False
        # A county whose file is broken was reported once, at its line; its records are
        # checked for everything that does not need the unit, and none is published.
        unit = county.units.get(r.unit) if county else None
        if county and unit is None:
            f.add(
                "unit-unknown",
                r.path,
                f"单位「{r.unit}」不在 {county.name} 的单位名单中",
                hint=f"在 {county.source} 的 units 中登记该单位，或把文件放到已登记单位的文件夹中。",
            )
            return False
        if county and unit and r.category not in unit.categories:
            f.add(
                "unit-category-not-allowed",
                r.path,
                f"{unit.name} 没有登记发布「{CATEGORIES[r.category]}」",
                hint=f"该单位登记的类别：{'、'.join(CATEGORIES[c] for c in unit.categories)}；如需增加，请修改 {county.source}。",
            )
            return False
        if not URL_NAME.fullmatch(r.id):
            f.add(
                "record-id",
                r.path,
                f"文件名「{r.id}」不能用作网址",
                hint="文件名只用小写英文字母、数字和连字符，例如 2013-12-ledger.md。",
            )
        elif r.id in UNIT_PAGE_NAMES:
            # index.md is the unit's own page to MkDocs (its list would be drawn over), and
            # page/ holds the list's later pages (page/2/ …).
            f.add(
                "record-id",
                r.path,
                f"文件名「{r.id}」是单位栏目页自己用的网址，记录用这个名字会盖住本单位的信息列表",
                hint=f"请给文件换一个名字，例如 {r.id}-{r.meta.get('published') or '2014-01-08'}.md；不能用的名字：{'、'.join(sorted(UNIT_PAGE_NAMES))}。",
            )
        meta = r.meta
        for key in meta:
            odd = name_problem(key) if isinstance(key, str) else None
            if odd:
                line, col = r.doc.position((key,))
                shown = re.sub(r"\r\n|[\r\n]", "⏎", key)  # a finding is one line
                f.add(
                    "record-field-name",
                    r.path,
                    f"字段名「{shown}」{odd}，这个字段读不出来",
                    line=line,
                    column=col,
                    field=plain_name(shown),
                    hint=f"删除这一行的字段名，用英文重新输入 {plain_name(shown)}: （这种字符常随复制粘贴或中文输入法带入）。",
                )
        self.unsafe_markup(r, as_markdown=not self.body_too_complex(r))
        self.title_shown(r)
        common = {k: v for k, v in meta.items() if k in COMMON_FIELDS}
        common = schemas.coerce(common, p.record_schema, r.doc)
        meta.update(common)
        if schemas.report(self.common, common, r.doc, r.path, f, code_prefix="record", fast=True):
            self.item_fields_despite_common(r)
            return False
        if "_record" in p.broken_catalogues:
            return False  # without the common fields' definition nothing more can be trusted (reported once)
        catalogue = p.catalogues.get(r.category)
        item = catalogue.items.get(meta["catalogue"]) if catalogue else None
        if item is None and (r.category in p.broken_catalogues or (r.category, meta["catalogue"]) in p.broken_items):
            # The catalogue (or this item of it) is broken and was reported at its line.
            self.dates(r)
            self.attachments(r)
            return False
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
        if item.applies_to and unit and unit.level not in item.applies_to:
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
        self.item_fields(r, item)
        return len(f.errors) == before and unit is not None

    def item_fields(self, r: Record, item: CatalogueItem) -> None:
        """The item's own fields: its schema, then its named rules."""
        f = self.findings
        fields = schemas.coerce(r.fields, item.schema, r.doc)
        r.meta.update(fields)
        # Unknown keys first: a misspelt required field should be named where it was typed,
        # not only reported as missing.
        shape_errors = len(f.errors)
        self.unknown_fields(r, item, fields)
        self.finite_numbers(r, fields)
        schemas.report(self.item_validator(item), fields, r.doc, r.path, f, code_prefix="field", fast=True)
        # Rules may trust only fields of the right shape. When some failed, the rules that can
        # still run on the others do (checks.PARTIAL), so the clerk sees every problem at once.
        shape = f.errors[shape_errors:]
        bad = _failed_fields(shape) if shape else frozenset()
        if bad is None:
            return  # a problem with the record as a whole: no field can be trusted
        checked = CheckedFields({k: v for k, v in fields.items() if k not in bad}, bad) if bad else fields
        for name in item.checks:
            if bad and name not in PARTIAL:
                continue
            try:
                problems = list(RULES[name](checked))
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

    def item_fields_despite_common(self, r: Record) -> None:
        """A record whose common fields failed still has its item's fields checked, when its
        item is known, so the clerk sees every problem in one run (it is not published)."""
        name = r.meta.get("catalogue")
        catalogue = self.project.catalogues.get(r.category)
        item = catalogue.items.get(name) if catalogue and isinstance(name, str) else None
        if item is not None and "_record" not in self.project.broken_catalogues:
            self.item_fields(r, item)

    def unknown_fields(self, r: Record, item: CatalogueItem, fields: dict[str, Any]) -> None:
        """Keys the item's schema does not define would silently vanish from the page."""
        if item.schema.get("additionalProperties") is False:
            return  # the schema itself reports them (schema-additionalProperties)
        props = item.schema.get("properties") or {}
        for key in fields:
            if key not in props and not name_problem(key):  # those are reported by name already
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
        due = due_date(str(period), item)
        if due and r.published:
            try:
                published = dt.date.fromisoformat(r.published)
            except ValueError:
                return
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
        """No disclosure date lies in the future; 成文日期 comes before 发布日期 and every later date after it; 废止 needs a 废止日期."""
        today = china_today()
        for path, label in _past_dates(r.meta):
            value = r.meta
            for part in path:
                value = value[part]
            if value > today.isoformat():
                line, col = r.doc.position(path)
                self.findings.add(
                    "record-date-future",
                    r.path,
                    f"{label} {value} 是将来的日期（今天是 {today.isoformat()}，北京时间）",
                    line=line,
                    column=col,
                    field=schemas.field_path(path),
                    hint=f"{label}是已经发生的事，不能晚于今天；请核对年、月、日（常见错误：年份写错）。",
                )
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
        # A correction, withdrawal or removal happens to a published record: never before it.
        for path, label in _past_dates(r.meta):
            value = r.meta
            for part in path:
                value = value[part]
            if path[0] in ("published", "written") or not isinstance(published, str) or value >= published:
                continue
            line, col = r.doc.position(path)
            self.findings.add(
                "record-dates-order",
                r.path,
                f"{label} {value} 早于发布日期 {published}",
                line=line,
                column=col,
                field=schemas.field_path(path),
                hint=f"{label}是记录发布以后的事，不能早于发布日期；请核对年、月、日。",
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

    def title_shown(self, r: Record) -> None:
        """A title a reader can see as written: not only invisible characters and spaces, and
        without the controls that turn text around (U+202E shows 「通知‮gnp.exe」 reversed)."""
        title = r.meta.get("title")
        if not isinstance(title, str):
            return  # a missing or odd title is the schema's to report
        line, col = r.doc.position(("title",))
        turned = _BIDI_CONTROL.search(title)
        if title.strip() and not INVISIBLE_RE.sub("", title).strip(" \t\u3000\u00a0"):
            problem, hint = "标题只有看不见的字符或空格，网页上会是一个空标题", "删去这一行的标题，重新输入文字。"
        elif turned:
            problem = f"标题中有改变文字方向的控制字符 {describe(turned.group())}，网页上显示的标题会与写的不同"
            hint = "删去这一行的标题，重新输入（这种字符常随复制粘贴带入，也可能是有意伪装）。"
        else:
            return
        self.findings.add("record-title-hidden", r.path, problem, line=line, column=col, field="title", hint=hint)

    def body_too_complex(self, r: Record) -> bool:
        """A body that would take Markdown minutes to convert (unpaired brackets), or that it
        could not convert at all (nesting too deep); True when so."""
        first = r.doc.text_lines.get(("body",), r.body_line) if r.path.endswith((".yml", ".yaml")) else r.body_line
        depth, deepest = nesting_depth(r.body)
        if depth > MAX_NESTING:
            self.findings.add(
                "body-too-complex",
                r.path,
                f"正文中的列表嵌套太深（{depth} 层，最多 {MAX_NESTING} 层），无法生成网页",
                line=max(first, 1) + deepest,
                field="body",
                hint="列表每深一层要多缩进 4 个空格；检查是否误把整段文字缩进了很多层。大的层级结构请作为附件上传。",
            )
            return True
        cost, offset = markdown_cost(r.body)
        if cost <= MAX_MARKDOWN_COST:
            return False
        self.findings.add(
            "body-too-complex",
            r.path,
            "正文中有大量没有配对的括号或尖括号（[ ] ( ) < >），生成网页会极慢",
            line=max(first, 1) + offset,
            field="body",
            hint="检查正文中的方括号、圆括号和尖括号是否成对；普通文字里的括号请用中文括号【】（）《》；大的表格请作为附件上传。",
        )
        return True

    def unsafe_markup(self, r: Record, *, as_markdown: bool = True) -> None:
        """Raw HTML in the body or any field that could run script or restyle the page."""
        catalogue = self.project.catalogues.get(r.category)
        item = catalogue.items.get(r.meta.get("catalogue")) if catalogue and isinstance(r.meta.get("catalogue"), str) else None
        yaml_record = r.path.endswith((".yml", ".yaml"))
        for path, text in _texts(r.meta):
            if yaml_record and path == ("body",):
                continue  # the body: read below as Markdown
            found = markup_in(text)
            if not found:
                continue
            root = self.project.record_schema if path[0] in COMMON_FIELDS else (item.schema if item else {})
            label = _field_label(root, path)
            first = r.doc.text_lines.get(path) or r.doc.position(path)[0]
            self._markup_findings(r, found, first, f"「{label}」", schemas.field_path(path), r.doc.position(path)[1])
        if r.body:
            first = r.doc.text_lines.get(("body",), r.body_line) if yaml_record else r.body_line
            self._markup_findings(r, markup_in(r.body, markdown_text=as_markdown), first, "正文", "body", 0)

    def _markup_findings(self, r: Record, found: list[Markup], first: int, where: str, field: str, column: int) -> None:
        """One finding per line that has unsafe markup, naming everything on that line."""
        by_line: dict[int, list[str]] = defaultdict(list)
        for m in found:
            by_line[m.line].append(m.what)
        for offset, whats in sorted(by_line.items()):
            self.findings.add(
                "unsafe-markup",
                r.path,
                f"{where}含有网页代码：{'、'.join(whats)}",
                line=max(first, 1) + offset - 1,
                column=column if offset == 1 else 0,
                field=field,
                hint=MARKUP_HINT,
            )

    def attachments(self, r: Record) -> None:
        """Each attachment is a file inside the record's own unit folder, of an allowed type.

        The type is judged by the file's first bytes, not by its extension: a renamed
        program or web page is refused, and HTML or SVG (which can carry script) never
        reaches the site.
        """
        folder = (self.project.root / r.path).parent
        for i, att in enumerate(r.meta.get("attachments") or []):
            target = folder / att["file"]
            line, col = r.doc.position(("attachments", i, "file"))
            code, problem, hint = "record-attachment", None, "把附件文件放在记录旁边（同一文件夹），file 写文件名。"
            try:
                inside = target.resolve().is_relative_to(folder.resolve())
            except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte in the name
                inside = False
            if Path(att["file"]).is_absolute():
                problem = "附件必须放在本单位的文件夹中"
            elif _through_symlink(folder, att["file"]):
                problem = "附件不能是符号链接（快捷方式）"
                hint = "把附件文件本身放在记录旁边（同一文件夹），不要用符号链接。"
            elif not inside:
                problem = "附件必须放在本单位的文件夹中"
            elif target.is_dir():
                problem = f"「{att['file']}」是一个文件夹，不是文件"
                hint = "file 写附件文件本身的名字（例如 名单.xlsx），附件放在记录旁边（同一文件夹）。"
            elif not target.is_file():
                problem = f"找不到附件文件「{att['file']}」"
                twin = _case_twin(target)
                if twin and unicodedata.normalize("NFC", twin) == unicodedata.normalize("NFC", target.name):
                    # The same letters, composed otherwise (a Mac writes é as e and a mark).
                    problem += f"；文件夹中有看起来同名的「{twin}」，但其中有字母的编码方式与记录中写的不同"
                    hint = "把附件文件改名为只用汉字、英文字母、数字和连字符的名字，并在 file 中写同样的名字。"
                elif twin:
                    problem += f"；文件夹中有「{twin}」，文件名的大小写与记录中写的不同"
                    hint = "把 file 改成与文件名完全一致（包括大小写），或给文件改名。"
            else:
                code, problem, hint = _attachment_type_problem(target, att["file"])
            if problem:
                self.findings.add(code, r.path, problem, line=line, column=col, field=f"attachments[{i}].file", hint=hint)

    # Layer 5 ---------------------------------------------------------------------------

    def across(self) -> None:
        """Duplicates and uniqueness that no single record can see."""
        by_key: dict[tuple, list[Record]] = defaultdict(list)
        by_period: dict[tuple, list[Record]] = defaultdict(list)
        settled = self.settled
        self._landed_times: dict[str, int] | None = None  # read once, when a group needs it (_later)
        for r in self.project.records:
            if r.county in settled:
                continue  # every key below is within one county
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
        # The record that arrived first keeps its period, 索引号 or 文号; the finding goes to
        # each that came later (landed later in git, or not landed yet), at that field's line.
        for first, r in self._later(by_period.values()):
            period = str(r.meta["period"])
            self._duplicate(r, "period", "record-period-duplicate",
                            f"「{r.item.name if r.item else r.meta.get('catalogue')}」{period} 已由 {first.path} 公开过",
                            "同一期间只公开一次；更正原记录（并写修订说明），或把旧记录的有效性改为「失效」。")
        by_number: dict[tuple[str, str], list[Record]] = defaultdict(list)
        by_doc: dict[tuple, list[Record]] = defaultdict(list)
        for r in self.project.records:
            if not r.valid or r.county in settled:
                continue
            index_no = r.meta.get("index_no")
            if index_no:
                by_number[(r.county, indexno.key(str(index_no)))].append(r)
            number = r.meta.get("doc_number")
            if r.item and isinstance(number, str) and number.strip() and not r.meta.get("withdrawn") and not r.meta.get("removed"):
                by_doc[(r.county, r.unit, r.item.id, doc_number_key(number))].append(r)
        for first, r in self._later(by_number.values()):
            self._duplicate(r, "index_no", "record-index-no-duplicate", f"索引号 {r.meta['index_no']} 已被 {first.path} 使用",
                            "索引号一经发布不能重复使用；删除这一行，系统会自动生成新的索引号。")
        for first, r in self._later(by_doc.values()):
            self._duplicate(r, "doc_number", "record-doc-number-duplicate", f"文号 {r.meta['doc_number']} 已由 {first.path} 公开过",
                            "同一份文件只公开一次：核对文号是否写错；是同一文件的更正，请更正原记录并写修订说明。", WARNING)

    def _later(self, groups: Iterable[list[Record]]) -> Iterator[tuple[Record, Record]]:
        """(the first, a later one) for every record of each group but the one that arrived
        first: landed first in git, else published first, else by path."""
        never = 1 << 62
        for group in groups:
            if len(group) > 1:
                landed = self._landed_times = self._landed(group[0].county, self._landed_times)
                group.sort(key=lambda r: (landed.get(r.path, never), r.published, r.path))
            for r in group[1:]:
                yield group[0], r

    def _duplicate(self, r: Record, name: str, code: str, message: str, hint: str, severity: str = ERROR) -> None:
        line, col = r.doc.position((name,))
        self.findings.add(code, r.path, message, line=line, column=col, field=name, hint=hint, severity=severity)

    def _landed(self, county: str, landed: dict[str, int] | None) -> dict[str, int]:
        """When each record first landed in git (empty outside git or in a shallow clone),
        for a group of the county's records: its findings now read the history."""
        if self.project.cache is not None:
            self.project.cache.history_bound.add(county)
        if landed is not None:
            return landed
        try:
            return history.first_landed(self.project.root)
        except history.HistoryError:
            return {}  # check reports the shallow clone itself

    def inspection(self) -> None:
        """What an inspector checks that the item's own fields cannot show: the record's title and
        dates against its period (record rules), and a unit's
        series of an item (series rules: balances carried over, periods that overlap)."""
        from .checks import period_span

        families: dict[tuple, list[Record]] = defaultdict(list)
        family_of: dict[tuple[str, str], frozenset[str]] = {}
        cache, settled = self.project.cache, self.settled
        for r in self.project.records:
            # A record whose item is known passed the common fields' schema: the record rules
            # read only those (or guard what they read), so they run even when the item's own
            # fields or rules failed, and the clerk sees every problem in one run.
            if r.item is None or r.county in settled:
                continue  # a settled county's series are its own
            entry = cache.entry(r) if cache is not None else None
            if entry is not None:
                self.findings.extend(entry.rules)
                r.valid = r.valid and not entry.rules_failed
            else:
                before = len(self.findings)
                for name in r.item.checks:
                    if name in RECORD_RULES:
                        self._rule_findings(r, name, RECORD_RULES[name](r.meta))
                if cache is not None:
                    found = self.findings[before:]
                    failed = any(f.is_error and f.code != "check-failed" for f in found)
                    cache.found(r, "rules", found, rules_failed=failed)
            if any(n in SERIES_RULES for n in r.item.checks) and period_span(str(r.meta.get("period") or "")):
                if not r.meta.get("withdrawn") and not r.meta.get("removed") and r.meta.get("validity", "有效") == "有效":
                    item_key = (r.item.category, r.item.id)
                    if item_key not in family_of:  # one per item, not per record: 100,000 records, a few items
                        family_of[item_key] = _family(self.project, r.item)
                    families[(r.county, r.unit, r.category, family_of[item_key])].append(r)
        for series in families.values():
            series.sort(key=lambda r: (period_span(str(r.meta["period"])), r.path))
            for name in sorted({n for r in series for n in r.item.checks if n in SERIES_RULES}):
                self._rule_findings(series[0], name, (), series_rule=SERIES_RULES[name], series=series)

    def _rule_findings(self, r: Record, name: str, problems: Any, series_rule: Any = None, series: Any = None) -> None:
        """A record or series rule's problems as findings at their fields, with the rule's severity."""
        try:
            found = [(r, p) for p in problems] if series_rule is None else list(series_rule(series))
        except Exception as exc:  # a rule bug must not hide the rest of the report
            found = []
            self.findings.add(
                "check-failed",
                r.path,
                f"规则「{name}」无法检查这条记录（{type(exc).__name__}: {exc}）",
                hint="这是检查程序的问题，不一定是记录写错了；请把这条提示转给平台维护人员。",
            )
        for r, problem in found:
            line, col = r.doc.position(problem.path)
            self.findings.add(
                f"check-{name.replace('_', '-')}",
                r.path,
                problem.message,
                line=line,
                column=col,
                field=schemas.field_path(problem.path),
                hint=problem.hint,
                severity=RULE_SEVERITY.get(name, "error"),
            )
            if RULE_SEVERITY.get(name, "error") == "error":
                r.valid = False


def _failed_fields(errors: list[Any]) -> frozenset[str] | None:
    """The top-level fields the findings are about (recipients[3].id_number -> recipients);
    None when one is about the record's fields as a whole."""
    keys = set()
    for e in errors:
        m = re.match(r"[^.\[]+", e.field or "")
        if not m:
            return None
        keys.add(m.group(0))
    return frozenset(keys)


CHINA = dt.timezone(dt.timedelta(hours=8))
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def china_today() -> dt.date:
    """Today's date in China (UTC+8), where the disclosure is dated and read."""
    return dt.datetime.now(CHINA).date()


def _past_dates(meta: dict[str, Any]) -> Iterator[tuple[tuple, str]]:
    """(path, label) of the dates in a record that tell what has already happened.

    A 废止日期 may be announced ahead and an item's own dates (a hearing, a 公示期 end)
    are often in the future, so only these are checked against today.
    """
    found: list[tuple[tuple, str]] = [(("published",), "发布日期"), (("written",), "成文日期")]
    changes = meta.get("changes")
    if isinstance(changes, list):
        found += [(("changes", i, "date"), "修订日期") for i in range(len(changes))]
    found += [(("withdrawn", "date"), "撤回日期"), (("removed", "date"), "删除日期")]
    for path, label in found:
        value: Any = meta
        for part in path:
            if isinstance(value, dict) and isinstance(part, str):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                value = None
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            yield path, label


def _family(project: Project, item: CatalogueItem) -> frozenset[str]:
    """An item and every item of its catalogue linked to it by instead_of: one series between them."""
    catalogue = project.catalogues.get(item.category)
    family, grown = {item.id}, True
    while grown and catalogue:
        more = {i.id for i in catalogue.items.values() if i.id in family or family & set(i.instead_of)}
        more |= {o for i in catalogue.items.values() if i.id in family for o in i.instead_of}
        grown, family = more != family, more
    return frozenset(family)


def validate(project: Project) -> Findings:
    """Run every validation layer; the findings are also kept on the project."""
    Validator(project).run()
    return project.findings


# Unsafe markup -------------------------------------------------------------------------
# A record's body and fields are content, not code. The pages sanitise bodies anyway
# (pages.body_html, nh3) and escape fields; this check tells the clerk, at the line, that
# something there could run script or restyle the page.

# Elements that run script, embed other pages or programs, restyle the page, send the
# reader elsewhere, fake a form, or switch the parser into a mode that filters misread.
_UNSAFE_TAGS = {
    "script": "会运行脚本",
    "style": "会改变页面样式",
    "link": "会改变页面样式或加载外部文件",
    "meta": "会让页面跳转或改变页面设置",
    "base": "会改变页面上所有链接的去向",
    **dict.fromkeys(("iframe", "frame", "frameset", "object", "embed", "applet", "portal", "fencedframe"), "会嵌入其他网页或程序"),
    **dict.fromkeys(("form", "input", "button", "textarea", "select", "isindex", "keygen"), "会在页面上伪造表单"),
    **dict.fromkeys(("svg", "math"), "其中可以藏有脚本"),
    **dict.fromkeys(("audio", "video", "source", "track", "bgsound"), "会加载外部媒体"),
    **dict.fromkeys(
        ("noscript", "template", "xmp", "plaintext", "listing", "noembed", "noframes", "title", "xml", "html", "head", "body"),
        "会打乱页面结构",
    ),
}
# URL schemes that run script or carry a whole page, judged after entities are decoded and
# the blanks browsers ignore are removed (`jav&#x09;ascript:` is javascript:).
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "livescript:", "mocha:", "data:")
_SAFE_DATA = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")
_UNSAFE_IN_TEXT = ("javascript:", "vbscript:", "data:text/html", "data:image/svg", "data:application/")
_SCHEME_NEEDLES = set(_UNSAFE_SCHEMES) | set(_UNSAFE_IN_TEXT)
# Only text with one of these can hold markup; everything else skips the parsers.
_MAYBE_MARKUP = re.compile(r"[<&]|\]\s*[(:]|script|data\s*:", re.IGNORECASE)
# Python-Markdown's tables extension aligns columns with exactly this attribute.
_TABLE_ALIGN = re.compile(r"^text-align: (left|right|center);$")
_MARKUP_RESCAN_DEPTH = 3
_ODD_TAG_NAME = re.compile(r"[<\"'`=]")
MARKUP_HINT = "公开内容只写文字和 Markdown 格式，不能包含网页代码；链接写成 [文字](https://…)，文件作为附件上传。"
_markdown = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")  # as pages.body_html


class Markup(NamedTuple):
    """One piece of markup that is not content: its line within the text, a word to find it by, and why."""

    line: int
    needle: str
    what: str


_IMAGE_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


def _squeeze(value: str) -> str:
    """Text as a browser judges a URL's scheme: blanks and control characters removed, lower case."""
    return "".join(ch for ch in value if ord(ch) > 0x20).lower()


def _unsafe_scheme(value: str) -> str | None:
    url = _squeeze(value)
    for scheme in _UNSAFE_SCHEMES:
        if url.startswith(scheme) and not (scheme == "data:" and url.startswith(_SAFE_DATA)):
            return scheme
    return None


def _scheme_markup(line: int, scheme: str) -> Markup:
    return Markup(line, scheme, f"{scheme} 链接（会运行脚本或打开伪造的网页）")


class _MarkupScanner(HTMLParser):
    """Python's HTML parser, noting every element or attribute that could run script or restyle."""

    def __init__(self, depth: int = 0, markdown_output: bool = False):
        super().__init__(convert_charrefs=True)
        self.depth = depth
        self.markdown_output = markdown_output
        self.found: list[Markup] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag == "image":  # an HTML parser (the browser's, the sanitiser's) reads <image> as <img>
            tag = "img"
        if tag in _UNSAFE_TAGS:
            self.found.append(Markup(line, f"<{tag}", f"<{tag}>（{_UNSAFE_TAGS[tag]}）"))
        elif _ODD_TAG_NAME.search(tag):  # `<scr<script>`: made to slip past filters
            self.found.append(Markup(line, "<", "变形的网页标签（用来躲过过滤）"))
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and len(name) > 2:
                self.found.append(Markup(line, name, f"{name}=（事件属性，会运行脚本）"))
            elif name == "style" and not (self.markdown_output and tag in ("th", "td") and _TABLE_ALIGN.match(value)):
                self.found.append(Markup(line, name, "style=（会改变页面样式）"))
            elif name == "srcdoc":
                self.found.append(Markup(line, name, "srcdoc=（会嵌入其他网页）"))
            scheme = _unsafe_scheme(value)
            if scheme:
                self.found.append(_scheme_markup(line, scheme))
            elif tag == "img" and name == "src" and leaves_site(value):
                # The sanitiser drops it (pages/body.py): the picture would be lost without a word.
                self.found.append(Markup(line, value.strip().lower()[:40] or "src", "指向其他网站的图片（网页不会显示它，图片要作为附件上传）"))
            elif tag == "img" and name == "src" and (scheme := _IMAGE_SCHEME.match(_squeeze(value))) and scheme.group(1) not in ("http", "https"):
                # data:, file:, blob: … the sanitiser keeps http and https only: no picture.
                self.found.append(Markup(line, scheme.group(), f"写在正文里的「{scheme.group()}」图片（网页不会显示它，图片要作为附件上传）"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def _read_inside(self, text: str) -> None:
        # Browsers and Python's parser disagree on where odd comments end (`<!-->` is a
        # whole comment to a browser), so what looks commented out is read as markup too.
        if self.depth < _MARKUP_RESCAN_DEPTH:
            line = self.getpos()[0]
            self.found += [m._replace(line=line + m.line - 1) for m in markup_in(text, depth=self.depth + 1)]

    handle_comment = unknown_decl = handle_pi = _read_inside


def markup_in(text: str, *, markdown_text: bool = False, depth: int = 0) -> list[Markup]:
    """Every piece of markup in a text that could run script or restyle the page, by line.

    Fields are plain text and are parsed as written. A body is Markdown: it is parsed as
    written (for the lines) and as Markdown renders it (what would reach the sanitiser).
    """
    if not _MAYBE_MARKUP.search(text):
        return []
    scanner = _MarkupScanner(depth)
    try:
        scanner.feed(text + "\n>")  # the `>` closes a tag left open at the end, as Markdown's </p> would
        scanner.close()
    except Exception:  # the parser gives up only on deliberately mangled markup
        scanner.found.append(Markup(1, "<", "无法解析的网页代码"))
    found = scanner.found
    linked = {m.line for m in found if m.needle in _UNSAFE_SCHEMES}
    for i, line in enumerate(text.split("\n"), start=1):
        if i not in linked and (":" in line or "&" in line):
            squeezed = _squeeze(html_module.unescape(line))
            found += [_scheme_markup(i, s) for s in _UNSAFE_IN_TEXT if s in squeezed][:1]
    if markdown_text:
        rendered = _MarkupScanner(depth, markdown_output=True)
        try:
            rendered.feed(_markdown.reset().convert(text))
            rendered.close()
        except Exception:  # the written text was scanned above; this pass only adds
            pass
        seen = {m.what for m in found}
        lines = text.lower().split("\n")
        for m in rendered.found:
            if m.what not in seen:  # markup Markdown made: point at the first line that mentions it
                line = next((i for i, t in enumerate(lines, start=1) if m.needle in t), 1)
                found.append(m._replace(line=line))
                seen.add(m.what)
    unique: dict[tuple[int, str], Markup] = {}
    for m in found:  # one unsafe link a line is enough, however many ways it was seen
        unique.setdefault((m.line, "link" if m.needle in _SCHEME_NEEDLES else m.what), m)
    return sorted(unique.values(), key=lambda m: m.line)


# Python-Markdown looks for the end of every `[`, `](` and `<` by scanning ahead, so a
# paragraph of unpaired brackets costs (brackets × length): 1,000 `[` before 100,000
# characters took 79 s, and a 2 MB record could stall the build for hours. The cost below
# counts those scans (about 0.3-0.8 µs each, measured); a body over the limit is a finding
# and is never converted. Every `<` also costs a little: 20,000 inline tags took 2.6 s.
MAX_MARKDOWN_COST = 1_000_000
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BRACKETS = re.compile(r"[\[\]()<>]")
_COST_PER_TAG = 64


# Python-Markdown nests a list in a list by recursion: about 230 levels exhaust Python's
# stack (RecursionError) and the build fails. No disclosure needs more than a few levels.
# (Quotes nest without recursion: 1,000 `>` convert.)
MAX_NESTING = 40
# Bidirectional embeddings, overrides and isolates: they reorder what follows them.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
_LEAD = re.compile(r"[ \t>]*")


_DOC_BRACKETS = str.maketrans({c: "〔" for c in "[(（【〔"} | {c: "〕" for c in "])）】〕"})


def doc_number_key(number: str) -> str:
    """One spelling per 文号: 许政〔2013〕12号, 许政[2013]12号 and 许政（2013）12 号 are the same."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", number).translate(_DOC_BRACKETS))


def nesting_depth(text: str) -> tuple[int, int]:
    """(deepest nesting of lists, its line offset): a level per 4 columns of indent before a
    line's text (inside quotes too), as Markdown nests list items."""
    deepest, at = 0, 0
    for i, line in enumerate(text.split("\n")):
        lead = _LEAD.match(line).group()  # type: ignore[union-attr]  # matches every line
        if len(lead) < 4 * MAX_NESTING // 2 and "\t" not in lead:
            continue  # the common case: too shallow to count
        depth = len(lead.replace(">", "").expandtabs(4)) // 4
        if depth > deepest:
            deepest, at = depth, i
    return deepest, at


def markdown_cost(text: str) -> tuple[int, int]:
    """(how many characters Markdown would scan for brackets, line offset of the worst paragraph)."""
    total, worst, worst_at, start = 0, 0, 0, 0
    for paragraph in _PARAGRAPH_BREAK.split(text) if _BRACKETS.search(text) else ():
        n, cost = len(paragraph), 0
        start = text.find(paragraph, start)
        squares: list[int] = []
        rounds: list[int] = []
        angles: list[int] = []
        for m in _BRACKETS.finditer(paragraph):
            c, i = m.group(), m.start()
            if c == "[":
                squares.append(i)
            elif c == "]":
                cost += i - squares.pop() if squares else 0
            elif c == "(" and i and paragraph[i - 1] == "]":
                rounds.append(i)
            elif c == ")":
                cost += i - rounds.pop() if rounds else 0
            elif c == "<":
                angles.append(i)
                cost += _COST_PER_TAG
            elif c == ">" and angles:
                cost += sum(i - a for a in angles)
                angles.clear()
        cost += sum(n - i for i in squares) + sum(n - i for i in rounds) + sum(n - i for i in angles)
        if cost > worst:
            worst, worst_at = cost, text.count("\n", 0, start)
        total += cost
        start += n
    return total, worst_at


def _texts(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every text in a record's fields, field names included, with its path."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield path + (k,), k
            yield from _texts(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _texts(v, path + (i,))
    elif isinstance(value, str):
        yield path, value


def _field_label(schema: Any, path: tuple) -> str:
    """A field as the clerk sees it: the nearest title in the schema, and its path."""
    node, title = schema, ""
    for part in path:
        props = node.get("properties") if isinstance(node, dict) else None
        node = (node.get("items") if isinstance(part, int) else (props or {}).get(part)) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get("title") and not isinstance(part, int):
            title = str(node["title"])
    where = schemas.field_path(path)
    return f"{title}（{where}）" if title else where


# Attachments ---------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# The kind of content each allowed extension must have, judged from the bytes.
ATTACHMENT_KINDS = {
    ".pdf": "pdf",
    ".ofd": "ofd",
    ".doc": "ole2",
    ".xls": "ole2",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
    ".gif": "gif",
    ".txt": "text",
    ".csv": "text",
}
KIND_ZH = {
    "pdf": "PDF 文件",
    "ofd": "OFD 版式文件",
    "ole2": "Word 或 Excel 97-2003 文件（.doc/.xls）",
    "docx": "Word 文档（.docx）",
    "xlsx": "Excel 表格（.xlsx）",
    "pptx": "PowerPoint 演示文稿",
    "macro": "含有宏（VBA 程序）的 Office 文件",
    "jpeg": "JPEG 图片",
    "png": "PNG 图片",
    "gif": "GIF 图片",
    "text": "文本",
    "html": "网页（HTML），其中可以藏有脚本",
    "svg": "SVG 图像，其中可以藏有脚本",
    "xml": "XML 文件",
    "exe": "可执行程序",
    "script": "可执行的脚本程序（以 #! 开头）",
    "exe-inside": "夹带了可执行程序的文件（压缩包中有程序）",
    "polyglot": "同时又是压缩包的文件（一个文件伪装成两种格式）",
    "zip": "压缩包（zip）",
    "rar": "压缩包（rar）",
    "7z": "压缩包（7z）",
    "utf16": "UTF-16 编码的文本",
    "rtf": "RTF 格式文档（其中可以嵌入程序）",
    "binary": "无法识别的二进制数据（文件可能已损坏）",
    "empty": "空文件",
}
ALLOWED_ZH = "PDF、OFD、Word（.doc/.docx）、Excel（.xls/.xlsx）、图片（.jpg/.png/.gif）、文本（.txt/.csv）"
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"MZ", "exe"),
    (b"\x7fELF", "exe"),
    (b"\xcf\xfa\xed\xfe", "exe"),
    (b"\xfe\xed\xfa\xcf", "exe"),
    (b"\xca\xfe\xba\xbe", "exe"),
    (b"Rar!\x1a\x07", "rar"),
    (b"{\\rtf", "rtf"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\xff\xfe", "utf16"),
    (b"\xfe\xff", "utf16"),
]
# The starts of text that a browser would take for a web page (WHATWG MIME sniffing).
_HTML_STARTS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font", b"<table", b"<a",
    b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<meta", b"<img", b"<object", b"<embed",
)
_TAG_END = (b" ", b">", b"\t", b"\n", b"\r", b"\x0c", b"/")


# Executable formats found wherever they stand in a file's first kilobyte: a program with a
# PDF header 0x300 bytes in is opened by a PDF reader and run by the system (a polyglot).
# Each signature is four bytes or more, so ordinary data holds one only by rare chance.
_EXE_ANYWHERE = (
    b"\x7fELF",  # Linux
    b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Java class, Mach-O universal
    b"PE\x00\x00", b"This program cannot be run in DOS mode", b"This program must be run under Win32",  # Windows
    b"\x00asm\x01\x00\x00\x00",  # WebAssembly
    b"dex\n03",  # Android
)
# Two-byte signatures that only count at the start, or before a PDF's header.
_EXE_AT_START = ((b"MZ", "exe"), (b"#!", "script"))
SNIFF_BYTES = 1024  # PDF readers look for the header this far in; executables are looked for as far


def _executable(head: bytes) -> str | None:
    """exe or script when an executable signature stands in the first bytes."""
    first = head[:SNIFF_BYTES]
    if any(sig in first for sig in _EXE_ANYWHERE):
        return "exe"
    start = first.lstrip(b"\xef\xbb\xbf \t\r\n\x0c")
    for sig, kind in _EXE_AT_START:
        if start.startswith(sig):
            return kind
    pdf_at = first.find(b"%PDF-")
    if pdf_at > 0:  # what stands before a PDF's header is junk to a reader, and may be a program
        junk = first[:pdf_at]
        for sig, kind in _EXE_AT_START:
            if sig in junk:
                return kind
    return None


def sniff(path: Path) -> str:
    """What a file is, from its bytes: pdf, png, jpeg, gif, ole2, docx, xlsx, ofd, text, html, svg, exe …"""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        return "empty"
    executable = _executable(head)
    if executable:
        return executable
    if b"%PDF-" in head[:SNIFF_BYTES]:
        return "polyglot" if zipfile.is_zipfile(path) else "pdf"
    kind = next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)
    if kind == "zip":
        return _zip_kind(path)
    if kind:
        return kind
    if b"\x00" in head:
        return "binary"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    if start.startswith(b"<?xml") or start.startswith(b"<svg") or start.startswith(b"<!doctype svg"):
        return "svg" if b"<svg" in head.lower() else "xml"
    if start.startswith(b"<!--") or any(start.startswith(s) and start[len(s) : len(s) + 1] in _TAG_END for s in _HTML_STARTS):
        return "html"
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
            return "text"
        except UnicodeDecodeError:
            continue
    return "binary"


# Names of programs and scripts that have no place inside a document package.
_PROGRAM_SUFFIXES = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".hta",
    ".jar", ".class", ".sh", ".elf", ".so", ".dylib", ".lnk", ".apk",
)
MAX_ZIP_ENTRIES_LOOKED_AT = 2000


def _zip_kind(path: Path) -> str:
    """An Office Open XML document, an OFD file, or some other zip; one carrying a program is exe-inside."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = [i.filename for i in infos]
            if any(n.lower().endswith(_PROGRAM_SUFFIXES) for n in names):
                return "exe-inside"
            # A program may hide under any name (word/media/image1.png): the first bytes of
            # each entry tell, and reading them inflates a few hundred bytes at most.
            for info in infos[:MAX_ZIP_ENTRIES_LOOKED_AT]:
                if info.is_dir() or info.file_size == 0:
                    continue
                with z.open(info) as entry:
                    if _executable(entry.read(SNIFF_BYTES)):
                        return "exe-inside"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, ValueError, EOFError):
        return "binary"  # RuntimeError: an encrypted entry; NotImplementedError: an unknown compression
    if "OFD.xml" in names:
        return "ofd"
    if "[Content_Types].xml" in names:
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return "macro"
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(prefix) for n in names):
                return kind
    return "zip"


def _attachment_type_problem(target: Path, name: str) -> tuple[str, str | None, str]:
    """(code, problem or None, hint) for an existing attachment: its size, then its type."""
    size = target.stat().st_size
    if size > MAX_ATTACHMENT_BYTES:
        return (
            "record-attachment-too-large",
            f"附件「{name}」太大（{size / 1024 / 1024:.1f} MB，上限 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB）",
            "扫描件请降低分辨率（如 150 dpi）或分成几个文件；大的数据表请拆分后上传。",
        )
    suffix = target.suffix.lower()
    expected = ATTACHMENT_KINDS.get(suffix)
    if expected is None:
        script = suffix in (".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".xml", ".js", ".mht", ".mhtml")
        return (
            "record-attachment-type",
            f"附件「{name}」的类型（{suffix or '无扩展名'}）不允许上传" + ("：网页和 SVG 图像中可以藏有脚本" if script else ""),
            f"允许的附件类型：{ALLOWED_ZH}。网页请另存为 PDF 后上传。",
        )
    try:
        kind = sniff(target)
    except OSError as exc:
        return ("record-attachment", f"无法读取附件「{name}」：{exc.strerror}", "检查文件是否完整、是否有读取权限。")
    if kind == expected == "pdf":
        from .documents import pdf_problem

        problem = pdf_problem(target)
        if problem:
            return (
                "record-attachment-type",
                f"附件「{name}」不是能打开的 PDF：{problem}",
                "请用原来的程序重新导出 PDF（或重新扫描）后替换附件；设置了密码的 PDF 请去掉密码后再上传。",
            )
    if kind == expected:
        return ("record-attachment-type", None, "")
    return (
        "record-attachment-type",
        f"附件「{name}」的扩展名是 {suffix}，但文件内容是{KIND_ZH.get(kind, kind)}",
        "只改扩展名不会改变文件格式：请用原来的程序把文件另存为与扩展名相符的格式"
        + ("（Word/Excel 中另存为不含宏的 .docx/.xlsx）" if kind == "macro" else "")
        + f"后重新上传。允许的附件类型：{ALLOWED_ZH}。",
    )


def _through_symlink(folder: Path, name: str) -> bool:
    """True when the attachment, or a folder on the way to it, is a symbolic link."""
    here = folder
    try:
        for part in Path(name).parts:
            here = here / part
            if here.is_symlink():
                return True
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return False
    return False


def _case_twin(target: Path) -> str | None:
    """The name of a file next to target that differs from it only in case, or in how its
    letters are composed (NFC and NFD: é as one character or as e and a mark)."""
    want = unicodedata.normalize("NFC", target.name).lower()
    try:
        return next((p.name for p in target.parent.iterdir() if unicodedata.normalize("NFC", p.name).lower() == want and p.is_file()), None)
    except OSError:
        return None
