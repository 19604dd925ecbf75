"""Read the repository: site settings, counties, catalogues and record files.

This is the first validation layer (files and YAML syntax). A file that cannot be read
becomes a finding and is skipped; the run goes on and everything else is still checked.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema as schemas
from .chars import INVISIBLE_RE, describe, invisible_in
from .findings import Findings
from .model import CATEGORIES, URL_NAME, Catalogue, CatalogueItem, County, Record, Site, Unit
from .yamltext import Document, YamlProblem, parse

RECORD_SUFFIXES = (".md", ".yml", ".yaml")
MAX_RECORD_BYTES = 2 * 1024 * 1024
SAVE_AS_UTF8 = "用记事本打开后选择「另存为」，编码选「UTF-8」再保存；或在编辑器右下角把编码改为 UTF-8。"


@dataclass
class Project:
    """Everything read from one checkout, plus what was found wrong while reading."""

    root: Path
    site: Site
    counties: dict[str, County] = field(default_factory=dict)
    catalogues: dict[str, Catalogue] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)
    record_schema: dict[str, Any] = field(default_factory=dict)
    # Settings files that could not be read (already one finding each, at their line): the
    # county id or category from the file name, and catalogue items, each with its file.
    # Records that depend on them are still checked as far as they can be, without a
    # finding per record that only repeats the broken file's.
    broken_counties: dict[str, str] = field(default_factory=dict)
    broken_catalogues: dict[str, str] = field(default_factory=dict)
    broken_items: dict[tuple[str, str], str] = field(default_factory=dict)
    # The record cache (cache.RecordCache) this check reads and fills, or None.
    cache: Any = None


def rel(root: Path, path: Path) -> str:
    """A path relative to the repository, with forward slashes, as findings show it."""
    return path.relative_to(root).as_posix()


def read_text(path: Path, name: str, findings: Findings) -> str | None:
    """The file's text as UTF-8, or None with a finding saying why it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        findings.add("file-unreadable", name, f"无法读取文件：{exc.strerror}")
        return None
    if len(data) > MAX_RECORD_BYTES:
        findings.add(
            "file-too-large",
            name,
            f"文件太大（{len(data) // 1024} KB，上限 {MAX_RECORD_BYTES // 1024} KB）",
            hint="大的表格请作为附件上传，记录中只写摘要。",
        )
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        utf32 = data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"))
        findings.add(
            "file-encoding",
            name,
            "文件是 UTF-32 编码，不是 UTF-8" if utf32 else "文件是 UTF-16 编码（记事本中叫「Unicode」），不是 UTF-8",
            line=1,
            hint=SAVE_AS_UTF8,
        )
        return None
    if b"\x00" in data:
        at = _stray_nul(data)
        if at is None:
            findings.add(
                "file-binary",
                name,
                "这是二进制文件，不是文本记录",
                hint="记录必须是 .md 或 .yml 文本文件；PDF、图片等请作为附件并在记录的 attachments 中列出。",
            )
        else:
            findings.add(
                "file-control-character",
                name,
                f"含有控制字符 {describe(chr(0))}，文本记录中不能有这种字符",
                line=at[0],
                column=at[1],
                hint="它看不见，常由损坏的复制粘贴或格式转换带入：删除这一行后重新输入。",
            )
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a BOM from Windows Notepad is harmless
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        looks_gbk = True
        try:
            data.decode("gb18030")  # GBK's superset: its four-byte characters (rare names) too
        except UnicodeDecodeError:
            looks_gbk = False
        findings.add(
            "file-encoding",
            name,
            "文件不是 UTF-8 编码" + ("，看起来是 GBK（简体中文 Windows 的默认编码）" if looks_gbk else ""),
            line=line,
            hint=SAVE_AS_UTF8,
        )
        return None
    if not text.strip():
        findings.add("file-empty", name, "文件是空的", hint="填写记录内容，或者删除这个文件。")
        return None
    return line_ends(text)


def line_ends(text: str) -> str:
    """A file's text with every line ending in \\n: Windows' \\r\\n and an old Mac's lone \\r too.
    Its past versions (history, the 索引号 ledger) are read the same way: a record read as
    one file today and as no record in git's history lost its number and its protection."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _stray_nul(data: bytes) -> tuple[int, int] | None:
    """Line and column of the first NUL in what is otherwise a UTF-8 text; None for a binary file."""
    text = data.removeprefix(b"\xef\xbb\xbf")
    if text.count(b"\x00") * 20 > len(text):  # UTF-16 without a BOM, or an image: not a text with a slip
        return None
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return None
    at = decoded.index("\x00")
    before = decoded[:at].replace("\r\n", "\n").replace("\r", "\n")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def read_yaml(path: Path, name: str, findings: Findings, text: str | None = None, first_line: int = 1) -> Document | None:
    """Parse a YAML file (or front matter), turning every problem into a finding."""
    if text is None:
        text = read_text(path, name, findings)
        if text is None:
            return None
    try:
        doc = parse(text, first_line)
    except YamlProblem as p:
        findings.add(p.code, name, p.message, line=p.line, column=p.column, hint=p.hint)
        return None
    for dup_path, line, col in doc.duplicates:
        findings.add(
            "yaml-duplicate-key",
            name,
            f"字段「{dup_path[-1]}」写了两次；只能保留一个，否则前面的内容会丢失",
            line=line,
            column=col,
            field=schemas.field_path(dup_path),
            hint="删除重复的一行，或把两处内容合并。",
        )
    for tag_path, line, col, tag in doc.tags:
        findings.add(
            "yaml-tag",
            name,
            f"这里写了 YAML 标签「{tag}」：公开记录中的值只能是文字、数字、日期、列表或字段，不能用标签指定类型",
            line=line,
            column=col,
            field=schemas.field_path(tag_path),
            hint=f"删去「{tag}」，只写内容；如果内容本身以 ! 开头，请给整段文字加引号。",
        )
    for bad_path, line, col, char in doc.controls:
        findings.add(
            "yaml-control-character",
            name,
            f"双引号中的转义写出了控制字符 {describe(char)}，公开内容中不能有这种字符",
            line=line,
            column=col,
            field=schemas.field_path(bad_path),
            hint="删去这个反斜杠转义（如 \\0、\\e、\\x1b、\\uffff）；换行请直接换行书写，不要用转义。",
        )
    if doc.duplicates:
        return None
    return doc


def split_front_matter(text: str, name: str, findings: Findings) -> tuple[str, int, str, int] | None:
    """Split a Markdown record into (front matter, its first line, body, body's first line)."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        # An invisible character before the --- (a second BOM, a zero-width space) looks
        # like nothing in an editor: say what it is.
        hidden = INVISIBLE_RE.sub("", lines[0]).strip() == "---"
        findings.add(
            "front-matter-missing",
            name,
            "记录开头缺少 --- 包围的基本信息（front matter）"
            + (f"：第一行的 --- 旁有看不见的字符 {'、'.join(map(describe, invisible_in(lines[0])))}" if hidden else ""),
            line=1,
            hint="删去第一行，重新输入 ---。" if hidden else "文件第一行写 ---，接着写 catalogue、title、published 等字段，再写一行 --- 后写正文。",
        )
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), 2, "\n".join(lines[i + 1 :]), i + 2
    findings.add(
        "front-matter-unterminated",
        name,
        "基本信息（front matter）没有结束：找不到第二行 ---",
        line=1,
        hint="在基本信息之后、正文之前单独写一行 ---。",
    )
    return None


def load_site(root: Path, findings: Findings) -> Site:
    """content/site.yml, validated; defaults stand in for what is missing."""
    path = root / "content" / "site.yml"
    name = rel(root, path)
    if not path.exists():
        findings.add("site-missing", name, "缺少门户设置文件 content/site.yml", hint="复制示例仓库中的 site.yml 并修改。")
        return Site(title="党务政务公开", city="")
    doc = read_yaml(path, name, findings)
    if doc is None or not isinstance(doc.data, dict):
        return Site(title="党务政务公开", city="")
    sch = schemas.package_schema("site")
    data = schemas.coerce(doc.data, sch, doc)
    if schemas.report(schemas.make_validator(sch), data, doc, name, findings, code_prefix="site"):
        return Site(title=str(data.get("title", "党务政务公开")), city=str(data.get("city", "")))
    return Site(**data)


# The portal's own folders beside the county sites (site.build_portal: its 统计, 督查 and
# search pages, the theme's files, the form editor).
PORTAL_NAMES = frozenset({"admin", "assets", "inspection", "search", "stats"})


def load_counties(root: Path, findings: Findings, broken: dict[str, str] | None = None) -> dict[str, County]:
    """Every content/counties/<county>.yml with its units; `broken` gets the ids of those that cannot be read."""
    broken = {} if broken is None else broken
    counties: dict[str, County] = {}
    folder = root / "content" / "counties"
    sch = schemas.package_schema("county")
    validator = schemas.make_validator(sch)
    for path in sorted(folder.glob("*")):
        name = rel(root, path)
        if path.suffix not in (".yml", ".yaml"):
            findings.add("county-file-type", name, "县（市、区）设置文件必须是 .yml 文件")
            continue
        if not URL_NAME.fullmatch(path.stem) or path.stem in PORTAL_NAMES:
            # The file's name is the county site's folder beside the portal's own.
            findings.add(
                "county-id",
                name,
                f"文件名「{path.stem}」不能用作县（市、区）网站的网址"
                + ("：门户自己的栏目用这个名字" if path.stem in PORTAL_NAMES else ""),
                hint="文件名只用小写英文字母、数字和连字符（通常是县名的拼音，例如 xiangcheng.yml），"
                f"并且不能是 {'、'.join(sorted(PORTAL_NAMES))}。",
            )
            broken[path.stem] = name
            continue
        doc = read_yaml(path, name, findings)
        if doc is None:
            broken[path.stem] = name
            continue
        data = schemas.coerce(doc.data, sch, doc)
        if schemas.report(validator, data, doc, name, findings, code_prefix="county"):
            broken[path.stem] = name
            continue
        county = County(
            id=path.stem,
            source=name,
            **{k: v for k, v in data.items() if k != "units"},
        )
        for i, u in enumerate(data["units"]):
            if u["id"] in county.units:
                line, col = doc.position(("units", i, "id"))
                findings.add(
                    "unit-duplicate",
                    name,
                    f"单位代号「{u['id']}」重复",
                    line=line,
                    column=col,
                    field=f"units[{i}].id",
                    hint="每个单位的 id 在本县内必须唯一。",
                )
                continue
            code_owner = next((o for o in county.units.values() if u.get("code") and o.code == u.get("code")), None)
            if code_owner is not None:
                # Two units with one code would draw 索引号 from one series: one number, two records.
                line, col = doc.position(("units", i, "code"))
                findings.add(
                    "unit-code-duplicate",
                    name,
                    f"单位「{u.get('name', u['id'])}」的单位代码 {u['code']} 与「{code_owner.name}」（{code_owner.id}）相同",
                    line=line,
                    column=col,
                    field=f"units[{i}].code",
                    hint="每个单位填写自己的统一社会信用代码或组织机构代码；索引号由单位代码生成，不能两个单位共用。",
                )
            county.units[u["id"]] = Unit(county=county.id, **u)
        for i, u in enumerate(data["units"]):  # i: the entry's place in the file, duplicates counted
            unit = Unit(county=county.id, **u)
            if unit.township and unit.township not in county.units:
                line, col = doc.position(("units", i, "township"))
                findings.add(
                    "unit-township-unknown",
                    name,
                    f"单位「{unit.name}」的所属乡镇「{unit.township}」不在本县单位名单中",
                    line=line,
                    column=col,
                    field=f"units[{i}].township",
                    hint="township 填写乡镇人民政府这个单位的 id。",
                )
        counties[county.id] = county
    if not counties and not broken:
        findings.add("county-none", "content/counties", "没有任何县（市、区）设置文件", hint="至少添加一个 content/counties/<县>.yml。")
    return counties


def load_catalogues(
    root: Path, findings: Findings, broken: dict[str, str] | None = None, broken_items: dict[tuple[str, str], str] | None = None,
    known_good: set[str] | None = None,
) -> tuple[dict[str, Catalogue], dict[str, Any]]:
    """Every catalogues/<category>.yml, and the common record schema catalogues/_record.yml.

    `broken` gets the categories whose file cannot be read, `broken_items` the items
    whose definition is refused; `known_good`: see schema.schema_problems.
    """
    from .checks import RULES

    broken = {} if broken is None else broken
    broken_items = {} if broken_items is None else broken_items
    catalogues: dict[str, Catalogue] = {}
    sch = schemas.package_schema("catalogue")
    validator = schemas.make_validator(sch)
    record_schema: dict[str, Any] = {"type": "object"}
    common = root / "catalogues" / "_record.yml"
    doc = read_yaml(common, rel(root, common), findings) if common.exists() else None
    if doc is not None:
        problems = schemas.schema_problems(doc.data, known_good)
        for p in problems:
            findings.add("catalogue-schema-invalid", rel(root, common), f"字段定义不是有效的 JSON Schema：{p}")
        if not problems:
            record_schema = doc.data
    if record_schema.keys() == {"type"}:  # missing or broken: no record's common fields can be checked
        broken["_record"] = rel(root, common)
        if not common.exists():
            findings.add(
                "catalogue-record-schema-missing",
                rel(root, common),
                "缺少记录通用字段的定义（catalogues/_record.yml），所有记录都无法检查和发布",
                hint="从示例仓库复制 catalogues/_record.yml。",
            )
    for path in sorted((root / "catalogues").glob("*.yml")):
        name = rel(root, path)
        if path.name.startswith("_"):
            continue
        doc = read_yaml(path, name, findings)
        if doc is None:
            broken[path.stem] = name
            continue
        data = schemas.coerce(doc.data, sch, doc)
        if schemas.report(validator, data, doc, name, findings, code_prefix="catalogue"):
            broken[path.stem] = name
            continue
        if data["category"] != path.stem:
            findings.add(
                "catalogue-category-mismatch",
                name,
                f"目录文件名是 {path.stem}，但 category 写的是 {data['category']}",
                line=doc.position(("category",))[0],
                field="category",
                hint="文件名与 category 必须一致。",
            )
            broken[path.stem] = name
            continue
        cat = Catalogue(category=data["category"], name=data["name"], source=name, description=data.get("description", ""))
        for i, item in enumerate(data["items"]):
            line, col = doc.position(("items", i))
            if item["id"] in cat.items:
                findings.add("catalogue-item-duplicate", name, f"事项代号「{item['id']}」重复", line=line, column=col, field=f"items[{i}].id")
                continue
            item["schema"] = _names_as_text(item["schema"], doc, ("items", i, "schema"))
            problems = schemas.schema_problems(item["schema"], known_good)
            for p in problems:
                findings.add(
                    "catalogue-schema-invalid",
                    name,
                    f"事项「{item['name']}」的字段定义不是有效的 JSON Schema：{p}",
                    line=doc.position(("items", i, "schema"))[0],
                    field=f"items[{i}].schema",
                )
            unknown = [c for c in item.get("checks", []) if c not in RULES]
            for c in unknown:
                findings.add(
                    "catalogue-check-unknown",
                    name,
                    f"事项「{item['name']}」引用了不存在的规则「{c}」",
                    line=doc.position(("items", i, "checks"))[0],
                    field=f"items[{i}].checks",
                    hint="可用的规则：" + "、".join(sorted(RULES)),
                )
            if problems or unknown:
                broken_items[(cat.category, item["id"])] = name
                continue
            cat.items[item["id"]] = CatalogueItem(category=cat.category, **item)
        for i, item in enumerate(data["items"]):
            for other in item.get("instead_of", []):
                if other not in cat.items:
                    findings.add(
                        "catalogue-instead-unknown",
                        name,
                        f"事项「{item['name']}」的 instead_of 写了「{other}」，本目录中没有这个事项",
                        line=doc.position(("items", i, "instead_of"))[0],
                        field=f"items[{i}].instead_of",
                        hint="instead_of 只能写本目录中其他事项的代号（id）。",
                    )
        catalogues[cat.category] = cat
    return catalogues, record_schema


def _names_as_text(node: Any, doc: Document, path: tuple) -> Any:
    """Field names listed under `required` are names, whatever YAML 1.1 makes of them.

    A field called `no` (序号) would otherwise be listed as the boolean False.
    """
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "required" and isinstance(v, list):
                out[k] = [x if isinstance(x, str) else doc.raw.get(path + (k, j), str(x)) for j, x in enumerate(v)]
            else:
                out[k] = _names_as_text(v, doc, path + (k,))
        return out
    if isinstance(node, list):
        return [_names_as_text(v, doc, path + (j,)) for j, v in enumerate(node)]
    return node


def load_records(root: Path, counties: dict[str, County], findings: Findings, cache: Any = None) -> list[Record]:
    """Every record file under content/<category>/<county>/<unit>/, parsed but not yet validated.

    cache: a cache.RecordCache that gives a file's record (and findings) when it has them;
    a county it holds settled whole gives records that carry only what the checks across
    counties read (cache.py, "Counties settled whole").
    """
    records: list[Record] = []
    todo: list[tuple[Path, str, str, str, str, str]] = []  # (folder, file, path, category, county, unit) in walk order
    content = root / "content"
    seen_lower: dict[str, str] = {}
    for category in sorted(os.listdir(content)) if content.exists() else []:
        top = content / category
        if category in ("counties", "site.yml") or category.startswith("."):
            continue
        if top.is_symlink():
            findings.add(
                "file-symlink",
                rel(root, top),
                "文件夹是符号链接（快捷方式），其中的记录不会被读取",
                hint="把文件夹和其中的文件直接放在仓库里，不要用符号链接。",
            )
            continue
        if category not in CATEGORIES or not top.is_dir():
            findings.add(
                "layout-category",
                rel(root, top),
                f"「{category}」不是公开类别" if top.is_dir() else f"content/ 下不能直接放文件「{category}」",
                hint="content/ 下只能有 site.yml、counties/ 和 "
                + "、".join(f"{k}（{v}）" for k, v in CATEGORIES.items())
                + " 文件夹。",
            )
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            # Case-insensitive order, the lower-case name first: of two names that differ
            # only in case, the odd one out is the one reported.
            dirnames.sort(key=_case_order)
            here = Path(dirpath)
            below = here.relative_to(top).parts  # once per folder, not per file: 100,000 files, a few hundred folders
            depth = len(below)
            here_rel = rel(root, here)  # once per folder: Path.relative_to per file is the walk's main cost
            for dname in list(dirnames):
                folder = here / dname
                lower = rel(root, folder).lower() + "/"
                if folder.is_symlink() and depth < 2:  # deeper: attachments, see validate
                    # os.walk does not follow it: its records would silently go missing.
                    findings.add(
                        "file-symlink",
                        rel(root, folder),
                        "文件夹是符号链接（快捷方式），其中的记录不会被读取",
                        hint="把文件夹和其中的文件直接放在仓库里，不要用符号链接。",
                    )
                elif lower in seen_lower:
                    findings.add(
                        "file-case-clash",
                        rel(root, folder),
                        f"文件夹与 {seen_lower[lower].rstrip('/')} 只有大小写不同；在 Windows 上两者是同一个文件夹",
                        hint="单位、县的文件夹名一律用小写；把两个文件夹合并为一个。",
                    )
                    dirnames.remove(dname)  # one finding for the folder, not one per file in it
                else:
                    seen_lower[lower] = rel(root, folder) + "/"
            for fname in sorted(filenames, key=_case_order):
                # The file's Path is made only where it is read or looked at (a cache miss,
                # a possible symlink): making 100,000 of them took most of a second.
                suffix = _suffix(fname)
                name = f"{here_rel}/{fname}"
                lower = name.lower()
                if lower in seen_lower:
                    findings.add(
                        "file-case-clash",
                        name,
                        f"与 {seen_lower[lower]} 只有大小写不同；在 Windows 上两者是同一个文件",
                        hint="改名，让两个文件名不只是大小写不同。",
                    )
                    continue
                seen_lower[lower] = name
                # A file git has as a regular file, unchanged since, is no symlink: no stat for it.
                regular = cache is not None and cache.regular(name)
                if suffix in RECORD_SUFFIXES and not regular and (here / fname).is_symlink():  # attachments: see validate
                    findings.add(
                        "file-symlink",
                        name,
                        "记录文件是符号链接（快捷方式），不会被读取或发布",
                        hint="把记录文件本身放在这里，不要用符号链接。",
                    )
                    continue
                if depth != 2:
                    if suffix in RECORD_SUFFIXES or depth < 2:
                        findings.add(
                            "layout-depth",
                            name,
                            "文件位置不对：记录应放在 content/<类别>/<县>/<单位>/ 文件夹中",
                            hint="把文件移到本单位的文件夹里。",
                        )
                    continue
                if suffix not in RECORD_SUFFIXES:
                    meant = _meant_as_record(fname)
                    if fname.lower().lstrip(".") in ("md", "yml", "yaml", "markdown"):
                        # Only an ending (.md): a dot file to git and to this reader, never a record.
                        findings.add(
                            "file-record-extension",
                            name,
                            f"文件名「{fname}」只有扩展名，没有名字，不会被当作记录读取，也不会公开",
                            hint="在扩展名前写上记录的名字，例如 2014-01-tongzhi.md（只用小写英文字母、数字和连字符）。",
                        )
                    elif meant:
                        # Windows hides extensions and some editors save .MD or .markdown: the
                        # clerk believes it published, and nothing would say otherwise.
                        findings.add(
                            "file-record-extension",
                            name,
                            f"文件名以「{meant[0]}」结尾，不会被当作记录读取，也不会公开",
                            hint=f"把文件改名为「{meant[1]}」（记录文件以小写的 .md、.yml 或 .yaml 结尾）；"
                            "Windows 资源管理器中请先打开「文件扩展名」显示。",
                        )
                    continue  # an attachment; checked when a record lists it
                todo.append((here, fname, name, category, *below))
    # Read once the whole tree is walked: the cache can then tell which counties it holds
    # settled whole (every file of theirs is as when they were last checked).
    settled = cache.settle(todo, len(findings)) if cache is not None else ()
    for here, fname, name, category, county_id, unit_id in todo:
        if county_id in settled:
            record = cache.settled_record(root, here, fname, name, category, county_id, unit_id)
        elif cache is None:
            record = read_record(root, here / fname, category, county_id, unit_id, findings)
        else:
            record = cache.read(root, here, fname, name, category, county_id, unit_id, findings)
        if record is not None:
            records.append(record)
    return records


_NEAR_RECORD = re.compile(r"(?i)(\.(?:md|yml|yaml|markdown|mdown|mkd))(\.txt)?$")


def _meant_as_record(name: str) -> tuple[str, str] | None:
    """(the ending, the name it should have) of a file that looks meant as a record but whose
    ending is not read as one (`a.MD`, `a.markdown`, `a.md.txt`); None for anything else."""
    m = _NEAR_RECORD.search(name)
    if not m or name[: m.start()] in ("", "."):
        return None
    stem, ext = name[: m.start()], m.group(1).lower()
    right = ".md" if ext in (".md", ".markdown", ".mdown", ".mkd") else ext
    return m.group(0), stem + right


def yaml_body(doc: Document) -> str | None:
    """The body of a YAML record as its text. `body: 20140108` or `body: no` is a number or a
    yes/no to YAML, but the clerk wrote text (the schema's coercion turns such a field into
    its text too, after the body has been taken); it was lost without a word."""
    value = doc.data.get("body") if isinstance(doc.data, dict) else None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, dt.date)):
        return doc.raw.get(("body",), str(value))
    return None


def _suffix(name: str) -> str:
    """A file name's suffix as Path.suffix gives it ("..md" has ".md"; os.path.splitext says none)."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def _case_order(name: str) -> tuple[str, bool, str]:
    return (name.lower(), name != name.lower(), name)


def read_record(root: Path, path: Path, category: str, county: str, unit: str, findings: Findings) -> Record | None:
    """One record file: front matter (or YAML) and body, with positions."""
    name = rel(root, path)
    text = read_text(path, name, findings)
    if text is None:
        return None
    body, body_line = "", 0
    if path.suffix == ".md":
        parts = split_front_matter(text, name, findings)
        if parts is None:
            return None
        front, first, body, body_line = parts
        doc = read_yaml(path, name, findings, text=front, first_line=first)
    else:
        doc = read_yaml(path, name, findings, text=text)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        findings.add(
            "record-not-mapping",
            name,
            "记录的基本信息必须是「字段: 值」的形式" if doc.data is not None else "记录的基本信息是空的",
            line=doc.position(())[0] or (2 if path.suffix == ".md" else 1),
            hint="每行写一个字段，例如 title: 关于……的公告。",
        )
        return None
    meta = doc.data
    if path.suffix != ".md" and (text_body := yaml_body(doc)) is not None:
        body = text_body
        body_line = doc.position(("body",))[0]
    elif path.suffix == ".md" and "body" in meta:
        # The body of a Markdown record is what follows the second ---: this one would vanish.
        line, column = doc.position(("body",))
        findings.add(
            "record-body-in-front-matter",
            name,
            "Markdown 记录的正文写在第二个 --- 之后；前面写的 body 不会出现在网页上",
            line=line,
            column=column,
            field="body",
            hint="把 body 的内容移到第二个 --- 下面的正文里，再删去 body 这一行。",
        )
    return Record(
        id=path.stem,
        path=name,
        category=category,
        county=county,
        unit=unit,
        meta=meta,
        body=body,
        doc=doc,
        body_line=body_line,
    )


def parse_record_text(text: str, path: str) -> tuple[dict[str, Any], str] | None:
    """(fields, body) of a record's text as stored in git, or None if it cannot be read.

    Used for past versions, whose problems were reported when they were current.
    """
    quiet = Findings()
    text = line_ends(text.lstrip("\ufeff"))
    body = ""
    if path.endswith(".md"):
        parts = split_front_matter(text, path, quiet)
        if parts is None:
            return None
        front, first, body, _ = parts
    else:
        front, first = text, 1
    try:
        doc = parse(front, first)
    except YamlProblem:
        return None
    if not isinstance(doc.data, dict):
        return None
    meta = doc.data
    if not path.endswith(".md") and (text_body := yaml_body(doc)) is not None:
        body = text_body
    return meta, body


def load(root: Path, cache: Any = None, fresh: set[str] | None = None) -> Project:
    """Read the whole repository; syntax problems become findings, nothing raises.

    cache: a cache.RecordCache to take unchanged records from (fresh: paths always read).
    """
    findings = Findings()
    site = load_site(root, findings)
    broken_counties: dict[str, str] = {}
    broken_catalogues: dict[str, str] = {}
    broken_items: dict[tuple[str, str], str] = {}
    counties = load_counties(root, findings, broken_counties)
    catalogues, record_schema = load_catalogues(
        root, findings, broken_catalogues, broken_items, cache.good_schemas if cache is not None else None
    )
    project = Project(
        root, site, counties, catalogues, [], findings, record_schema, broken_counties, broken_catalogues, broken_items, cache
    )
    if cache is not None:
        cache.begin(project, fresh)
    project.records = load_records(root, counties, findings, cache)
    return project
