"""A record's structured fields as HTML: tables driven by the item's schema, and flowcharts.

Everything a unit wrote is escaped here; nothing from a record reaches the page as markup.
The schema decides order, column titles, units (`x-unit`), totals (`x-sum`) and
flowcharts (`x-display: flowchart`), so a new catalogue item needs no new code.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

RISK_COLOURS = {"高": ("#fdecea", "#c62828"), "中": ("#fff4e0", "#e65100"), "低": ("#e8f5e9", "#2e7d32")}
NO_RISK = ("#f5f5f5", "#757575")


def _props(schema: Any) -> dict[str, Any]:
    return (schema.get("properties") or {}) if isinstance(schema, dict) else {}


def _title(schema: Any, key: str) -> str:
    return str(schema.get("title") or key) if isinstance(schema, dict) else key


def value_text(value: Any, schema: Any = None) -> str:
    """One value as escaped text, with its unit; lists joined with 、."""
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
        return "；".join(f"{escape(_title(props.get(k), k))}：{value_text(v, props.get(k))}" for k, v in value.items())
    else:
        text = str(value)
    return escape(text) + (escape(unit) if unit and text else "")


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


def _table(rows: list[dict[str, Any]], schema: Any) -> str:
    item_schema = schema.get("items", {}) if isinstance(schema, dict) else {}
    props = _props(item_schema)
    columns = list(props) or []
    for row in rows:
        for k in row if isinstance(row, dict) else ():
            if k not in columns:
                columns.append(k)
    head = "".join(f"<th>{escape(_title(props.get(c), c))}</th>" for c in columns)
    body = []
    for row in rows:
        row = row if isinstance(row, dict) else {"": row}
        cells = "".join(f"<td>{value_text(row.get(c), props.get(c))}</td>" for c in columns)
        body.append(f"<tr>{cells}</tr>")
    sums = [c for c in columns if isinstance(props.get(c), dict) and props[c].get("x-sum")]
    if sums:
        cells = []
        for i, c in enumerate(columns):
            if c in sums:
                total = sum((Decimal(str(r.get(c) or 0)) for r in rows if isinstance(r, dict)), Decimal(0))
                cells.append(f"<td><strong>{value_text(float(total) if total != int(total) or props[c].get('x-unit') in ('元', '万元') else int(total), props[c])}</strong></td>")
            else:
                cells.append("<td><strong>合计</strong></td>" if i == 0 else "<td></td>")
        body.append(f'<tr class="gk-total">{"".join(cells)}</tr>')
    return f'<table class="gk-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _row_table(value: dict[str, Any], schema: Any) -> str:
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
        return ""
    col_schema = first[3]
    columns = _ordered(first[2] or {}, col_schema)
    col_props = _props(col_schema)
    head = "<th></th>" + "".join(f"<th>{escape(_title(col_props.get(c), c))}</th>" for c in columns)
    body = []
    for depth, label, row, row_schema in rows:
        pad = f' style="padding-left:{0.6 + depth * 1.2:.1f}em"'
        if row is None:
            body.append(f'<tr class="gk-group"><th{pad} colspan="{len(columns) + 1}">{escape(label)}</th></tr>')
        else:
            props = _props(row_schema)
            cells = "".join(f"<td>{value_text(row.get(c), props.get(c))}</td>" for c in columns)
            body.append(f"<tr><th{pad}>{escape(label)}</th>{cells}</tr>")
    return f'<table class="gk-table gk-matrix"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def render_fields(fields: dict[str, Any], schema: dict[str, Any]) -> str:
    """All of a record's own fields: scalars in one table, then one section per list or table."""
    props = _props(schema)
    simple, sections = [], []
    for key in _ordered(fields, schema):
        value, sch = fields[key], props.get(key, {})
        title = escape(_title(sch, key))
        if isinstance(sch, dict) and sch.get("x-display") == "flowchart" and isinstance(value, list):
            sections.append(f"<h2>{title}</h2>{flowchart(value)}{risk_table(value)}")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            sections.append(f"<h2>{title}</h2>{_table(value, sch)}")
        elif _is_row_table(value):
            sections.append(f"<h2>{title}</h2>{_row_table(value, sch)}")
        elif isinstance(value, dict):
            inner = render_fields(value, sch)
            sections.append(f"<h2>{title}</h2>{inner}")
        elif isinstance(value, str) and "\n" in value.strip():
            paragraphs = "".join(f"<p>{escape(p)}</p>" for p in value.strip().split("\n") if p.strip())
            sections.append(f"<h2>{title}</h2>{paragraphs}")
        else:
            simple.append(f"<tr><th>{title}</th><td>{value_text(value, sch)}</td></tr>")
    table = f'<table class="gk-fields"><tbody>{"".join(simple)}</tbody></table>' if simple else ""
    return table + "".join(sections)


def _lines(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)][:2] or [""]


def flowchart(steps: list[dict[str, Any]]) -> str:
    """权力运行流程图 drawn at build time as inline SVG: no script, nothing from outside."""
    box_w, box_h, gap, left = 380, 64, 34, 40
    width = left + box_w + 120
    height = gap + len(steps) * (box_h + gap)
    parts = [
        f'<svg class="gk-flow" role="img" aria-label="权力运行流程图" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg">',
        '<defs><marker id="gk-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#546e7a"/></marker></defs>',
    ]
    index = {s.get("no"): i for i, s in enumerate(steps)}

    def top(i: int) -> int:
        return gap + i * (box_h + gap)

    for i, step in enumerate(steps):
        risk = step.get("risk") or {}
        fill, stroke = RISK_COLOURS.get(str(risk.get("level")), NO_RISK)
        y = top(i)
        parts.append(
            f'<rect x="{left}" y="{y}" width="{box_w}" height="{box_h}" rx="8" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        )
        name = f"{step.get('no', i + 1)}. {step.get('name', '')}"
        parts.append(f'<text x="{left + 14}" y="{y + 26}" font-size="17" font-weight="bold" fill="#263238">{escape(name[:22])}</text>')
        detail = "　".join(x for x in (str(step.get("actor") or ""), str(step.get("time_limit") or "")) if x)
        parts.append(f'<text x="{left + 14}" y="{y + 50}" font-size="13" fill="#455a64">{escape(detail[:30])}</text>')
        if risk.get("level"):
            cx, cy = left + box_w + 34, y + box_h / 2
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="20" fill="{stroke}"/>')
            parts.append(
                f'<text x="{cx}" y="{cy + 6}" font-size="16" text-anchor="middle" fill="#fff">{escape(str(risk["level"]))}</text>'
            )
            parts.append(f'<line x1="{left + box_w}" y1="{cy}" x2="{cx - 20}" y2="{cy}" stroke="{stroke}" stroke-dasharray="4 3"/>')
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
                    f'<line x1="{x}" y1="{y + box_h}" x2="{x}" y2="{top(j) - 2}" stroke="#546e7a" stroke-width="2" marker-end="url(#gk-arrow)"/>'
                )
            else:  # a jump (back to an earlier step, or past the next): route along the left edge
                x0 = left - 12 - 6 * (i % 3)
                y0, y1 = y + box_h / 2, top(j) + box_h / 2
                parts.append(
                    f'<polyline points="{left},{y0} {x0},{y0} {x0},{y1} {left - 2},{y1}" fill="none" stroke="#546e7a" '
                    f'stroke-width="1.5" stroke-dasharray="5 3" marker-end="url(#gk-arrow)"/>'
                )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="gk-risk gk-risk-{lvl}" style="border-color:{c[1]};background:{c[0]}">{lvl}风险</span>'
        for lvl, c in RISK_COLOURS.items()
    )
    return f'<figure class="gk-flowchart">{"".join(parts)}<figcaption>图例：{legend}</figcaption></figure>'


def risk_table(steps: list[dict[str, Any]]) -> str:
    """The steps with their 廉政风险点, 风险等级 and 防控措施, beneath the flowchart."""
    rows = []
    for i, step in enumerate(steps):
        risk = step.get("risk") or {}
        level = str(risk.get("level") or "")
        badge = f'<span class="gk-risk gk-risk-{escape(level)}">{escape(level)}</span>' if level else "—"
        rows.append(
            "<tr>"
            f"<td>{escape(str(step.get('no', i + 1)))}</td>"
            f"<td>{escape(str(step.get('name', '')))}</td>"
            f"<td>{escape(str(step.get('actor') or ''))}</td>"
            f"<td>{escape(str(step.get('time_limit') or ''))}</td>"
            f"<td>{escape(str(risk.get('point') or ''))}</td>"
            f"<td>{badge}</td>"
            f"<td>{escape(str(risk.get('measure') or ''))}</td>"
            "</tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("序号", "环节", "承办", "时限", "廉政风险点", "风险等级", "防控措施"))
    return f'<table class="gk-table gk-risks"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
