"""Backdating: a record that reached main long after its `published` date is flagged, and its
lateness is judged by the day it reached main; imports before the county went online are not."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, COUNTY_YML, Repo

from gongkai import deadlines


def commit(repo: Repo, message: str, date: str) -> None:
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", message, date=date)


@pytest.fixture
def history(repo: Repo) -> Repo:
    """November's ledger on time; December's typed 2014-01-08 but committed on 2014-03-01."""
    git(repo.root, "init", "-q", "-b", "main")
    nov = BALANCED_LEDGER.replace("2013-12", "2013-11").replace("2013年12月", "2013年11月").replace("2014-01-08", "2013-12-06")
    repo.record("ledger-2013-11.md", nov)
    commit(repo, "November", "2013-12-06T10:00:00+08:00")
    repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    commit(repo, "December, backdated", "2014-03-01T10:00:00+08:00")
    return repo


def test_a_record_that_reached_main_long_after_its_date_is_a_warning(history: Repo):
    (f,) = [f for f in history.findings() if f.code == "record-backdated"]
    assert (f.file, f.field, f.severity, f.line) == ("content/village/demo/cun/ledger-2013-12.md", "published", "warning", 4)
    assert "2014-01-08" in f.message and "2014-03-01" in f.message and "52 天" in f.message


def test_its_lateness_is_judged_by_the_day_it_reached_main(history: Repo):
    project = history.check()
    a = deadlines.assess(project, project.counties["demo"], dt.date(2014, 4, 1))
    (b,) = a.backdated
    assert (b.record.id, b.typed, b.landed, b.days) == ("ledger-2013-12", dt.date(2014, 1, 8), dt.date(2014, 3, 1), 52)
    (late,) = a.late  # typed 2014-01-08 is within 10 days of December; it came on 2014-03-01
    assert (late.record.id, late.published, late.typed, late.days) == ("ledger-2013-12", dt.date(2014, 3, 1), dt.date(2014, 1, 8), 50)
    assert deadlines.as_json(a)["backdated"][0]["landed"] == "2014-03-01"
    assert "补录（倒签）1 条" in deadlines.render_terminal(project.counties["demo"], a)


def test_records_imported_before_the_county_went_online_are_not_backdated(history: Repo):
    history.write("content/counties/demo.yml", COUNTY_YML.replace('code: "411099"\n', 'code: "411099"\nonline_since: 2014-03-01\n', 1))
    assert not [f for f in history.findings() if f.code == "record-backdated"]
    project = history.check()
    assert deadlines.assess(project, project.counties["demo"], dt.date(2014, 4, 1)).late == []


def test_a_record_not_yet_committed_is_judged_as_arriving_today(history: Repo):
    history.record("old.md", "---\ncatalogue: notice\ntitle: 旧通知\npublished: 2014-01-01\n---\n正文。\n")
    found = {f.file for f in history.findings() if f.code == "record-backdated"}
    assert "content/village/demo/cun/old.md" in found


def test_outside_git_nothing_is_called_backdated(repo: Repo):
    repo.record("old.md", "---\ncatalogue: notice\ntitle: 旧通知\npublished: 2014-01-01\n---\n正文。\n")
    assert not [f for f in repo.findings() if f.code == "record-backdated"]


def test_the_deadlines_page_lists_it_and_judges_it_by_the_day_it_came(history: Repo):
    from gongkai.pages import county_pages

    project = history.check()
    pages = {p.url: p for p in county_pages(project, project.counties["demo"], as_of=dt.date(2014, 4, 1))[0]}
    # Cells carry their column's name and alignment for the phone's layout; the values count here.
    html = re.sub(r"<td [^>]*>", "<td>", pages["deadlines/"].content)
    assert "补录（倒签）的记录（1 条）" in html
    assert '<a href="../village/cun/ledger-2013-12/">' in html and "<td>2014-01-08</td><td>2014-03-01</td><td>52</td>" in html
    assert '<td><span>2014-03-01<span class="gk-note">（补录，发布日期写 2014-01-08）</span></span></td><td>50</td>' in html  # 逾期公开, by the day it came
