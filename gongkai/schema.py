"""JSON Schema validation whose errors a county clerk can read.

The validator is the `jsonschema` library; this module only (1) lets the schema decide
how a scalar is read (a code typed as `0374` stays "0374", a `no` meant as text stays
"no") and (2) turns each library error into a Finding with the field's Chinese title,
the line it stands on and a hint.
"""

from __future__ import annotations

import calendar
import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from .chars import INVISIBLE_RE, invisible_note
from .findings import ERROR, Findings
from .yamltext import Document

TYPE_ZH = {
    "string": "文字",
    "number": "数字",
    "integer": "整数",
    "boolean": "true 或 false",
    "array": "列表（每项以 - 开头）",
    "object": "字段组（下一级字段）",
    "null": "空值",
}

FORMAT_ZH = {"date": "日期（YYYY-MM-DD，例如 2013-12-01）"}
_DATE_SHAPE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def date_problem(text: str) -> str | None:
    """Why a date written as YYYY-MM-DD does not exist (2014年2月没有30日), or None."""
    m = _DATE_SHAPE.fullmatch(text)
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if year == 0:
        return "没有公元 0 年"
    if not 1 <= month <= 12:
        return f"没有{month}月（月份只能是 01 至 12）"
    if day == 0:
        return "日不能是 00（每月从 1 日开始）"
    if day > calendar.monthrange(year, month)[1]:
        leap = f"（{year}年不是闰年）" if month == 2 and day == 29 else ""
        return f"{year}年{month}月没有{day}日{leap}"
    return None

_FORMATS = FormatChecker()


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    # JSON Schema patterns are ECMA-262 regular expressions, where \d is 0-9 only. Python's
    # re lets \d match every decimal digit (２０１３, ٢٠١٣), so a period, 索引号 or phone
    # number in full-width digits would pass and then escape every check comparing text
    # (one record per period, 索引号 ownership).
    if validator.is_type(instance, "string") and not re.search(pattern, instance, re.ASCII):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = jsonschema.validators.extend(Draft202012Validator, {"pattern": _pattern})


def make_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a schema that is already known to be valid."""
    return _Validator(schema, format_checker=_FORMATS)


# The fast path. Most records pass, and jsonschema takes about a millisecond to say so; a
# validator compiled to Python code by fastjsonschema says it in microseconds. Only a
# record the compiled validator refuses goes to jsonschema, which writes the findings, so
# the findings are jsonschema's either way. That holds only if the compiled validator never
# passes what jsonschema refuses: it is used only for schemas made of the keywords below
# (it knows drafts 4 to 7, not 2020-12's own), enums and consts of text only (Python's ==
# takes True for 1), patterns read as ECMA-262 does (ASCII \d, as _pattern above) and
# formats checked by jsonschema's own format functions. tests/test_schema_fast.py holds
# both to the same answers.
FAST = True
_FAST_KEYWORDS = {
    "type", "title", "description", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "properties", "required",
    "additionalProperties", "items", "format", "enum", "const", "pattern", "minItems", "maxItems", "minLength", "maxLength",
    "if", "then", "else", "allOf", "anyOf", "oneOf", "not", "$schema", "$comment", "default", "examples",
}
_compiled: dict[int, tuple[Any, Any]] = {}  # id(schema) -> (schema, compiled validator or None)


def _fast_schema(schema: Any) -> Any:
    """The schema as fastjsonschema should read it, or None when it may not stand in for jsonschema."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        return None
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if not isinstance(key, str):
            return None
        if key.startswith("x-") or key in ("title", "description", "$comment", "default", "examples", "$schema"):
            continue  # annotations: nothing to check
        if key not in _FAST_KEYWORDS:
            return None
        if key == "properties":
            if not isinstance(value, dict):
                return None
            sub = {k: _fast_schema(v) for k, v in value.items()}
            if any(v is None for v in sub.values()) or not all(isinstance(k, str) for k in sub):
                return None
            out[key] = sub
        elif key in ("items", "additionalProperties", "if", "then", "else", "not"):
            sub = _fast_schema(value)
            if sub is None:
                return None
            out[key] = sub
        elif key in ("allOf", "anyOf", "oneOf"):
            subs = [_fast_schema(v) for v in value] if isinstance(value, list) else [None]
            if any(v is None for v in subs):
                return None
            out[key] = subs
        elif key == "enum":
            if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
                return None
            out[key] = value
        elif key == "const":
            if not isinstance(value, str):
                return None
            out[key] = value
        elif key == "pattern":
            if not isinstance(value, str) or "(?" in value:
                return None
            out[key] = "(?a)" + value
        elif key == "format":
            if value not in _FORMATS.checkers:
                return None
            out[key] = value
        elif key == "type":
            types = value if isinstance(value, list) else [value]
            if not all(t in TYPE_ZH for t in types):
                return None
            out[key] = value
        elif key == "required":
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                return None
            out[key] = value
        else:  # numbers and lengths
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            out[key] = value
    return out


def fast_validator(schema: Any) -> Any:
    """A compiled validator that stands in for jsonschema where it passes a value, or None."""
    if not FAST:
        return None
    found = _compiled.get(id(schema))
    if found is None or found[0] is not schema:
        compiled = None
        definition = _fast_schema(schema)
        if definition is not None:
            try:
                import fastjsonschema

                formats = {name: (lambda v, n=name: _FORMATS.conforms(v, n)) for name in _FORMATS.checkers}
                compiled = fastjsonschema.compile(definition, formats=formats, use_default=False)
            except Exception:  # a schema fastjsonschema cannot compile: jsonschema alone, as before
                compiled = None
        found = (schema, compiled)
        _compiled[id(schema)] = found
    return found[1]


def wide_digits(text: str) -> str:
    """The digits in text that are not ASCII 0-9 (full-width ２, Arabic-Indic ٢…), in order, once each."""
    return "".join(dict.fromkeys(c for c in text if c.isdecimal() and not c.isascii()))


def schema_problems(schema: Any, known_good: set[str] | None = None) -> list[str]:
    """Why a schema is not a valid JSON Schema (empty when it is).

    known_good: digests of schemas found valid before (the record cache keeps them: checking
    a schema against the 2020-12 meta-schema takes a tenth of a second); valid ones are added.
    """
    digest = hashlib.sha256(repr(schema).encode()).hexdigest() if known_good is not None else ""
    if digest and digest in known_good:  # type: ignore[operator]
        return []
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [f"{'/'.join(map(str, exc.path)) or '(根)'}: {_schema_error_zh(exc)}"]
    refs = list(_bad_refs(schema, schema, ()))
    if refs:
        return refs
    if digest:
        known_good.add(digest)  # type: ignore[union-attr]
    return []


_JSON_TYPES_ZH = {"string": "文字", "number": "数字", "integer": "整数", "boolean": "是/否", "object": "对象（几个字段）",
                  "array": "列表", "null": "空"}


def _schema_error_zh(exc: jsonschema.SchemaError) -> str:
    """What the meta-schema says of a definition, in words the office reads; its own
    English words after it for what is not put into Chinese here."""
    value = exc.instance if isinstance(exc.instance, (str, int, float, bool)) else None
    shown = f"「{value}」" if value is not None else "这里的值"
    if exc.validator == "type":
        wanted = exc.validator_value if isinstance(exc.validator_value, list) else [exc.validator_value]
        return f"{shown}应是{'或'.join(_JSON_TYPES_ZH.get(str(t), str(t)) for t in wanted)}"
    if exc.path and exc.path[-1] == "type":
        return f"{shown}不是可用的类型；可用：" + "、".join(f"{k}（{v}）" for k, v in _JSON_TYPES_ZH.items())
    return f"写法不对（{exc.message}）"


_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


def _bad_refs(node: Any, root: Any, path: tuple) -> Iterator[str]:
    """The references of a schema that point outside it or at nothing in it. A reference may
    only name a part of the same definition (#/$defs/…): jsonschema fetches any other address
    over the network while it checks records, and one that names nothing stops the check
    with a traceback."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _REF_KEYS:
                place = "/".join(map(str, path)) or "(根)"
                if not isinstance(value, str) or not (value == "#" or value.startswith("#/")):
                    yield f"{place}: 「{key}: {value}」指向本定义以外的地方；只能写 #/$defs/… 这样指向本定义中的一部分"
                elif _pointer(root, value) is _NOWHERE:
                    yield f"{place}: 「{key}: {value}」指向的部分在本定义中没有"
            else:
                yield from _bad_refs(value, root, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _bad_refs(value, root, path + (i,))


_NOWHERE = object()


def _pointer(root: Any, ref: str) -> Any:
    """What a JSON pointer (#/a/b/0) names in root, or _NOWHERE."""
    target = root
    for part in ref[2:].split("/") if ref != "#" else ():
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return _NOWHERE
    return target


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    """Follow a local $ref (#/$defs/...) so coercion sees the real subschema."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 16:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = target
        seen += 1
    return schema


def _wants_text(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    if t == "string" or (isinstance(t, list) and "string" in t and len(t) == 1):
        return True
    enum = schema.get("enum")
    return isinstance(enum, list) and bool(enum) and all(isinstance(v, str) for v in enum)


def coerce(data: Any, schema: Any, doc: Document, path: tuple = (), root: Any = None) -> Any:
    """Read scalars as their written text wherever the schema expects text."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return data
    if isinstance(data, dict):
        props = schema.get("properties") or {}
        return {k: coerce(v, props.get(k, {}), doc, path + (k,), root) for k, v in data.items()}
    if isinstance(data, list):
        items = schema.get("items") or {}
        return [coerce(v, items, doc, path + (i,), root) for i, v in enumerate(data)]
    if not isinstance(data, str) and data is not None and _wants_text(schema):
        raw = doc.raw.get(path)
        return raw if raw is not None else str(data)
    return data


def field_path(path: Iterable[Any]) -> str:
    """A path as clerks see it in their file: recipients[3].id_number."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _show(value: Any) -> str:
    text = str(value) if not isinstance(value, bool) else ("true" if value else "false")
    if isinstance(value, (dict, list)):
        text = "（一组值）" if isinstance(value, dict) else "（一个列表）"
    return text if len(text) <= 40 else text[:37] + "…"


def _title(schema: Any, name: str) -> str:
    if isinstance(schema, dict) and schema.get("title"):
        return f"{schema['title']}（{name}）" if name and not name.isdigit() else str(schema["title"])
    return name or "记录"


def _leaf(error: ValidationError) -> ValidationError:
    # For oneOf/anyOf, the most relevant sub-error says more than "not valid under any".
    while error.context:
        best = best_match(error.context)
        if best is None:
            break
        error = best
    return error


def report(
    validator: Draft202012Validator,
    data: Any,
    doc: Document,
    file: str,
    findings: Findings,
    *,
    code_prefix: str = "schema",
    base: tuple = (),
    root_schema: dict[str, Any] | None = None,
    fast: bool = False,
) -> int:
    """Validate and add one finding per problem; return how many were added.

    fast: try the compiled validator first (worth its compiling for schemas that check many
    records; settings files are checked once).
    """
    compiled = fast_validator(validator.schema) if fast else None
    if compiled is not None:
        try:
            compiled(data)
            return 0  # passes: jsonschema would find nothing either
        except Exception:  # refused (or it could not tell): jsonschema says what is wrong, in Chinese
            pass
    count = 0
    for error in validator.iter_errors(data):
        error = _leaf(error)
        path = base + tuple(error.absolute_path)
        keyword = str(error.validator)
        schema = error.schema if isinstance(error.schema, dict) else {}
        name = str(path[-1]) if path else ""
        title = _title(schema, name)
        if path and isinstance(path[-1], int) and not isinstance(path[-1], bool):
            # A list item, counted from 1: a table's row (第13行, as the finding's label says),
            # or an item of a plain list (关键词 第2项: 第2行 would read as a line of the file).
            row = f"第{path[-1] + 1}{'行' if schema.get('type') == 'object' else '项'}"
            title = f"{schema['title']}·{row}" if schema.get("title") else row
        hint = schema.get("x-hint", "") if isinstance(schema, dict) else ""
        severity = ERROR
        if keyword == "required":
            m = re.match(r"^'(.+)' is a required property", error.message)
            missing = m.group(1) if m else str(error.validator_value)
            sub = (schema.get("properties") or {}).get(missing, {})
            line, col = doc.position(path)
            message, hint = f"缺少必填字段「{_title(sub, missing)}」", sub.get("x-hint") or f"请添加一行 `{missing}: …`。"
            # The field may be there, its name spoilt by a character nobody can see.
            twin = next(
                (k for k in error.instance if isinstance(k, str) and k != missing and INVISIBLE_RE.sub("", k).strip() == missing),
                None,
            ) if isinstance(error.instance, dict) else None
            if twin is not None:
                line, col = doc.position(path + (twin,))
                message = f"缺少必填字段「{_title(sub, missing)}」：这一行的字段名「{twin}」{invisible_note(twin)[1:]}"
                hint = f"删除这一行的字段名，重新输入 {missing}: （看不见的字符常随复制粘贴带入）。"
            findings.add(
                f"{code_prefix}-required",
                file,
                message,
                line=line,
                column=col,
                field=field_path(path + (missing,)),
                hint=hint,
            )
            count += 1
            continue
        if keyword == "additionalProperties":
            allowed = set((schema.get("properties") or {}).keys())
            extras = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
            for extra in extras:
                line, col = doc.position(path + (extra,))
                close = difflib.get_close_matches(INVISIBLE_RE.sub("", str(extra)), sorted(allowed), n=1)
                findings.add(
                    f"{code_prefix}-unknown-field",
                    file,
                    f"不认识的字段「{extra}」{invisible_note(str(extra))}，它不会出现在公开页面上",
                    line=line,
                    column=col,
                    field=field_path(path + (extra,)),
                    hint=(f"是否想写「{close[0]}」？" if close else "")
                    + ("可用的字段：" + "、".join(sorted(allowed)) if allowed else ""),
                )
                count += 1
            continue
        value = error.instance
        raw = doc.raw.get(path)
        shown = _show(raw if raw is not None else value)
        if keyword == "type":
            expected = error.validator_value
            types = expected if isinstance(expected, list) else [expected]
            msg = f"「{title}」应填{'或'.join(TYPE_ZH.get(t, t) for t in types)}，现在是「{shown}」"
            if value is None and "null" not in types:
                # `issuer:` with nothing after the colon: empty, not a wrong type.
                msg = f"「{title}」是空的，应填{'或'.join(TYPE_ZH.get(t, t) for t in types)}"
                hint = hint or "在冒号后面空一格，填上内容；不需要这个字段时，删去这一行（必填字段除外）。"
            elif "number" in types or "integer" in types:
                hint = hint or "只填数字，不要带单位、逗号或空格，例如 1200.50。"
            if "boolean" in types:
                hint = hint or "「是」写 true，「否」写 false（小写英文，不加引号）。"
        elif keyword == "enum":
            options = "、".join(map(str, error.validator_value))
            msg = f"「{title}」只能填：{options}；现在是「{shown}」"
            close = difflib.get_close_matches(str(value), [str(o) for o in error.validator_value], n=1)
            hint = hint or (f"是否想写「{close[0]}」？" if close else "请从上面的选项中选一个，照原样填写。")
        elif keyword == "const":
            msg = f"「{title}」只能是「{error.validator_value}」，现在是「{shown}」"
        elif keyword == "format":
            fmt = str(error.validator_value)
            missing = date_problem(str(value)) if fmt == "date" else None
            if missing:
                msg = f"「{title}」写的是「{shown}」，但{missing}"
                hint = hint or "请核对日期：这一天在日历上不存在，可能是月、日写错或写反了。"
            else:
                msg = f"「{title}」应填{FORMAT_ZH.get(fmt, fmt)}，现在是「{shown}」"
                hint = hint or "日期写成 2013-12-01 的样子：四位年、两位月、两位日，用减号连接。"
        elif keyword == "pattern":
            msg = f"「{title}」的写法不对：「{shown}」"
            hint = hint or f"应符合格式 {error.validator_value}。"

        elif keyword in ("minimum", "exclusiveMinimum"):
            msg = f"「{title}」不能小于{'或等于' if keyword == 'exclusiveMinimum' else ''} {error.validator_value}，现在是「{shown}」"
        elif keyword in ("maximum", "exclusiveMaximum"):
            msg = f"「{title}」不能大于{'或等于' if keyword == 'exclusiveMaximum' else ''} {error.validator_value}，现在是「{shown}」"
        elif keyword == "minLength":
            msg = f"「{title}」太短，至少 {error.validator_value} 个字"
        elif keyword == "maxLength":
            msg = f"「{title}」太长，最多 {error.validator_value} 个字"
        elif keyword == "minItems":
            msg = f"「{title}」至少要有 {error.validator_value} 项"
        elif keyword == "maxItems":
            msg = f"「{title}」最多 {error.validator_value} 项"
        elif keyword == "uniqueItems":
            msg = f"「{title}」中有重复的项"
        else:
            msg = f"「{title}」不符合要求：{error.message}"
        if keyword in ("type", "enum", "const", "format", "pattern") and isinstance(value, str):
            # What the clerk cannot tell apart on screen is named: a zero-width space, ２ for 2.
            msg += invisible_note(value)
            wide = wide_digits(value)
            if wide:
                msg += f"，其中的「{wide[0]}」等数字是全角或其他文字的数字"
                hint = f"把数字改成半角的 0-9（切换到英文输入法重新输入）。{hint}"
            elif INVISIBLE_RE.search(value):
                hint = f"删除看不见的字符（常随复制粘贴带入），重新输入这个值。{hint}"
        line, col = doc.position(path)
        findings.add(
            f"{code_prefix}-{keyword}",
            file,
            msg,
            line=line,
            column=col,
            field=field_path(path),
            hint=hint,
            severity=severity,
        )
        count += 1
    return count


@cache
def package_schema(name: str) -> dict[str, Any]:
    """One of the schemas shipped with the package (site, county, catalogue files)."""
    import yaml

    return yaml.safe_load((Path(__file__).parent / "schemas" / f"{name}.yml").read_text("utf-8"))
