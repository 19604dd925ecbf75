"""checks: the named rules catalogues refer to, as pure functions of a record's fields."""

from __future__ import annotations

import copy
import sys

import pytest
from tinyrepo import BALANCED_LEDGER, BUREAU

from gongkai.checks import RULES, Problem, annual_report_2021, dates_in_order, ledger_balances, list_total, steps_numbered


def test_the_rules_catalogues_may_name():
    assert set(RULES) == {
        "ledger_balances", "list_total", "annual_report_2021", "dates_in_order", "steps_numbered",
        "counts_within", "raised_per_capita", "total_of_parts", "title_period", "period_ended",
        "balance_carried_over", "periods_do_not_overlap", "request_reply_in_time",
    }


# ledger_balances ------------------------------------------------------------------------

LEDGER = {
    "opening_balance": 12000.00,
    "income": [{"subject": "上级转移支付", "amount": 5000.00}, {"subject": "集体土地承包费", "amount": 1200.50}],
    "income_total": 6200.50,
    "expense": [{"subject": "村干部误工补贴", "amount": 3000.00}, {"subject": "办公费", "amount": 199.99}],
    "expense_total": 3199.99,
    "closing_balance": 15000.51,
}


def test_balanced_ledger_passes():
    assert list(ledger_balances(LEDGER)) == []


def test_ledger_is_exact_to_the_cent_where_floats_would_drift():
    # 0.1 + 0.2 != 0.3 in floats; the rule must not call this unbalanced.
    fields = {
        "opening_balance": 0,
        "income": [{"subject": "租金", "amount": 0.1}, {"subject": "利息", "amount": 0.2}],
        "income_total": 0.3,
        "expense_total": 0,
        "closing_balance": 0.3,
    }
    assert 0.1 + 0.2 != 0.3
    assert list(ledger_balances(fields)) == []


def test_closing_balance_off_by_one_cent():
    fields = dict(LEDGER, closing_balance=15000.50)
    assert list(ledger_balances(fields)) == [
        Problem(
            ("closing_balance",),
            "账不平：期初余额 12,000.00 + 本期收入 6,200.50 − 本期支出 3,199.99 = 15,000.51，但期末余额写的是 15,000.50",
            "期末余额必须等于期初余额加收入减支出；请对照账簿核对。",
        )
    ]


def test_income_items_not_adding_up_to_the_total():
    fields = dict(LEDGER, income_total=6200.00, closing_balance=15000.01)
    problems = list(ledger_balances(fields))
    assert [(p.path, p.message) for p in problems] == [
        (("income_total",), "收入合计应为各项之和 6,200.50，表中写的是 6,200.00"),
    ]


def test_expense_items_not_adding_up_to_the_total():
    fields = copy.deepcopy(LEDGER)
    fields["expense"][1]["amount"] = 200.00
    assert [p.path for p in ledger_balances(fields)] == [("expense_total",)]


def test_unbalanced_ledger_in_a_record_names_closing_balance_on_its_line(repo):
    path = repo.record("2013-12-ledger.md", BALANCED_LEDGER.replace("closing_balance: 15000.51", "closing_balance: 15000.52"))
    found = [(f.code, f.line, f.column, f.field) for f in repo.findings(path)]
    assert found == [("check-ledger-balances", 15, 1, "closing_balance")]


# list_total -----------------------------------------------------------------------------

RECIPIENTS = [{"name": "王*英", "amount": 120.50}, {"name": "李*华", "amount": 80.25}]


def test_list_adding_up_passes():
    assert list(list_total({"recipients": RECIPIENTS, "total_amount": 200.75, "total_count": 2})) == []


def test_list_total_wrong():
    problems = list(list_total({"recipients": RECIPIENTS, "total_amount": 200.00}))
    assert [(p.path, p.message) for p in problems] == [
        (("total_amount",), "发放金额合计应为各项之和 200.75，表中写的是 200.00"),
    ]


def test_list_count_wrong():
    problems = list(list_total({"recipients": RECIPIENTS, "total_amount": 200.75, "total_count": 3}))
    assert [(p.path, p.message) for p in problems] == [
        (("total_count",), "名单共 2 人（户），但「总人数」写的是 3"),
    ]


def test_list_total_in_a_record_points_at_total_amount(repo):
    text = (
        "---\ncatalogue: subsidy-list\ntitle: 示范村2013年粮食直补发放名单\npublished: 2014-01-08\nperiod: 2013\n"
        "recipients:\n  - {name: 王*英, amount: 120.50}\n  - {name: 李*华, amount: 80.25}\n"
        "total_amount: 200.00\ntotal_count: 2\n---\n"
    )
    path = repo.record("2013-subsidy.md", text)
    assert [(f.code, f.line, f.field) for f in repo.findings(path)] == [("check-list-total", 9, "total_amount")]


# annual_report_2021 ---------------------------------------------------------------------

COLUMNS = ("natural", "commercial", "research", "public_interest", "legal_service", "other_org")


def row(natural: int = 0, commercial: int = 0) -> dict[str, int]:
    """One row of table 3: the requester columns and their total."""
    cells = dict.fromkeys(COLUMNS, 0)
    cells.update(natural=natural, commercial=commercial, total=natural + commercial)
    return cells


def zero_rows(*names: str) -> dict[str, dict[str, int]]:
    return {name: row() for name in names}


def annual_report() -> dict:
    """A 2021-format report whose tables add up: 10+2 new, 1 carried over, 9 answered, 4 carried forward."""
    return {
        "format_version": 2021,
        "applications": {
            "new": row(10, 2),
            "carried_over": row(1),
            "results": {
                "disclosed": row(6, 1),
                "partly": row(2),
                "refused": zero_rows(
                    "state_secret", "law_forbidden", "three_safety", "third_party", "internal", "process", "enforcement_file", "query"
                ),
                "unable": zero_rows("not_held", "need_creation", "unclear"),
                "not_processed": zero_rows("petition", "repeated", "publication", "massive", "confirm"),
                "other": zero_rows("no_correction", "no_fee", "other"),
                "total": row(8, 1),
            },
            "carried_forward": row(3, 1),
        },
        "review_litigation": {
            "review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2},
            "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
            "litigation_after_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
        },
    }


def test_annual_report_that_adds_up_passes():
    assert list(annual_report_2021(annual_report())) == []


def test_annual_report_new_plus_carried_over_must_equal_results_plus_carried_forward():
    report = annual_report()
    report["applications"]["carried_forward"] = row(2, 1)  # one natural-person request lost
    problems = list(annual_report_2021(report))
    assert [p.path for p in problems] == [
        ("applications", "carried_forward", "natural"),
        ("applications", "carried_forward", "total"),
    ]
    assert problems[0].message == (
        "「自然人」列：一（本年新收 10）+ 二（上年结转 1）= 11，但三（办理结果总计 8）+ 四（结转下年 2）= 10"
    )


def test_annual_report_results_total_must_be_the_sum_of_the_results():
    report = annual_report()
    report["applications"]["results"]["refused"]["state_secret"] = row(1)
    problems = list(annual_report_2021(report))
    assert ("applications", "results", "total", "natural") in [p.path for p in problems]
    (message,) = [p.message for p in problems if p.path == ("applications", "results", "total", "natural")]
    assert message == "「自然人」列：三、办理结果的总计 8 不等于各项办理结果之和 9"


def test_annual_report_row_total_must_be_the_sum_of_its_requesters():
    report = annual_report()
    report["applications"]["new"]["total"] = 13
    problems = list(annual_report_2021(report))
    assert (("applications", "new", "total"), "这一行的总计 13 不等于各类申请人之和 12") in [(p.path, p.message) for p in problems]


def test_annual_report_review_total():
    report = annual_report()
    report["review_litigation"]["review"]["total"] = 3
    assert [(p.path, p.message) for p in annual_report_2021(report)] == [
        (("review_litigation", "review", "total"), "总计 3 不等于 维持、纠正、其他结果、尚未审结 之和 2")
    ]


def test_annual_report_2013_format_is_not_checked_against_the_2021_tables():
    report = annual_report()
    report["format_version"] = 2013
    report["applications"]["carried_forward"] = row(0)
    assert list(annual_report_2021(report)) == []


# dates_in_order --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"asked": "2014-01-08", "replied": "2014-01-10"}, []),
        ({"asked": "2014-01-08", "replied": "2014-01-08"}, []),
        ({"asked": "2014-01-10", "replied": "2014-01-08"}, [(("replied",), "答复日期 2014-01-08 早于提问日期 2014-01-10")]),
        ({"start": "2014-03-01", "end": "2014-02-28"}, [(("end",), "结束日期 2014-02-28 早于开始日期 2014-03-01")]),
        ({"asked": "2014-01-10"}, []),
    ],
)
def test_dates_in_order(fields, expected):
    assert [(p.path, p.message) for p in dates_in_order(fields)] == expected


def test_reply_before_question_in_a_record(repo):
    text = "---\ncatalogue: interaction\ntitle: 关于宅基地审批的咨询\npublished: 2014-01-08\nasked: 2014-01-06\nreplied: 2014-01-05\n---\n"
    path = repo.record("zixun.md", text, BUREAU)
    assert [(f.code, f.line, f.field) for f in repo.findings(path)] == [("check-dates-in-order", 6, "replied")]


# steps_numbered ---------------------------------------------------------------------------


def steps(*numbers: int, next_of_first: list[int] | None = None) -> dict:
    out = [{"no": n, "name": f"环节{n}"} for n in numbers]
    if next_of_first is not None:
        out[0]["next"] = next_of_first
    return {"steps": out}


def test_steps_numbered_in_order_pass():
    assert list(steps_numbered(steps(1, 2, 3, next_of_first=[2, 3]))) == []


def test_step_number_out_of_place():
    assert [(p.path, p.message) for p in steps_numbered(steps(1, 3))] == [(("steps", 1, "no"), "第 2 个环节的序号写成了 3")]


def test_step_pointing_at_a_missing_step():
    assert [(p.path, p.message) for p in steps_numbered(steps(1, 2, next_of_first=[5]))] == [
        (("steps", 0, "next", 0), "环节「环节1」指向不存在的环节 5")
    ]


def test_misnumbered_step_in_a_record_points_at_its_number(repo):
    text = (
        "---\ncatalogue: power\ntitle: 采矿权新立登记\npublished: 2014-01-08\n"
        "steps:\n  - {no: 1, name: 受理}\n  - {no: 3, name: 审查}\n---\n"
    )
    path = repo.record("caikuang.md", text, BUREAU)
    assert [(f.code, f.line, f.column, f.field) for f in repo.findings(path)] == [("check-steps-numbered", 7, 6, "steps[1].no")]


# All of a record's problems in one run ---------------------------------------------------


def test_a_ledger_with_a_bad_field_still_gets_its_sums_checked_in_the_same_run(repo):
    """A clerk once fixed a ledger over five runs, seeing a few errors at a time."""
    text = (BALANCED_LEDGER.replace("{subject: 办公费, amount: 199.99}", "{subject: 办, amount: 99.99}")  # too short: expense fails
            .replace("income_total: 6200.50", "income_total: 6300.50"))  # and the income does not add up
    # The expense items no longer add up to expense_total either, but they failed the schema:
    # they are not judged until the clerk has fixed them.
    path = repo.record("2013-12-ledger.md", text)
    found = [(f.code, f.field) for f in repo.findings(path)]
    assert found == [
        ("field-minLength", "expense[1].subject"),
        ("check-ledger-balances", "income_total"),
        ("check-ledger-balances", "closing_balance"),  # opening + the typed totals ≠ closing: all three passed
    ]


def test_a_rule_is_not_given_a_field_that_failed_so_it_claims_nothing_about_it(repo):
    # The closing balance is not a number: the balance is not judged (it would be a wrong claim),
    # the income total still is.
    text = BALANCED_LEDGER.replace("closing_balance: 15000.51", "closing_balance: 15000.5x").replace(
        "income_total: 6200.50", "income_total: 6300.50")
    path = repo.record("2013-12-ledger.md", text)
    assert [(f.code, f.field) for f in repo.findings(path)] == [("field-type", "closing_balance"), ("check-ledger-balances", "income_total")]


def test_a_part_that_failed_is_not_taken_for_an_absent_part():
    from gongkai.checks import CheckedFields, total_of_parts

    fields = {"total_investment": 300, "raised": 100, "other_funds": 100}
    assert [p.path for p in total_of_parts(fields)] == [("total_investment",)]  # subsidy absent: 200 ≠ 300
    assert list(total_of_parts(CheckedFields(fields, frozenset({"subsidy"})))) == []  # subsidy failed: unknown
    rows = CheckedFields({"total_amount": 5, "total_count": 9}, frozenset({"recipients"}))
    assert list(list_total(rows)) == []


def test_a_rule_not_written_for_partial_fields_waits_for_the_schema_to_pass(repo, monkeypatch):
    from gongkai import checks

    seen = []
    monkeypatch.setitem(checks.RULES, "ledger_balances", lambda f: seen.append(dict(f)) or iter(()))
    monkeypatch.setattr(sys.modules["gongkai.validate"], "PARTIAL", set())
    repo.record("2013-12-ledger.md", BALANCED_LEDGER.replace("subject: 办公费", "subject: 办"))
    repo.check()
    assert seen == []


def test_a_bad_common_field_does_not_hide_the_items_own_problems(repo):
    text = BALANCED_LEDGER.replace("published: 2014-01-08", "published: 2014-01-32").replace(
        "closing_balance: 15000.51", "closing_balance: 15000.52")
    path = repo.record("2013-12-ledger.md", text)
    found = [(f.code, f.field) for f in repo.findings(path)]
    assert ("check-ledger-balances", "closing_balance") in found and any(field == "published" for _, field in found)
    assert not next(r for r in repo.check().records if r.path == path).valid
