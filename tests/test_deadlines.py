"""公开时限: overdue periods as ranges, late records, series never begun, judged at a fixed date."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, MAIN, VILLAGE_YML, Repo, notice

from gongkai import deadlines, periods
from gongkai.pages import county_pages


def ledger(period: str, published: str, extra: str = "") -> str:
    """The balanced test ledger, for another month."""
    return (
        BALANCED_LEDGER.replace("period: 2013-12", f"period: {period}")
        .replace("published: 2014-01-08", f"published: {published}")
        .replace("2013年12月", f"{period}月")
        .replace("---\n本月", f"{extra}---\n本月")
    )


@pytest.mark.parametrize(
    ("kind", "period", "after", "zh"),
    [
        ("month", "2013-12", "2014-01", "2013年12月"),
        ("month", "2014-01", "2014-02", "2014年1月"),
        ("quarter", "2013-Q4", "2014-Q1", "2013年第四季度"),
        ("quarter", "2014-Q2", "2014-Q3", "2014年第二季度"),
        ("half-year", "2013-H1", "2013-H2", "2013年上半年"),
        ("half-year", "2013-H2", "2014-H1", "2013年下半年"),
        ("year", "2013", "2014", "2013年"),
    ],
)
def test_periods_follow_each_other_and_read_in_chinese(kind, period, after, zh):
    assert periods.next_period(period, kind) == after
    assert periods.period_zh(period) == zh


@pytest.fixture
def village(repo: Repo) -> Repo:
    """Ledgers for Jan, Feb and May 2014 (May's published late), one withdrawn for Jun."""
    repo.record("l-01.md", ledger("2014-01", "2014-02-05"))
    repo.record("l-02.md", ledger("2014-02", "2014-03-10"))  # on the last allowed day: not late
    repo.record("l-05.md", ledger("2014-05", "2014-06-20"))  # due 2014-06-10: 10 days late
    repo.record("l-06.md", ledger("2014-06", "2014-07-05", "withdrawn: {date: 2014-07-20, reason: 数据有误}\n"))
    return repo


def test_gaps_and_the_months_after_the_last_record_are_owed_as_ranges(village):
    project = village.check()
    assert not project.findings.errors, project.findings.errors
    a = deadlines.assess(project, project.counties["demo"], dt.date(2014, 9, 1))
    owed = [(m.unit.id, m.item.id, m.first, m.last, m.count, m.due.isoformat(), m.periods_zh) for m in a.missing]
    assert owed == [
        ("cun", "finance-ledger", "2014-03", "2014-04", 2, "2014-04-10", "2014年3月至2014年4月（共 2 期）"),
        # June was withdrawn and not replaced; July fell due on 2014-08-10; August is not due until 2014-09-10.
        ("cun", "finance-ledger", "2014-06", "2014-07", 2, "2014-07-10", "2014年6月至2014年7月（共 2 期）"),
    ]
    assert (a.missing_items, a.missing_periods) == (1, 4)
    assert [(x.record.path.rsplit("/", 1)[1], x.due.isoformat(), x.days) for x in a.late] == [("l-05.md", "2014-06-10", 10)]
    # The yearly subsidy list applies to the village and was never published: listed apart, not counted as owed.
    assert {u: [i.id for i in items] for u, items in a.never.items()} == {"cun": ["subsidy-list"]}


def test_a_period_is_owed_only_after_its_deadline(village):
    project = village.check()
    county = project.counties["demo"]
    on_the_day = deadlines.assess(project, county, dt.date(2014, 4, 10))  # March is due on 2014-04-10
    assert [(m.first, m.last) for m in on_the_day.missing] == []
    next_day = deadlines.assess(project, county, dt.date(2014, 4, 11))
    assert [(m.first, m.last) for m in next_day.missing] == [("2014-03", "2014-03")]
    assert next_day.missing[0].periods_zh == "2014年3月"


def test_a_unit_with_nothing_periodic_owes_nothing(repo: Repo):
    repo.record("n.md", notice())
    project = repo.check()
    a = deadlines.assess(project, project.counties["demo"], dt.date(2020, 1, 1))
    assert a.missing == [] and a.late == []
    assert {u: sorted(i.id for i in items) for u, items in a.never.items()} == {"cun": ["finance-ledger", "subsidy-list"]}


def test_the_page_lists_what_is_owed_and_links_units_items_and_records(village):
    project = village.check()
    pages = {p.url: p for p in county_pages(project, project.counties["demo"], as_of=dt.date(2014, 9, 1))[0]}
    # Cells carry their column's name and alignment for the phone's layout; the values count here.
    html = re.sub(r"<td [^>]*>", "<td>", pages["deadlines/"].content)
    assert "截至 2014年9月1日" in html
    assert "逾期未公开（1 项，共 4 期）" in html and "2014年6月至2014年7月（共 2 期）" in html  # one series, two gaps
    assert "逾期公开（1 条）" in html and "<td>2014-06-10</td><td>2014-06-20</td><td>10</td>" in html
    hrefs = set(re.findall(r'href="([^"]+)"', html))
    assert {"../units/cun/", "../catalogue/village/finance-ledger/", "../village/cun/l-05/"} <= hrefs
    assert all(h.startswith("../") for h in hrefs)
    assert {h[3:] for h in hrefs} <= set(pages)  # every link is a page of the site


def test_the_date_is_the_built_commits_day_so_a_rebuild_says_the_same(village):
    root = village.root
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "content", date="2014-09-01T23:30:00+08:00")
    assert deadlines.as_of_date(root) == dt.date(2014, 9, 1)  # the day in China, not in UTC
    project = village.check()
    first = {p.url: p.content for p in county_pages(project, project.counties["demo"])[0]}
    again = {p.url: p.content for p in county_pages(village.check(), project.counties["demo"])[0]}
    assert "截至 2014年9月1日" in first["deadlines/"] and first == again


def test_inspectors_get_the_same_from_the_command_line(village):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(MAIN / "build.py"), "--root", str(village.root), "deadlines", *args],
            capture_output=True, text=True,
        )

    data = json.loads(run("--on", "2014-09-01", "--format", "json").stdout)
    assert [(m["first"], m["last"], m["count"]) for m in data["demo"]["missing"]] == [("2014-03", "2014-04", 2), ("2014-06", "2014-07", 2)]
    assert data["demo"]["late"][0]["days"] == 10 and data["demo"]["never"] == {"cun": ["subsidy-list"]}
    text = run("--on", "2014-09-01").stdout
    assert "示范县（截至 2014-09-01）" in text and "示范村村民委员会 · 村级财务收支公开：2014年6月至2014年7月（共 2 期）" in text
    bad = run("--on", "2014/09/01")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


def test_an_item_without_a_deadline_is_never_owed_nor_late(village):
    village.write("catalogues/village.yml", VILLAGE_YML.replace("    deadline_days: 10\n", "", 1))
    project = village.check()
    a = deadlines.assess(project, project.counties["demo"], dt.date(2020, 1, 1))
    assert a.missing == [] and a.late == [] and a.never == {"cun": [project.catalogues["village"].items["subsidy-list"]]}


def test_an_item_another_may_stand_for_is_not_listed_as_never_begun(village):
    # The village publishes monthly ledgers; the catalogue says its yearly list may be published instead of them.
    village.write("catalogues/village.yml", VILLAGE_YML.replace(
        "    deadline_days: 60\n", "    deadline_days: 60\n    instead_of: [finance-ledger]\n", 1))
    project = village.check()
    assert not project.findings.errors
    assert deadlines.assess(project, project.counties["demo"], dt.date(2014, 9, 1)).never == {}


def test_instead_of_must_name_an_item_of_the_same_catalogue(repo):
    repo.write("catalogues/village.yml", VILLAGE_YML.replace(
        "    deadline_days: 60\n", "    deadline_days: 60\n    instead_of: [no-such-item]\n", 1))
    (f,) = [f for f in repo.findings() if f.code == "catalogue-instead-unknown"]
    assert f.file == "catalogues/village.yml" and f.field.endswith(".instead_of") and f.line > 0 and "no-such-item" in f.message
