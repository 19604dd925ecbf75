"""On a phone and with a keyboard, in Chromium: every Tab stop is on the screen and shows
where focus is; wide tables read as labelled cards; amounts and dates keep to one line;
the power-list flowchart fits its column with step text at least 12 px."""

from __future__ import annotations

import pytest
from test_accessibility import contrast
from test_axe import PAGES, open_page

# The pages a reader reaches first, and the record pages with the most to tab through.
KEYBOARD_PAGES = ["portal", "county home", "record: power list + flowchart + revisions", "search with results", "unit"]

# What focus looks like on the active element, and the colour behind its outline: its own
# background when the outline is drawn inside it, else the nearest painted ancestor's.
FOCUS = """() => {
  document.getAnimations().forEach(a => a.finish());  // Material slides the skip link in
  const e = document.activeElement, r = e.getBoundingClientRect(), s = getComputedStyle(e);
  // Backgrounds from the element out until an opaque one, then laid over each other.
  const layers = [];
  for (let p = parseFloat(s.outlineOffset) < 0 ? e : e.parentElement; p; p = p.parentElement) {
    const c = getComputedStyle(p).backgroundColor.match(/[\\d.]+/g).map(Number);
    if (c.length === 3) c.push(1);
    if (c[3] > 0) layers.push(c);
    if (c[3] === 1) break;
  }
  let mix = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse()) mix = [r, g, b].map((v, i) => Math.round(v * a + mix[i] * (1 - a)));
  const bg = `rgb(${mix.join(', ')})`;
  return {what: e.tagName + ' ' + (e.textContent || e.id || e.getAttribute('aria-label') || '').trim().slice(0, 20),
          left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
          shown: e.checkVisibility({opacityProperty: true, visibilityProperty: true}),
          style: s.outlineStyle, outline: parseFloat(s.outlineWidth), colour: s.outlineColor,
          bg};
}"""


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("kind", KEYBOARD_PAGES)
def test_the_first_20_tab_stops_are_on_screen_and_show_focus(page, server, kind, width):
    open_page(page, server, PAGES[kind], width)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for n in range(20):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUS)
        where = f"Tab stop {n + 1} on {kind} at {width} px: {f['what']}"
        if f["what"].startswith("BODY"):
            break  # a short page: focus has gone round to the browser
        assert f["shown"] and f["width"] > 0 and f["height"] > 0, f"{where} is hidden"
        assert f["left"] >= 0 and f["right"] <= width and f["bottom"] > 0 and f["top"] < 800, f"{where} is off-screen: {f}"
        assert f["style"] != "none" and f["outline"] >= 2, f"{where} shows no focus ring: {f}"
        assert contrast(f["colour"], f["bg"]) >= 3, f"{where}: focus ring {f['colour']} on {f['bg']}"


CARD = """(sel) => [...document.querySelectorAll(sel)].map(td => ({
  label: getComputedStyle(td, '::before').content, data: td.dataset.label,
  right: td.getBoundingClientRect().right, display: getComputedStyle(td).display}))"""


@pytest.mark.parametrize("kind", ["record: subsidy list", "record: penalty table", "record: annual report", "record: village ledger", "deadlines"])
def test_on_a_phone_table_rows_are_cards_of_labelled_values(page, server, kind):
    open_page(page, server, PAGES[kind], 375)
    cells = page.evaluate(CARD, ".gk-table tbody td")
    assert cells, f"{kind} has no table"
    column = page.evaluate("document.querySelector('.md-content__inner').getBoundingClientRect().right")
    for c in cells:
        if c["display"] == "none":
            continue  # an empty cell is left out of the card
        assert c["data"] and c["label"] == f'"{c["data"]}"', c
        assert c["right"] <= column + 0.5, c
    assert not page.evaluate("[...document.querySelectorAll('.gk-table thead')].some(h => h.getBoundingClientRect().height > 1)")


# How many lines the text of each amount and date cell takes, and how an amount is aligned.
ONE_LINE = """() => [...document.querySelectorAll('td.gk-num, td.gk-date')].filter(td => td.textContent.trim()).map(td => {
  const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT), rects = [];
  for (let t = walk.nextNode(); t; t = walk.nextNode()) {
    const range = document.createRange(); range.selectNodeContents(t); rects.push(...range.getClientRects());
  }
  return {text: td.textContent.trim(), lines: new Set(rects.map(r => Math.round(r.bottom))).size,
          align: getComputedStyle(td).textAlign, num: td.classList.contains('gk-num'),
          right: td.getBoundingClientRect().right - parseFloat(getComputedStyle(td).paddingRight),
          end: Math.max(...rects.map(r => r.right))};
})"""


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("kind", ["record: subsidy list", "record: penalty table", "record: village ledger", "record: judicial", "deadlines"])
def test_amounts_are_right_aligned_and_amounts_and_dates_never_broken(page, server, kind, width):
    open_page(page, server, PAGES[kind], width)
    cells = page.evaluate(ONE_LINE)
    assert any(c["num"] for c in cells) or kind == "deadlines", f"{kind}: no amount was marked"
    for c in cells:
        assert c["lines"] == 1, f"{kind} at {width} px: {c['text']} is broken across lines"
        if c["num"]:
            assert c["align"] == "right" and abs(c["end"] - c["right"]) < 2, f"{kind} at {width} px: {c}"


FLOW = """() => { const svg = document.querySelector('svg.gk-flow'), box = svg.getBoundingClientRect();
  const column = svg.closest('.md-content__inner').getBoundingClientRect();
  return {svg: [box.left, box.right], column: [column.left, column.right],
          texts: [...svg.querySelectorAll('text')].map(t => { const r = t.getBoundingClientRect();
            return {text: t.textContent, size: parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a,
                    height: r.height, left: r.left, right: r.right}; })}; }"""


@pytest.mark.parametrize("width", [375, 1280])
def test_the_flowchart_fits_its_column_and_its_text_is_at_least_12px(page, server, width):
    open_page(page, server, PAGES["record: power list + flowchart + revisions"], width)
    f = page.evaluate(FLOW)
    assert f["column"][0] - 0.5 <= f["svg"][0] and f["svg"][1] <= f["column"][1] + 0.5
    assert len(f["texts"]) >= 8
    for t in f["texts"]:
        assert t["size"] >= 12 and t["height"] >= 12, f"{t['text']} is drawn at {t['size']:.1f} px at {width} px"
        assert f["svg"][0] <= t["left"] and t["right"] <= f["svg"][1], f"{t['text']} runs out of the chart"


WEIGHT = """() => { const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
  return all.map(e => ({url: e.name, bytes: e.transferSize, body: e.encodedBodySize})); }"""


@pytest.mark.parametrize("kind", ["county home", "record: power list + flowchart + revisions", "record: government"])
def test_page_weight_on_a_first_visit(browser, server, kind, capsys):
    """Bytes a first visit transfers (nothing cached), measured by Chromium; printed for the
    record, with a budget a phone on a slow connection can bear."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{server}{PAGES[kind]}", wait_until="load")
    entries = page.evaluate(WEIGHT)
    context.close()
    total = sum(e["bytes"] for e in entries)
    html = entries[0]["bytes"]
    with capsys.disabled():
        print(f"\n{kind}: {total:,} bytes transferred in {len(entries)} requests (HTML {html:,} bytes)")
    assert all(e["url"].startswith(server) for e in entries)
    assert total < 600_000


def test_a_wide_table_in_a_record_body_reads_as_cards_on_a_phone(page, server):
    """A Markdown table in a record's text, as gongkai/pages/body.py makes it, put into a
    record page: on a phone each row is a card of labelled values and nothing scrolls sideways."""
    from gongkai.pages.body import body_html

    head = ["序号", "项目名称", "承建单位", "合同金额（元）", "开工日期", "竣工日期", "验收情况", "备注说明"]
    row = ["1", "东关村生产路硬化工程一期", "许昌县某某建筑工程有限公司", "1,234,567.89", "2013-10-14", "2013-12-30", "合格", "村民代表全程监督"]
    markdown = "\n".join("| " + " | ".join(r) + " |" for r in (head, ["---"] * len(head), row, row))
    open_page(page, server, PAGES["record: government"], 375)
    page.evaluate(
        """(html) => { const d = document.createElement('div'); d.className = 'gk-body'; d.innerHTML = html;
                       document.querySelector('.gk-meta').after(d); }""",
        str(body_html(markdown)),
    )
    labels = page.evaluate("[...document.querySelectorAll('.gk-body td')].map(td => getComputedStyle(td, '::before').content)")
    assert labels == [f'"{h}"' for h in head] * 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_on_a_phone_the_keyboard_opens_the_menu_and_reaches_its_links(page, server):
    open_page(page, server, PAGES["county home"], 375)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('for')") == "__drawer":
            break
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "打开导航菜单"
    page.keyboard.press("Enter")
    assert page.evaluate("document.getElementById('__drawer').checked")
    page.evaluate("document.getAnimations().forEach(a => a.finish())")
    # The focus is taken into the open drawer (the toolbar's links come between them in the page).
    assert page.evaluate("!!document.activeElement.closest('.md-sidebar--primary')")
    f = page.evaluate(FOCUS)
    assert f["what"].startswith("A") and f["shown"] and 0 <= f["left"] and f["right"] <= 375, f
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.md-sidebar--primary')")
    # Escape closes the menu and gives the focus back to its button.
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__drawer').checked")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "打开导航菜单"
