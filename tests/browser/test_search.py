"""Citizens search in Chinese, in a real headless Chromium, against the built sites."""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import quote

import pytest
from searchpage import show_every_result

# Ordinary terms a citizen types: catalogue terms, a unit's full name, a topic from a body.
QUERIES = ["涉农补贴", "财务收支", "襄城县国土资源局", "权力运行流程图", "低保", "厂务公开", "裁判文书"]

def _search(page, server, county, query):
    """Run a query on a county's search page as a reader would, and read every result."""
    page.goto(f"{server}{county}/search/?q={quote(query)}")
    show_every_result(page)
    links = page.locator(".gk-result-link")
    hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return hrefs, links.all_inner_texts()


def _expected(project, query):
    """Records whose title, catalogue item or unit name contains the query, by county."""
    found = defaultdict(set)
    for r in project.records:
        unit = project.counties[r.county].units[r.unit].name
        if query in r.title or query in r.item.name or query == unit:
            found[r.county].add(r.url)
    return found


@pytest.mark.parametrize("query", QUERIES)
def test_search_returns_every_record_titled_with_the_query(page, server, project, query):
    expected = _expected(project, query)
    assert expected, f"the bundled content has no record for {query}"
    for county, urls in expected.items():
        hrefs, _ = _search(page, server, county, query)
        got = {h.split(f"/{county}/", 1)[1] for h in hrefs}
        missing = urls - got
        assert not missing, (county, query, sorted(missing))
        # Results are record pages only, never the index pages around them.
        assert all(u.count("/") >= 3 for u in got), got


@pytest.mark.parametrize("query", ["财务收支", "公示"])
def test_results_holding_the_query_in_their_title_come_newest_first(page, server, project, query):
    """Records whose title holds the term rank alike (it is in their heading); among them the
    newest come first, whatever order the index gives them ids in."""
    compared = 0
    for county in sorted({r.county for r in project.records if query in r.title}):
        _, titles = _search(page, server, county, query)
        subs = page.locator(".gk-results li .gk-sub").all_inner_texts()
        dates = [sub.rsplit(" · ", 1)[-1] for title, sub in zip(titles, subs, strict=True) if query in title]
        assert dates == sorted(dates, reverse=True), (county, query, dates)
        compared += len(set(dates)) > 1
    assert compared, f"no county has records of several dates titled with {query}"


def test_search_page_takes_its_query_from_the_address(page, server, project):
    county = "yanling"
    _, titles = _search(page, server, county, "财务收支")
    assert titles, "no result shown"
    records = {r.title for r in project.records if r.county == county}
    assert set(titles) <= records
    assert any("财务收支" in t for t in titles)
    assert page.locator("#gk-q").input_value() == "财务收支"


def test_header_search_box_opens_the_search_page(page, server):
    page.goto(f"{server}changge/")
    page.fill("#gk-q", "民政局")
    page.press("#gk-q", "Enter")
    page.wait_for_url("**/changge/search/?q=*")
    page.wait_for_selector(".gk-result-link", timeout=15000)
    assert page.locator(".gk-result-link").count() > 0


def test_pages_make_no_request_outside_the_site(page, server, project):
    power = next(r for r in project.records if r.item.id == "power-item")
    for path in ("", "xiangcheng/", f"{power.county}/{power.url}", "xiangcheng/search/?q=%E8%A1%A5%E8%B4%B4"):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
    outside = [u for u in page.requests_seen if not u.startswith(server) and not u.startswith("data:")]
    assert not outside, outside
    assert len(page.requests_seen) > 5


def test_record_page_reads_on_a_phone(browser, server, project):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    pg = context.new_page()
    r = next(r for r in project.records if r.item.id == "farm-subsidy")
    pg.goto(f"{server}{r.county}/{r.url}")
    assert pg.locator("h1").first.inner_text().strip() == r.title
    # The page itself must not scroll sideways; wide tables scroll inside their own box.
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1
    context.close()


@pytest.mark.parametrize("page_url", ["changes/", "deadlines/", "units/jgc-xiaowangzhuang/", "village/", "catalogue/"])
def test_listing_pages_do_not_scroll_sideways_on_a_phone(browser, server, page_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{server}xuchangxian/{page_url}")
    # Wide tables may scroll inside their own box; the page itself must not.
    assert pg.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    context.close()


def test_an_excerpt_keeps_what_separates_the_match_from_the_text_before_it(page, server):
    """The 凭证张数 7 before a name read as part of it (7王秀梅): the space before the match was trimmed."""
    page.goto(f"{server}xuchangxian/search/?q={quote('王秀梅')}")
    page.wait_for_selector(".gk-summary mark")
    befores = page.eval_on_selector_all(".gk-summary mark", "ms => ms.map(m => m.previousSibling ? m.previousSibling.textContent : '')")
    assert befores and all(not b or b[-1] == " " for b in befores), befores
    # What shows is what the page shows (4,063.90元), not the other forms the index holds.
    shown = " ".join(page.locator(".gk-summary").all_inner_texts())
    assert "元" in shown and not re.search(r"\d,\d{3}\.\d\d元 \d+\.\d\d元", shown), shown



def test_an_excerpt_never_shows_the_other_forms_a_record_is_found_by(page, server):
    """2013年6月7日 finds a record published 2013-06-07; its excerpt is what the page shows."""
    page.goto(f"{server}xuchangxian/search/?q={quote('2013年6月7日')}")
    page.wait_for_selector(".gk-results li")
    show_every_result(page)
    shown = " ".join(page.locator(".gk-summary").all_inner_texts())
    assert page.locator(".gk-results li").count() and "20130607" not in shown, shown
