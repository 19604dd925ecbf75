"""统计 (county and portal) and the portal's 督查报告 in Chromium: they render from the
links a reader follows, load nothing from outside the site, and their SVG charts are
images with a name whose text is drawn at 12 px or more, at the size they were drawn."""

from __future__ import annotations

import pytest

PAGES = {"xuchangxian/stats/": "统计", "stats/": "统计", "inspection/": "督查报告"}

# Every chart: its accessible name, its drawn width against its width attribute, and the
# smallest font size and rendered glyph height of its text.
CHARTS = """() => [...document.querySelectorAll('svg.gk-chart')].map(svg => {
  const ids = (svg.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
  const texts = [...svg.querySelectorAll('text')];
  return {
    role: svg.getAttribute('role'),
    name: ids.map(i => (document.getElementById(i) || {}).textContent || '').join(' ').trim(),
    drawn: svg.getBoundingClientRect().width, width: Number(svg.getAttribute('width')),
    texts: texts.length,
    font: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize))),
    height: Math.min(...texts.filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect().height)),
  };
})"""


@pytest.mark.parametrize(("url", "heading"), PAGES.items())
def test_the_page_renders_its_charts_readably_and_loads_only_from_the_site(page, server, url, heading):
    page.goto(f"{server}{url}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1#gk-main").inner_text().strip() == heading
    outside = [u for u in page.requests_seen if not u.startswith(server) and not u.startswith("data:")]
    assert not outside, outside
    assert any(u.endswith("/assets/gongkai-charts.css") for u in page.requests_seen)
    charts = page.evaluate(CHARTS)
    assert charts
    for c in charts:
        assert c["role"] == "img" and len(c["name"]) > 4
        assert abs(c["drawn"] - c["width"]) < 1  # not scaled down: the text keeps its size
        assert c["texts"] and c["font"] >= 12 and c["height"] >= 12
    # Each chart's numbers are in a table too.
    assert page.locator("table.gk-chart-data, details.gk-heat-data table").count() >= len(charts)


def test_readers_reach_the_pages_from_the_homes(page, server):
    page.goto(server)
    page.get_by_role("link", name="督查报告").first.click()
    page.wait_for_url("**/inspection/")
    assert page.get_by_role("img", name="各单位逐月应公开和实际公开情况").count() == 1
    page.goto(server)
    page.get_by_role("link", name="全市统计").click()
    page.wait_for_url("**/stats/")
    page.get_by_role("link", name="许昌县").first.click()
    page.wait_for_url("**/xuchangxian/stats/")
    assert page.get_by_role("img", name="许昌县定期公开事项按时率（按单位）").count() == 1
    page.goto(f"{server}xuchangxian/")
    page.locator("article").get_by_role("link", name="统计").click()
    page.wait_for_url("**/xuchangxian/stats/")


@pytest.mark.parametrize("url", PAGES)
def test_wide_charts_scroll_in_their_box_not_the_page_on_a_phone(browser, server, url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{server}{url}")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    context.close()
