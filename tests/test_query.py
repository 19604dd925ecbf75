"""query: the filter language, its Chinese errors, and answers checked against the files themselves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from tinyrepo import BALANCED_LEDGER, MAIN, Repo

from gongkai import query


def front_matter(category: str) -> list[tuple[str, dict]]:
    """(path, fields) of every bundled Markdown record of a category, read with plain PyYAML."""
    out = []
    for path in sorted((MAIN / "content" / category).rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        out.append((path.relative_to(MAIN).as_posix(), yaml.safe_load(text.split("---", 2)[1])))
    return out


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "build.py", *args], cwd=MAIN, capture_output=True, text=True)


def test_which_power_list_items_have_high_risk_steps_is_one_command():
    done = run_cli("query", "category=government", "item=power-item", "steps.risk=高", "--format", "json")
    assert done.returncode == 0, done.stderr
    got = {m["path"]: [r["index"] for r in m["rows"]] for m in json.loads(done.stdout)}
    expected = {}
    for path, meta in front_matter("government"):
        if meta.get("catalogue") == "power-item":
            rows = [i for i, s in enumerate(meta.get("steps") or []) if (s.get("risk") or {}).get("level") == "高"]
            if rows:
                expected[path] = rows
    assert expected and got == expected


@pytest.fixture
def project(repo: Repo):
    for month, published in (("2013-11", "2013-12-05"), ("2013-12", "2014-01-08")):
        repo.record(f"l-{month}.md", BALANCED_LEDGER.replace("2013-12", month).replace("2014-01-08", published))
    return repo.check()


def conditions(project, text: str):
    return query.parse(text, query.known_fields(project))


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("period>=2013-12", ["l-2013-12"]),
        ("period<2013-Q4", []),  # 2013-11 starts after 2013-Q4 does
        ("period>=2013-Q4", ["l-2013-11", "l-2013-12"]),
        ("published<=2013-12-31", ["l-2013-11"]),
        ("income.amount=1200.5", ["l-2013-11", "l-2013-12"]),  # numbers compare as numbers
        ("income.subject~承包", ["l-2013-11", "l-2013-12"]),
        ("closing_balance>15000 closing_balance<15001", ["l-2013-11", "l-2013-12"]),
        ("withdrawn=*", []),
        ("withdrawn!=*", ["l-2013-11", "l-2013-12"]),
        ('title~"2013年11月"', []),  # the title was not changed by the fixture's replace (it says 12月)
        ("unit=cun category=village", ["l-2013-11", "l-2013-12"]),
        ("unit=ju", []),
        ("期末余额>15000", ["l-2013-11", "l-2013-12"]),  # a field by its Chinese title
    ],
)
def test_conditions_compare_dates_periods_numbers_and_text(project, text, ids):
    assert [m.record.id for m in query.run(project, conditions(project, text))] == ids


def test_matching_rows_of_a_table_are_returned(project):
    (m, _) = query.run(project, conditions(project, "income.subject=集体土地承包费"))
    assert [(f, i) for f, i, _ in m.rows] == [("income", 1)]
    assert json.loads(query.render(project, [m], "json"))[0]["rows"][0]["row"]["amount"] == 1200.5


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("countyy=demo", ["没有字段「countyy」", "是否想写「county」", "steps.risk.level"]),
        ("county==demo", ["比较符号「==」不存在", ">="]),
        ("county:demo", ["读不懂条件「county:demo」", "county=xuchangxian"]),
        ("county", ["缺少比较符号和值"]),
        ('title~"open', ["引号没有配对"]),
        ("period>*", ["「*」只能与 = 或 != 一起用"]),
        ("金额=5000", ["「金额」可以指", "income.amount", "expense.amount"]),
    ],
)
def test_a_filter_that_cannot_be_read_is_a_chinese_error_naming_the_choices(project, text, words):
    with pytest.raises(query.QueryError) as e:
        conditions(project, text)
    for w in words:
        assert w in str(e.value)


def test_a_bad_filter_on_the_command_line_exits_2_without_a_traceback():
    done = run_cli("query", "steps.rsk=高")
    assert done.returncode == 2 and "Traceback" not in done.stderr and "steps.risk" in done.stderr
