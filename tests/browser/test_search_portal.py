"""The portal searches every county, and filter counts describe the current results, in
Chromium: the portal's box opens a search page that reads each county's static index and
merges the results (each naming its county); the filters count what the query found and
say so when they leave nothing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from searchpage import show_every_result

from gongkai.pages import county_pages
from gongkai.searchbench import relevant


def portal_search(page, server, query, **filters):
    """Open the portal's search page at its address, as a shared link would; wait for the
    results, their check against the text and the filter counts; read every result."""
    address = "&".join(f"{quote(k)}={quote(v)}" for k, v in {"q": query, **filters}.items())
    page.goto(f"{server}search/?{address}")
    page.wait_for_selector("#gk-search[data-counted]")
    show_every_result(page)
    assert "出错" not in page.inner_text("#gk-status")
    return page.locator(".gk-result-link").evaluate_all("els => els.map(e => e.getAttribute('href'))")


def expected(project, query):
    """Every record of every county whose indexed text holds the query: (county, address)."""
    out = set()
    for county in project.counties.values():
        out |= {(county.id, d.url) for d in county_pages(project, county)[2] if relevant(d.text + "\n" + d.also, query)}
    return out


def where(server, href):
    """(county, address in the county site) of a result link."""
    county, url = href[len(server) :].split("/", 1)
    return county, url


def test_the_portal_box_opens_a_search_over_every_county(page, server, project):
    county = next(iter(project.counties))
    page.goto(f"{server}{county}/")
    assert page.get_attribute("#gk-q", "placeholder") == "搜索本站公开信息"  # a county's box searches that county
    page.goto(server)
    assert page.get_attribute("#gk-q", "placeholder") == "搜索各县（市、区）公开信息"  # the portal's, every county
    page.fill("#gk-q", "农补")
    page.press("#gk-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    assert "404" not in page.title() and page.locator("h1").first.inner_text().strip() == "搜索各县（市、区）公开信息"
    page.wait_for_selector("#gk-search[data-counted]")
    show_every_result(page)
    hrefs = page.locator(".gk-result-link").evaluate_all("els => els.map(e => e.href)")
    found = [where(server, h) for h in hrefs]
    want = expected(project, "农补")
    assert len({c for c, _ in want}) >= 3, "the bundled content should hold 农补 in several counties"
    assert len(found) == len(set(found)) and set(found) == want
    assert int(page.get_attribute("#gk-search", "data-total")) == len(want)
    # Each result names its county, and its link opens the record in that county's site.
    names = {c.id: c.name for c in project.counties.values()}
    subs = page.locator(".gk-results .gk-sub").all_inner_texts()
    assert [s.split(" · ")[0] for s in subs] == [names[c] for c, _ in found]
    page.locator(".gk-result-link").first.click()
    page.wait_for_load_state()
    county, url = found[0]
    record = next(r for r in project.records if r.county == county and r.url == url)
    assert page.locator("h1").first.inner_text().strip() == record.title


def test_merged_results_are_ranked_as_each_county_ranks_them(page, server, project):
    # Records whose heading (title, 文号, 索引号) holds the query first, then newest first,
    # whatever the county.
    hrefs = portal_search(page, server, "补贴")
    documents = {(c.id, d.url): d for c in project.counties.values() for d in county_pages(project, c)[2]}
    found = [documents[where(server, h)] for h in hrefs]
    named = [d for d in found if relevant(d.heading or d.title, "补贴")]
    assert 0 < len(named) < len(found)
    assert found[: len(named)] == named, "records named by the query come first"
    for part in (found[: len(named)], found[len(named) :]):
        dates = [d.date for d in part]
        assert dates == sorted(dates, reverse=True)
    assert len({c for c, _ in map(lambda h: where(server, h), hrefs)}) == len(project.counties)


def test_numbers_are_found_by_their_beginning_in_every_county(page, server, project):
    hrefs = portal_search(page, server, "许政〔2013〕1")
    assert {where(server, h) for h in hrefs} == expected(project, "许政〔2013〕1") == {
        ("xuchang", "government/zfb/xuzheng-2013-12/"), ("xuchangxian", "government/zfb/xuxianzheng-2013-8/")}


def test_the_county_filter_narrows_and_stays_in_the_address(page, server, project):
    everything = {where(server, h) for h in portal_search(page, server, "农补")}
    counts = dict(o.rsplit("（", 1) for o in page.locator("#gk-filter-县区 option").all_inner_texts())
    page.select_option("#gk-filter-县区", "襄城县")
    page.wait_for_function("decodeURIComponent(location.search).includes('县区=襄城县')")
    page.wait_for_selector("#gk-search[data-counted]")
    show_every_result(page)
    shown = {where(server, h) for h in page.locator(".gk-result-link").evaluate_all("els => els.map(e => e.href)")}
    assert shown == {f for f in everything if f[0] == "xiangcheng"}
    assert counts["襄城县"] == f"{len(shown)}）"
    assert {where(server, h) for h in portal_search(page, server, "农补", 县区="襄城县")} == shown


def _options(page, name):
    """A filter's options as {value: count}, and the count beside 全部."""
    texts = page.locator(f"#gk-filter-{name} option").all_inner_texts()
    values = page.locator(f"#gk-filter-{name} option").evaluate_all("os => os.map(o => o.value)")
    counts = {v: int(t.rsplit("（", 1)[1].rstrip("）")) for v, t in zip(values, texts, strict=True)}
    return {v: n for v, n in counts.items() if v}, counts[""]


def test_filter_counts_are_those_of_the_current_results(page, server, project):
    found = portal_search(page, server, "农补")
    for name in ("县区", "类别", "单位", "年份"):
        values, everything = _options(page, name)
        assert everything == len(found), name
        assert sum(values.values()) == len(found) and all(values.values()), (name, values)
    # Each count is what choosing it gives: 单位 and 年份 together.
    values, _ = _options(page, "单位")
    unit, n = max(values.items(), key=lambda kv: kv[1])
    assert len(portal_search(page, server, "农补", 单位=unit)) == n
    years, everything = _options(page, "年份")
    assert everything == n and sum(years.values()) == n  # the other filters are counted under the chosen one
    unit_values, _ = _options(page, "单位")
    assert unit_values[unit] == n and sum(unit_values.values()) == len(found)  # and its own choices stay open


def test_a_county_search_counts_its_results_too(page, server):
    page.goto(f"{server}xiangcheng/search/?q={quote('农补')}")
    page.wait_for_selector("#gk-search[data-counted]")
    show_every_result(page)
    total = page.locator(".gk-results li").count()
    assert not page.locator("#gk-filter-县区").count()
    values, everything = _options(page, "类别")
    assert everything == total == sum(values.values()) == 4
    assert values == {"政务公开": 3, "村务公开": 1}


def test_a_filter_that_empties_the_results_says_so_and_clears(page, server):
    # The address keeps 年份=2014 from an earlier search; 农补 was published in 2013 only.
    portal_search(page, server, "农补", 年份="2014")
    assert page.locator(".gk-results li").count() == 0
    message = page.inner_text("#gk-status")
    assert "按所选条件（年份：2014）没有找到与「农补」相关的公开信息" in message and "不限条件可找到 23 条" in message
    clear = page.locator("#gk-empty button", has_text="不限年份")
    assert clear.is_visible()
    clear.focus()  # a keyboard user reaches it and presses Enter
    page.keyboard.press("Enter")
    page.wait_for_selector("#gk-search[data-counted]")
    assert page.get_attribute("#gk-search", "data-total") == "23"
    assert "年份" not in page.evaluate("decodeURIComponent(location.search)")
    assert page.is_hidden("#gk-empty")
    # A filter with no match at all on a county page says the same, in Chinese.
    page.goto(f"{server}xiangcheng/search/?q={quote('农补')}&{quote('单位')}={quote('没有这个单位')}")
    page.wait_for_selector("#gk-search[data-counted]")
    assert "按所选条件（单位：没有这个单位）没有找到" in page.inner_text("#gk-status")
    page.locator("#gk-empty button").click()
    page.wait_for_selector("#gk-search[data-counted]")
    assert page.get_attribute("#gk-search", "data-total") == "4"


def test_the_portal_search_reads_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    portal_search(page, server, "襄城县国土资源局")
    assert page.locator(".gk-results li").count() == 14
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    for selector in ("#gk-search-q", ".gk-search-form button", "#gk-filter-县区", "#gk-filter-单位", ".gk-result-link", ".gk-county"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 376, selector
    portal_search(page, server, "农补", 年份="2014")
    box = page.locator("#gk-empty button").first.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 376
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    context.close()


def test_the_keyboard_alone_searches_every_county_and_opens_a_record(page, server):
    page.goto(server)
    page.focus("#gk-q")
    page.keyboard.type("张家寨")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    page.wait_for_selector("#gk-search[data-shown='10']")
    assert page.evaluate("document.activeElement.id") == "gk-search-q" or page.evaluate("document.activeElement === document.body")
    page.focus("#gk-search-q")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id === 'gk-filter-县区'"):
            break
    else:
        raise AssertionError("Tab never reached the county filter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id === 'gk-more'"):
            break
    else:
        raise AssertionError("Tab never reached 显示更多结果")
    page.keyboard.press("Enter")
    page.wait_for_selector("#gk-search[data-shown='15']")
    assert page.evaluate("document.activeElement === document.querySelectorAll('.gk-result-link')[10]")
    href = page.evaluate("document.activeElement.href")
    assert "/yanling/" in href
    page.keyboard.press("Enter")
    page.wait_for_url(href)


def test_the_portal_search_asks_nothing_outside_the_site(page, server):
    portal_search(page, server, "补贴")
    page.locator("#gk-more").count()
    outside = [u for u in page.requests_seen if not u.startswith(server) and not u.startswith("data:")]
    assert not outside, outside
    # It read every county's index.
    for county in ("changge", "xiangcheng", "xuchang", "xuchangxian", "yanling"):
        assert any(u.startswith(f"{server}{county}/search-index/") for u in page.requests_seen), county


def test_the_portal_search_page_has_a_skip_link_and_one_title(page, server):
    page.goto(f"{server}search/")
    page.wait_for_selector("#gk-search[data-ready]")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.evaluate("document.querySelector('a[href]').getAttribute('href')") == "#gk-main"
    assert page.evaluate("document.activeElement.id") == "gk-search-q"
    assert page.title().count("搜索各县（市、区）公开信息") == 1


def test_a_county_whose_index_cannot_be_read_is_named_and_left_out(page, server, project):
    page.route("**/xuchang/search-index/meta.json", lambda route: route.fulfill(status=404, body="not found"))
    hrefs = portal_search(page, server, "许政〔2013〕1")
    assert {where(server, h) for h in hrefs} == {("xuchangxian", "government/zfb/xuxianzheng-2013-8/")}
    assert "暂时无法搜索：许昌市本级" in page.inner_text("#gk-search")
    assert "许昌市本级" not in page.locator("#gk-filter-县区 option").all_inner_texts()[1:]


def test_counts_of_a_query_the_index_cannot_answer_exactly_say_about(page, server):
    """A term of more than three units is found by its three-unit runs and each result is
    checked only when shown: its filter counts are of candidates, so they say 约."""
    page.goto(f"{server}xuchang/search/?q={quote('许昌市人民政府')}")
    page.wait_for_selector("#gk-search[data-counted]")
    options = page.locator("#gk-filter-类别 option").all_inner_texts()
    assert options[0].startswith("全部（约") and all("（约" in o for o in options), options
    page.goto(f"{server}xuchang/search/?q={quote('农补')}")
    page.wait_for_selector("#gk-search[data-counted]")
    assert not any("约" in o for o in page.locator("#gk-filter-类别 option").all_inner_texts())


@pytest.mark.parametrize("query", ["！！！", "。，、", "😀", "#"])
def test_a_query_with_nothing_to_search_says_so(page, server, query):
    page.goto(f"{server}xuchang/search/?q={quote(query)}")
    page.wait_for_function("document.getElementById('gk-status').textContent.includes('没有可以搜索的文字')")
    assert page.locator("#gk-status").inner_text() == f"「{query}」中没有可以搜索的文字：请输入汉字、字母或数字。"
    assert page.locator(".gk-results li").count() == 0


def test_candidates_the_check_drops_are_replaced_until_the_page_is_full(page, server):
    """Part of a 索引号 is looked up by its first digits: most candidates hold other numbers
    and leave the list when checked. The page fetched no more, and showed 约129 above an
    empty list; it now fetches until a page is full or no candidate is left."""
    page.goto(f"{server}search/?q={quote('2013-00009')}")
    page.wait_for_selector("#gk-search[data-checked]", timeout=60000)
    page.wait_for_function("!document.getElementById('gk-status').textContent.includes('正在')")
    assert page.locator(".gk-results li").count() >= 2, page.inner_text("#gk-status")


def test_when_every_candidate_fails_the_check_the_filters_say_none(page, server):
    page.goto(f"{server}xiangcheng/search/?q={quote('2013-00012')}")
    page.wait_for_selector("#gk-search[data-checked]", timeout=60000)
    page.wait_for_selector("#gk-search[data-counted]")
    assert "没有找到" in page.inner_text("#gk-status")
    options = page.locator("#gk-filter-类别 option").all_inner_texts()
    assert options == ["全部（0）"], options
