"""validate (with load): every problem is a finding with a code, a place, a field and Chinese text."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinyrepo import (
    BALANCED_LEDGER,
    BUREAU,
    COUNTY_YML,
    GOVERNMENT_YML,
    RECORDS,
    VILLAGE,
    VILLAGE_YML,
    is_chinese,
    make_repo,
    notice,
    pdf,
)

from gongkai.findings import ERROR, WARNING, Findings
from gongkai.load import load, read_record
from gongkai.validate import Validator, china_today

# (fixture in tests/fixtures/records, code, line, field, severity): exactly one finding each.
ONE_FINDING = [
    ("record_with_unbalanced_ledger.md", "check-ledger-balances", 15, "closing_balance", ERROR),
    ("record_with_duplicate_key.md", "yaml-duplicate-key", 6, "title", ERROR),
    ("record_in_gbk.md", "file-encoding", 3, "", ERROR),
    ("record_with_tab_indent.md", "yaml-syntax", 6, "", ERROR),
    ("record_with_unquoted_colon.md", "yaml-syntax", 5, "", ERROR),
    ("record_without_front_matter.md", "front-matter-missing", 1, "", ERROR),
    ("record_with_unterminated_front_matter.md", "front-matter-unterminated", 1, "", ERROR),
    ("record_with_list_front_matter.md", "record-not-mapping", 2, "", ERROR),
    ("record_with_bad_date.md", "record-format", 4, "published", ERROR),
    ("record_with_missing_title.md", "record-required", 2, "title", ERROR),
    ("record_with_unknown_validity.md", "record-enum", 5, "validity", ERROR),
    ("record_with_written_after_published.md", "record-dates-order", 5, "written", ERROR),
    ("record_with_unknown_catalogue_item.md", "record-catalogue-unknown", 2, "catalogue", ERROR),
    ("record_with_misspelt_field.md", "field-unknown", 5, "contcat", ERROR),
    ("record_with_wrong_number.md", "field-type", 6, "opening_balance", ERROR),
    ("record_with_bad_recipient_amount.md", "field-minimum", 8, "recipients[1].amount", ERROR),
    ("record_period_wrong_shape.md", "record-period-shape", 5, "period", ERROR),
    ("record_with_missing_period.md", "record-period-missing", 2, "period", ERROR),
    ("record_published_late.md", "record-late", 4, "published", WARNING),
    ("record_empty.md", "file-empty", 0, "", ERROR),
    ("record_that_is_binary.md", "file-binary", 0, "", ERROR),
]

# The full text of a clerk-facing message, pinned like jsonschema's tests pin wording.
MESSAGES = {
    "record_with_unbalanced_ledger.md": "账不平：期初余额 12,000.00 + 本期收入 6,200.50 − 本期支出 3,199.99 = 15,000.51，"
    "但期末余额写的是 15,000.50",
    "record_with_duplicate_key.md": "字段「title」写了两次；只能保留一个，否则前面的内容会丢失",
    "record_in_gbk.md": "文件不是 UTF-8 编码，看起来是 GBK（简体中文 Windows 的默认编码）",
    "record_without_front_matter.md": "记录开头缺少 --- 包围的基本信息（front matter）",
    "record_with_unterminated_front_matter.md": "基本信息（front matter）没有结束：找不到第二行 ---",
    "record_with_bad_date.md": "「发布日期（published）」应填日期（YYYY-MM-DD，例如 2013-12-01），现在是「2014-1-8」",
    "record_with_missing_title.md": "缺少必填字段「标题（title）」",
    "record_with_unknown_validity.md": "「有效性（validity）」只能填：有效、失效、废止；现在是「有校」",
    "record_with_written_after_published.md": "成文日期 2014-01-09 晚于发布日期 2014-01-08",
    "record_with_unknown_catalogue_item.md": "「村务公开」目录中没有事项「finance-legder」",
    "record_with_misspelt_field.md": "「村务公告」没有字段「contcat」，它不会出现在公开页面上",
    "record_with_wrong_number.md": "「期初余额（opening_balance）」应填数字，现在是「12,000.00」",
    "record_with_bad_recipient_amount.md": "「金额（amount）」不能小于 0，现在是「-5」",
    "record_period_wrong_shape.md": "「村级财务收支公开」每月公开一次，所属期间应写成 2013-12 的样子，现在是「2013-Q4」",
    "record_published_late.md": "逾期公开：2013-12 的「村级财务收支公开」应在 2014-01-10 前公开，实际发布于 2014-02-20",
    "record_empty.md": "文件是空的",
    "record_that_is_binary.md": "这是二进制文件，不是文本记录",
}


@pytest.mark.parametrize(("fixture", "code", "line", "field", "severity"), ONE_FINDING)
def test_fixture_gives_one_finding_at_the_offending_line(repo, fixture, code, line, field, severity):
    path = repo.fixture(fixture)
    findings = repo.findings()
    assert [(f.file, f.code, f.line, f.field, f.severity) for f in findings] == [(path, code, line, field, severity)]
    assert is_chinese(findings[0].message)


@pytest.mark.parametrize(("fixture", "message"), sorted(MESSAGES.items()))
def test_message_wording(repo, fixture, message):
    repo.fixture(fixture)
    assert [f.message for f in repo.findings()] == [message]


def test_every_fixture_is_in_the_table():
    tabled = {row[0] for row in ONE_FINDING} | {"record_with_leading_zero_code.md", "record_with_no_as_text.md"}
    assert {p.name for p in RECORDS.iterdir()} == tabled


def test_hints_name_what_to_write_instead(repo):
    repo.fixture("record_with_unknown_catalogue_item.md")
    repo.fixture("record_with_misspelt_field.md")
    hints = {f.code: f.hint for f in repo.findings()}
    assert "finance-ledger（村级财务收支公开）" in hints["record-catalogue-unknown"]
    assert "contact（联系人）" in hints["field-unknown"]


def test_late_record_is_only_a_warning_and_stays_publishable(repo):
    path = repo.fixture("record_published_late.md")
    project = repo.check()
    assert [r.valid for r in project.records if r.path == path] == [True]
    assert project.findings.errors == []


def test_code_with_leading_zero_is_read_as_written(repo):
    path = repo.fixture("record_with_leading_zero_code.md")
    project = repo.check()
    assert project.findings == []
    (record,) = [r for r in project.records if r.path == path]
    assert record.meta["code"] == "0374"


def test_no_is_text_where_the_schema_wants_text(repo):
    path = repo.fixture("record_with_no_as_text.md")
    project = repo.check()
    assert project.findings == []
    (record,) = [r for r in project.records if r.path == path]
    assert record.meta["vote"] == "no"


def test_wrong_value_is_shown_as_the_clerk_typed_it(repo):
    repo.record("bad-vote.md", notice(extra="vote: off\n"))  # YAML 1.1 would read this as false
    messages = [f.message for f in repo.findings()]
    assert messages == ["「表决意见（vote）」只能填：yes、no、abstain；现在是「off」"]


def test_unquoted_no_in_a_catalogue_required_list_is_the_field_name(repo):
    catalogue = (repo.root / "catalogues/government.yml").read_text("utf-8")
    repo.write("catalogues/government.yml", catalogue.replace('required: ["no", name]', "required: [no, name]"))
    repo.record(
        "caikuang.md",
        "---\ncatalogue: power\ntitle: 采矿许可\npublished: 2014-01-08\nsteps:\n  - {no: 1, name: 受理}\n  - {no: 2, name: 审查}\n---\n",
        BUREAU,
    )
    assert repo.findings() == []


# All problems at once --------------------------------------------------------------------


def test_three_problems_in_the_common_fields_are_three_findings(repo):
    path = repo.record("three.md", "---\ncatalogue: notice\ntitle: 通\npublished: 2014-1-8\nvalidity: 有校\n---\n")
    found = [(f.line, f.code, f.field) for f in repo.findings(path)]
    assert sorted(found) == [(3, "record-minLength", "title"), (4, "record-format", "published"), (5, "record-enum", "validity")]


def test_three_problems_in_the_item_fields_are_three_findings(repo):
    text = BALANCED_LEDGER.replace("opening_balance: 12000.00", "opening_balance: 一万二").replace(
        "amount: 1200.50", "amount: -1200.50"
    )
    text = text.replace("expense_total: 3199.99\n", "")
    path = repo.record("three.md", text)
    found = sorted((f.line, f.code, f.field) for f in repo.findings(path))
    assert found == [
        (2, "field-required", "expense_total"),
        (6, "field-type", "opening_balance"),
        (9, "field-minimum", "income[1].amount"),
    ]


def test_misspelt_required_field_is_named_where_it_was_typed(repo):
    path = repo.record("typo.md", BALANCED_LEDGER.replace("opening_balance:", "opening_balanse:"))
    found = {(f.code, f.field, f.line) for f in repo.findings(path)}
    assert ("field-required", "opening_balance", 2) in found
    assert any(field == "opening_balanse" and line == 6 for _, field, line in found)


def test_bad_files_each_get_findings_and_a_valid_record_among_them_still_passes(repo):
    bad = [repo.fixture(row[0]) for row in ONE_FINDING if row[4] == ERROR]
    good = repo.record("2013-12-ledger.md", BALANCED_LEDGER)
    project = repo.check()
    files_with_findings = {f.file for f in project.findings}
    assert set(bad) <= files_with_findings
    assert good not in files_with_findings
    (record,) = [r for r in project.records if r.path == good]
    assert record.valid
    assert record.meta["closing_balance"] == 15000.51
    assert record.index_no == "54411099MF0000101X/2014-00001"


# Attachments -----------------------------------------------------------------------------


def test_attachment_next_to_the_record_is_accepted(repo):
    repo.write(f"{VILLAGE}/minutes.pdf", pdf([["Minutes of the villagers meeting"]]))
    repo.record("a.md", notice(extra="attachments:\n  - {file: minutes.pdf, title: 会议纪要}\n"))
    assert repo.findings() == []


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("minutes.pdf", "找不到附件文件「minutes.pdf」"),
        ("../../../../government/demo/ju/x.pdf", "附件必须放在本单位的文件夹中"),
        ("/etc/passwd", "附件必须放在本单位的文件夹中"),
    ],
)
def test_attachment_problems_point_at_the_file_line(repo, file, message):
    repo.write(f"{BUREAU}/x.pdf", b"%PDF-1.4\n")
    path = repo.record("a.md", notice(extra=f"attachments:\n  - file: {file}\n    title: 会议纪要\n"))
    found = [(f.code, f.line, f.field, f.message) for f in repo.findings(path)]
    assert found == [("record-attachment", 6, "attachments[0].file", message)]


def test_attachment_name_with_a_nul_byte_is_a_finding_not_a_crash(repo):
    path = repo.record("a.md", notice(extra='attachments:\n  - {file: "minutes\\0.pdf", title: 会议纪要}\n'))
    found = [(f.code, f.line) for f in repo.findings(path)]
    assert found == [("yaml-control-character", 6), ("record-attachment", 6)]


def test_infinite_amounts_are_a_finding_on_the_field(repo):
    text = BALANCED_LEDGER.replace("income_total: 6200.50", "income_total: .inf").replace(
        "expense_total: 3199.99", "expense_total: .inf"
    )
    path = repo.record("inf.md", text)
    found = repo.findings(path)
    assert found, "an infinite amount must not pass"
    assert "check-failed" not in {f.code for f in found}
    assert all(f.line >= 1 and f.field for f in found)


def test_empty_front_matter_points_at_a_line(repo):
    path = repo.record("empty-front.md", "---\n---\n正文。\n")
    found = repo.findings(path)
    assert [f.code for f in found] == ["record-not-mapping"]
    assert found[0].line >= 1


# Records as pure YAML --------------------------------------------------------------------


def test_yaml_record_with_body_field(repo):
    path = repo.record(
        "notice.yml", "catalogue: notice\ntitle: 关于召开村民代表会议的通知\npublished: 2014-01-08\nbody: |\n  正文第一段。\n"
    )
    project = repo.check()
    assert project.findings == []
    (record,) = project.records
    assert (record.path, record.body, record.body_line) == (path, "正文第一段。\n", 4)


def test_yaml_record_written_as_markdown_front_matter_gets_a_chinese_message(repo):
    path = repo.record("notice.yml", notice())
    found = repo.findings(path)
    assert [(f.code, f.line) for f in found] == [("yaml-syntax", 5)]
    assert not re.search(r"[A-Za-z]{3,}", found[0].message.replace("YAML", ""))


# Checks across records -------------------------------------------------------------------


def test_duplicate_index_no_names_the_first_record(repo):
    number = "index_no: 54411099MF0000101X/2014-00003\n"
    first = repo.record("a.md", notice(extra=number))
    second = repo.record("b.md", notice(title="关于第二次会议的通知", extra="contact: 王会计\n" + number))
    found = [(f.file, f.code, f.line, f.field, f.message) for f in repo.findings()]
    assert found == [
        (second, "record-index-no-duplicate", 6, "index_no", f"索引号 54411099MF0000101X/2014-00003 已被 {first} 使用")
    ]


def test_duplicate_period_of_a_periodic_item_in_one_unit(repo):
    first = repo.record("2013-12-ledger.md", BALANCED_LEDGER)
    second = repo.record("2013-12-ledger-again.md", BALANCED_LEDGER)
    found = [(f.file, f.code, f.line, f.field, f.message) for f in repo.findings()]
    assert found == [(first, "record-period-duplicate", 5, "period", f"「村级财务收支公开」2013-12 已由 {second} 公开过")]


def test_superseded_record_does_not_count_for_its_period(repo):
    repo.record("2013-12-ledger.md", BALANCED_LEDGER)
    repo.record("2013-12-ledger-old.md", BALANCED_LEDGER.replace("period: 2013-12\n", "period: 2013-12\nvalidity: 失效\n"))
    assert repo.findings() == []


def test_different_periods_are_not_duplicates(repo):
    repo.record("2013-12-ledger.md", BALANCED_LEDGER)
    november = BALANCED_LEDGER.replace("period: 2013-12", "period: 2013-11").replace("2014-01-08", "2013-12-08")
    repo.record("2013-11-ledger.md", november)
    assert repo.findings() == []


def test_record_in_a_unit_folder_not_registered_in_the_county(repo):
    path = repo.record("a.md", notice(), "content/village/demo/ghost")
    found = [(f.file, f.code, f.line, f.message) for f in repo.findings()]
    assert found == [(path, "unit-unknown", 0, "单位「ghost」不在 示范县 的单位名单中")]


def test_record_in_a_county_folder_that_is_not_a_county(repo):
    path = repo.record("a.md", notice(), "content/village/nowhere/cun")
    found = [(f.file, f.code, f.message) for f in repo.findings()]
    assert found == [(path, "unit-county-unknown", "文件夹「nowhere」不是已登记的县（市、区）")]


def test_category_not_allowed_for_the_unit(repo):
    path = repo.record("a.md", notice(), "content/government/demo/cun")
    found = [(f.file, f.code, f.message) for f in repo.findings()]
    assert found == [(path, "unit-category-not-allowed", "示范村村民委员会 没有登记发布「政务公开」")]
    assert "村务公开" in repo.findings()[0].hint


def test_two_files_with_the_same_stem(repo):
    first = repo.record("notice.md", notice())
    second = repo.record("notice.yml", "catalogue: notice\ntitle: 关于召开村民代表会议的通知\npublished: 2014-01-08\n")
    project = repo.check()
    found = [(f.file, f.code, f.message) for f in project.findings]
    assert found == [(second, "record-id-duplicate", f"与 {first} 的记录编号（文件名）相同")]
    assert {r.path: r.valid for r in project.records} == {first: True, second: False}


def test_file_name_that_cannot_be_a_url(repo):
    path = repo.record("Notice_1.md", notice())
    found = [(f.file, f.code, f.message) for f in repo.findings()]
    assert found == [(path, "record-id", "文件名「Notice_1」不能用作网址")]


@pytest.mark.parametrize(
    ("relpath", "code"),
    [
        ("content/village/demo/a.md", "layout-depth"),
        ("content/village/demo/cun/2013/a.md", "layout-depth"),
        ("content/news/demo/cun/a.md", "layout-category"),
    ],
)
def test_files_in_the_wrong_place(repo, relpath, code):
    repo.write(relpath, notice())
    assert [f.code for f in repo.findings()] == [code]


def test_the_tiny_repository_itself_is_clean(repo):
    assert repo.findings() == []


# Property: whatever a clerk types, the checker answers with findings that have a place ---

BASE_LINES = BALANCED_LEDGER.split("---\n")[1].splitlines()
TRICKY = [
    "0374", "no", "yes", "~", "null", ".inf", "-.inf", ".nan", "1:30", "2014-13-01", "2014-02-30", "2014-01-08 25:00",
    '"未闭合', "'未闭合", "[1, 2", "{a: 1", "*锚点", "&a 值", "!!binary AAAA", "!!float 十", "- 一项", "{}", "[]", "",
    "12,000.00", "一万二", "1e400", "-1", "0x1F", "0o17", "@某人", "`代码`", "a: b", "#注释", "| \n  多行", "> \n  折叠",
    "[{subject: 费用, amount: .inf}]", "[{subject: 费用, amount: 1, x: 2}]", "{subject: 费用}", "\t制表符",
]
KEYS = ["catalogue", "title", "published", "written", "period", "index_no", "validity", "attachments", "opening_balance",
        "income", "income_total", "expense", "closing_balance", "changes", "withdrawn", "no", "<<", "? 复杂", "标题", ""]


def _mutated_line(key: str, value: str, indent: int) -> str:
    return " " * indent + (f"{key}: {value}" if key else value)


LINE = st.one_of(
    st.sampled_from(BASE_LINES),
    st.builds(_mutated_line, st.sampled_from(KEYS), st.sampled_from(TRICKY), st.sampled_from([0, 0, 0, 1, 2, 4])),
    st.text(alphabet="ab: -\t'\"[]{}#&*!|>\n0123通知", max_size=20),
)
FILE_LEVEL = {"file-empty", "file-binary", "file-encoding", "file-unreadable", "file-too-large"}


@pytest.fixture(scope="module")
def base_project(tmp_path_factory):
    """A loaded repository with no records, reused by every example."""
    return load(make_repo(tmp_path_factory.mktemp("property") / "repo").root)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINE, max_size=16), markdown=st.booleans())
def test_any_front_matter_gives_findings_with_a_place_and_never_raises(base_project, lines, markdown):
    root = base_project.root
    suffix = ".md" if markdown else ".yml"
    path = root / VILLAGE / f"fuzz{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines) + "\n"
    path.write_text(f"---\n{text}---\n正文。\n" if markdown else text, encoding="utf-8")
    findings = Findings()
    record = read_record(root, path, "village", "demo", "cun", findings)
    base_project.records = [record] if record else []
    base_project.findings = findings
    Validator(base_project).run()
    n_lines = path.read_text("utf-8").count("\n") + 1
    for f in findings:
        assert f.file == f"{VILLAGE}/fuzz{suffix}"
        assert is_chinese(f.message)
        if f.code in FILE_LEVEL:
            continue
        assert 1 <= f.line <= n_lines, f


# A broken settings file is one finding at its line (issue 9 item 8) -----------------------


def _records_with_one_error_each(repo) -> list[str]:
    """Five notices in the village unit (one with a bad date) and a notice with a missing title."""
    paths = [repo.record(f"n{i}.md", notice(published="2014-13-01" if i == 0 else "2014-01-08")) for i in range(5)]
    paths.append(repo.record("untitled.md", "---\ncatalogue: notice\npublished: 2014-01-08\n---\n正文。\n"))
    return paths


@pytest.mark.parametrize(
    ("broken", "line"),
    [
        ("units:\n\t- id: cun", 3),  # a Tab
        ("name: [示范县", 1),  # a bracket never closed
    ],
)
def test_a_broken_county_file_is_one_finding_and_its_records_are_still_checked(repo, broken, line):
    text = COUNTY_YML.replace("units:\n  - id: cun", broken) if "units" in broken else COUNTY_YML.replace("name: 示范县", broken)
    repo.write("content/counties/demo.yml", text)
    paths = _records_with_one_error_each(repo)
    project = repo.check()
    found = [(f.file, f.code, f.line) for f in project.findings if f.is_error]
    assert found[0][:2] == ("content/counties/demo.yml", "yaml-syntax")
    assert found[1:] == [(paths[0], "record-format", 4), (paths[5], "record-required", 2)]
    assert not any(r.valid for r in project.records)  # nothing of a county without settings is published


def test_a_county_file_that_breaks_the_schema_does_not_flood_its_records(repo):
    repo.write("content/counties/demo.yml", COUNTY_YML.replace("    level: village\n", "    level: hamlet\n"))
    paths = _records_with_one_error_each(repo)
    found = [(f.file, f.code) for f in repo.findings() if f.is_error]
    assert found == [("content/counties/demo.yml", "county-enum"), (paths[0], "record-format"), (paths[5], "record-required")]


def test_a_broken_catalogue_file_is_one_finding_not_one_per_record(repo):
    repo.write("catalogues/village.yml", VILLAGE_YML.replace("  - id: finance-ledger", "\t- id: finance-ledger"))
    paths = _records_with_one_error_each(repo)
    found = [(f.file, f.code, f.line) for f in repo.findings() if f.is_error]
    assert found == [("catalogues/village.yml", "yaml-syntax", 4), (paths[0], "record-format", 4), (paths[5], "record-required", 2)]


def test_a_broken_site_file_is_one_finding(repo):
    repo.write("content/site.yml", "title: 示范市党务政务公开平台\ncity:\t[示范市\n")
    _records_with_one_error_each(repo)
    found = [(f.file, f.code) for f in repo.findings() if f.file == "content/site.yml"]
    assert found == [("content/site.yml", "yaml-syntax")]


# Dates that lie ahead or do not exist (issue 9 item 10) ------------------------------------


def test_a_disclosure_date_in_the_future_is_an_error(repo):
    path = repo.record("a.md", notice(published="2041-03-10", extra="written: 2041-03-01\nchanges:\n  - {date: 2041-03-11, note: 更正错字}\n"))
    found = [(f.code, f.severity, f.line, f.field, f.message) for f in repo.findings(path)]
    assert found == [
        ("record-date-future", ERROR, 4, "published", found[0][4]),
        ("record-date-future", ERROR, 5, "written", found[1][4]),
        ("record-date-future", ERROR, 7, "changes[0].date", found[2][4]),
    ]
    assert re.fullmatch(r"发布日期 2041-03-10 是将来的日期（今天是 \d{4}-\d\d-\d\d，北京时间）", found[0][4])
    assert found[1][4].startswith("成文日期 2041-03-01 是将来的日期")


def test_today_in_china_is_the_last_day_a_record_may_carry(repo, monkeypatch):
    monkeypatch.setattr(importlib.import_module("gongkai.validate"), "china_today", lambda: dt.date(2014, 1, 8))
    today = repo.record("today.md", notice(published="2014-01-08"))
    tomorrow = repo.record("tomorrow.md", notice(published="2014-01-09"))
    assert [(f.file, f.code) for f in repo.findings() if f.is_error] == [(tomorrow, "record-date-future")]
    assert today


def test_china_today_is_the_date_at_utc_plus_8():
    before = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    assert china_today() in (before, before + dt.timedelta(days=1))


def test_a_date_in_the_future_for_an_item_field_may_be_planned(repo):
    path = repo.record("q.md", "---\ncatalogue: interaction\ntitle: 关于听证会的答复\npublished: 2014-01-08\nasked: 2014-01-02\nreplied: 2014-01-05\n---\n正文。\n", BUREAU)
    assert repo.findings(path) == []


MEETINGS = """
  - id: meetings
    name: 会议安排
    period: none
    schema:
      type: object
      properties:
        rows:
          title: 会议
          type: array
          items:
            type: object
            properties:
              day: {title: 会议日期, type: string, format: date}
              topic: {title: 议题, type: string}
"""


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2014-02-30", "2014年2月没有30日"),
        ("2014-02-29", "2014年2月没有29日（2014年不是闰年）"),
        ("2014-04-31", "2014年4月没有31日"),
        ("2014-13-01", "没有13月（月份只能是 01 至 12）"),
        ("2014-00-10", "没有0月（月份只能是 01 至 12）"),
        ("2014-01-00", "日不能是 00（每月从 1 日开始）"),
    ],
)
def test_a_day_that_does_not_exist_is_named_in_every_date_field(repo, value, says):
    repo.write("catalogues/government.yml", GOVERNMENT_YML + MEETINGS)
    a = repo.record("a.md", notice(published=value))
    b = repo.record("b.md", notice(extra=f"written: {value}\n"))
    c = repo.record("c.md", notice(extra=f"changes:\n  - {{date: '{value}', note: 更正错字}}\n"))
    d = repo.record("d.md", f"---\ncatalogue: meetings\ntitle: 会议安排表\npublished: 2014-01-08\nrows:\n  - {{day: 2014-01-09, topic: 预算}}\n  - {{day: {value}, topic: 决算}}\n---\n", BUREAU)
    found = [(f.file, f.line, f.field, f.message) for f in repo.findings() if f.is_error]
    assert found == [
        (d, 7, "rows[1].day", f"「会议日期（day）」写的是「{value}」，但{says}"),
        (a, 4, "published", f"「发布日期（published）」写的是「{value}」，但{says}"),
        (b, 5, "written", f"「成文日期（written）」写的是「{value}」，但{says}"),
        (c, 6, "changes[0].date", f"「修订日期（date）」写的是「{value}」，但{says}"),
    ]


def test_a_broken_or_missing_record_schema_is_one_finding_and_no_crash(repo):
    common = repo.root / "catalogues" / "_record.yml"
    common.write_text(common.read_text("utf-8").replace("  title:\n", "\ttitle:\n", 1), "utf-8")
    repo.record("a.md", "---\ntitle: 关于通知\npublished: 2014-01-08\n---\n正文\n")  # no catalogue
    repo.record("b.md", notice())
    project = repo.check()
    assert [(f.file, f.code) for f in project.findings] == [("catalogues/_record.yml", "yaml-syntax")]
    assert not any(r.valid for r in project.records)
    common.unlink()
    assert [(f.file, f.code) for f in repo.findings()] == [("catalogues/_record.yml", "catalogue-record-schema-missing")]


def test_a_catalogue_item_that_is_refused_does_not_flood_its_records(repo):
    broken = VILLAGE_YML.replace("    name: 村务公告\n    period: none\n", "    name: 村务公告\n    period: none\n    checks: [no_such_rule]\n")
    repo.write("catalogues/village.yml", broken)
    paths = _records_with_one_error_each(repo)
    found = [(f.file, f.code) for f in repo.findings() if f.is_error]
    assert found == [("catalogues/village.yml", "catalogue-check-unknown"), (paths[0], "record-format"), (paths[5], "record-required")]


def test_two_units_with_one_code_is_an_error_at_the_second(repo):
    # 索引号 are drawn per unit code: two units sharing one would share a series.
    repo.write("content/counties/demo.yml", COUNTY_YML.replace('code: "005799001"', 'code: "54411099MF0000101X"'))
    found = [(f.code, f.line, f.field) for f in repo.findings("content/counties/demo.yml")]
    assert found == [("unit-code-duplicate", COUNTY_YML.splitlines().index('    code: "005799001"') + 1, "units[1].code")]


def test_a_unknown_township_after_a_duplicate_unit_is_reported_at_its_own_line(repo):
    text = COUNTY_YML + '  - id: ju\n    name: 重复\n    level: county\n    code: "005799002"\n    categories: [government]\n' \
        '  - id: cun2\n    name: 二村\n    level: village\n    township: nosuch\n    code: "54411099MF0000102X"\n    categories: [village]\n'
    repo.write("content/counties/demo.yml", text)
    found = {f.code: (f.line, f.field) for f in repo.findings("content/counties/demo.yml")}
    assert found["unit-township-unknown"] == (text.splitlines().index("    township: nosuch") + 1, "units[3].township")


def test_a_list_row_of_the_wrong_shape_is_named_by_its_row_counted_from_one(repo):
    """A row written as a list where the table wants fields: the message names 第2行, as the
    finding's label does, not the 0-based index 1."""
    text = BALANCED_LEDGER.replace("  - {subject: 上级转移支付, amount: 5000.00}", "  - {subject: 上级转移支付, amount: 5000.00}\n  - [利息, 12.00]", 1)
    path = repo.record("row.md", text)
    (f,) = [f for f in repo.findings(path) if f.code == "field-type"]
    assert f.field == "income[1]"
    assert f.message.startswith("「第2行」应填字段组") and "「1」" not in f.message


def test_an_item_of_a_plain_list_is_named_by_its_number_not_a_row(repo):
    path = repo.record("kw.md", notice(extra="keywords: [厂务公开, {a: 1}]\n"))
    found = [f for f in repo.findings(path) if f.field == "keywords[1]"]
    assert found and all("第2项" in f.message and "第2行" not in f.message for f in found)


def test_the_same_document_number_twice_in_a_unit_is_a_warning_on_the_later(repo):
    first = repo.record("a.md", notice(extra="doc_number: 许政〔2013〕12号\n"))
    later = repo.record("b.md", notice(published="2014-01-09", extra="doc_number: 许政〔2013〕12号\n"))
    repo.record("c.md", notice(extra="doc_number: 许政〔2013〕121号\n"))  # another number
    found = [f for f in repo.findings() if f.code == "record-doc-number-duplicate"]
    assert [(f.file, f.severity, f.line, f.field) for f in found] == [(later, "warning", 5, "doc_number")]
    assert first in found[0].message


def test_an_empty_field_says_it_is_empty_and_what_to_do(repo):
    path = repo.record("e.md", notice(extra="contact:\n"))
    (f,) = repo.findings(path)
    assert (f.line, f.field) == (5, "contact") and "是空的" in f.message and "冒号后面" in f.hint
