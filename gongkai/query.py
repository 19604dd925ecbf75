"""Queries by field over the records: `build.py query category=government steps.risk=高`.

The filter language is a list of conditions, all of which must hold:

    field=value   field!=value   field>=value   field<=value   field>value   field<value
    field~text    (contains)     field=*        (has a value)  field!=*      (has none)

A field may also be named by its Chinese title when the title names one field only
(风险等级=高 is steps.risk.level=高). A field is a record's place (county, category, unit, item, id, path, year, mode), a common
field (title, published, period, keywords, changes.note …) or a catalogue item's field as
a dotted path through tables and objects (steps.risk.level, recipients.group). A path stops
wherever it likes: `steps.risk=高` matches a step whose risk object holds 高 anywhere. Values
with spaces are quoted ("…"). Dates and periods compare as dates (2013-Q4 >= 2013-10),
numbers as numbers, everything else as text.

The parser is written by hand on top of `shlex` (for the quoting): the grammar is one
pattern per condition, and a parsing library (lark, pyparsing) would be a new pinned
dependency for a dozen lines, and would not give the Chinese errors that name the valid
fields and operators, which are the part that matters to an inspector.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .checks import period_span
from .load import Project
from .model import CATEGORIES, COMMON_FIELDS, Record

OPERATORS = ("!=", ">=", "<=", "=", ">", "<", "~")
OPERATORS_ZH = {
    "=": "等于（表格中任意一行、任意一项等于即可）",
    "!=": "不等于",
    ">=": "不小于",
    "<=": "不大于",
    ">": "大于",
    "<": "小于",
    "~": "包含文字",
}
# The record's place, which no file field holds: its folder, its catalogue item, its year.
PLACE_FIELDS = {
    "county": "县（市、区）代号",
    "category": "类别（" + "、".join(f"{k}={v}" for k, v in CATEGORIES.items()) + "）",
    "unit": "单位代号",
    "item": "目录事项代号（catalogue 的值）",
    "id": "记录编号（文件名）",
    "path": "文件路径",
    "year": "年份（所属期间的年份，没有时为发布日期的年份）",
    "mode": "公开方式（主动公开、依申请公开）",
}
_CONDITION = re.compile(r"^(?P<field>[^\s=!<>~]+)(?P<op>!=|>=|<=|=|>|<|~)(?P<value>.*)$", re.S)


class QueryError(ValueError):
    """A filter that cannot be read; the message is Chinese and names the valid choices."""


@dataclass(frozen=True)
class Condition:
    """One `field op value`."""

    field: str
    op: str
    value: str

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.field.split("."))


@dataclass
class Match:
    """A record that meets every condition, and the table rows that made it match."""

    record: Record
    rows: list[tuple[str, int, Any]] = field(default_factory=list)  # (table field, row index, row)


def known_fields(project: Project) -> dict[str, str]:
    """Every field a condition may name: places, common fields, every catalogue item's fields (dotted)."""
    out = dict(PLACE_FIELDS)
    _schema_fields(project.record_schema, (), out)
    for catalogue in project.catalogues.values():
        for item in catalogue.items.values():
            _schema_fields(item.schema, (), out)
    return out


def _schema_fields(schema: Any, prefix: tuple, out: dict[str, str]) -> None:
    if not isinstance(schema, dict):
        return
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            _schema_fields(sub, prefix, out)
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        path = prefix + (str(name),)
        out.setdefault(".".join(path), str(sub.get("title") or name))
        _schema_fields(sub, path, out)
        if isinstance(sub.get("items"), dict):
            _schema_fields(sub["items"], path, out)


def parse(text: str | list[str], fields: dict[str, str]) -> list[Condition]:
    """The conditions of a filter; QueryError (in Chinese) on the first that cannot be read, naming the choices."""
    try:
        words = shlex.split(text) if isinstance(text, str) else [w for t in text for w in shlex.split(t)]
    except ValueError:
        raise QueryError("查询条件中的引号没有配对；含空格的值请用一对英文引号括起来，例如 title~\"财务 公开\"。") from None
    out = []
    for word in words:
        m = _CONDITION.match(word)
        if not m:
            name = re.match(r"^[^\s=!<>~:：]+", word)
            rest = word[name.end():] if name else word
            if name and not rest:
                raise QueryError(f"条件「{word}」缺少比较符号和值。可用的比较符号：{_ops()}；例如 {word}=值 或 {word}=*（有值）。")
            raise QueryError(
                f"读不懂条件「{word}」：条件写成 字段 比较符号 值，中间不留空格，例如 county=xuchangxian、period>=2013-01。"
                f"可用的比较符号：{_ops()}。"
            )
        name, op, value = m.group("field"), m.group("op"), m.group("value")
        if value.startswith(("=", ">", "<", "~")):
            raise QueryError(f"条件「{word}」的比较符号「{op}{value[0]}」不存在。可用的比较符号：{_ops()}。")
        if name not in fields:
            name = _by_title(name, fields, word)
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=3)
            hint = f"是否想写「{'」「'.join(close)}」？" if close else ""
            places = "、".join(PLACE_FIELDS)
            common = "、".join(k for k in COMMON_FIELDS if k in fields)
            raise QueryError(
                f"没有字段「{name}」。{hint}可用的字段：记录位置 {places}；共同字段 {common}；"
                f"以及各目录事项的字段（用点号连接表格和下级字段，例如 steps.risk.level、recipients.group）。"
            )
        if op in (">", "<", ">=", "<=") and value == "*":
            raise QueryError(f"条件「{word}」：「*」只能与 = 或 != 一起用（有值、没有值）。")
        out.append(Condition(name, op, value))
    return out


def _by_title(name: str, fields: dict[str, str], word: str) -> str:
    """A field named by its Chinese title (风险等级 -> steps.risk.level), when the title names one field."""
    paths = sorted(path for path, title in fields.items() if title == name)
    if len(paths) > 1:
        raise QueryError(f"条件「{word}」：「{name}」可以指 {'、'.join(paths[:12])}，请写其中一个字段名。")
    return paths[0] if paths else name


def _ops() -> str:
    return "、".join(f"{op}（{zh}）" for op, zh in OPERATORS_ZH.items())


def _place(r: Record, name: str) -> Any:
    if name == "county":
        return r.county
    if name == "category":
        return r.category
    if name == "unit":
        return r.unit
    if name == "item":
        return r.meta.get("catalogue")
    if name == "id":
        return r.id
    if name == "path":
        return r.path
    if name == "year":
        return r.year
    return r.item.mode if r.item else None  # mode


def _leaves(node: Any) -> Iterator[Any]:
    """Every scalar under a value (a list's items, an object's values)."""
    if isinstance(node, dict):
        for v in node.values():
            yield from _leaves(v)
    elif isinstance(node, list):
        for v in node:
            yield from _leaves(v)
    elif node is not None:
        yield node


def _values(node: Any, path: tuple[str, ...]) -> Iterator[Any]:
    """The values at a dotted path, stepping through every row of a table on the way."""
    if not path:
        yield node
        return
    if isinstance(node, list):
        for v in node:
            yield from _values(v, path)
    elif isinstance(node, dict) and path[0] in node:
        yield from _values(node[path[0]], path[1:])


def _as_date(text: str) -> dt.date | None:
    span = period_span(text) if re.match(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$", text) else None
    if span:
        return span[0]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _compare(have: Any, op: str, want: str) -> bool:
    if isinstance(have, bool):
        have = "是" if have else "否"
        want = {"true": "是", "yes": "是", "false": "否", "no": "否"}.get(want.lower(), want)
    text = str(have)
    if op == "~":
        return want.lower() in text.lower()
    if op in ("=", "!="):
        equal = text == want
        if not equal and isinstance(have, (int, float)):
            try:
                equal = float(want) == float(have)
            except ValueError:
                pass
        return equal if op == "=" else not equal
    a: Any
    b: Any
    if isinstance(have, (int, float)):
        try:
            a, b = float(have), float(want)
        except ValueError:
            return False
    elif _as_date(text) and _as_date(want):
        a, b = _as_date(text), _as_date(want)
    else:
        a, b = text, want
    return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


def _holds(r: Record, c: Condition, rows: list[tuple[str, int, Any]]) -> bool:
    """Whether a record meets a condition; the table rows that met it are added to rows."""
    if c.field in PLACE_FIELDS:
        have = _place(r, c.field)
        if c.value == "*":
            return (have not in (None, "")) == (c.op == "=")
        return have is not None and _compare(have, c.op, c.value)
    top = r.meta.get(c.path[0])
    if c.value == "*":
        present = any(True for v in _values(top, c.path[1:]) for _ in _leaves(v))
        return present == (c.op == "=")
    if c.op == "!=":  # no value at the path equals it (a record without the field qualifies)
        return not any(_compare(x, "=", c.value) for v in _values(top, c.path[1:]) for x in _leaves(v))
    if isinstance(top, list) and top and all(isinstance(row, dict) for row in top):
        hit = [(c.path[0], i, row) for i, row in enumerate(top) if any(_compare(x, c.op, c.value) for v in _values(row, c.path[1:]) for x in _leaves(v))]
        rows.extend(hit)
        return bool(hit)
    return any(_compare(x, c.op, c.value) for v in _values(top, c.path[1:]) for x in _leaves(v))


def run(project: Project, conditions: list[Condition]) -> list[Match]:
    """The records that meet every condition, in path order, with their matching rows."""
    out = []
    for r in sorted(project.records, key=lambda r: r.path):
        rows: list[tuple[str, int, Any]] = []
        if all(_holds(r, c, rows) for c in conditions):
            seen = set()
            unique = [x for x in rows if (x[0], x[1]) not in seen and not seen.add((x[0], x[1]))]
            out.append(Match(r, unique))
    return out


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _flat(row: dict, prefix: str = "") -> Iterator[tuple[str, str]]:
    """A table row's cells, nested objects spelled out as risk.level, risk.point …"""
    for k, v in row.items():
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", _cell(v)


def _unit_name(project: Project, r: Record) -> str:
    county = project.counties.get(r.county)
    unit = county.units.get(r.unit) if county else None
    return unit.name if unit else r.unit


def as_json(project: Project, matches: list[Match]) -> list[dict]:
    """The matches as plain data, for tools."""
    return [
        {
            "path": m.record.path, "county": m.record.county, "category": m.record.category, "unit": m.record.unit,
            "unit_name": _unit_name(project, m.record), "item": m.record.meta.get("catalogue"), "title": m.record.title,
            "published": m.record.published, "period": str(m.record.meta.get("period") or ""),
            "rows": [{"field": f, "index": i, "row": row} for f, i, row in m.rows],
        }
        for m in matches
    ]


def render(project: Project, matches: list[Match], fmt: str) -> str:
    """The matches as a terminal table (Chinese), CSV (one line per matching row) or JSON."""
    if fmt == "json":
        return json.dumps(as_json(project, matches), ensure_ascii=False, indent=1)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["路径", "县", "类别", "单位", "事项", "标题", "发布日期", "所属期间", "表格", "行号", "行内容"])
        for m in matches:
            r = m.record
            base = [r.path, r.county, r.category, _unit_name(project, r), r.meta.get("catalogue"), r.title, r.published,
                    r.meta.get("period") or ""]
            for f, i, row in m.rows or [("", None, None)]:
                w.writerow(base + [f, "" if i is None else i + 1, _cell(row)])
        return buf.getvalue().rstrip("\n")
    out = []
    for m in matches:
        r = m.record
        out.append(f"{r.path}\n  {r.title}（{_unit_name(project, r)}，{r.published}）")
        for f, i, row in m.rows:
            shown = "，".join(f"{k}：{v}" for k, v in _flat(row)) if isinstance(row, dict) else _cell(row)
            out.append(f"    {f} 第 {i + 1} 行  {shown}")
    rows = sum(len(m.rows) for m in matches)
    out.append(f"共 {len(matches)} 条记录" + (f"，{rows} 行符合条件。" if rows else "符合条件。"))
    return "\n".join(out)
