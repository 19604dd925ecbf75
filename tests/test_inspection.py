"""inspect: the 督查 report's counts checked against what this test reads from the files and git."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections import Counter

import pytest
import yaml
from test_query import run_cli
from test_stats import bundled
from tinyrepo import MAIN


@pytest.fixture(scope="module")
def report() -> dict:
    done = run_cli("inspect", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_categories_and_units_add_up_to_every_problem(report):
    assert report["total"] == len(report["problems"]) == sum(c["count"] for c in report["categories"])
    assert sum(u["total"] for u in report["units"]) == report["total"]
    by_cat = Counter(p["category"] for p in report["problems"])
    assert {c["category"]: c["count"] for c in report["categories"] if c["count"]} == dict(by_cat)


def test_a_broken_chain_of_ledger_balances_is_found(report):
    expected = set()
    ledgers: dict[str, list] = {}
    for path, meta in bundled():
        if meta.get("catalogue") in ("finance-ledger", "party-dues", "finance-quarter") and "period" in meta:
            ledgers.setdefault(path.rsplit("/", 1)[0] + meta["catalogue"], []).append((meta["period"], path, meta))
    for series in ledgers.values():
        series.sort()
        for (p0, _, m0), (p1, path, m1) in zip(series, series[1:], strict=False):
            y0, y1 = int(p0[:4]), int(p1[:4])
            adjacent = "Q" not in p0 and (y1 * 12 + int(p1[5:7])) - (y0 * 12 + int(p0[5:7])) == 1
            if adjacent and float(m1["opening_balance"]) != float(m0["closing_balance"]):
                expected.add(path)
    found = {p["path"] for p in report["problems"] if p["code"] == "check-balance-carried-over"}
    assert expected and found == expected
    assert all(p["category"] == "数据不一致" for p in report["problems"] if p["code"] == "check-balance-carried-over")


def test_annual_reports_claims_are_compared_with_the_records(report):
    files = bundled()
    expected = set()
    for path, meta in files:
        if meta.get("catalogue") == "annual-report" and "proactive_count" in meta:
            county, year = path.split("/")[2], meta["period"]
            held = sum(1 for p, m in files if p.split("/")[2] == county and m["published"][:4] == year and m.get("catalogue") != "request-register")
            if int(meta["proactive_count"]) != held:
                expected.add(path)
    found = {p["path"] for p in report["problems"] if p["code"] == "claim-proactive"}
    assert found == expected and any("xuchangxian" in p for p in found)
    assert any(p["code"] == "claim-requests" for p in report["problems"])


def _first_commit_day(path: str) -> dt.date:
    out = subprocess.run(["git", "log", "--first-parent", "--diff-filter=A", "--format=%ct", "--", path], cwd=MAIN,
                         capture_output=True, text=True, check=True).stdout.split()
    return dt.datetime.fromtimestamp(int(out[-1]), dt.timezone(dt.timedelta(hours=8))).date()


def test_backdated_records_are_those_git_received_long_after_their_date(report):
    online = {p.stem: str(yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.BaseLoader).get("online_since", ""))
              for p in (MAIN / "content" / "counties").glob("*.yml")}
    expected = set()
    for path, meta in bundled():
        if meta["published"] < online[path.split("/")[2]]:
            continue  # imported from the old site
        if (_first_commit_day(path) - dt.date.fromisoformat(meta["published"])).days > 10:
            expected.add(path)
    found = {p["path"] for p in report["problems"] if p["code"] == "backdated"}
    assert expected and found == expected
    late = {p["path"] for p in report["problems"] if p["code"] == "late"}
    assert expected <= late  # on time by the typed date, late by the day it reached main


def test_a_correction_without_a_note_is_reported(report):
    (p,) = [p for p in report["problems"] if p["code"] == "correction-unexplained"]
    assert p["path"].endswith("jgc-xiaowangzhuang/2013-zichan-zhaiwu.md") and p["category"] == "未按规定更正、撤回或删除"


def test_on_time_rates_add_up(report):
    assert report["on_time"]
    for u in report["on_time"]:
        assert u["due"] == u["on_time"] + u["late"] + u["missing"] and u["rate"] == round(u["on_time"] / u["due"], 4)


def test_the_heat_map_counts_what_was_due_and_what_came(report):
    for row in report["heatmap"]["rows"]:
        for c in row["cells"]:
            assert c["due"] == c["on_time"] + c["late"] + c["missing"]
            assert c["mark"] == ("✗" if c["missing"] else "!" if c["late"] else "✓" if c["due"] else "·" if c["came"] else "")


def test_html_is_one_page_with_an_svg_heat_map_and_no_script():
    done = run_cli("inspect", "--county", "xuchangxian", "--as-of", "2014-06-30", "--months", "18", "--format", "html")
    html = done.stdout
    assert done.returncode == 0 and html.startswith("<!doctype html>")
    assert "<svg" in html and "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    heat = html[html.index('aria-labelledby="heat-t heat-d"'):]
    heat = heat[: heat.index("</svg>")]
    legend = heat.count('y="6" width="16"')
    assert "问题类别" in html and "许昌县" in html and legend == 4 and heat.count("<rect") - legend == 18 * len(
        yaml.safe_load((MAIN / "content/counties/xuchangxian.yml").read_text(encoding="utf-8"))["units"]
    )


def test_csv_has_one_line_per_problem(report):
    lines = run_cli("inspect", "--format", "csv").stdout.splitlines()
    assert lines[0] == "类别,县,单位,文件,行,代码,严重程度,问题" and len(lines) == report["total"] + 1


def test_html_escapes_every_value(repo):
    from gongkai import inspection

    project = repo.check()
    r = inspection.Report("2014-06-30", ["demo"], ["2014-06"])
    r.problems.append(inspection.Problem("其他", "demo", "cun", "content/x.md", "x", '<img src=x onerror="alert(1)">'))
    html = inspection.render_html(project, r, MAIN / "theme")
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
