"""Open data: a record's tables and a list of records as CSV and JSON files a citizen downloads.

Values are the record's own (numbers stay numbers: a JSON number, an unquoted CSV field),
never the page's formatted text; what is masked stays masked, because every value passes
through the same masking as the pages' 修订记录 (pii.mask_value), so a number that slipped
past the check (a `build --as-of` of an old commit) does not reach a download either.
CSV files start with a UTF-8 byte order mark: without it Excel, which most county offices
and citizens open CSV with, reads Chinese as mojibake.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

from . import pii

BOM = "\ufeff"

# A list of records as a table: (JSON key, CSV column).
LIST_COLUMNS = (
    ("index_no", "索引号"),
    ("title", "标题"),
    ("unit", "发布机构"),
    ("category", "公开类别"),
    ("item", "公开事项"),
    ("period", "所属期间"),
    ("published", "发布日期"),
    ("doc_number", "文号"),
    ("validity", "有效性"),
    ("url", "网址"),
)


def _props(schema: Any) -> dict[str, Any]:
    return (schema.get("properties") or {}) if isinstance(schema, dict) else {}


def _title(schema: Any, key: str) -> str:
    return str(schema.get("title") or key) if isinstance(schema, dict) else str(key)


def _is_row(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(not isinstance(v, (dict, list)) for v in value.values())


def _is_row_table(value: Any) -> bool:
    """An object whose leaves are rows of scalars (the annual report's tables), as render.py draws it."""
    if not isinstance(value, dict) or not value:
        return False
    return all(_is_row(v) or _is_row_table(v) for v in value.values()) and any(isinstance(v, dict) for v in value.values())


def scalar(value: Any) -> Any:
    """A cell's value: numbers and text as they are, dates as YYYY-MM-DD, lists joined with 、."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(str(scalar(v)) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{scalar(v)}" for k, v in value.items())
    return str(value)


def _flat_row(row: dict[str, Any], schema: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], tuple[str, Any]]:
    """A row with nested objects spread into columns (a flowchart step's risk.level): path -> (title, value)."""
    props = _props(schema)
    out: dict[tuple[str, ...], tuple[str, Any]] = {}
    for k, v in row.items():
        title = _title(props.get(k), k)
        if isinstance(v, dict) and v:
            for path, (sub, value) in _flat_row(v, props.get(k), (*prefix, str(k))).items():
                out[path] = (f"{title}·{sub}", value)
        else:
            out[(*prefix, str(k))] = (title, scalar(v))
    return out


def _ordered(keys: list[Any], schema: Any) -> list[Any]:
    props = list(_props(schema))
    return [k for k in props if k in keys] + [k for k in keys if k not in props]


def _list_table(key: str, rows: list[dict[str, Any]], schema: Any) -> dict[str, Any]:
    item_schema = schema.get("items", {}) if isinstance(schema, dict) else {}
    flat = [_flat_row(r, item_schema) for r in rows]
    titles: dict[tuple[str, ...], str] = {}
    for f in flat:
        for p, (t, _) in f.items():
            titles.setdefault(p, t)
    # The schema's order of top-level keys first, then what the rows add, in the order first seen.
    rank = {k: i for i, k in enumerate(_props(item_schema))}
    seen = list(titles)
    paths = sorted(seen, key=lambda p: (rank.get(p[0], len(rank)), seen.index(p)))
    return {
        "key": key,
        "title": _title(schema, key),
        "columns": [titles[p] for p in paths],
        "rows": [[f[p][1] if p in f else None for p in paths] for f in flat],
    }


def _matrix(key: str, value: dict[str, Any], schema: Any) -> dict[str, Any]:
    """A row table as one row per leaf, labelled with its path of headings (一、… / 1. …)."""
    rows: list[tuple[list[str], dict[str, Any], Any]] = []

    def walk(node: dict[str, Any], sch: Any, labels: list[str]) -> None:
        props = _props(sch)
        for k in _ordered(list(node), sch):
            v = node[k]
            label = [*labels, _title(props.get(k), k)]
            if _is_row(v):
                rows.append((label, v, props.get(k)))
            elif isinstance(v, dict):
                walk(v, props.get(k), label)

    walk(value, schema, [])
    columns: list[Any] = []
    for _, row, row_schema in rows:
        for k in _ordered(list(row), row_schema):
            if k not in columns:
                columns.append(k)
    first_schema = rows[0][2] if rows else None
    titles = [_title(_props(first_schema).get(c), c) for c in columns]
    return {
        "key": key,
        "title": _title(schema, key),
        "columns": ["项目", *titles],
        "rows": [[" / ".join(label), *(scalar(row.get(c)) for c in columns)] for label, row, _ in rows],
    }


def has_tables(fields: dict[str, Any]) -> bool:
    """Whether a record's fields hold a table (a list of rows, or a row table), at any depth."""
    return any(
        (isinstance(v, list) and v and all(isinstance(x, dict) for x in v)) or _is_row_table(v) or (isinstance(v, dict) and has_tables(v))
        for v in fields.values()
    )


def record_data(fields: dict[str, Any], schema: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    """A record's own fields as JSON holds them, and its tables: both masked (pii.mask_value)."""
    masked = pii.mask_value(fields)
    return plain(masked), record_tables(masked, schema)


def record_tables(fields: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The tables in (already masked) fields: lists of rows and row tables, each {key, title, columns, rows}."""
    props = _props(schema)
    tables = []
    for key in _ordered(list(fields), schema):
        value, sch = fields[key], props.get(key, {})
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append(_list_table(str(key), value, sch))
        elif _is_row_table(value):
            t = _matrix(str(key), value, sch)
            if t["rows"]:
                tables.append(t)
        elif isinstance(value, dict):
            for t in record_tables(value, sch):
                t["key"] = f"{key}.{t['key']}"
                tables.append(t)
    return tables


def plain(value: Any) -> Any:
    """A parsed (and masked) YAML value as JSON can hold it: dates as YYYY-MM-DD."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# A text cell Excel or WPS would read as a formula when the CSV is opened: =HYPERLINK(…)
# in a title sends whoever clicks it elsewhere, and some formulas run commands. Such a cell
# starts with ' (OWASP's advice), which the spreadsheet shows as text and the JSON never has.
_FORMULA = re.compile(r"[=@\t\r]|[+-](?![\d.,]*$)")


def _csv_cell(c: Any) -> Any:
    """A value as a CSV cell: None empty, booleans 是/否 as the page shows them, a text a
    spreadsheet would take for a formula kept as text."""
    if c is None:
        return ""
    if isinstance(c, bool):
        return "是" if c else "否"
    if isinstance(c, str) and _FORMULA.match(c):
        return "'" + c
    return c


def csv_bytes(columns: list[str], rows: list[list[Any]]) -> bytes:
    """A table as CSV, UTF-8 with BOM; text quoted, numbers not (csv.QUOTE_NONNUMERIC)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([_csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(c) for c in row])
    return (BOM + out.getvalue()).encode("utf-8")


def json_bytes(data: Any) -> bytes:
    """JSON as UTF-8 (Chinese as it is, not \\u escapes), the same bytes each build.

    Compact, without indentation: json only uses its C encoder then (measured: indenting
    made the downloads a quarter of the pages stage)."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def list_csv(entries: list[dict[str, Any]]) -> bytes:
    """A list of records (LIST_COLUMNS) as CSV."""
    return csv_bytes([zh for _, zh in LIST_COLUMNS], [[e.get(key, "") for key, _ in LIST_COLUMNS] for e in entries])


def list_rows(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each record of list downloads as its CSV line and its JSON text, made once for the
    several lists it is in (list_files): a county's list, its unit's and its item's each
    encoded it again, a tenth of a one-record build's page stage."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    rows = []
    for e in entries:
        out.seek(0)
        out.truncate()
        writer.writerow([_csv_cell(e.get(key, "")) for key, _ in LIST_COLUMNS])
        rows.append((out.getvalue(), json.dumps(e, ensure_ascii=False, separators=(",", ":"))))
    return rows


def list_files(title: str, rows: list[tuple[str, str]]) -> tuple[bytes, bytes]:
    """A list download as CSV and JSON from its records' list_rows: the bytes of
    list_csv(entries) and json_bytes({"title": title, "count": …, "records": entries})."""
    header = io.StringIO()
    csv.writer(header, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n").writerow([zh for _, zh in LIST_COLUMNS])
    text = "".join([BOM, header.getvalue(), *(line for line, _ in rows)])
    data = "".join(['{"title":', json.dumps(title, ensure_ascii=False), ',"count":', str(len(rows)), ',"records":[',
                    ",".join(item for _, item in rows), "]}\n"])
    return text.encode("utf-8"), data.encode("utf-8")
