"""统计 pages (county and portal), the portal's 督查报告 page and their SVG charts: the values
are checked against counts this test takes from the record files, and the drawn charts
against the accessibility rules (role, title, text of 12 px or more, no script)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from test_stats import bundled
from tinyrepo import BALANCED_LEDGER, MAIN, Repo, notice

from gongkai import changes, check, deadlines
from gongkai.pages import county_pages, render_content
from gongkai.pages import inspection as inspection_page
from gongkai.pages import stats as stats_page
from gongkai.pages.charts import PLOT_H, RATE_W, RateRow, month_bars, rate_bars


@pytest.fixture(scope="module")
def project():
    return check(MAIN)


@pytest.fixture(scope="module")
def histories(project):
    return changes.record_histories(project, MAIN)


@pytest.fixture(scope="module")
def as_of():
    return deadlines.as_of_date(MAIN)


@pytest.fixture(scope="module")
def county_page(project, histories):
    pages, _, _ = county_pages(project, project.counties["xuchangxian"], histories)
    (page,) = [p for p in pages if p.src == "stats/index.md"]
    return page


@pytest.fixture(scope="module")
def portal_stats(project, histories, as_of):
    return stats_page.portal_page(project, as_of, histories)


@pytest.fixture(scope="module")
def portal_inspection(project, histories, as_of):
    return inspection_page.portal_page(project, as_of, histories)


def _files(county: str | None = None) -> list[tuple[str, dict]]:
    return [(p, m) for p, m in bundled() if county is None or p.split("/")[2] == county]


def _text(cell) -> str:
    return cell["text"] if isinstance(cell, dict) else str(cell)


def test_county_page_counts_records_by_category_year_and_unit(county_page, project):
    d = county_page.data
    files = _files("xuchangxian")
    years = sorted({m["published"][:4] for _, m in files})
    assert d["by_category"]["headers"] == [*(f"{y}年" for y in years), "合计"]
    from gongkai.model import CATEGORIES

    want = Counter((CATEGORIES[p.split("/")[1]], m["published"][:4]) for p, m in files)
    got = {(row[0], y): row[1 + i] for row in d["by_category"]["rows"] for i, y in enumerate(years) if row[1 + i] != ""}
    assert got == dict(want)
    units = project.counties["xuchangxian"].units
    want_units = Counter((units[p.split("/")[3]].name, m["published"][:4]) for p, m in files)
    got_units = {(_text(row[0]), y): row[1 + i] for row in d["by_unit"]["rows"] for i, y in enumerate(years) if row[1 + i] != ""}
    assert got_units == dict(want_units)
    assert d["total"] == len(files) == d["by_category"]["totals"][-1] == d["by_unit"]["totals"][-1]
    assert all(row[0]["href"].startswith("../units/") for row in d["by_unit"]["rows"])


def test_county_page_draws_records_per_month_from_the_published_dates(county_page):
    files = _files("xuchangxian")
    charts = county_page.data["months"]
    assert charts and [c["year"] for c in charts] == sorted({m["published"][:4] for _, m in files}, reverse=True)[: stats_page.MONTH_CHARTS]
    for c in charts:
        want = Counter(int(m["published"][5:7]) for _, m in files if m["published"][:4] == c["year"])
        assert [b["value"] for b in c["bars"]] == [want.get(k, 0) for k in range(1, 13)]


def test_county_page_modes_changes_on_time_and_requests(county_page):
    d = county_page.data
    files = _files("xuchangxian")
    assert sum(n for _, n in d["modes"]["rows"]) == len(files)
    ch = d["changes"]
    assert ch["withdrawn"] == sum(1 for _, m in files if "withdrawn" in m)
    assert ch["unexplained"] == 1 and ch["corrections"] == ch["explained"] + 1  # 小王庄's assets report
    (unexplained,) = [r for r in ch["correction_rows"] if r[-1] == "未写修订说明"]
    assert unexplained[1]["href"] == "../village/jgc-xiaowangzhuang/2013-zichan-zhaiwu/"
    for r in d["on_time"]["rows"]:
        assert r["due"] == r["on_time"] + r["late"] + r["missing"] and r["due"] > 0
    assert d["overdue"]["units"] and d["requests"]["total"] == 0


def test_portal_page_covers_the_whole_city_county_by_county(portal_stats, project):
    d = portal_stats.data
    files = _files()
    per_county = Counter(p.split("/")[2] for p, _ in files)
    rows = {_text(r[0]): r[-1] for r in d["by_county_category"]["rows"]}
    assert rows == {project.counties[c].name: n for c, n in per_county.items()}
    assert d["total"] == len(files) and d["by_county_category"]["totals"][-1] == len(files)
    assert all(r[0]["href"] == f"../{c}/stats/" for r, c in zip(d["by_county_category"]["rows"], project.counties, strict=True))
    registers = [row for _, m in files if m.get("catalogue") == "request-register" for row in m["requests"]]
    assert d["requests"]["total"] == len(registers) > 0
    assert sum(n for _, n in d["requests"]["times"]) == len(registers)
    # The portal's rate per county is the sum of its units' periods.
    county_rates = {r["label"]: r for r in d["on_time"]["rows"]}
    assert {r["label"] for r in d["on_time"]["rows"]} <= {project.counties[c].name for c in project.counties}
    for r in county_rates.values():
        assert r["due"] == r["on_time"] + r["late"] + r["missing"]


def test_portal_inspection_page_is_the_inspect_report_with_links(portal_inspection, project):
    d = portal_inspection.data
    assert d["total"] == sum(c["count"] for c in d["categories"]) == sum(len(g["problems"]) for g in d["grouped"])
    assert sum(u["total"] for u in d["units"]) == d["total"]
    headings = [r["heading"] for r in d["heat"]["rows"] if "heading" in r]
    assert headings == [c.name for c in project.counties.values()]
    linked = [p for g in d["grouped"] for p in g["problems"] if p["href"]]
    assert linked and all(re.fullmatch(r"\.\./[a-z]+/[a-z]+/[a-z0-9-]+/[a-z0-9-]+/", p["href"]) for p in linked)
    backdated = [p for g in d["grouped"] for p in g["problems"] if "倒签" in p["message"]]
    assert backdated and all(p["href"] for p in backdated)


@pytest.mark.parametrize("which", ["county_page", "portal_stats", "portal_inspection"])
def test_drawn_pages_have_accessible_charts_and_no_script(request, which):
    html = render_content(request.getfixturevalue(which))
    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", html, re.S)
    assert svgs and "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for svg in svgs:
        head = svg[: svg.index(">")]
        assert 'role="img"' in head
        labels = re.search(r'aria-labelledby="([^"]+)"', head).group(1).split()
        assert all(f'id="{i}"' in svg for i in labels) and "<title" in svg
        sizes = [int(s) for s in re.findall(r'font-size="(\d+)"', svg)]
        assert sizes and min(sizes) >= 12 and svg.count("<text") == len(sizes)
    assert html.count("<svg") == html.count("gk-chart-data") + html.count("gk-heat-data")  # each chart has its table


def test_month_bars_scale_to_the_busiest_month():
    c = month_bars("m", "2013", {1: 4, 3: 2})
    heights = [b["h"] for b in c["bars"]]
    assert heights[0] == PLOT_H and heights[2] == PLOT_H // 2 and heights[1] == 0 and c["total"] == 6
    assert "1月 4 条" in c["desc"]
    assert all(b["vy"] < b["y"] or b["h"] == 0 for b in c["bars"])
    assert month_bars("e", "2014", {})["total"] == 0  # a year of nothing draws no division by zero


def test_rate_bars_split_each_bar_by_share_and_drop_units_with_nothing_due():
    c = rate_bars("r", "按时率", [RateRow("甲村", 4, 2, 1, 1), RateRow("乙村", 0, 0, 0, 0), RateRow("丙村", 3, 3, 0, 0)])
    assert [r["label"] for r in c["rows"]] == ["甲村", "丙村"]
    first = c["rows"][0]
    assert [p["key"] for p in first["parts"]] == ["on_time", "late", "missing"]
    assert [p["w"] for p in first["parts"]] == [RATE_W // 2, RATE_W // 4, RATE_W // 4]
    assert first["parts"][1]["x"] == first["parts"][0]["x"] + first["parts"][0]["w"]
    assert first["note"] == "50%（2/4）" and c["rows"][1]["note"] == "100%（3/3）"
    assert c["label_w"] > 0 and c["width"] >= c["note_x"]


def test_values_on_the_pages_are_escaped(repo: Repo):
    hostile = '<img src=x onerror="alert(1)">'
    repo.write("content/counties/demo.yml", (repo.root / "content/counties/demo.yml").read_text(encoding="utf-8").replace(
        "示范村村民委员会", hostile.replace('"', "'")))
    repo.record("l-2013-12.md", BALANCED_LEDGER)
    repo.record("n.md", notice(title="通知<b>加粗</b>", extra="withdrawn: {date: 2014-01-09, reason: 发错了<b>理由</b>}\n"))
    project = repo.check()
    assert not project.findings.errors, project.findings
    pages, _, _ = county_pages(project, project.counties["demo"], as_of=dt.date(2014, 6, 30))
    html = render_content(next(p for p in pages if p.src == "stats/index.md"))
    assert "<img" not in html and "&lt;img src=x" in html  # the unit's name, in the tables and on the chart
    assert "<b>" not in html and "通知&lt;b&gt;加粗" in html and "发错了&lt;b&gt;" in html
    page = inspection_page.portal_page(project, dt.date(2014, 6, 30))
    assert "<img" not in render_content(page)


def test_the_portal_page_lists_at_most_so_many_problems_per_category_and_says_how_many_more(project, histories, as_of, monkeypatch):
    monkeypatch.setattr(inspection_page, "PER_CATEGORY", 2)
    page = inspection_page.portal_page(project, as_of, histories)
    counts = {c["name"]: c["count"] for c in page.data["categories"]}
    for g in page.data["grouped"]:
        assert len(g["problems"]) == min(2, counts[g["name"]]) and g["more"] == counts[g["name"]] - len(g["problems"])
    big = next(g for g in page.data["grouped"] if g["more"])
    assert f"另有 {big['more']} 个问题未列出（共 {counts[big['name']]} 个）" in render_content(page)
