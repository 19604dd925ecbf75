"""A record's structured fields as data for theme/gk/fields.html, and flowcharts as SVG.

Values are plain text: the template escapes them. The one piece of markup made here is
the flowchart, drawn at build time as SVG with every value escaped.
The schema decides order, column titles, units (`x-unit`), totals (`x-sum`) and
flowcharts (`x-display: flowchart`), so a new catalogue item needs no new code.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from markupsafe import Markup

RISK_COLOURS = {"高": ("#fdecea", "#c62828"), "中": ("#fff4e0", "#bf360c"), "低": ("#e8f5e9", "#2e7d32")}
NO_RISK = ("#f5f5f5", "#757575")


def _props(schema: Any) -> dict[str, Any]:
    return (schema.get("properties") or {}) if isinstance(schema, dict) else {}


def _title(schema: Any, key: str) -> str:
    return str(schema.get("title") or key) if isinstance(schema, dict) else key


def value_text(value: Any, schema: Any = None) -> str:
    """One value as text (not yet escaped), with its unit; lists joined with 、."""
    unit = schema.get("x-unit", "") if isinstance(schema, dict) else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) or (isinstance(value, int) and unit in ("元", "万元")):
        text = _number(value, unit)
    elif isinstance(value, list):
        item_schema = schema.get("items") if isinstance(schema, dict) else None
        return "、".join(value_text(v, item_schema) for v in value)
    elif isinstance(value, dict):
        props = _props(schema)
        return "；".join(f"{_title(props.get(k), k)}：{value_text(v, props.get(k))}" for k, v in value.items())
    else:
        text = str(value)
    return text + (unit if unit and text else "")


def align(schema: Any) -> str:
    """How a column or field is laid out: "num" (a number or amount: right-aligned, never
    broken), "date" (never broken) or "" (text)."""
    if not isinstance(schema, dict):
        return ""
    if schema.get("type") in ("number", "integer"):
        return "num"
    if schema.get("format") in ("date", "date-time"):
        return "date"
    return ""


def _number(value: Any, unit: str) -> str:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if unit in ("元", "万元") or d != d.to_integral_value():
        return f"{d:,.2f}"
    return f"{int(d):,}"


def _ordered(data: dict[str, Any], schema: Any) -> list[str]:
    props = list(_props(schema))
    return [k for k in props if k in data] + [k for k in data if k not in props]


def _is_row(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(not isinstance(v, (dict, list)) for v in value.values())


def _is_row_table(value: Any) -> bool:
    """An object whose descendants end in rows of scalars (the annual report's tables)."""
    if not isinstance(value, dict) or not value:
        return False
    return all(_is_row(v) or _is_row_table(v) for v in value.values()) and any(
        isinstance(v, dict) for v in value.values()
    )


def _table(rows: list[dict[str, Any]], schema: Any) -> dict[str, Any]:
    item_schema = schema.get("items", {}) if isinstance(schema, dict) else {}
    props = _props(item_schema)
    columns = list(props) or []
    for row in rows:
        for k in row if isinstance(row, dict) else ():
            if k not in columns:
                columns.append(k)
    body = []
    for row in rows:
        row = row if isinstance(row, dict) else {"": row}
        body.append([value_text(row.get(c), props.get(c)) for c in columns])
    sums = [c for c in columns if isinstance(props.get(c), dict) and props[c].get("x-sum")]
    total: list[str] | None = None
    if sums:
        total = []
        for i, c in enumerate(columns):
            if c in sums:
                t = sum((Decimal(str(r.get(c) or 0)) for r in rows if isinstance(r, dict)), Decimal(0))
                exact = float(t) if t != int(t) or props[c].get("x-unit") in ("元", "万元") else int(t)
                total.append(value_text(exact, props[c]))
            else:
                total.append("合计" if i == 0 else "")
    return {
        "columns": [_title(props.get(c), c) for c in columns],
        "align": [align(props.get(c)) for c in columns],
        "rows": body,
        "total": total,
    }


def _row_table(value: dict[str, Any], schema: Any) -> dict[str, Any] | None:
    rows: list[tuple[int, str, dict[str, Any] | None, Any]] = []

    def walk(node: dict[str, Any], sch: Any, depth: int) -> None:
        props = _props(sch)
        for k in _ordered(node, sch):
            v = node[k]
            if _is_row(v):
                rows.append((depth, _title(props.get(k), k), v, props.get(k)))
            elif isinstance(v, dict):
                rows.append((depth, _title(props.get(k), k), None, None))
                walk(v, props.get(k), depth + 1)

    walk(value, schema, 0)
    first = next((r for r in rows if r[2] is not None), None)
    if first is None:
        return None
    col_schema = first[3]
    columns = _ordered(first[2] or {}, col_schema)
    col_props = _props(col_schema)
    body = []
    for depth, label, row, row_schema in rows:
        props = _props(row_schema)
        body.append({
            "indent": f"{0.6 + depth * 1.2:.1f}em",
            "label": label,
            "cells": None if row is None else [value_text(row.get(c), props.get(c)) for c in columns],
        })
    return {
        "columns": [_title(col_props.get(c), c) for c in columns],
        "align": [align(col_props.get(c)) for c in columns],
        "rows": body,
    }


def render_fields(fields: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """All of a record's own fields as sections for theme/gk/fields.html: the scalars in
    one table first, then one section per list, table, flowchart, text or nested object.

    Each section is {"kind", "title", ...}: kind "fields" (rows of label and text),
    "flowchart" (svg, risks), "table" (columns, rows, total), "matrix" (columns, rows of
    indent, label and cells), "text" (paragraphs) or "group" (sections). "fields", "table"
    and "matrix" also carry "align": per row or column, what align() says of it."""
    props = _props(schema)
    simple, aligns, sections = [], [], []
    for key in _ordered(fields, schema):
        value, sch = fields[key], props.get(key, {})
        title = _title(sch, key)
        if isinstance(sch, dict) and sch.get("x-display") == "flowchart" and isinstance(value, list):
            sections.append({"kind": "flowchart", "title": title, "svg": flowchart(value), "legend": RISK_COLOURS, "risks": risk_table(value)})
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            sections.append({"kind": "table", "title": title, **_table(value, sch)})
        elif _is_row_table(value):
            matrix = _row_table(value, sch)
            sections.append({"kind": "matrix", "title": title, **matrix} if matrix else {"kind": "group", "title": title, "sections": []})
        elif isinstance(value, dict):
            sections.append({"kind": "group", "title": title, "sections": render_fields(value, sch)})
        elif isinstance(value, str) and "\n" in value.strip():
            paragraphs = [p for p in value.strip().split("\n") if p.strip()]
            sections.append({"kind": "text", "title": title, "paragraphs": paragraphs})
        else:
            simple.append((title, value_text(value, sch)))
            aligns.append(align(sch))
    return ([{"kind": "fields", "rows": simple, "align": aligns}] if simple else []) + sections


# The flowchart's geometry, in SVG units. It is drawn 350 units wide and shown at most at
# that size (1 unit = 1 px on a desktop); on a 375 px phone the column is about 343 px, so
# the smallest text (15 units) is still at least 12 px. Long names wrap inside the box
# instead of being cut off or shrinking.
FLOW_LEFT, FLOW_BOX_W, FLOW_GAP, FLOW_WIDTH = 30, 250, 30, 350
FLOW_NAME, FLOW_DETAIL, FLOW_PAD = 16, 15, 10
FLOW_MAX_LINES = 3


def _text_lines(text: str, size: int, width: int = FLOW_BOX_W - 2 * 12) -> list[str]:
    """Text cut into lines that fit width at a font size (a Chinese character is one em
    wide, other characters about half); at most FLOW_MAX_LINES, the last one ending in …"""
    lines, line, used = [], "", 0.0
    for ch in text:
        w = size if ord(ch) > 0x2E80 else size * 0.6
        if line and used + w > width:
            lines.append(line)
            line, used = "", 0.0
        if not line and lines and ch.isspace():
            continue  # a wrapped line does not start with the space it was cut at
        line += ch
        used += w
    lines.append(line)
    if len(lines) > FLOW_MAX_LINES:
        lines = lines[:FLOW_MAX_LINES]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def flowchart(steps: list[dict[str, Any]]) -> Markup:
    """权力运行流程图 drawn at build time as inline SVG: no script, nothing from outside;
    every value in it escaped here, so the template may print it as it is."""
    left, box_w, gap, width = FLOW_LEFT, FLOW_BOX_W, FLOW_GAP, FLOW_WIDTH
    boxes = []  # per step: top, height, name lines, detail lines
    y = gap
    for i, step in enumerate(steps):
        name = _text_lines(f"{step.get('no', i + 1)}. {step.get('name', '')}", FLOW_NAME)
        detail_text = "　".join(x for x in (str(step.get("actor") or ""), str(step.get("time_limit") or "")) if x)
        detail = _text_lines(detail_text, FLOW_DETAIL) if detail_text else []
        height = 2 * FLOW_PAD + len(name) * (FLOW_NAME + 5) + len(detail) * (FLOW_DETAIL + 5)
        boxes.append((y, max(height, 56), name, detail))
        y += max(height, 56) + gap
    height = y
    parts = [
        f'<svg class="gk-flow" role="img" aria-label="权力运行流程图" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg">',
        '<defs><marker id="gk-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#546e7a"/></marker></defs>',
    ]
    index = {s.get("no"): i for i, s in enumerate(steps)}

    for i, step in enumerate(steps):
        risk = step.get("risk") or {}
        fill, stroke = RISK_COLOURS.get(str(risk.get("level")), NO_RISK)
        y, box_h, name, detail = boxes[i]
        parts.append(
            f'<rect x="{left}" y="{y}" width="{box_w}" height="{box_h}" rx="8" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        )
        base = y + FLOW_PAD
        for line in name:
            base += FLOW_NAME + 5
            parts.append(f'<text x="{left + 12}" y="{base - 4}" font-size="{FLOW_NAME}" font-weight="bold" fill="#263238">{escape(line)}</text>')
        for line in detail:
            base += FLOW_DETAIL + 5
            parts.append(f'<text x="{left + 12}" y="{base - 4}" font-size="{FLOW_DETAIL}" fill="#37474f">{escape(line)}</text>')
        if risk.get("level"):
            cx, cy = left + box_w + 40, y + box_h / 2
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="18" fill="{stroke}"/>')
            parts.append(
                f'<text x="{cx}" y="{cy + 6}" font-size="16" text-anchor="middle" fill="#fff">{escape(str(risk["level"]))}</text>'
            )
            parts.append(f'<line x1="{left + box_w}" y1="{cy}" x2="{cx - 18}" y2="{cy}" stroke="{stroke}" stroke-dasharray="4 3"/>')
        targets = step.get("next")
        if targets is None:
            targets = [step.get("no", i + 1) + 1] if i + 1 < len(steps) and isinstance(step.get("no", i + 1), int) else []
        for t in targets:
            j = index.get(t)
            if j is None:
                continue
            if j == i + 1:
                x = left + box_w / 2
                parts.append(
                    f'<line x1="{x}" y1="{y + box_h}" x2="{x}" y2="{boxes[j][0] - 2}" stroke="#546e7a" stroke-width="2" marker-end="url(#gk-arrow)"/>'
                )
            else:  # a jump (back to an earlier step, or past the next): route along the left edge
                x0 = left - 12 - 6 * (i % 3)
                y0, y1 = y + box_h / 2, boxes[j][0] + boxes[j][1] / 2
                parts.append(
                    f'<polyline points="{left},{y0} {x0},{y0} {x0},{y1} {left - 2},{y1}" fill="none" stroke="#546e7a" '
                    f'stroke-width="1.5" stroke-dasharray="5 3" marker-end="url(#gk-arrow)"/>'
                )
    parts.append("</svg>")
    return Markup("".join(parts))


def risk_table(steps: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The steps with their 廉政风险点, 风险等级 and 防控措施, shown beneath the flowchart."""
    rows = []
    for i, step in enumerate(steps):
        risk = step.get("risk") or {}
        rows.append({
            "no": str(step.get("no", i + 1)),
            "name": str(step.get("name", "")),
            "actor": str(step.get("actor") or ""),
            "time_limit": str(step.get("time_limit") or ""),
            "point": str(risk.get("point") or ""),
            "level": str(risk.get("level") or ""),
            "measure": str(risk.get("measure") or ""),
        })
    return rows
