"""The form editor: a Decap CMS configuration per unit, generated from the catalogues.

Every form field comes from a JSON Schema construct of `catalogues/_record.yml` or of a
catalogue item's `schema`, through the table `KEYWORDS` below; a construct the table does
not know raises `UnmappedConstruct`, so a new kind of field in a catalogue cannot silently
produce a form that writes what the check rejects. The records the forms write are the
files the check reads: Markdown with YAML front matter, dates as YYYY-MM-DD text, numbers
as numbers, the body after the front matter.

The Decap bundle (npm package `decap-cms`, pinned in package-lock.json) is copied into each
county site once (`admin/decap-cms.js` and its chunks); every unit gets
`admin/<unit>/index.html` and `admin/<unit>/config.yml`. Nothing is loaded from another host.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import jinja2
import yaml

from .findings import Findings
from .labels import form_label
from .load import Project, read_yaml
from .model import CATEGORIES, COMMON_FIELDS, PERIODS, Catalogue, CatalogueItem, County, Unit
from .periods import PERIOD_SHAPES

REPO = Path(__file__).resolve().parent.parent
BUNDLE = REPO / "node_modules" / "decap-cms" / "dist"
THEME = REPO / "theme"
DATE = {"format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD", "time_format": False, "picker_utc": True}
# Common fields in the order a clerk fills them in; the item's own fields come after `topic`.
HEAD = ("catalogue", "title", "published", "period", "written", "doc_number", "index_no", "keywords", "topic", "validity", "repealed")
TAIL = ("attachments", "body", "changes", "withdrawn", "removed")
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class UnmappedConstruct(ValueError):
    """A schema construct for which the editor has no widget (a developer's error)."""


# Every JSON Schema keyword a catalogue may use, and what it becomes in the form. A keyword
# missing here makes `field` raise: add its mapping before using it in a catalogue.
KEYWORDS = {
    "$schema": "ignored (the dialect of the whole file)",
    "type": "the widget: string/text, number (value_type int or float), boolean, object, list",
    "title": "the field's label",
    "description": "the field's hint",
    "x-hint": "the field's hint, and the message when its pattern fails",
    "x-unit": "appended to the label, 金额（元）",
    "x-sum": "the preview's total row of the list",
    "x-display": "ignored by the form (the site draws the list as a flowchart)",
    "default": "the widget's default",
    "enum": "a select widget with these options (multiple for an array of them)",
    "const": "only inside `if`: the condition named in a conditional field's hint",
    "format": "date: a date picker writing YYYY-MM-DD; email: a pattern",
    "minimum": "number min",
    "maximum": "number max",
    "minLength": "a pattern of at least that many characters",
    "maxLength": "a pattern of at most that many characters",
    "pattern": "the widget's pattern, with the hint as its message",
    "properties": "an object widget's fields (the record's own keys at the top)",
    "required": "required: true on those fields, false on the others (inside an optional object: a hint)",
    "additionalProperties": "nothing: a form writes only the fields it shows",
    "items": "a list widget: `fields` for objects, `field` for plain values",
    "minItems": "list min",
    "maxItems": "list max",
    "allOf": "only of if/then clauses (see if)",
    "if": "on objects, with then: what is required or patterned under a condition goes into the field's hint",
    "then": "see if",
}
TYPES = ("string", "number", "integer", "boolean", "object", "array")
FORMATS = ("date", "email")


def _length_pattern(sch: dict[str, Any]) -> str | None:
    """A regular expression (JavaScript's dialect too) for minLength/maxLength and pattern."""
    lo, hi, pattern = sch.get("minLength"), sch.get("maxLength"), sch.get("pattern")
    if sch.get("format") == "email":
        pattern = EMAIL
    if lo is None and hi is None:
        return pattern
    length = f"(?=[\\s\\S]{{{lo or 0},{'' if hi is None else hi}}}$)"
    return "^" + length + (f"(?:{pattern})" if pattern else "")


def _pattern_message(sch: dict[str, Any]) -> str:
    if sch.get("x-hint"):
        return str(sch["x-hint"])
    lo, hi = sch.get("minLength"), sch.get("maxLength")
    if sch.get("format") == "email":
        return "请填写电子邮箱地址，例如 gongkai@example.cn。"
    if lo and hi:
        return f"请填写 {lo} 到 {hi} 个字。"
    if lo:
        return f"至少填写 {lo} 个字。"
    if hi:
        return f"最多填写 {hi} 个字。"
    return "格式不对，请按说明填写。"


def _conditions(sch: dict[str, Any], path: str) -> dict[str, list[str]]:
    """Hints for what an object's if/then clauses (alone or in allOf) ask under a condition.

    A form cannot make a field required or patterned only when another field has some
    value; the field's hint says so, and the check enforces it.
    """
    hints: dict[str, list[str]] = {}
    props = sch.get("properties") or {}
    clauses = [(f"{path}.allOf[{i}]", c) for i, c in enumerate(sch.get("allOf") or [])]
    if "if" in sch or "then" in sch:
        clauses.append((path, {"if": sch.get("if", {}), "then": sch.get("then", {})}))
    for where, clause in clauses:
        if not isinstance(clause, dict) or set(clause) - {"if", "then"} or set(clause.get("then", {})) - {"required", "properties"}:
            raise UnmappedConstruct(f"{where}: only `if` + `then` with required/properties are mapped")
        test_of = clause.get("if", {})
        cond = test_of.get("properties", {}) if isinstance(test_of, dict) else {}
        # `required` in an `if` only keeps a missing value from meeting the condition.
        if len(cond) != 1 or not {"properties"} <= set(test_of) <= {"properties", "required"}:
            raise UnmappedConstruct(f"{where}: `if` must test exactly one property")
        ((key, test),) = cond.items()
        if set(test) - {"const", "enum", "title"}:
            raise UnmappedConstruct(f"{where}: `if` may test only const or enum")
        values = [test["const"]] if "const" in test else list(test.get("enum", []))
        when = f"「{form_label(key, props.get(key, test))}」为" + "或".join(f"「{v}」" for v in values) + "时"
        for name in clause["then"].get("required", []):
            hints.setdefault(name, []).append(when + "必填。")
        for name, sub in (clause["then"].get("properties") or {}).items():
            if set(sub) - {"title", "pattern", "x-hint"}:
                raise UnmappedConstruct(f"{where}.then.{name}: only pattern and x-hint are mapped")
            hints.setdefault(name, []).append(when + "：" + str(sub.get("x-hint") or "须符合规定格式。"))
    return hints


def field(name: str, sch: dict[str, Any], required: bool, path: str = "", hint: str = "") -> dict[str, Any]:
    """The Decap widget of one schema field; raises UnmappedConstruct for what has no widget."""
    path = f"{path}.{name}" if path else name
    if not isinstance(sch, dict):
        raise UnmappedConstruct(f"{path}: a schema must be a mapping")
    unknown = sorted(set(sch) - set(KEYWORDS))
    if unknown:
        raise UnmappedConstruct(f"{path}: no form mapping for {', '.join(unknown)}")
    if "const" in sch:
        raise UnmappedConstruct(f"{path}: const is mapped only inside an if")
    kind = sch.get("type")
    if kind is None and "enum" not in sch:
        raise UnmappedConstruct(f"{path}: a field needs a type or an enum")
    if kind is not None and kind not in TYPES:
        raise UnmappedConstruct(f"{path}: no widget for type {kind!r}")
    if "format" in sch and (kind != "string" or sch["format"] not in FORMATS):
        raise UnmappedConstruct(f"{path}: no widget for format {sch['format']!r}")
    if ("allOf" in sch or "if" in sch or "then" in sch) and kind != "object":
        raise UnmappedConstruct(f"{path}: allOf and if/then are mapped only on objects")
    out: dict[str, Any] = {"name": name, "label": form_label(name, sch), "required": required}
    hints = [h for h in (hint, sch.get("x-hint") or sch.get("description")) if h]
    if hints:
        out["hint"] = " ".join(str(h) for h in hints)
    if "default" in sch:
        out["default"] = sch["default"]
    if "enum" in sch:
        out.update(widget="select", options=[_option(v) for v in sch["enum"]])
    elif kind == "string" and sch.get("format") == "date":
        out.update(widget="datetime", **DATE)
    elif kind == "string":
        long = (sch.get("maxLength") or 0) > 200
        out["widget"] = "text" if long else "string"
        pattern = _length_pattern(sch)
        if pattern:
            out["pattern"] = [pattern, _pattern_message(sch)]
    elif kind in ("number", "integer"):
        out.update(widget="number", value_type="int" if kind == "integer" else "float", step=1 if kind == "integer" else 0.01)
        for key, target in (("minimum", "min"), ("maximum", "max")):
            if key in sch:
                out[target] = sch[key]
    elif kind == "boolean":
        out["widget"] = "boolean"
        out.setdefault("default", False)
    elif kind == "object":
        out.update(widget="object", collapsed=not required, fields=_fields(sch, path, optional_parent=None if required else out["label"]))
    else:  # array
        items = sch.get("items")
        if not isinstance(items, dict):
            raise UnmappedConstruct(f"{path}: an array needs `items` (one schema)")
        if items.get("type") == "object":
            sub = field(name, items, True, path.rsplit(".", 1)[0] if "." in path else "")  # a row, once added, is whole
            out.update(widget="list", fields=sub["fields"], collapsed=False, add_to_top=False)
        elif "enum" in items and set(items) <= {"enum", "type", "title"}:
            out.update(widget="select", multiple=True, options=[_option(v) for v in items["enum"]])
        else:
            one = field("value", items, True, path + "[]")
            one["label"] = form_label(name, sch) if one["label"] == "value" else one["label"]
            out.update(widget="list", field=one)
        if out["widget"] == "list":
            for key, target in (("minItems", "min"), ("maxItems", "max")):
                if key in sch:
                    out[target] = sch[key]
    return out


def _option(value: Any) -> Any:
    """A select option: text as it is; a number keeps its type in the written file."""
    return value if isinstance(value, str) else {"label": str(value), "value": value}


def _fields(sch: dict[str, Any], path: str, optional_parent: str | None = None) -> list[dict[str, Any]]:
    """The widgets of an object schema's properties, in the schema's order.

    Decap enforces `required` inside an object even when the object itself is optional and
    left empty, so under an optional object (撤回, 删除内容) the form cannot require what the
    schema requires only once the object is filled in: the hint says so and the check
    enforces it. List rows exist only once added, so their `required` is exact.
    """
    required = set(sch.get("required") or [])
    conditional = _conditions(sch, path)
    out = []
    for key, sub in (sch.get("properties") or {}).items():
        hints = conditional.get(key, [])
        if optional_parent and key in required:
            hints = [f"填写「{optional_parent}」时必填。", *hints]
        out.append(field(key, sub, key in required and not optional_parent, path, " ".join(hints)))
    return out


def record_fields(item: CatalogueItem, record_schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field of a record of this item: common fields around the item's own."""
    props = record_schema.get("properties") or {}
    required = set(record_schema.get("required") or [])
    common: dict[str, dict[str, Any]] = {}
    for name in COMMON_FIELDS:
        if name not in props:
            continue
        sch = dict(props[name])
        if name == "period" and item.period != "none":
            shape, example = PERIOD_SHAPES[item.period]
            sch["pattern"] = shape.pattern
            sch["x-hint"] = f"本事项{PERIODS[item.period]}公开一次，写成 {example} 的样子。"
        if name == "topic" and item.topic:
            sch["default"] = item.topic
        common[name] = field(name, sch, name in required or (name == "period" and item.period != "none"))
    common["catalogue"] = {"name": "catalogue", "label": "目录事项", "widget": "hidden", "default": item.id}
    common["body"].update(widget="markdown", modes=["rich_text", "raw"], editor_components=[], sanitize_preview=True)
    if "attachments" in common:
        for sub in common["attachments"].get("fields", []):
            if sub["name"] == "file":
                sub.update(widget="file", choose_url=False)
                sub.pop("pattern", None)
    own = _fields(item.schema, item.id)
    clash = [f["name"] for f in own if f["name"] in COMMON_FIELDS]
    if clash:
        # Said in Chinese: the office reads it as it is (form_findings), and the fix is theirs.
        raise UnmappedConstruct(f"字段 {'、'.join(clash)} 与每条记录都有的公共字段同名（公共字段在 catalogues/_record.yml 中定义），请给事项自己的字段换一个名字")
    return [common[n] for n in HEAD if n in common] + own + [common[n] for n in TAIL if n in common]


def form_findings(project: Project) -> Findings:
    """Catalogue fields the form editor has no widget for, once site.yml names a forge.

    The build writes every unit's editor then, and a field without a widget would stop it;
    the disclosure office learns it from the check, at the item that uses the construct.
    """
    findings = Findings()
    if not getattr(project.site, "editor", None):
        return findings
    hint = (
        "信息维护页面（表单编辑器）按字段定义生成输入框，只认得 gongkai/editor.py 中 KEYWORDS 表列出的写法："
        "请改用已有的写法（例如 type、enum、format: date、minimum、pattern），或请开发人员先为新写法增加输入框。"
    )
    for catalogue in project.catalogues.values():
        for item in catalogue.items.values():
            try:
                record_fields(item, project.record_schema)
            except UnmappedConstruct as exc:
                # Read again only here, for the line: the catalogue model keeps no positions.
                doc = read_yaml(project.root / catalogue.source, catalogue.source, Findings())
                listed = doc.data.get("items") if doc is not None and isinstance(doc.data, dict) else None
                ids = [i.get("id") if isinstance(i, dict) else None for i in listed] if isinstance(listed, list) else []
                line = doc.position(("items", ids.index(item.id), "schema"))[0] if doc is not None and item.id in ids else 0
                findings.add(
                    "catalogue-no-form-widget",
                    catalogue.source,
                    f"事项「{item.name}」（{item.id}）的字段定义中有表单编辑器生成不了输入框的写法：{exc}",
                    line=line,
                    field=f"{item.id}.schema",
                    hint=hint,
                )
    return findings


def items_for(project: Project, unit: Unit) -> list[tuple[Catalogue, CatalogueItem]]:
    """The catalogue items a unit may publish: its categories' items meant for its level."""
    out = []
    for category in unit.categories:
        catalogue = project.catalogues.get(category)
        if catalogue is None:
            continue
        for item in catalogue.items.values():
            if not item.applies_to or unit.level in item.applies_to:
                out.append((catalogue, item))
    return out


def unit_folder(category: str, county: County, unit: Unit) -> str:
    """Where a unit's records of a category live, relative to the repository."""
    return f"content/{category}/{county.id}/{unit.id}"


def collection_name(county: County, unit: Unit, category: str, item: CatalogueItem) -> str:
    """A collection's name; it is part of each draft's branch (cms/<name>/<slug>), so county
    and unit keep two units' drafts of the same item apart on one forge."""
    return f"{county.id}--{unit.id}--{category}--{item.id}"


def collection(county: County, unit: Unit, catalogue: Catalogue, item: CatalogueItem, record_schema: dict[str, Any]) -> dict[str, Any]:
    """One folder collection: the records of one item in the unit's folder."""
    periodic = item.period != "none"
    return {
        "name": collection_name(county, unit, catalogue.category, item),
        "label": item.name,
        "label_singular": item.name,
        "description": f"{CATEGORIES.get(catalogue.category, catalogue.name)} · {item.group} · {item.content}".strip(" ·"),
        "folder": unit_folder(catalogue.category, county, unit),
        "filter": {"field": "catalogue", "value": item.id},
        "create": True,
        "format": "yaml-frontmatter",
        "extension": "md",
        "slug": ("{{fields.period | lower}}-" if periodic else "{{year}}-{{month}}-{{day}}-") + item.id,
        "identifier_field": "title",
        "summary": "{{published}} {{title}}",
        "sortable_fields": ["published", "title"],
        # Attachments lie beside the record, and the record names them by file name alone.
        "media_folder": "",
        "public_folder": "",
        "fields": record_fields(item, record_schema),
    }


def backend(project: Project) -> dict[str, Any]:
    """The forge backend from content/site.yml's `editor` section."""
    settings = dict(getattr(project.site, "editor", None) or {})
    # Decap's gitea backend has no editorial workflow (every save would land on the main
    # branch unreviewed), so site.yml offers github and forgejo only.
    name = settings.pop("backend", "forgejo")
    out: dict[str, Any] = {"name": name}
    for key in ("repo", "branch", "base_url", "api_root", "auth_endpoint", "app_id", "auth_type"):
        if settings.get(key):
            out[key] = settings[key]
    out.setdefault("branch", "main")
    if name == "forgejo" and out.get("app_id"):
        out.setdefault("auth_type", "pkce")
    return out


def unit_config(project: Project, county: County, unit: Unit, proxy_url: str | None = None) -> dict[str, Any]:
    """The whole Decap configuration of one unit's editor (the local decap-server's when proxy_url is given)."""
    pairs = items_for(project, unit)
    if proxy_url:
        # The proxy backend and no forge behind it: if decap-server is not running, the
        # editor says so instead of falling back to a forge on another host.
        forge: dict[str, Any] = {"name": "proxy", "proxy_url": proxy_url, "branch": backend(project).get("branch", "main")}
    else:
        forge = backend(project)
    folders = [unit_folder(c, county, unit) for c in unit.categories]
    return {
        "backend": forge,
        "publish_mode": "editorial_workflow",
        "locale": "zh_Hans",
        "media_folder": folders[0] if folders else f"content/{county.id}/{unit.id}",
        "public_folder": "",
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "collections": [collection(county, unit, cat, item, project.record_schema) for cat, item in pairs],
    }


def dump(config: dict[str, Any]) -> str:
    """A configuration as YAML text (Chinese kept readable, key order kept)."""
    return "# Generated by gongkai/editor.py from the catalogues: do not edit.\n" + yaml.safe_dump(
        config, allow_unicode=True, sort_keys=False, width=1000
    )


def _preview_fields(sch: dict[str, Any]) -> list[dict[str, Any]]:
    """What the preview needs of an object's fields: label, unit, table columns, summed columns."""
    out = []
    for name, sub in (sch.get("properties") or {}).items():
        spec: dict[str, Any] = {"name": name, "label": str(sub.get("title") or name), "unit": sub.get("x-unit", "")}
        items = sub.get("items") if sub.get("type") == "array" else None
        if isinstance(items, dict) and items.get("type") == "object":
            spec["columns"] = [{**c, "sum": bool(items["properties"][c["name"]].get("x-sum"))} for c in _preview_fields(items)]
        elif sub.get("type") == "object":
            spec["fields"] = _preview_fields(sub)
        out.append(spec)
    return out


def preview_spec(project: Project, county: County, unit: Unit) -> dict[str, Any]:
    """Per collection of a unit's editor: the fields the preview draws and the named checks it runs."""
    return {
        collection_name(county, unit, cat.category, item): {"fields": _preview_fields(item.schema), "checks": list(item.checks)}
        for cat, item in items_for(project, unit)
    }


def _template(name: str) -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(THEME)), autoescape=True)
    return env.get_template(name)


class BundleMissing(Exception):
    """The pinned Decap bundle is not in node_modules (npm ci has not run)."""


def copy_bundle(admin: Path) -> None:
    """The Decap bundle and its lazily loaded chunks into admin/ (no source maps)."""
    if not (BUNDLE / "decap-cms.js").is_file():
        raise BundleMissing(f"表单编辑器的程序包没有安装（缺少 {BUNDLE / 'decap-cms.js'}）：请先运行 make site（它会执行 npm ci）")
    admin.mkdir(parents=True, exist_ok=True)
    for src in BUNDLE.iterdir():
        if src.name.endswith(".map") or src.name.startswith("cms.") or ".cms." in src.name:
            continue
        shutil.copy2(src, admin / src.name)
    shutil.copy2(THEME / "admin" / "preview.js", admin / "preview.js")


def write_unit_editor(project: Project, county: County, unit: Unit, folder: Path, bundle_url: str, proxy_url: str | None = None) -> None:
    """index.html and config.yml of one unit's editor into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yml").write_text(dump(unit_config(project, county, unit, proxy_url)), encoding="utf-8")
    spec = json.dumps(preview_spec(project, county, unit), ensure_ascii=False, separators=(",", ":"))
    (folder / "preview.json").write_text(spec, encoding="utf-8")
    html = _template("admin/editor.html").render(
        unit=unit, county=county, site=project.site, bundle=bundle_url, preview=bundle_url.replace("decap-cms.js", "preview.js")
    )
    (folder / "index.html").write_text(html, encoding="utf-8")


def write_editors(project: Project, county: str, site_dir: Path) -> list[Path]:
    """Every unit's editor of a county into site_dir/admin/ (site_dir is the county's site folder)."""
    c = project.counties[county]
    admin = Path(site_dir) / "admin"
    copy_bundle(admin)
    written = []
    for unit in c.units.values():
        write_unit_editor(project, c, unit, admin / unit.id, "../decap-cms.js")
        written.append(admin / unit.id)
    return written


def editor_url(unit: Unit) -> str:
    """The editor's address inside its county site, for the unit page's link."""
    return f"admin/{unit.id}/"



SERVER = REPO / "node_modules" / "decap-server" / "dist" / "index.js"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_decap_server(repo: Path, port: int, mode: str = "git", log: Path | None = None) -> subprocess.Popen:
    """decap-server on 127.0.0.1:port over the repository `repo`; returns once it answers."""
    if not SERVER.is_file():
        raise FileNotFoundError(f"{SERVER} is missing: run `npm ci` (make site does)")
    env = {
        **os.environ,
        "PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MODE": mode,
        "GIT_REPO_DIRECTORY": str(Path(repo).resolve()),
        "LOG_LEVEL": "warn",
    }
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
    # cwd is the package folder: decap-server reads a .env file from its working folder.
    proc = subprocess.Popen(["node", str(SERVER)], cwd=SERVER.parent, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"decap-server stopped at start (exit {proc.returncode})")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1", data=json.dumps({"action": "info"}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("decap-server did not answer within 30 s")


def stop(proc: subprocess.Popen) -> None:
    """Stop a child process started here, and wait for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def write_local_editor(project: Project, county: str, unit: str, folder: Path, proxy_url: str) -> Path:
    """One unit's editor, talking to a local decap-server, into folder/admin/<unit>/; returns that folder."""
    c = project.counties[county]
    admin = Path(folder) / "admin"
    copy_bundle(admin)
    write_unit_editor(project, c, c.units[unit], admin / unit, "../decap-cms.js", proxy_url=proxy_url)
    return admin / unit


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files for the local editor: config.yml as YAML, no log line per request."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".yml": "text/yaml", ".wasm": "application/wasm"}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        """Keep the clerk's terminal for the messages that matter."""


def editor_addresses(project: Project) -> list[str]:
    """Every unit's editor address on the published site: the OAuth application's redirect URIs."""
    base = (project.site.base_url or "https://gongkai.example/").rstrip("/")
    return [f"{base}/{c.id}/{editor_url(u)}" for c in project.counties.values() for u in c.units.values()]


def main() -> int:
    """`python -m gongkai.editor`: print the redirect URIs to register with the forge."""
    from .load import load

    print("\n".join(editor_addresses(load(Path.cwd()))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
