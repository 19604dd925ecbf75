"""Fields named the way the form editor and the site label them, from the catalogues.

A finding's `field` is the key path a YAML editor sees (recipients[0].id_number); a clerk who
typed the record into the form editor knows the field by its catalogue title instead
(发放对象·第1行·身份证号码（…）). Both come from here: the editor's widget labels
(gongkai/editor.py), the change tables (gongkai/changes.py) and every finding about a record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .findings import Finding, Findings
from .schema import package_schema

SEPARATOR = "·"
_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def form_label(name: str, schema: Any) -> str:
    """A field's label in the form: its catalogue title, with the unit: 金额（元）."""
    if not isinstance(schema, dict):
        return name
    label = str(schema.get("title") or name)
    return f"{label}（{schema['x-unit']}）" if schema.get("x-unit") else label


def split_path(field: str) -> tuple:
    """recipients[0].id_number -> ("recipients", 0, "id_number"): the inverse of schema.field_path."""
    return tuple(int(m.group(1)) if m.group(1) is not None else m.group(2) for m in _PART.finditer(field))


def _properties(node: Any) -> dict[Any, Any]:
    """An object schema's properties; nothing for a schema too broken to have them."""
    props = node.get("properties") if isinstance(node, dict) else None
    return props if isinstance(props, dict) else {}


def labeller(schemas: list[Any], *, units: bool = False) -> Callable[[tuple], str]:
    """A function path -> Chinese label, trying each schema in turn (the record's common
    fields, then the item's own); a row is 第N行; a path no schema knows stays as it is."""

    def label(path: tuple) -> str:
        for schema in schemas:
            node: Any = schema
            found = []
            for part in path:
                if isinstance(part, int):
                    node = node.get("items", {}) if isinstance(node, dict) else {}
                    found.append(f"第{part + 1}行")
                    continue
                props = _properties(node)
                if part not in props:
                    # A key the schema does not know (a misspelt column): named as typed.
                    found.append(str(part))
                    node = {}
                    continue
                node = props[part]
                found.append(form_label(str(part), node) if units else str(node.get("title") or part) if isinstance(node, dict) else str(part))
            if path and path[0] in _properties(schema):
                return SEPARATOR.join(found)
        return ".".join(map(str, path))

    return label


def record_labeller(project: Any, category: str, meta: Any, *, units: bool = False) -> Callable[[tuple], str]:
    """The labeller of one record: the common fields' schema and its catalogue item's."""
    schemas: list[Any] = [project.record_schema if project else {}]
    cat = project.catalogues.get(category) if project else None
    item = cat.items.get(str(meta.get("catalogue"))) if cat and isinstance(meta, dict) else None
    if item:
        schemas.append(item.schema)
    return labeller(schemas, units=units)


def _file_labeller(project: Any, records: dict[str, Any], file: str) -> Callable[[tuple], str] | None:
    """The labeller of a file's fields: a record's from its catalogue, a settings file's from
    the package schema it obeys (gongkai/schemas/)."""
    record = records.get(file)
    if record is not None:
        return record_labeller(project, record.category, record.meta, units=True)
    if file == "content/site.yml":
        return labeller([package_schema("site")], units=True)
    if file.startswith("content/counties/") and file.endswith(".yml"):
        return labeller([package_schema("county")], units=True)
    if file.startswith("catalogues/") and file.endswith(".yml") and not file.startswith("catalogues/_"):
        return labeller([package_schema("catalogue")], units=True)
    return None


def name_fields(project: Any, findings: Iterable[Finding]) -> Findings:
    """The findings with each field named as the form and the site label it (the key path kept in `field`)."""
    records = {r.path: r for r in getattr(project, "records", [])}
    cache: dict[str, Callable[[tuple], str] | None] = {}
    # A record's label depends on its category, its catalogue item and the path alone: one
    # look-up per kind of finding, not per finding (66,000 findings at 100,000 records).
    named: dict[tuple, str] = {}
    out = Findings()
    for f in findings:
        if f.field and not f.label:
            record = records.get(f.file)
            if record is not None:
                meta = record.meta
                key: tuple = (record.category, str(meta.get("catalogue")) if isinstance(meta, dict) else None, f.field)
            else:
                key = (f.file, f.field)
            label = named.get(key)
            if label is None:
                if f.file not in cache:
                    cache[f.file] = _file_labeller(project, records, f.file)
                name = cache[f.file]
                path = split_path(f.field)
                label = named[key] = name(path) if name and path else ""
            if label and label != f.field:
                f = Finding(f.file, f.line, f.column, f.code, f.severity, f.field, f.message, f.hint, label)
        out.append(f)
    return out
