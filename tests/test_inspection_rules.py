"""The inspector's rules: counts, sums and products within a record, a title and dates against
its period, and a unit's series (balances carried over, periods that do not overlap)."""

from __future__ import annotations

import pytest
from tinyrepo import BALANCED_LEDGER, VILLAGE_YML, Repo

from gongkai.checks import counts_within, period_ended, raised_per_capita, title_period, title_periods, total_of_parts

# Within a record -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "path", "words"),
    [
        ({"expected": 35, "present": 36, "agreed": 30}, ("present",), "实到 36 多于应到 35"),
        ({"expected": 35, "present": 31, "agreed": 32}, ("agreed",), "同意 32 多于实到 31"),
        ({"issues_found": 2, "issues_fixed": 3}, ("issues_fixed",), "已整改 3 多于发现问题 2"),
        ({"delegates_total": 80, "delegates_present": 81}, ("delegates_present",), "实到代表 81 多于应到代表 80"),
        (
            {"steps": [{"expected": 5, "present": 5}, {"expected": 43, "present": 44, "agreed": 40}]},
            ("steps", 1, "present"),
            "第 2 行：实到 44 多于应到 43",
        ),
    ],
)
def test_counts_cannot_exceed_what_contains_them(fields, path, words):
    problems = list(counts_within(fields))
    assert [p.path for p in problems] == [path]
    assert words in problems[0].message


def test_counts_within_passes_equal_and_smaller_counts():
    assert list(counts_within({"expected": 35, "present": 35, "agreed": 0, "steps": [{"expected": 3, "present": 2}]})) == []


def test_funds_raised_are_people_times_amount_to_the_cent():
    good = {"per_capita": 15, "population": 1762, "raised": 26430.00}
    assert list(raised_per_capita(good)) == []
    assert list(raised_per_capita({"per_capita": 0.1, "population": 3, "raised": 0.3})) == []  # no float drift
    (p,) = raised_per_capita({**good, "raised": 26340.00})
    assert p.path == ("raised",)
    assert "15.00 × 筹资人数 1762 = 26,430.00" in p.message and "26,340.00" in p.message


def test_total_investment_is_the_sum_of_its_funds():
    good = {"raised": 26430.00, "subsidy": 60000.00, "other_funds": 9730.00, "total_investment": 96160.00}
    assert list(total_of_parts(good)) == []
    (p,) = total_of_parts({**good, "total_investment": 96000.00})
    assert p.path == ("total_investment",) and "96,160.00" in p.message


@pytest.mark.parametrize(
    ("title", "periods"),
    [
        ("小王庄村2013年2月财务收支公开", ["2013-02"]),
        ("2013年第四季度党费收缴使用情况", ["2013-Q4"]),
        ("2013年四季度村务监督", ["2013-Q4"]),
        ("许继集团2013年上半年生产经营情况", ["2013-H1"]),
        ("2013年度政府信息公开工作年度报告", ["2013"]),
        ("2013年12月份财务公开", ["2013-12"]),
        ("关于召开村民代表会议的通知", []),
        ("2013—2014学年秋季收费公示", []),
        ("2013年1月至3月财务公开", ["2013"]),  # a range of months: its year
        ("截至2013年12月31日的资产清单", ["2013"]),
        ("2013年10-12月村务公开", ["2013"]),
    ],
)
def test_periods_are_read_from_titles(title, periods):
    assert [p for p, _ in title_periods(title)] == periods


@pytest.mark.parametrize(
    ("title", "period", "wrong"),
    [
        ("小王庄村2013年1月财务收支公开", "2013-02", True),
        ("小王庄村2013年2月财务收支公开", "2013-02", False),
        ("2013年第三季度党费收缴使用情况", "2013-Q4", True),
        ("2013年党费收缴情况", "2013-Q4", False),  # a title naming the year of the quarter is not wrong
        ("2014年工作总结", "2013", True),
        ("党费收缴使用情况", "2013-Q4", False),  # a title naming no period says nothing
    ],
)
def test_a_title_names_the_records_period(title, period, wrong):
    problems = list(title_period({"title": title, "period": period}))
    assert bool(problems) is wrong
    if wrong:
        assert problems[0].path == ("title",) and period in problems[0].message


@pytest.mark.parametrize(
    ("period", "published", "early"),
    [("2013-12", "2013-12-31", True), ("2013-12", "2014-01-01", False), ("2013-Q4", "2013-11-20", True), ("2013", "2014-02-01", False)],
)
def test_a_report_of_a_period_comes_after_the_period(period, published, early):
    problems = list(period_ended({"period": period, "published": published}))
    assert bool(problems) is early


# Wired into the validator: catalogues name the rules, findings carry their place ------------

SERIES_CHECKS = "checks: [ledger_balances, title_period, period_ended, balance_carried_over, periods_do_not_overlap]"
QUARTER_ITEM = """
  - id: finance-quarter
    name: 村级财务收支公开（季度）
    period: quarter
    deadline_days: 20
    applies_to: [village]
    instead_of: [finance-ledger]
    schema:
      type: object
      properties:
        opening_balance: {title: 期初余额, type: number}
        closing_balance: {title: 期末余额, type: number}
    checks: [balance_carried_over, periods_do_not_overlap]
"""


def ledger(period: str, published: str, opening: str = "12000.00", closing: str = "15000.51", title: str = "") -> str:
    """The balanced test ledger for another month, with other balances."""
    text = BALANCED_LEDGER.replace("period: 2013-12", f"period: {period}").replace("published: 2014-01-08", f"published: {published}")
    text = text.replace("opening_balance: 12000.00", f"opening_balance: {opening}").replace("closing_balance: 15000.51", f"closing_balance: {closing}")
    income = f"{float(closing) - float(opening) + 3199.99:.2f}"
    text = text.replace("  - {subject: 上级转移支付, amount: 5000.00}\n", "").replace("amount: 1200.50}", f"amount: {income}}}")
    text = text.replace("income_total: 6200.50", f"income_total: {income}")
    return text.replace("示范村2013年12月财务收支公开", title or f"示范村{period[:4]}年{int(period[5:])}月财务收支公开")


@pytest.fixture
def inspected(repo: Repo) -> Repo:
    repo.write("catalogues/village.yml", VILLAGE_YML.replace("checks: [ledger_balances]", SERIES_CHECKS) + QUARTER_ITEM)
    return repo


def by_code(repo: Repo, code: str) -> list:
    return [f for f in repo.findings() if f.code == code]


def test_a_broken_chain_of_balances_is_a_warning_at_the_later_opening_balance(inspected: Repo):
    inspected.record("l-01.md", ledger("2014-01", "2014-02-05", "12000.00", "15000.51"))
    inspected.record("l-02.md", ledger("2014-02", "2014-03-05", "15000.51", "16000.00"))
    bad = inspected.record("l-03.md", ledger("2014-03", "2014-04-05", "12000.00", "13000.00"))
    inspected.record("l-05.md", ledger("2014-05", "2014-06-05", "99.00", "99.00"))  # after a gap: not compared
    (f,) = by_code(inspected, "check-balance-carried-over")
    assert (f.file, f.field, f.severity, f.line) == (bad, "opening_balance", "warning", 6)
    assert "12,000.00" in f.message and "16,000.00" in f.message and "l-02.md" in f.message
    assert not [x for x in inspected.findings() if x.is_error]


def test_periods_of_a_series_and_its_stand_in_do_not_overlap(inspected: Repo):
    inspected.record("l-11.md", ledger("2013-11", "2013-12-05", "12000.00", "15000.51"))
    quarter = inspected.record(
        "q4.md", "---\ncatalogue: finance-quarter\ntitle: 示范村2013年第四季度财务收支\npublished: 2014-01-10\nperiod: 2013-Q4\n"
        "opening_balance: 1.00\nclosing_balance: 2.00\n---\n正文。\n",
    )
    (f,) = by_code(inspected, "check-periods-do-not-overlap")
    assert (f.file, f.field, f.severity) == (quarter, "period", "warning")
    assert "l-11.md" in f.message


def test_a_title_with_another_period_is_an_error_and_an_early_report_a_warning(inspected: Repo):
    wrong = inspected.record("l-01.md", ledger("2014-01", "2014-01-20", title="示范村2013年12月财务收支公开"))
    (t,) = by_code(inspected, "check-title-period")
    assert (t.file, t.field, t.severity, t.line) == (wrong, "title", "error", 3)
    (e,) = by_code(inspected, "check-period-ended")
    assert (e.file, e.field, e.severity) == (wrong, "published", "warning")


def test_a_publication_date_in_the_future_is_an_error(repo: Repo):
    path = repo.record("n.md", "---\ncatalogue: notice\ntitle: 通知\npublished: 2999-01-01\n---\n正文。\n")
    (f,) = by_code(repo, "record-date-future")
    assert (f.file, f.field, f.is_error) == (path, "published", True)


# 依申请公开: 20 working days, 40 with a recorded reason ---------------------------------


def test_working_days_skip_holidays_and_count_made_up_weekend_days():
    import datetime as dt

    from gongkai import workdays

    # 2021-09-13 + 20: National Day week off, Saturday 18 Sep and 9 Oct and Sunday 26 Sep worked.
    assert workdays.add(dt.date(2021, 9, 13), 20) == dt.date(2021, 10, 15)
    assert workdays.between(dt.date(2021, 9, 13), dt.date(2021, 10, 22)) == 25
    assert workdays.add(dt.date(2021, 6, 1), 20) == dt.date(2021, 6, 30)  # Dragon Boat Festival, 14 June


def register(*rows: dict, published: str = "2022-01-21") -> dict:
    return {"published": published, "requests": [{"no": str(i + 1), "received": "2021-09-13", **r} for i, r in enumerate(rows)]}


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"replied": "2021-10-15", "outcome": "予以公开"}, None),
        ({"replied": "2021-10-22", "outcome": "予以公开"}, "逾期答复：应于 2021-10-15 前答复，2021-10-22 才答复，用了 25 个工作日"),
        ({"replied": "2021-10-22", "outcome": "予以公开", "extended": "需征求第三方意见"}, None),
        ({"replied": "2021-12-01", "outcome": "予以公开", "extended": "需征求第三方意见"}, "逾期答复"),
        ({"replied": "2021-10-22", "outcome": "予以公开", "extended": "  "}, "没有写延期理由"),
        ({"replied": "2021-09-10", "outcome": "予以公开"}, "早于收到日期"),
        ({"replied": "2021-09-20"}, "没有写办理结果"),
        ({"received": "2021-09-01", "corrected": "2021-09-13", "replied": "2021-10-15", "outcome": "部分公开"}, None),  # from the correction
        ({}, "仍未答复"),
    ],
)
def test_each_request_is_answered_in_time(row, words):
    from gongkai.checks import request_reply_in_time

    problems = list(request_reply_in_time(register(row)))
    if words is None:
        assert problems == []
    else:
        (p,) = problems
        assert words in p.message and p.path[:2] == ("requests", 0)


def test_an_open_request_within_its_time_is_not_a_problem():
    from gongkai.checks import request_reply_in_time

    assert list(request_reply_in_time(register({}, published="2021-10-01"))) == []


def test_every_problem_of_a_ledger_is_reported_in_one_run(inspected: Repo):
    text = ledger("2014-01", "2014-02-05", title="示范村2013年12月财务收支公开").replace("closing_balance: 15000.51", "closing_balance: 15000.00")
    path = inspected.record("l-01.md", text)
    codes = {f.code for f in inspected.findings(path)}
    assert {"check-ledger-balances", "check-title-period"} <= codes


def test_a_quarter_overlapping_two_months_is_reported_against_each_later_one(inspected: Repo):
    inspected.record(
        "q4.md", "---\ncatalogue: finance-quarter\ntitle: 示范村2013年第四季度财务收支\npublished: 2014-01-10\nperiod: 2013-Q4\n"
        "opening_balance: 1.00\nclosing_balance: 2.00\n---\n正文。\n",
    )
    a = inspected.record("l-10.md", ledger("2013-10", "2014-02-01"))
    b = inspected.record("l-11.md", ledger("2013-11", "2014-02-02"))
    assert sorted(f.file for f in by_code(inspected, "check-periods-do-not-overlap")) == [a, b]
