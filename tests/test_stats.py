"""stats: the figures are checked against counts this test takes from the record files themselves."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml
from test_query import run_cli
from tinyrepo import MAIN


def bundled() -> list[tuple[str, dict]]:
    """(path, front matter) of every bundled record, read with plain PyYAML (dates as text)."""
    out = []
    for path in sorted((MAIN / "content").glob("*/*/*/*.md")):
        meta = yaml.load(path.read_text(encoding="utf-8").split("---", 2)[1], Loader=yaml.BaseLoader)
        out.append((path.relative_to(MAIN).as_posix(), meta))
    return out


@pytest.fixture(scope="module")
def stats_2013() -> dict:
    done = run_cli("stats", "--year", "2013", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_how_many_records_each_county_published_in_2013_by_category(stats_2013):
    got = Counter()
    for row in stats_2013["records"]:
        got[(row["county"], row["category"])] += row["count"]
    expected = Counter((p.split("/")[2], p.split("/")[1]) for p, meta in bundled() if meta["published"].startswith("2013"))
    assert got == expected and sum(expected.values()) > 100


def test_records_per_unit_and_year_withdrawals_and_modes(stats_2013):
    units = Counter()
    for row in stats_2013["records"]:
        assert row["year"] == "2013"
        units[(row["county"], row["unit"])] += row["count"]
    files = [(p, m) for p, m in bundled() if m["published"].startswith("2013")]
    assert units == Counter((p.split("/")[2], p.split("/")[3]) for p, _ in files)
    assert [w["path"] for w in stats_2013["withdrawn"]] == [p for p, m in files if "withdrawn" in m]
    assert sum(n for modes in stats_2013["modes"].values() for n in modes.values()) == len(files)


def test_requests_are_counted_by_outcome_and_by_time_taken():
    done = run_cli("stats", "--county", "changge", "--format", "json")
    data = json.loads(done.stdout)
    rows = [row for _, m in bundled() if m.get("catalogue") == "request-register" for row in m["requests"]]
    groups = Counter(row["outcome"].split("：")[0] if "outcome" in row else "尚未办结" for row in rows)
    assert data["requests_by_outcome"] == dict(groups)
    by_time = data["requests_by_time"]
    assert sum(by_time.values()) == len(rows)
    assert by_time["逾期答复"] >= 1 and by_time["延期答复"] >= 1 and by_time["按时答复"] >= 1
    assert by_time["延期答复"] == sum(1 for r in rows if r.get("extended") and r.get("replied"))


def test_did_xiaowangzhuang_explain_its_corrections_is_one_command():
    done = run_cli("stats", "--county", "xuchangxian", "--unit", "jgc-xiaowangzhuang", "--format", "json")
    data = json.loads(done.stdout)
    by_path = {c["path"].rsplit("/", 1)[1]: c for c in data["corrections"]}
    assert by_path["2013-zichan-zhaiwu.md"]["explained"] is False
    assert by_path["2013-q4-jiandu.md"]["explained"] is True and by_path["2013-q4-jiandu.md"]["notes"]
    assert by_path["ledger-2013-05.md"]["typo"] is True  # a typo fix in the body needs no note
    table = run_cli("stats", "--county", "xuchangxian", "--unit", "jgc-xiaowangzhuang").stdout
    assert "未写说明 1 次" in table


def test_on_time_rate_adds_up_and_overdue_units_are_ranked():
    data = json.loads(run_cli("stats", "--county", "xuchangxian", "--format", "json").stdout)
    for u in data["on_time"]["xuchangxian"]:
        assert u["due"] == u["on_time"] + u["late"] + u["missing"]
        assert u["rate"] == (round(u["on_time"] / u["due"], 4) if u["due"] else None)
    periods = [u["periods"] for u in data["overdue_units"]]
    assert periods == sorted(periods, reverse=True) and periods[0] > 0


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--county", "nowhere"], "没有这个县"), (["--year", "13"], "四位数字"), (["--unit", "nobody"], "没有单位"), (["--as-of", "x"], "YYYY-MM-DD")],
)
def test_bad_arguments_are_chinese_messages(args, words):
    done = run_cli("stats", *args)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_csv_has_one_row_per_county_category_year_unit():
    lines = run_cli("stats", "--year", "2013", "--format", "csv").stdout.splitlines()
    assert lines[0] == "统计项,县,类别,年份,单位,分项,数量"
    assert sum(int(x.split(",")[-1]) for x in lines if x.startswith("记录数,")) == sum(
        1 for _, m in bundled() if m["published"].startswith("2013")
    )


def test_which_units_of_xuchangxian_owe_monthly_village_finances_and_since_when():
    done = run_cli("deadlines", "--county", "xuchangxian", "--on", "2026-12-01", "--format", "json")
    missing = [m for m in json.loads(done.stdout)["xuchangxian"]["missing"] if m["item"] == "finance-ledger"]
    periods: dict[str, list[str]] = {}
    for path, meta in bundled():
        if path.startswith("content/village/xuchangxian/") and meta.get("catalogue") == "finance-ledger":
            periods.setdefault(path.split("/")[3], []).append(meta["period"])
    expected = {}
    for unit, ps in periods.items():
        ps.sort()
        y, m = int(ps[0][:4]), int(ps[0][5:])
        while f"{y}-{m:02d}" in ps:  # the first month after the unbroken run is the first one owed
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        expected[unit] = f"{y}-{m:02d}"
    assert expected and {m["unit"]: m["first"] for m in missing} == expected


def test_outside_git_corrections_are_the_change_notes_in_the_files(repo):
    import datetime as dt

    from gongkai import stats

    repo.record("n.md", "---\ncatalogue: notice\ntitle: 通知\npublished: 2014-01-08\nchanges:\n  - {date: 2014-01-09, note: 更正会议时间}\n---\n正文。\n")
    s = stats.compute(repo.check(), ["demo"], dt.date(2014, 2, 1))
    assert [(c.date, c.notes, c.explained) for c in s.corrections] == [("2014-01-09", ["更正会议时间"], True)]
    assert s.records == [{"county": "demo", "category": "village", "year": "2014", "unit": "cun", "count": 1}]
