"""findings: one list of findings, rendered for the terminal, for tools (JSON) and for GitHub."""

from __future__ import annotations

import json
import re

from tinyrepo import BALANCED_LEDGER, notice

from gongkai.findings import ERROR, RENDERERS, WARNING, Finding, Findings, render_github, render_json, render_terminal

LEDGER = "content/village/demo/cun/2013-12-ledger.md"
NOTICE = "content/village/demo/cun/notice.md"


def sample() -> Findings:
    found = Findings()
    found.add(
        "check-ledger-balances",
        LEDGER,
        "账不平：期初余额 12,000.00 + 本期收入 6,200.50 − 本期支出 3,199.99 = 15,000.51，但期末余额写的是 15,000.50",
        line=15,
        column=1,
        field="closing_balance",
        hint="期末余额必须等于期初余额加收入减支出；请对照账簿核对。",
    )
    found.add("record-late", LEDGER, "逾期公开", line=4, field="published", severity=WARNING)
    found.add("file-empty", NOTICE, "文件是空的", hint="填写记录内容，或者删除这个文件。")
    return found


def test_add_returns_the_finding_and_errors_leave_out_warnings():
    found = Findings()
    f = found.add("file-empty", NOTICE, "文件是空的")
    assert f == Finding(NOTICE, 0, 0, "file-empty", ERROR, "", "文件是空的", "")
    found.add("record-late", LEDGER, "逾期公开", severity=WARNING)
    assert found.errors == [f]
    assert found.for_file(LEDGER)[0].code == "record-late"


def test_terminal_groups_by_file_with_lines_in_order():
    out = render_terminal(sample())
    assert out.splitlines() == [
        LEDGER,
        "  第4行        提醒 [record-late] 「published」逾期公开",
        "  第15行第1列    错误 [check-ledger-balances] 「closing_balance」账不平：期初余额 12,000.00 + 本期收入 6,200.50 − "
        "本期支出 3,199.99 = 15,000.51，但期末余额写的是 15,000.50",
        "             提示：期末余额必须等于期初余额加收入减支出；请对照账簿核对。",
        "",
        NOTICE,
        "             错误 [file-empty] 文件是空的",
        "             提示：填写记录内容，或者删除这个文件。",
        "",
        "共 2 个文件有问题：2 个错误，1 个提醒。",
    ]


def test_terminal_caps_a_long_list_per_file():
    found = Findings()
    for line in range(1, 26):
        found.add("field-type", LEDGER, f"第 {line} 个问题", line=line)
    lines = render_terminal(found).splitlines()
    assert lines.count(LEDGER) == 1
    assert sum("[field-type]" in x for x in lines) == 20
    assert "  …… 另有 5 条" in lines
    assert "第 20 个问题" in "\n".join(lines) and "第 21 个问题" not in "\n".join(lines)
    assert lines[-1] == "共 1 个文件有问题：25 个错误，0 个提醒。"


def test_terminal_with_nothing_found():
    assert render_terminal([]) == "检查通过，没有发现问题。"


def test_json_round_trips_and_keeps_chinese_readable():
    found = sample()
    text = render_json(found)
    assert "账不平" in text
    assert [Finding(**d) for d in json.loads(text)] == sorted(found)
    assert set(json.loads(text)[0]) == {"file", "line", "column", "code", "severity", "field", "message", "hint", "label"}
    # one finding a line, for grep and diff
    assert len(text.splitlines()) == len(found) + 2 and all(json.loads(line.rstrip(",")) for line in text.splitlines()[1:-1])


def test_json_of_nothing_is_an_empty_list():
    assert json.loads(render_json([])) == []


def test_github_annotations_one_line_each_with_place_and_code():
    lines = render_github(sample()).split("\n")
    assert len(lines) == 3
    assert lines[0] == (
        f"::warning file={LEDGER},line=4,title=record-late::「published」逾期公开"
    )
    assert lines[1].startswith(f"::error file={LEDGER},line=15,col=1,title=check-ledger-balances::「closing_balance」账不平")
    assert lines[1].endswith("15,000.50%0A提示：期末余额必须等于期初余额加收入减支出；请对照账簿核对。")
    assert lines[2] == f"::error file={NOTICE},title=file-empty::文件是空的%0A提示：填写记录内容，或者删除这个文件。"
    pattern = re.compile(r"^::(error|warning) file=[^,:]+(,line=\d+)?(,col=\d+)?,title=[^,:]+::.+$")
    assert all(pattern.match(x) for x in lines)


def test_github_escapes_newlines_percent_and_property_separators():
    found = Findings()
    found.add("field-type", "content/a,b:c.md", "第一行\n第二行 100%", line=3, column=2, hint="换行\r\n之后")
    (line,) = render_github(found).split("\n")
    assert line == "::error file=content/a%2Cb%3Ac.md,line=3,col=2,title=field-type::第一行%0A第二行 100%25%0A提示：换行%0D%0A之后"


def test_every_format_is_available_by_name():
    assert set(RENDERERS) == {"terminal", "json", "github"}
    for render in RENDERERS.values():
        assert isinstance(render(sample()), str)


def test_github_annotation_of_a_real_finding_points_at_its_line(repo):
    path = repo.record("2013-12-ledger.md", BALANCED_LEDGER.replace("15000.51", "15000.50"))
    out = render_github(repo.findings())
    assert out.startswith(f"::error file={path},line=15,col=1,title=check-ledger-balances::")
    assert "\n" not in out


def test_a_value_with_full_width_digits_or_an_invisible_character_is_named(repo):
    # On screen ２０１３-06-07 and 2013-09<U+200B> look right; the finding says why they are not.
    repo.record("a.md", notice(published="２０１３-06-07"))
    repo.record("b.md", notice(extra="period: \"2013\u200b\"\n"))
    repo.record("c.md", BALANCED_LEDGER.replace("opening_balance: 12000.00", "opening_balance: １２０００.00"))
    by_file = {f.file.rsplit("/", 1)[1]: f for f in repo.findings() if f.severity == "error"}
    assert "全角" in by_file["a.md"].message and "２０１３" in by_file["a.md"].message and "0-9" in by_file["a.md"].hint
    assert "U+200B（零宽空格）" in by_file["b.md"].message and by_file["b.md"].field == "period"
    assert "全角" in by_file["c.md"].message and by_file["c.md"].field == "opening_balance"


def test_a_finding_that_quotes_a_value_masks_the_personal_numbers_in_it(repo):
    # A pattern error quotes the value; the pull request's check prints it in a public log.
    repo.record("a.md", notice(published="2013-06-07 13803741234"))
    repo.record("b.md", notice(extra='doc_number: "411023198001011237"\n'))
    for f in repo.findings():
        text = render_github([f]) + render_terminal([f]) + render_json([f])
        assert "13803741234" not in text and "411023198001011237" not in text and "19800101" not in text, text
    out = render_terminal(repo.findings())
    assert "138****1234" in out and "411023********1237" in out
