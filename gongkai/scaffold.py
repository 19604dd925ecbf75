"""`build.py new`: a new record for a clerk to fill, with every field of its item's schema.

The file is written where the record belongs (content/<category>/<county>/<unit>/), with
the common fields and the item's fields in schema order, required ones first, each with a
Chinese comment saying what goes there. Required fields the clerk must fill are left empty
(so `check` fails until they are filled) and marked 「← 请填写」; optional ones are written
commented out. What the previous record of the same series tells is filled in: the next
period, a ledger's opening balance (= last closing balance), and the values that stay the
same from one period to the next (the bookkeeper, the review group's leader, phones).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .load import Project
from .model import CATEGORIES, CatalogueItem, Record, Unit
from .periods import PERIOD_SHAPES, next_period, period_zh

CHINA = dt.timezone(dt.timedelta(hours=8))
FILL = "← 请填写"
# Common fields offered (commented out) besides the required ones; the rest are rare or automatic.
OPTIONAL_COMMON = ("written", "doc_number", "keywords", "attachments")
PERIOD_KIND_ZH = {"month": "按月", "quarter": "按季度", "half-year": "按半年", "year": "按年"}


class ScaffoldError(Exception):
    """The record cannot be made as asked; the message (Chinese) names the valid choices."""


@dataclass
class Scaffold:
    """A new record file: where it goes and what it says."""

    path: str
    text: str


def _choices(ids: list[str], limit: int = 40) -> str:
    return "、".join(ids[:limit]) + (f" 等 {len(ids)} 个" if len(ids) > limit else "")


def find_unit(project: Project, name: str) -> Unit:
    """The unit named <county>/<unit>; else an error listing the units."""
    if "/" not in name:  # a bare unit id will do when only one county has it
        found = [c.units[name] for c in project.counties.values() if name in c.units]
        if len(found) == 1:
            return found[0]
        if found:
            raise ScaffoldError(f"单位代号「{name}」在多个县（市、区）都有：{_choices([f'{u.county}/{u.id}' for u in found])}；请写成 <县>/<单位>")
    county_id, _, unit_id = name.partition("/")
    county = project.counties.get(county_id)
    if county and unit_id in county.units:
        return county.units[unit_id]
    every = [f"{c.id}/{u}" for c in project.counties.values() for u in c.units]
    if county:
        raise ScaffoldError(f"{county.name}（{county_id}）没有单位「{unit_id}」；可选：{_choices([f'{county_id}/{u}' for u in county.units])}")
    raise ScaffoldError(f"没有单位「{name}」：请写成 <县>/<单位>；可选：{_choices(every)}")


def allowed_items(project: Project, unit: Unit) -> list[CatalogueItem]:
    """The catalogue items this unit may publish: its categories, its level."""
    out = []
    for category in CATEGORIES:
        if category not in unit.categories or category not in project.catalogues:
            continue
        for item in project.catalogues[category].items.values():
            if not item.applies_to or unit.level in item.applies_to:
                out.append(item)
    return out


def find_item(project: Project, unit: Unit, item_id: str) -> CatalogueItem:
    """The item the unit asks for; refused (naming the ones it may publish) when not its own."""
    allowed = allowed_items(project, unit)
    matches = [i for i in allowed if i.id == item_id]
    names = [f"{i.id}（{i.name}）" for i in allowed]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ScaffoldError(
            f"事项「{item_id}」在{'、'.join(CATEGORIES[i.category] for i in matches)}目录中都有；"
            f"请写成 <类别>/{item_id}，例如 {matches[0].category}/{item_id}"
        )
    if "/" in item_id:
        category, _, bare = item_id.partition("/")
        matches = [i for i in allowed if i.id == bare and i.category == category]
        if matches:
            return matches[0]
    raise ScaffoldError(f"{unit.name}不能公开事项「{item_id}」；本单位可以公开的事项：{_choices(names)}")


def _containing(kind: str, d: dt.date) -> tuple[str, dt.date]:
    """The period of a kind that a day falls in, and that period's first day."""
    if kind == "month":
        return f"{d.year}-{d.month:02d}", d.replace(day=1)
    if kind == "quarter":
        q = (d.month - 1) // 3 + 1
        return f"{d.year}-Q{q}", dt.date(d.year, 3 * q - 2, 1)
    if kind == "half-year":
        h = 1 if d.month <= 6 else 2
        return f"{d.year}-H{h}", dt.date(d.year, 1 if h == 1 else 7, 1)
    return str(d.year), dt.date(d.year, 1, 1)


def current_period(kind: str, today: dt.date) -> str:
    """The last period that has ended by `today` (the one a clerk usually reports)."""
    _, first_day = _containing(kind, today)
    return _containing(kind, first_day - dt.timedelta(days=1))[0]


def previous_record(project: Project, unit: Unit, item: CatalogueItem, before: str | None = None) -> Record | None:
    """The last valid record of the same series (unit and item), by period or date."""
    series = [
        r for r in project.records
        if r.valid and r.county == unit.county and r.unit == unit.id and r.category == item.category
        and r.meta.get("catalogue") == item.id
    ]
    key = (lambda r: str(r.meta.get("period") or "")) if item.period != "none" else (lambda r: r.published)
    if before:
        series = [r for r in series if key(r) < before]
    return max(series, key=key, default=None)


def _scalar(value: Any) -> str:
    if isinstance(value, str) and _DATE.fullmatch(value):
        return value  # read as text YYYY-MM-DD either way; unquoted as clerks write it
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("...").strip()


def _key(key: str) -> str:
    """A mapping key as YAML reads it back unchanged ("no" and "yes" are quoted)."""
    return key if _scalar(key) == key else _scalar(key)


def _describe(schema: dict[str, Any], required: bool, note: str = "") -> str:
    """The Chinese comment for a field: its title, unit, whether required, the shape or choices."""
    extra = []
    if schema.get("x-unit"):
        extra.append(str(schema["x-unit"]))
    extra.append("必填" if required else "选填")
    if schema.get("format") == "date":
        extra.append("YYYY-MM-DD")
    text = str(schema.get("title") or "") + "（" + "，".join(extra) + "）"
    if note:
        text += "：" + note
    if "enum" in schema:
        text += "；可选 " + "、".join(str(v) for v in schema["enum"])
    if schema.get("x-hint"):
        text += "；" + str(schema["x-hint"]).rstrip("。")
    return text


def _carried(schema: dict[str, Any], value: Any) -> bool:
    """Values that stay from one period to the next: a name, a phone, a head count; not amounts,
    dates, choices or sentences (an opinion or a summary is written anew each time)."""
    if schema.get("format") == "date" or "enum" in schema:
        return False
    if schema.get("type") == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return schema.get("type") == "string" and isinstance(value, str) and len(value) <= 20 and not _SENTENCE.search(value)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SENTENCE = re.compile(r"[。，；：！？,;]")


class _Writer:
    """The front matter's lines: each field with its comment; optional parts commented out whole."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def field(self, indent: str, key: str, schema: dict[str, Any], required: bool, value: Any = None,
              note: str = "", *, previous: Any = None, carry: bool = False, optional_block: bool = False) -> None:
        """One field (and, for tables and groups, its parts) with its comment."""
        key = _key(key)
        kind = schema.get("type")
        ask = "" if optional_block else f"{FILL} "
        if kind == "object" and "properties" in schema:
            self.lines.append(f"{indent}{key}:  # {_describe(schema, required, note)}")
            self.properties(indent + "  ", schema, previous if isinstance(previous, dict) else {},
                            carry=carry, optional_block=optional_block)
        elif kind == "array" and isinstance(schema.get("items"), dict) and schema["items"].get("type") == "object":
            self.lines.append(f"{indent}{key}:  # {_describe(schema, required, '每项一行（以 - 开头），可增删')}")
            self.properties(indent + "  ", schema["items"], {}, optional_block=optional_block, first_dash=True)
        elif value is not None:
            self.lines.append(f"{indent}{key}: {_scalar(value)}  # {_describe(schema, required, note)}")
        elif carry and _carried(schema, previous):
            self.lines.append(f"{indent}{key}: {_scalar(previous)}  # {_describe(schema, required, '已按上期填入，如有变化请修改')}")
        elif kind == "array":
            self.lines.append(f"{indent}{key}: []  # {ask}{_describe(schema, required)}")
        else:
            self.lines.append(f"{indent}{key}:  # {ask}{_describe(schema, required)}")

    def properties(self, indent: str, schema: dict[str, Any], previous: dict[str, Any], *, carry: bool = False,
                   first_dash: bool = False, values: dict[str, tuple[Any, str]] | None = None,
                   optional_block: bool = False) -> None:
        """Every property of an object schema, required first, in the schema's order."""
        props = schema.get("properties") or {}
        required = [k for k in schema.get("required") or [] if k in props]
        optional = [k for k in props if k not in required]
        values = values or {}
        for n, key in enumerate(required + optional):
            is_required = key in required
            value, note = values.get(key, (None, ""))
            known = value is not None or (carry and _carried(props[key], previous.get(key)))
            out_of_use = not optional_block and not is_required and not known
            sub = _Writer()
            sub.field(indent, key, props[key], is_required, value, note, previous=previous.get(key), carry=carry,
                      optional_block=optional_block or out_of_use)
            if first_dash and n == 0:
                sub.lines[0] = indent[:-2] + "- " + sub.lines[0][len(indent):]
            # An optional field nobody knows yet is offered commented out, with all its parts.
            self.lines += ["# " + line for line in sub.lines] if out_of_use else sub.lines


def scaffold(project: Project, unit_name: str, item_id: str, period: str | None = None,
             today: dt.date | None = None) -> Scaffold:
    """The new record for a unit and an item (and a period, for periodic items); ScaffoldError when it cannot be."""
    today = today or dt.datetime.now(CHINA).date()
    unit = find_unit(project, unit_name)
    item = find_item(project, unit, item_id)
    periodic = item.period in PERIOD_SHAPES
    if period and not periodic:
        raise ScaffoldError(f"「{item.name}」不按期公开，不需要 --period")
    # (periods.py's shapes let \d match ２; a period is ASCII, as the schema says)
    if period and periodic and not (period.isascii() and PERIOD_SHAPES[item.period][0].match(period)):
        raise ScaffoldError(
            f"「{item.name}」{PERIOD_KIND_ZH[item.period]}公开，期间应写成 {PERIOD_SHAPES[item.period][1]} 的样子，而不是「{period}」"
        )
    prev = previous_record(project, unit, item, before=period)
    if periodic and not period:
        prev_period = str(prev.meta.get("period") or "") if prev else ""
        period = next_period(prev_period, item.period) if prev_period else current_period(item.period, today)
    folder = f"content/{item.category}/{unit.county}/{unit.id}"
    stem = f"{item.id}-{period}" if periodic else f"{item.id}-{today.isoformat()}"
    if periodic:
        same = [r.path for r in project.records if r.county == unit.county and r.unit == unit.id
                and r.meta.get("catalogue") == item.id and str(r.meta.get("period")) == period]
        if same:
            raise ScaffoldError(f"{unit.name}已有{period_zh(period)}的「{item.name}」：{same[0]}；请修改那个文件，或用 --period 指定其他期间")
    path = f"{folder}/{stem}.md"
    n = 2
    while (project.root / path).exists():
        path = f"{folder}/{stem}-{n}.md"
        n += 1
    return Scaffold(path, _text(project, unit, item, period if periodic else None, prev, today))


def _text(project: Project, unit: Unit, item: CatalogueItem, period: str | None, prev: Record | None, today: dt.date) -> str:
    common = project.record_schema
    props = common.get("properties") or {}
    w = _Writer()
    w.lines += [
        "---",
        f"# {CATEGORIES[item.category]} · {item.name} · {unit.name}（由 python build.py new 生成）",
        f"# 标有「{FILL}」的项目必须填写；以 # 开头的是选填项目，需要时去掉 # 再填写。",
        "# 填好后运行 python build.py check 检查；正文写在最后一行 --- 的下面。",
    ]
    title = f"{unit.name}{period_zh(period) if period else ''}{item.name}"
    w.field("", "catalogue", {**props["catalogue"], "x-hint": ""}, True, item.id, "不要修改")
    w.field("", "title", props["title"], True, title, "已按单位和期间拟好，可以修改")
    w.field("", "published", props["published"], True, today.isoformat(), "公开当天的日期")
    if period:
        w.field("", "period", {**props["period"], "x-hint": ""}, True, period, f"{PERIOD_KIND_ZH[item.period]}公开，"
            + (f"上一期是 {prev.meta.get('period')}" if prev else "这是第一期"))
    values: dict[str, tuple[Any, str]] = {}
    item_props = item.schema.get("properties") or {}
    previous = dict(prev.meta) if prev else {}
    if "opening_balance" in item_props and isinstance(previous.get("closing_balance"), (int, float)):
        values["opening_balance"] = (previous["closing_balance"], f"已按上期（{previous.get('period')}）期末余额填入")
    for key, schema in item_props.items():
        if "电话" in str(schema.get("title", "")):
            phone = previous.get(key) if isinstance(previous.get(key), str) else _unit_phone(project, unit, key)
            if phone:
                values[key] = (phone, "已按本单位以往记录填入，如有变化请修改")
    w.properties("", item.schema, previous, carry=item.period != "none", values=values)
    for key in OPTIONAL_COMMON:
        if key in props:
            sub = _Writer()
            sub.field("", key, props[key], False, optional_block=True)
            w.lines += ["# " + line for line in sub.lines]
    w.lines += ["---", ""]
    return "\n".join(w.lines)


def _unit_phone(project: Project, unit: Unit, key: str) -> str | None:
    """A phone field as the unit's latest record of any item gave it."""
    found = [r for r in project.records if r.county == unit.county and r.unit == unit.id and isinstance(r.meta.get(key), str)]
    return max(found, key=lambda r: r.published).meta[key] if found else None


def write(project: Project, unit_name: str, item_id: str, period: str | None = None) -> Path:
    """Write the new record; returns its path. Never overwrites a file."""
    made = scaffold(project, unit_name, item_id, period)
    path = project.root / made.path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:
        out.write(made.text)
    return path
