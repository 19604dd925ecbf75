"""Hostile or broken files, YAML 1.1 surprises, unsafe markup and attachments: each is one
clear finding at its place, never a traceback."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinyrepo import BALANCED_LEDGER, BUREAU, FIXTURES, VILLAGE, VILLAGE_YML, is_chinese, make_repo, notice, pdf

from gongkai.findings import ERROR, Findings
from gongkai.load import MAX_RECORD_BYTES, load, read_record
from gongkai.validate import MARKUP_HINT, MAX_ATTACHMENT_BYTES, Validator, markup_in
from gongkai.yamltext import MAX_DEPTH, MAX_NODES

NOTICE = notice()  # a valid village notice: 5 lines of front matter, then 正文。


def only(findings, file):
    """(code, line) of every finding, checking that each is about `file`."""
    assert all(f.file == file for f in findings), findings
    return [(f.code, f.line) for f in findings]


# Files that cannot be read as a record ----------------------------------------------------


def test_gbk_file_says_it_looks_like_gbk_and_how_to_save_as_utf8(repo):
    path = repo.record("gbk.md", NOTICE.replace("正文", "村务公开正文").encode("gbk"))
    (f,) = repo.findings()
    assert (f.file, f.code, f.line) == (path, "file-encoding", 3)
    assert f.message == "文件不是 UTF-8 编码，看起来是 GBK（简体中文 Windows 的默认编码）"
    assert "另存为" in f.hint and "UTF-8" in f.hint


def test_utf16_file_from_notepad_is_an_encoding_finding_not_binary(repo):
    path = repo.record("unicode.md", NOTICE.encode("utf-16"))
    assert only(repo.findings(), path) == [("file-encoding", 1)]
    assert "UTF-16" in repo.findings()[0].message


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_bom_and_windows_line_ends_are_accepted(repo, newline):
    path = repo.record("bom.md", b"\xef\xbb\xbf" + NOTICE.replace("\n", newline).encode("utf-8"))
    project = repo.check()
    assert project.findings == []
    (record,) = project.records
    assert (record.path, record.title, record.body) == (path, "关于召开村民代表会议的通知", "正文。\n")


def test_duplicate_key_is_an_error_on_the_second_one(repo):
    path = repo.record("dup.md", notice(extra="contact: 王会计\ncontact: 李会计\n"))
    (f,) = repo.findings()
    assert (f.file, f.code, f.severity, f.line, f.field) == (path, "yaml-duplicate-key", ERROR, 6, "contact")


def test_duplicate_key_in_a_table_row_names_the_row(repo):
    text = BALANCED_LEDGER.replace("{subject: 办公费, amount: 199.99}", "{subject: 办公费, amount: 199.99, amount: 1}")
    path = repo.record("dup.md", text)
    assert [(f.code, f.line, f.field) for f in repo.findings(path)] == [("yaml-duplicate-key", 13, "expense[1].amount")]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("catalogue: notice\ntitle: 通知\n---\n正文\n", "front-matter-missing"),
        ("\n---\ncatalogue: notice\n---\n", "front-matter-missing"),
        ("---\ncatalogue: notice\ntitle: 关于召开会议的通知\n正文\n", "front-matter-unterminated"),
    ],
)
def test_front_matter_missing_or_unterminated(repo, text, code):
    path = repo.record("a.md", text)
    assert only(repo.findings(), path) == [(code, 1)]


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_empty_file(repo, content):
    path = repo.record("empty.md", content)
    assert only(repo.findings(), path) == [("file-empty", 0)]


@pytest.mark.parametrize("name", ["scan.md", "scan.yml"])
def test_binary_file_named_as_a_record(repo, name):
    png = (FIXTURES / "records" / "record_that_is_binary.md").read_bytes()
    path = repo.record(name, png)
    assert only(repo.findings(), path) == [("file-binary", 0)]


def test_file_straight_in_content_is_a_layout_finding(repo):
    repo.write("content/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    (f,) = repo.findings()
    assert (f.file, f.code, f.message) == ("content/logo.png", "layout-category", "content/ 下不能直接放文件「logo.png」")


def test_file_over_the_size_limit(repo):
    path = repo.record("huge.md", notice(extra="contact: 王\n").replace("正文。", "正文。" * (MAX_RECORD_BYTES // 9 + 1)))
    (f,) = repo.findings()
    assert (f.file, f.code) == (path, "file-too-large")
    assert f.message.endswith("上限 2048 KB）")


# Limits: alias bombs, deep nesting, too many values --------------------------------------


def _alias_bomb() -> str:
    lines = ['lol0: &l0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "---\ncatalogue: notice\ntitle: 十亿笑声\npublished: 2014-01-08\n" + "\n".join(lines) + "\n---\n"


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("alias-bomb.md", _alias_bomb(), 5),
        ("deep-flow.md", notice(extra="contact: " + "[" * 200 + "]" * 200 + "\n"), 5),
        ("deep-block.yml", "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n", MAX_DEPTH + 2),
        ("deeper-than-libyaml.md", notice(extra="contact: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"), 5),
        ("many-values.md", notice(extra="contact: [" + "1," * (MAX_NODES + 10) + "1]\n"), 5),
    ],
)
def test_hostile_yaml_is_refused_quickly_with_one_finding(repo, name, text, line):
    path = repo.record(name, text)
    started = time.perf_counter()
    findings = repo.findings()
    # A stall guard, not a speed goal (those live in the benchmarks): the unguarded parse takes
    # minutes, a guarded one well under a second, so 30 s cannot flake on a loaded machine.
    assert time.perf_counter() - started < 30
    (f,) = findings
    assert (f.file, f.code, f.line) == (path, "yaml-too-large", line)
    assert "锚点" in f.hint


@pytest.mark.parametrize(
    "body",
    [
        "第一段。\n\n" + "[" * 2000,  # 2,000 unpaired brackets: Python-Markdown needs seconds
        "第一段。\n\n" + "[" * 1000 + "字" * 100_000,  # … or 79 s
        "第一段。\n\n" + "[a](" * 10_000,
        "第一段。\n\n" + "<a " * 20_000,
    ],
)
def test_body_that_would_stall_markdown_is_refused_quickly(repo, body):
    path = repo.record("a.md", NOTICE.replace("正文。\n", body))
    started = time.perf_counter()
    found = [(f.code, f.line, f.field) for f in repo.findings()]
    assert time.perf_counter() - started < 30  # a stall guard (79 s unguarded), see above
    assert found == [("body-too-complex", 8, "body")]
    assert repo.findings()[0].file == path


def test_long_tables_and_lists_of_links_are_not_too_complex(repo):
    rows = "".join(f"| [文件{i}](https://www.xuchang.gov.cn/{i}.pdf) | 说明（第{i}项） |\n" for i in range(800))
    links = "".join(f"- [文件{i}](https://www.xuchang.gov.cn/{i}.pdf)\n" for i in range(800))
    repo.record("a.md", NOTICE.replace("正文。\n", f"| 文件 | 说明 |\n|---|---|\n{rows}\n{links}"))
    assert repo.findings() == []


# Names that differ only in case, symbolic links ------------------------------------------


def test_two_files_differing_only_in_case(repo):
    first = repo.record("notice.md", NOTICE)
    second = repo.record("Notice.md", notice(title="关于第二次会议的通知"))
    project = repo.check()
    assert [(f.file, f.code, f.message) for f in project.findings] == [
        (second, "file-case-clash", f"与 {first} 只有大小写不同；在 Windows 上两者是同一个文件")
    ]
    assert [r.path for r in project.records] == [first]


def test_two_unit_folders_differing_only_in_case(repo):
    repo.record("a.md", NOTICE)
    repo.record("b.md", notice(title="关于第二次会议的通知"), folder="content/village/demo/Cun")
    (f,) = repo.findings()
    assert (f.file, f.code) == ("content/village/demo/Cun", "file-case-clash")
    assert f.message == f"文件夹与 {VILLAGE} 只有大小写不同；在 Windows 上两者是同一个文件夹"


def test_symlinked_record_and_unit_folder_are_findings(repo, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "a.md").write_text(NOTICE, "utf-8")
    (repo.root / VILLAGE).mkdir(parents=True)
    (repo.root / BUREAU).parent.mkdir(parents=True)
    os.symlink(outside / "a.md", repo.root / VILLAGE / "a.md")
    os.symlink(outside, repo.root / BUREAU)
    found = sorted((f.file, f.code) for f in repo.findings())
    assert found == [(BUREAU, "file-symlink"), (f"{VILLAGE}/a.md", "file-symlink")]


# YAML 1.1 surprises: the schema decides the type ----------------------------------------

TYPES_ITEM = """
  - id: types
    name: 类型测试
    period: none
    schema:
      type: object
      properties:
        code: {title: 编码, type: string}
        amount: {title: 金额, type: number}
        count: {title: 件数, type: integer}
        forwarded: {title: 审核转报, type: boolean}
"""


@pytest.fixture
def typed(repo):
    """The tiny repository with an item that has a text, a number, an integer and a yes/no field."""
    repo.write("catalogues/village.yml", VILLAGE_YML + TYPES_ITEM)
    return repo


def typed_record(repo, line: str):
    path = repo.record("t.md", f"---\ncatalogue: types\ntitle: 类型测试记录\npublished: 2014-01-08\n{line}\n---\n")
    project = repo.check()
    return [f for f in project.findings if f.file == path], project.records[0].meta


@pytest.mark.parametrize(
    ("line", "key", "meant"),
    [
        ("code: no", "code", "no"),  # YAML 1.1: false
        ("code: on", "code", "on"),  # YAML 1.1: true
        ("code: 0374", "code", "0374"),  # YAML 1.1: 252 (octal)
        ("code: 2013-12-01", "code", "2013-12-01"),  # YAML 1.1: a date
        ("code: 1e3", "code", "1e3"),
        ("code: 1:30", "code", "1:30"),  # YAML 1.1: 90 (base 60)
        ("code: 0.10", "code", "0.10"),
        ("amount: 0374", "amount", 374),  # a number with a leading zero is still that number
        ("amount: 1e3", "amount", 1000.0),
        ("amount: 1_200.50", "amount", 1200.5),
        ("count: 08", "count", 8),  # YAML 1.1 gives up on 08 (not octal) and keeps text
        ("forwarded: no", "forwarded", False),
        ("forwarded: on", "forwarded", True),
    ],
)
def test_the_schema_decides_what_was_meant(typed, line, key, meant):
    findings, meta = typed_record(typed, line)
    assert findings == []
    assert meta[key] == meant and type(meta[key]) is type(meant)


def test_period_2013_12_stays_a_month(repo):
    repo.record("ledger.md", BALANCED_LEDGER)
    project = repo.check()
    assert project.findings == []
    assert project.records[0].meta["period"] == "2013-12"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("amount: 1:30", "「金额（amount）」应填数字，现在是「1:30」"),  # not 90
        ("amount: 12,000.00", "「金额（amount）」应填数字，现在是「12,000.00」"),
        ("count: 1.5", "「件数（count）」应填整数，现在是「1.5」"),
    ],
)
def test_a_number_that_is_not_one_is_shown_as_typed(typed, line, shown):
    findings, _ = typed_record(typed, line)
    assert [(f.code, f.line, f.message) for f in findings] == [("field-type", 5, shown)]


def test_yes_no_in_chinese_is_a_type_finding_that_shows_what_was_typed(typed):
    findings, _ = typed_record(typed, "forwarded: 是")
    assert [(f.code, f.line, f.field) for f in findings] == [("field-type", 5, "forwarded")]
    assert "「是」" in findings[0].message and "true" in findings[0].message



@pytest.mark.parametrize(
    "value, tag",
    [("!!binary aGVsbG8=", "!!binary"), ("!!python/object/apply:os.system [ls]", "!!python/object/apply:os.system"),
     ("!foo 文字", "!foo"), ("!<tag:yaml.org,2002:str> 文字", "!<tag:yaml.org,2002:str>")],
)
def test_a_yaml_tag_is_an_error_at_its_place_and_the_value_stays_text(repo, value, tag):
    path = repo.record("tag.md", notice(extra=f"contact: {value}\n"))
    f = repo.findings(path)[0]  # a list after the tag is also not the text the field wants
    assert (f.code, f.severity, f.line, f.column, f.field) == ("yaml-tag", ERROR, 5, 10, "contact")
    assert f"「{tag}」" in f.message and is_chinese(f.message) and "加引号" in f.hint
    (record,) = [r for r in repo.check().records if r.path == path]
    assert not isinstance(record.meta["contact"], bytes)



@pytest.mark.parametrize("escape", ["\\0", "\\e", "\\x1b", "\\x7f", "\\x9b", "\\uffff", "\\a"])
def test_a_control_character_written_as_an_escape_is_named_at_its_field(repo, escape):
    path = repo.record("esc.md", notice(title=f'"关于召开{escape}会议的通知"'))
    (f,) = repo.findings(path)
    assert (f.code, f.severity, f.line, f.field) == ("yaml-control-character", ERROR, 3, "title")
    assert "控制字符 U+" in f.message and "转义" in f.hint


def test_escapes_of_line_breaks_and_tabs_are_text(repo):
    path = repo.record("esc.md", notice(extra='contact: "王会计\\t李会计\\n张会计"\n'))
    assert repo.findings(path) == []


def test_an_invalid_unicode_escape_is_explained_in_chinese(repo):
    path = repo.record("esc.md", notice(title='"关于\\ud800的通知"'))
    (f,) = repo.findings(path)
    assert f.code == "yaml-syntax" and "\\u 转义" in f.message and "found" not in f.message


def test_text_that_only_looks_like_a_tag_is_text(repo):
    path = repo.record("bang.md", notice(extra="contact: '!!binary 王会计!'\n"))
    assert repo.findings(path) == []



def test_lists_nested_too_deep_for_markdown_are_named_and_never_break_a_page(repo):
    from gongkai.pages.body import body_html
    from gongkai.validate import MAX_NESTING

    deep = "".join("    " * i + f"- 第{i}项\n" for i in range(300))
    path = repo.record("deep.md", NOTICE.replace("正文。\n", "说明：\n\n" + deep))
    (f,) = repo.findings(path)
    assert (f.code, f.severity, f.field) == ("body-too-complex", ERROR, "body")
    assert f.line == 8 + 299 and "（299 层" in f.message and "4 个空格" in f.hint
    html = body_html(deep)  # a build of the past shows it all the same, as plain text
    assert "第299项" in html and "第0项" in html
    shallow = "".join("    " * i + f"- 第{i}项\n" for i in range(MAX_NESTING))
    assert repo.findings(repo.record("ok.md", NOTICE.replace("正文。\n", "说明：\n\n" + shallow))) == []


# Unsafe markup ----------------------------------------------------------------------------


def test_script_in_the_title_is_named_with_the_field_and_the_line(repo):
    path = repo.record("a.md", notice(title="关于<script>alert(1)</script>的通知"))
    (f,) = repo.findings()
    assert (f.file, f.code, f.severity, f.line, f.field) == (path, "unsafe-markup", ERROR, 3, "title")
    assert f.message == "「标题（title）」含有网页代码：<script>（会运行脚本）"
    assert f.hint == MARKUP_HINT


def test_body_findings_are_on_the_file_line(repo):
    body = "第一段。\n\n第二段<img src=x onerror=alert(1)>。\n\n[点我](javascript:alert(1))\n"
    path = repo.record("a.md", NOTICE.replace("正文。\n", body))
    found = [(f.code, f.line, f.field, f.message) for f in repo.findings(path)]
    assert found == [
        ("unsafe-markup", 8, "body", "正文含有网页代码：onerror=（事件属性，会运行脚本）"),
        ("unsafe-markup", 10, "body", "正文含有网页代码：javascript: 链接（会运行脚本或打开伪造的网页）"),
    ]



# Addresses that reach another host once a browser reads them: backslashes are slashes,
# blanks at the ends and tabs or line breaks inside are dropped.
OUTSIDE_IMAGES = [
    "![图](https://evil.example/a.png)",
    "![图](/\\evil.example/a.png)",
    '<img src="\\\\evil.example/a.png">',
    '<img src=" //evil.example/a.png">',
    '<img src="&#9;//evil.example/a.png">',
    '<img src="/&#10;/evil.example/a.png">',
    '<img src="HTTPS://evil.example/a.png">',
    '<img src="ftp://evil.example/a.png">',
]


@pytest.mark.parametrize("image", OUTSIDE_IMAGES)
def test_an_image_from_another_host_is_named_and_never_reaches_the_page(repo, image):
    from gongkai.pages.body import body_html

    path = repo.record("a.md", NOTICE.replace("正文。\n", f"第一段。\n\n{image}\n"))
    (f,) = repo.findings(path)
    assert (f.code, f.severity, f.line, f.field) == ("unsafe-markup", ERROR, 8, "body")
    assert "指向其他网站的图片" in f.message and "附件" in f.message
    assert "evil.example" not in body_html(f"第一段。\n\n{image}\n")


def test_images_inside_the_site_stay(repo):
    from gongkai.pages.body import body_html
    from gongkai.urls import leaves_site

    for inside in ["a.png", "/media/a.png", "../a.png", "./a%5C/b.png", "data:image/png;base64,AAAA"]:
        assert not leaves_site(inside), inside
    path = repo.record("a.md", NOTICE.replace("正文。\n", "![图](../media/a.png)\n"))
    assert repo.findings(path) == []
    assert 'src="../media/a.png"' in body_html("![图](../media/a.png)")


@pytest.mark.parametrize(
    "image",
    ["![示意图](data:image/png;base64,iVBORw0KGgo=)", '<img src="data:image/png;base64,iVBORw0KGgo=" alt="图">',
     '<image src="https://evil.example/b.png">', "![图](file:///C:/Users/办公室/图.png)"],
)
def test_a_picture_the_page_cannot_show_is_named_not_dropped_without_a_word(repo, image):
    """The sanitiser keeps images at http, https or a relative address only; a browser reads
    <image> as <img>. Such a picture passed check and vanished from the page."""
    from gongkai.pages.body import body_html

    path = repo.record("a.md", NOTICE.replace("正文。\n", f"第一段。\n\n{image}\n"))
    (f,) = repo.findings(path)
    assert (f.code, f.severity, f.line, f.field) == ("unsafe-markup", ERROR, 8, "body")
    assert "图片" in f.message and "附件" in f.message
    assert "src=" not in body_html(image)


def test_body_of_a_yaml_record_counts_lines_from_its_block(repo):
    text = "catalogue: notice\ntitle: 关于召开会议的通知\npublished: 2014-01-08\nbody: |\n  第一行\n  <style>body{display:none}</style>\n"
    path = repo.record("a.yml", text)
    assert only(repo.findings(), path) == [("unsafe-markup", 6)]


def test_multi_line_field_and_table_cell_point_at_their_lines(repo):
    path = repo.record("a.md", notice(extra="contact: |\n  王会计\n  <iframe src=x></iframe>\n"))
    assert [(f.line, f.field) for f in repo.findings(path)] == [(7, "contact")]
    ledger = BALANCED_LEDGER.replace("{subject: 办公费,", '{subject: "<svg onload=alert(1)>",')
    path = repo.record("2013-12-ledger.md", ledger)
    (f,) = repo.findings(path)
    assert (f.line, f.field) == (13, "expense[1].subject")
    assert f.message == "「支出项目（expense[1].subject）」含有网页代码：<svg>（其中可以藏有脚本）、onload=（事件属性，会运行脚本）"


def test_attachment_title_and_keywords_are_checked(repo):
    repo.write(f"{VILLAGE}/a.pdf", pdf([["Minutes"]]))
    extra = 'keywords: [会议, "<a href=\'jav&#x09;ascript:alert(1)\'>x</a>"]\nattachments:\n  - {file: a.pdf, title: "<b onmouseover=alert(1)>纪要</b>"}\n'
    path = repo.record("a.md", notice(extra=extra))
    assert [(f.line, f.field) for f in repo.findings(path)] == [(5, "keywords[1]"), (7, "attachments[0].title")]


@pytest.mark.parametrize(
    "text",
    [
        "第一行<br>第二行，面积 10m<sup>2</sup>，**加粗**，*斜体*",
        "| 项目 | 金额 |\n|:--|--:|\n| 办公费 | 199.99 |",
        "详见[县政府网站](http://www.xiangcheng.gov.cn/)和 <http://www.xuchang.gov.cn>，邮箱 <ban@example.cn>",
        "R&D 经费；会议时间 9:30；比例 3:1；a < b 且 c > d；数据（data: 见附件）",
        "{{7*7}} ${7*7} &lt;script&gt;",
    ],
)
def test_ordinary_text_and_markdown_are_not_markup(repo, text):
    repo.record("a.md", NOTICE.replace("正文。", text))
    repo.record("b.md", notice(title="关于第二次会议的通知", extra=f"contact: '{text}'\n" if "\n" not in text else ""))
    assert repo.findings() == []


def test_markup_inside_a_code_span_is_still_reported(repo):
    # Python-Markdown would show `<script>` as text; a disclosure has no reason to hold it.
    path = repo.record("a.md", NOTICE.replace("正文。", "请勿输入 `<script>` 标签"))
    assert only(repo.findings(), path) == [("unsafe-markup", 6)]


def test_record_with_unsafe_markup_is_checked_in_full_and_not_published(repo):
    path = repo.record("a.md", notice(title="<script>alert(1)</script>", published="2014-1-8"))
    project = repo.check()
    assert sorted(f.code for f in project.findings if f.file == path) == ["record-format", "unsafe-markup"]
    assert [r.valid for r in project.records] == [False]


def test_every_payload_of_the_corpus_is_reported_as_a_field_and_as_a_body():
    payloads = [
        line for line in (FIXTURES / "xss" / "payloads.txt").read_text("utf-8").splitlines() if line and not line.startswith("#")
    ]
    assert len(payloads) >= 30
    missed = [p for p in payloads if not markup_in(p) or not markup_in(p, markdown_text=True)]
    assert missed == []


# Attachments: the bytes decide the type --------------------------------------------------


def _zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            name, data = name if isinstance(name, tuple) else (name, b"<x/>")
            z.writestr(name, data)
    return out.getvalue()


PDF = pdf([["Minutes of the village meeting"]])
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")
DOCM = _zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")
OFD = _zip("OFD.xml", "Doc_0/Document.xml")
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8

ACCEPTED = [
    ("minutes.pdf", PDF),
    ("SCAN.PDF", PDF),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    ("photo.jpeg", b"\xff\xd8\xff\xe1\x00\x10Exif\x00"),
    ("chart.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("logo.gif", b"GIF89a\x01\x00\x01\x00"),
    ("report.doc", OLE2),
    ("ledger.xls", OLE2),
    ("report.docx", DOCX),
    ("ledger.xlsx", XLSX),
    ("notice.ofd", OFD),
    ("list.csv", "姓名,金额\n王某某,1200\n".encode()),
    ("list-gbk.csv", "姓名,金额\n王某某,1200\n".encode("gbk")),
    ("readme.txt", "\ufeff说明文字\n".encode()),
]


@pytest.mark.parametrize(("name", "data"), ACCEPTED)
def test_attachment_whose_bytes_match_its_extension_is_accepted(repo, name, data):
    repo.write(f"{VILLAGE}/{name}", data)
    repo.record("a.md", notice(extra=f"attachments:\n  - {{file: {name}, title: 附件}}\n"))
    # These stubs have the right bytes at the start and nothing readable after: the type
    # is accepted; the personal-data scan may only say it could not read them (a warning).
    assert [(f.code, f.severity) for f in repo.findings() if f.code != "pii-attachment-unchecked"] == []
    assert not repo.check().findings.errors


REFUSED = [
    ("setup.pdf", EXE, "附件「setup.pdf」的扩展名是 .pdf，但文件内容是可执行程序"),
    ("bundle.pdf", _zip("a.txt"), "附件「bundle.pdf」的扩展名是 .pdf，但文件内容是压缩包（zip）"),
    ("page.pdf", HTML, "附件「page.pdf」的扩展名是 .pdf，但文件内容是网页（HTML），其中可以藏有脚本"),
    ("chart.png", SVG, "附件「chart.png」的扩展名是 .png，但文件内容是SVG 图像，其中可以藏有脚本"),
    ("notes.txt", b"  <html><script>alert(1)</script>", "附件「notes.txt」的扩展名是 .txt，但文件内容是网页（HTML），其中可以藏有脚本"),
    ("macro.docx", DOCM, "附件「macro.docx」的扩展名是 .docx，但文件内容是含有宏（VBA 程序）的 Office 文件"),
    ("ledger.xlsx", DOCX, "附件「ledger.xlsx」的扩展名是 .xlsx，但文件内容是Word 文档（.docx）"),
    ("report.doc", b"{\\rtf1\\ansi report}", "附件「report.doc」的扩展名是 .doc，但文件内容是RTF 格式文档（其中可以嵌入程序）"),
    ("photo.jpg", PDF, "附件「photo.jpg」的扩展名是 .jpg，但文件内容是PDF 文件"),
    ("broken.docx", b"PK\x03\x04 truncated", "附件「broken.docx」的扩展名是 .docx，但文件内容是无法识别的二进制数据（文件可能已损坏）"),
    ("data.csv", b"\x00\x01\x02\xff\xfe binary", "附件「data.csv」的扩展名是 .csv，但文件内容是无法识别的二进制数据（文件可能已损坏）"),
    ("empty.pdf", b"", "附件「empty.pdf」的扩展名是 .pdf，但文件内容是空文件"),
    ("page.html", HTML, "附件「page.html」的类型（.html）不允许上传：网页和 SVG 图像中可以藏有脚本"),
    ("logo.svg", SVG, "附件「logo.svg」的类型（.svg）不允许上传：网页和 SVG 图像中可以藏有脚本"),
    ("setup.exe", EXE, "附件「setup.exe」的类型（.exe）不允许上传"),
    ("archive.zip", _zip("a.txt"), "附件「archive.zip」的类型（.zip）不允许上传"),
    ("README", b"text", "附件「README」的类型（无扩展名）不允许上传"),
    # Programs with a document's header in them (polyglots), and documents carrying programs.
    ("elf.pdf", ELF[:0x300] + PDF + ELF[0x300:], "附件「elf.pdf」的扩展名是 .pdf，但文件内容是可执行程序"),
    ("tail.pdf", PDF[:9] + b"%" + ELF, "附件「tail.pdf」的扩展名是 .pdf，但文件内容是可执行程序"),
    ("dos.pdf", b"MZ\x90\x00" + b"\x00" * 60 + PDF, "附件「dos.pdf」的扩展名是 .pdf，但文件内容是可执行程序"),
    ("mach.pdf", b"\xcf\xfa\xed\xfe" + b"\x00" * 200 + PDF, "附件「mach.pdf」的扩展名是 .pdf，但文件内容是可执行程序"),
    ("Main.pdf", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + PDF, "附件「Main.pdf」的扩展名是 .pdf，但文件内容是可执行程序"),
    ("run.pdf", b"#!/bin/sh\nrm -rf ~\nexit\n" + PDF, "附件「run.pdf」的扩展名是 .pdf，但文件内容是可执行的脚本程序（以 #! 开头）"),
    ("run.txt", b"#!/usr/bin/env python\nprint(1)\n", "附件「run.txt」的扩展名是 .txt，但文件内容是可执行的脚本程序（以 #! 开头）"),
    ("both.pdf", PDF + _zip("a.txt"), "附件「both.pdf」的扩展名是 .pdf，但文件内容是同时又是压缩包的文件（一个文件伪装成两种格式）"),
    ("tool.docx", _zip("[Content_Types].xml", "word/document.xml", "word/embeddings/tool.exe"),
     "附件「tool.docx」的扩展名是 .docx，但文件内容是夹带了可执行程序的文件（压缩包中有程序）"),
    ("hidden.xlsx", _zip("[Content_Types].xml", "xl/workbook.xml", ("xl/media/image1.png", ELF)),
     "附件「hidden.xlsx」的扩展名是 .xlsx，但文件内容是夹带了可执行程序的文件（压缩包中有程序）"),
    ("hidden.ofd", _zip("OFD.xml", ("Doc_0/Res/logo.png", b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00")),
     "附件「hidden.ofd」的扩展名是 .ofd，但文件内容是夹带了可执行程序的文件（压缩包中有程序）"),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSED)
def test_attachment_of_a_type_not_allowed_is_one_finding(repo, name, data, message):
    repo.write(f"{VILLAGE}/{name}", data)
    path = repo.record("a.md", notice(extra=f"attachments:\n  - title: 附件\n    file: {name}\n"))
    found = [(f.file, f.code, f.line, f.field, f.message) for f in repo.findings()]
    assert found == [(path, "record-attachment-type", 7, "attachments[0].file", message)]
    assert "允许的附件类型" in repo.findings()[0].hint


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("header.pdf", b"%PDF-1.4\n", "PDF 文件已损坏或不完整，无法打开（"),
        ("cut.pdf", PDF[: len(PDF) // 2], "PDF 文件已损坏或不完整，无法打开（"),
        ("stub.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "PDF 文件已损坏或不完整，无法打开（"),
    ],
)
def test_a_pdf_that_does_not_open_is_an_error(repo, name, data, why):
    repo.write(f"{VILLAGE}/{name}", data)
    path = repo.record("a.md", notice(extra=f"attachments:\n  - title: 附件\n    file: {name}\n"))
    (f,) = [f for f in repo.findings() if f.code != "pii-attachment-unchecked"]
    assert (f.file, f.code, f.severity, f.line, f.field) == (path, "record-attachment-type", ERROR, 7, "attachments[0].file")
    assert f.message.startswith(f"附件「{name}」不是能打开的 PDF：{why}")
    assert "重新导出" in f.hint


def test_a_pdf_header_within_the_first_kilobyte_is_accepted(repo):
    repo.write(f"{VILLAGE}/late.pdf", b"\r\n" * 100 + PDF)  # junk before the header, as readers allow
    repo.record("a.md", notice(extra="attachments:\n  - {file: late.pdf, title: 附件}\n"))
    assert not repo.check().findings.errors


def test_attachment_over_the_size_limit(repo):
    with open(repo.write(f"{VILLAGE}/scan.pdf", PDF), "r+b") as fh:
        fh.truncate(MAX_ATTACHMENT_BYTES + 1)  # sparse: costs no disk
    repo.record("a.md", notice(extra="attachments:\n  - {file: scan.pdf, title: 扫描件}\n"))
    (f,) = repo.findings()
    assert (f.code, f.message) == ("record-attachment-too-large", "附件「scan.pdf」太大（20.0 MB，上限 20 MB）")


@pytest.mark.parametrize("how", ["file", "folder", "outside"])
def test_attachment_reached_through_a_symlink(repo, tmp_path, how):
    folder = repo.root / VILLAGE
    folder.mkdir(parents=True)
    (folder / "real.pdf").write_bytes(PDF)
    (tmp_path / "outside.pdf").write_bytes(PDF)
    if how == "file":
        os.symlink(folder / "real.pdf", folder / "link.pdf")
        name = "link.pdf"
    elif how == "folder":
        (tmp_path / "scans").mkdir()
        (tmp_path / "scans" / "link.pdf").write_bytes(PDF)
        os.symlink(tmp_path / "scans", folder / "scans")
        name = "scans/link.pdf"
    else:
        os.symlink(tmp_path / "outside.pdf", folder / "link.pdf")
        name = "link.pdf"
    path = repo.record("a.md", notice(extra=f"attachments:\n  - {{file: {name}, title: 附件}}\n"))
    found = [(f.file, f.code, f.message) for f in repo.findings()]
    assert found == [(path, "record-attachment", "附件不能是符号链接（快捷方式）")]


def test_missing_attachment_names_a_file_that_differs_only_in_case(repo):
    repo.write(f"{VILLAGE}/Minutes.PDF", PDF)
    repo.record("a.md", notice(extra="attachments:\n  - {file: minutes.pdf, title: 会议纪要}\n"))
    (f,) = repo.findings()
    assert (f.code, f.message) == ("record-attachment", "找不到附件文件「minutes.pdf」；文件夹中有「Minutes.PDF」，文件名的大小写与记录中写的不同")


def test_attachment_in_another_units_folder(repo):
    repo.write(f"{BUREAU}/x.pdf", PDF)
    repo.record("a.md", notice(extra="attachments:\n  - {file: ../../../../government/demo/ju/x.pdf, title: 附件}\n"))
    assert [(f.code, f.message) for f in repo.findings()] == [("record-attachment", "附件必须放在本单位的文件夹中")]


# Property: random and mutated records are either valid or findings with a place ----------

SEEDS = [
    BALANCED_LEDGER.encode(),
    notice(extra="contact: 王会计\nattachments:\n  - {file: a.pdf, title: 会议纪要}\n").encode(),
    b"catalogue: notice\ntitle: \xe9\x80\x9a\xe7\x9f\xa5\xe5\x85\xac\xe5\x91\x8a\npublished: 2014-01-08\nbody: |\n  \xe6\xad\xa3\xe6\x96\x87\n",
]
HOSTILE = [
    b"\xef\xbb\xbf", b"\x00", b"\xff\xfe", "村务".encode("gbk"), b"\r", b"\t", b"---\n", b"...\n", b"&a ", b"*a", b"<<: *a\n",
    b"<script>", b"<img src=x onerror=alert(1)>", b"](javascript:", b"&#x09;", b"<!--", b"-->", b"\xe2\x80\xae", b"!!binary ",
    b"{", b"}", b"[", b"]", b": ", b"- ", b"|\n", b"'", b'"', b"\\", b"0374", b"no", b"2013-12", b"1e3", b".inf", b"../",
    b"catalogue: notice\n", b"title: x\n", b"title: y\n", b"attachments: [{file: /etc/passwd, title: t}]\n",
]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "flip", "truncate", "repeat"]))
        if action == "insert":
            data[at:at] = draw(st.sampled_from(HOSTILE) | st.binary(max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 12))]
        elif action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "truncate":
            del data[at:]
        elif action == "repeat":
            end = data.find(b"\n", at)
            data[at:at] = data[at : end + 1 if end >= 0 else len(data)]
    return bytes(data)


LOCATED_AT_FILE_LEVEL = {"file-empty", "file-binary", "file-unreadable", "file-too-large"}


@pytest.fixture(scope="module")
def fuzz_project(tmp_path_factory):
    """A loaded repository with one attachment and no records, reused by every example."""
    repo = make_repo(tmp_path_factory.mktemp("hostile") / "repo")
    repo.write(f"{VILLAGE}/a.pdf", PDF)
    return load(repo.root)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(), suffix=st.sampled_from([".md", ".yml"]))
def test_mutated_records_are_valid_or_findings_with_a_place(fuzz_project, data, suffix):
    root = fuzz_project.root
    path = root / VILLAGE / f"fuzz{suffix}"
    path.write_bytes(data)
    findings = Findings()
    record = read_record(root, path, "village", "demo", "cun", findings)
    fuzz_project.records = [record] if record else []
    fuzz_project.findings = findings
    Validator(fuzz_project).run()
    n_lines = data.count(b"\n") + data.count(b"\r") + 1
    for f in findings:
        assert f.file == f"{VILLAGE}/fuzz{suffix}"
        assert is_chinese(f.message)
        if f.code not in LOCATED_AT_FILE_LEVEL:
            assert 1 <= f.line <= n_lines, f
    if record is not None and not findings.errors:
        assert record.valid


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("<>/=\"' \n&#;:()[]!-?xsvgaimponerrorscript\t\x00")), max_size=60))
def test_any_text_is_scanned_for_markup_without_raising(text):
    for found in (markup_in(text), markup_in(text, markdown_text=True)):
        assert all(1 <= m.line <= text.count("\n") + 1 and is_chinese(m.what) for m in found), found


# Syntax mistakes point at their own line and say what is wrong (issue 9 item 11) -----------


@pytest.mark.parametrize(
    ("title_line", "code", "line", "column", "says"),
    [
        ("title:关于召开村民代表会议的通知", "yaml-syntax", 3, 6, "冒号后面缺少空格"),
        ("title：关于召开村民代表会议的通知", "yaml-syntax", 3, 6, "全角冒号「：」"),
        ("title: 关于召开\u2028村民代表会议的通知", "yaml-syntax", 3, 12, "不可见字符 U+2028（行分隔符）"),
        ("title: 关于召开\u2029村民代表会议的通知", "yaml-syntax", 3, 12, "不可见字符 U+2029（段落分隔符）"),
        ("title: 关于召开\x00村民代表会议的通知", "file-control-character", 3, 12, "控制字符 U+0000（空字符 NUL）"),
        ("title: 关于召开\x1b村民代表会议的通知", "yaml-syntax", 3, 12, "控制字符 U+001B（转义符）"),
        ("\u200btitle: 关于召开村民代表会议的通知", "record-field-name", 3, 1, "不可见字符 U+200B（零宽空格）"),
        ("\ufefftitle: 关于召开村民代表会议的通知", "yaml-syntax", 3, 1, "U+FEFF（字节顺序标记 BOM"),
        ("title:\u3000关于召开村民代表会议的通知", "yaml-syntax", 3, 6, "冒号后面是U+3000（全角空格）"),
        ("\ttitle: 关于召开村民代表会议的通知", "yaml-syntax", 3, 1, "制表符（Tab）"),
        ("title\u3000: 关于召开村民代表会议的通知", "record-field-name", 3, 1, "U+3000（全角空格）"),
        ("ｔｉｔｌｅ: 关于召开村民代表会议的通知", "record-field-name", 3, 1, "全角字母"),
    ],
)
def test_a_broken_title_line_is_reported_at_that_line_with_its_cause(repo, title_line, code, line, column, says):
    text = f"---\ncatalogue: notice\n{title_line}\npublished: 2014-01-08\n---\n正文。\n"
    path = repo.record("a.md", text)
    first = repo.findings(path)[0]
    assert (first.code, first.line, first.column) == (code, line, column)
    assert says in first.message and is_chinese(first.message) and first.hint


def test_a_nul_in_the_body_is_reported_at_its_line(repo):
    path = repo.record("a.md", notice().replace("正文。", "第一段。\n\n第二\x00段。"))
    assert [(f.code, f.line, f.column) for f in repo.findings(path)] == [("file-control-character", 8, 3)]


def test_a_file_that_is_mostly_nul_is_still_binary(repo):
    path = repo.record("a.md", "title: 通知\n".encode("utf-16-le"))
    assert [(f.code, f.line) for f in repo.findings(path)] == [("file-binary", 0)]


def test_a_line_separator_in_a_quoted_title_does_not_shift_later_lines(repo):
    text = '---\ncatalogue: notice\ntitle: "关于召开\u2028村民代表会议的通知"\npublished: 2014-13-01\n---\n正文。\n'
    path = repo.record("a.md", text)
    assert [(f.code, f.line) for f in repo.findings(path)] == [("record-format", 4)]


@pytest.mark.parametrize(
    ("catalog", "why"),
    [
        ("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", "脚本（JavaScript）"),
        ("/OpenAction << /S /Launch /F (calc.exe) >>", "启动程序的动作"),
        ("/Names << /EmbeddedFiles << /Names [(a.exe) << /Type /Filespec >>] >> >>", "嵌入的文件"),
    ],
)
def test_a_pdf_that_runs_or_carries_something_when_opened_is_an_error(repo, catalog, why):
    # The longer catalog moves every offset: the cross-reference table is written again.
    body = PDF.replace(b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Catalog /Pages 2 0 R {catalog} >>".encode())
    out = bytearray()
    offsets = []
    for line in body.split(b"\n"):
        if line.endswith(b" 0 obj"):
            offsets.append(len(out))
        if line.startswith(b"xref"):
            break
        out += line + b"\n"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode() + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    repo.write(f"{VILLAGE}/active.pdf", bytes(out))
    path = repo.record("a.md", notice(extra="attachments:\n  - title: 附件\n    file: active.pdf\n"))
    (f,) = [f for f in repo.findings() if f.code != "pii-attachment-unchecked"]
    assert (f.file, f.code, f.severity, f.field) == (path, "record-attachment-type", ERROR, "attachments[0].file")
    assert why in f.message


@pytest.mark.parametrize("name, right", [("a.MD", "a.md"), ("a.md.txt", "a.md"), ("a.markdown", "a.md"), ("a.yml.txt", "a.yml"), ("a.Yml", "a.yml")])
def test_a_record_file_with_an_ending_that_is_not_read_is_named(repo, name, right):
    """Windows hides extensions; some editors save .MD or .markdown: the clerk believed it published."""
    repo.record(name, NOTICE)
    (f,) = repo.findings()
    assert (f.file, f.code, f.severity) == (f"{VILLAGE}/{name}", "file-record-extension", ERROR)
    assert f"「{right}」" in f.hint and "不会公开" in f.message
    assert not repo.check().records


def test_attachments_are_not_mistaken_for_records(repo):
    repo.record("说明.txt", "附件说明")
    repo.record("list.pdf", pdf([["名单"]]))
    assert repo.findings() == []


def test_a_body_field_in_the_front_matter_of_a_markdown_record_is_named(repo):
    path = repo.record("b.md", notice(extra="body: 前置中的正文\n"))
    (f,) = repo.findings(path)
    assert (f.code, f.severity, f.line, f.field) == ("record-body-in-front-matter", ERROR, 5, "body")
    assert "第二个 ---" in f.message and "删去 body" in f.hint


@pytest.mark.parametrize("title, words", [('"\\u200b\\u200b\\u200b"', "看不见"), ('"\\u3000\\u200b"', "看不见"),
                                          ('"关于\\u202egnp.exe的通知"', "改变文字方向")])
def test_a_title_a_reader_cannot_see_as_written_is_named(repo, title, words):
    path = repo.record("t.md", notice(title=title))
    found = [f for f in repo.findings(path) if f.code == "record-title-hidden"]
    assert [(f.line, f.field) for f in found] == [(3, "title")] and words in found[0].message


@pytest.mark.parametrize("stem", ["stats", "search", "Kong Ge", "Xiangcheng"])
def test_a_county_file_named_what_no_site_folder_may_be_is_refused(repo, stem):
    """The county's file name is its site's folder beside the portal's own (stats/ …): a
    county named stats was drawn over by the portal's 统计 page."""
    (repo.root / "content" / "counties" / "demo.yml").rename(repo.root / "content" / "counties" / f"{stem}.yml")
    project = repo.check()
    found = [f for f in project.findings if f.code == "county-id"]
    assert [f.file for f in found] == [f"content/counties/{stem}.yml"] and found[0].is_error
    assert "小写英文字母" in found[0].hint and stem not in project.counties


@pytest.mark.parametrize("name", ["index", "page"])
def test_a_record_named_like_its_units_own_page_is_refused(repo, name):
    path = repo.record(f"{name}.md", notice())
    found = [f for f in repo.findings(path) if f.code == "record-id"]
    assert len(found) == 1 and found[0].is_error and "单位栏目页" in found[0].message


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ('"#/$defs/text"', "没有"),  # a typo: no $defs at all
        ('"#/properties/nothing"', "没有"),
        ('"http://127.0.0.1:9/s.json"', "以外"),  # jsonschema would fetch it while checking records
        ('"other.json#/a"', "以外"),
        ("7", "应是文字"),  # the meta-schema's own words, in Chinese
    ],
)
def test_a_catalogue_reference_to_nothing_or_elsewhere_is_one_finding(repo, ref, says):
    """A $ref in an item's schema either names a part of it or is refused: it gave a
    traceback (PointerToNowhere), or requests to another host, during check."""
    repo.write("catalogues/village.yml", VILLAGE_YML + TYPES_ITEM + f"        note: {{title: 说明, $ref: {ref}}}\n")
    repo.record("t.md", "---\ncatalogue: types\ntitle: 类型测试记录\npublished: 2014-01-08\ncode: A1\n---\n")
    project = repo.check()
    found = [f for f in project.findings if f.code == "catalogue-schema-invalid"]
    assert len(found) == 1 and says in found[0].message and "$ref" in found[0].message, project.findings
    assert not any(f.code.startswith("record-") and "Traceback" in f.message for f in project.findings)


def test_a_reference_to_a_part_of_the_same_definition_is_kept(repo):
    item = TYPES_ITEM.replace("      type: object\n", "      type: object\n      $defs:\n        text: {type: string}\n")
    repo.write("catalogues/village.yml", VILLAGE_YML + item + "        note: {title: 说明, $ref: \"#/$defs/text\"}\n")
    path = repo.record("t.md", "---\ncatalogue: types\ntitle: 类型测试记录\npublished: 2014-01-08\nnote: 2014\n---\n")
    project = repo.check()
    assert not [f for f in project.findings if f.code.startswith("catalogue-schema")], project.findings
    assert not [f for f in project.findings if f.file == path and f.is_error]


def test_a_misspelt_type_in_a_catalogue_is_told_in_chinese_with_the_types_to_use(repo):
    repo.write("catalogues/village.yml", VILLAGE_YML + TYPES_ITEM.replace("type: string}", "type: strng}"))
    found = [f for f in repo.check().findings if f.code == "catalogue-schema-invalid"]
    assert len(found) == 1 and "「strng」不是可用的类型" in found[0].message and "string（文字）" in found[0].message


@pytest.mark.parametrize("name", [".md", ".yml", ".MD"])
def test_a_file_named_only_by_its_ending_is_named_not_passed_over(repo, name):
    repo.write(f"{VILLAGE}/{name}", notice())
    found = [f for f in repo.check().findings if f.code == "file-record-extension"]
    assert [f.file for f in found] == [f"{VILLAGE}/{name}"] and "只有扩展名" in found[0].message


@pytest.mark.parametrize(("value", "text"), [("20140108", "20140108"), ("no", "no"), ("2014-01-08", "2014-01-08"), ("1.50", "1.50")])
def test_a_yaml_body_that_yaml_reads_as_a_number_keeps_its_text(repo, value, text):
    path = repo.record("n.yml", f"catalogue: notice\ntitle: 关于召开村民代表会议的通知\npublished: 2014-01-08\nbody: {value}\n")
    project = repo.check()
    (record,) = [r for r in project.records if r.path == path]
    assert record.body == text and record.body_line == 4


def test_an_attachment_that_is_a_folder_or_named_in_other_composed_letters_is_told_so(repo):
    repo.write(f"{VILLAGE}/re\u0301sume\u0301.csv", "项目,金额\n修路,100\n")  # NFD, as a Mac writes it
    (repo.root / VILLAGE / "dirat").mkdir()
    extra = "attachments:\n  - {file: dirat, title: 附件}\n  - {file: \"r\u00e9sum\u00e9.csv\", title: 名单}\n"
    path = repo.record("a.md", notice(extra=extra))
    found = [f for f in repo.findings(path) if f.code == "record-attachment"]
    assert [f.field for f in found] == ["attachments[0].file", "attachments[1].file"]
    assert "是一个文件夹" in found[0].message and "大小写" not in found[0].message + found[0].hint
    assert "编码方式" in found[1].message and "大小写" not in found[1].message


@pytest.mark.parametrize(("start", "says"), [("\u200b---", "U+200B"), ("\ufeff---", "U+FEFF")])
def test_an_invisible_character_before_the_first_dashes_is_named(repo, start, says):
    path = repo.record("a.md", ("\ufeff" + start + notice()[3:]).encode())  # a second BOM after the first
    (f,) = [f for f in repo.findings(path) if f.code == "front-matter-missing"]
    assert says in f.message and "重新输入" in f.hint


@pytest.mark.parametrize(
    ("data", "says"),
    [("catalogue: notice\n".encode("utf-32"), "UTF-32"), ("title: 关于𠀀的通知\n".encode("gb18030"), "GBK")],
)
def test_other_encodings_are_named_as_what_they_are(repo, data, says):
    path = repo.record("a.yml", data)
    (f,) = [f for f in repo.findings(path) if f.code == "file-encoding"]
    assert says in f.message


def test_a_field_name_of_several_lines_is_one_finding_on_one_line(repo):
    path = repo.record("a.md", notice(extra="? |\n  contact\n  person\n: 王会计\n"))
    found = [f for f in repo.findings(path) if f.code == "record-field-name"]
    assert len(found) == 1 and "\n" not in found[0].message + found[0].field + found[0].hint
    assert "好几行" in found[0].message
