"""WCAG 2.0/2.1 A and AA on every kind of page, checked by axe-core (the npm package, pinned
in package.json, injected from node_modules: no outside request) in Chromium at a desktop
width and a phone width; and on the phone, no page wider than the screen.

The table of violations per page kind is printed on every run (`pytest -s` is not needed),
so a change to the theme can be compared before and after."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# With axe's best practices (one search landmark named apart from the other, no heading
# level skipped): a screen reader's user moves by landmarks and headings.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
WIDTHS = (1280, 375)

# One page of every kind, with the records whose pages are hardest to lay out: the widest
# tables (a 10-column penalty list, the 59-column 2021 annual report), a ledger, a subsidy
# list, a power list with its flowchart and 修订记录, a withdrawn and a removed record.
PAGES = {
    "portal": "",
    "404": "xiangcheng/404.html",
    "county home": "xiangcheng/",
    "category listing": "xiangcheng/government/",
    "units": "xiangcheng/units/",
    "unit": "xiangcheng/units/guotu/",
    "catalogue": "xiangcheng/catalogue/",
    "catalogue item": "xiangcheng/catalogue/government/power-item/",
    "changes": "xiangcheng/changes/",
    "deadlines": "xiangcheng/deadlines/",
    "search with results": "xiangcheng/search/?q=采矿",
    "search, nothing typed": "xuchangxian/search/",
    "portal search with results": "search/?q=补贴",
    "stats (charts that scroll)": "xuchangxian/stats/",
    "portal stats": "stats/",
    "inspection (heat map)": "inspection/",
    "unit of a village": "xuchangxian/units/jgc-xiaowangzhuang/",
    "annual reports": "xuchangxian/annual-reports/",
    "record: government": "xiangcheng/government/guotu/caikuang-xuke-2013-11/",
    "record: penalty table": "xuchangxian/government/nongye/zhongzi-chufa-2013/",
    "record: power list + flowchart + revisions": "xiangcheng/government/guotu/power-feifa-zhandi/",
    "record: subsidy list": "xuchangxian/government/nongye/liangzhong-butie-2013/",
    "record: annual report": "changge/government/minzheng/nianbao-2021/",
    "record: party": "changge/party/fengji/2013-dangwei-huanjie/",
    "record: affairs": "changge/affairs/renmin-yiyuan/fees-2013/",
    "record: enterprise": "changge/enterprise/fengji/2013-wage-adjustment/",
    "record: judicial": "xiangcheng/judicial/fayuan/sx-list-2013-12/",
    "record: village ledger": "xuchangxian/village/jgc-xiaowangzhuang/ledger-2013-11/",
    "record: village assets": "xuchangxian/village/jgc-xiaowangzhuang/2013-zichan-zhaiwu/",
    "record: withdrawn": "yanling/government/zfb/yanzhengban-2013-42/",
    "record: removed": "changge/judicial/fayuan/2013-chang-min-chu-1567/",
}

AXE_RUN = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                 where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def open_page(page, server: str, url: str, width: int) -> None:
    """Open one page at a width, waiting for the search page's results when it has a query;
    every <details> open (the inspection report's monthly table)."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{server}{url}")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    if "search/?q=" in url:
        page.wait_for_selector("#gk-search[data-shown]")
        assert page.locator(".gk-results li").count() > 0


@pytest.fixture(scope="module")
def audit(browser, server):
    """Every sample page at both widths: axe's violations and the page's scroll width."""
    assert AXE.exists(), "axe-core is missing: npm ci (make does it)"
    source = AXE.read_text(encoding="utf-8")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    outside = []
    page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(server) else None)
    results = {}
    for width in WIDTHS:
        for kind, url in PAGES.items():
            open_page(page, server, url, width)
            page.add_script_tag(content=source)
            violations = page.evaluate(AXE_RUN, TAGS)
            scroll = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
            results[kind, width] = {"violations": violations, "scroll_width": scroll}
    context.close()
    assert outside == [], f"the pages or axe asked for something outside the site: {outside[:5]}"
    return results


def table(results) -> str:
    """Violations per page kind and width, as a plain-text table: rule (impact × elements)."""
    lines = [f"{'page kind':44} {'width':>5}  {'scroll':>6}  violations"]
    for (kind, width), r in results.items():
        found = ", ".join(f"{v['id']}({v['impact']}×{v['nodes']})" for v in r["violations"]) or "—"
        lines.append(f"{kind:44} {width:>5}  {r['scroll_width']:>6}  {found}")
    return "\n".join(lines)


def test_print_the_table_of_violations(audit, capsys):
    with capsys.disabled():
        print("\naxe-core " + ", ".join(TAGS) + "\n" + table(audit))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", list(PAGES))
def test_no_violation_beyond_a_minor_one(audit, kind, width):
    # The one minor finding left: Material's menu label made a Tab stop with role=button
    # (aria-allowed-role), so that a keyboard reaches the menu on a phone.
    bad = [v for v in audit[kind, width]["violations"] if v["impact"] != "minor"]
    assert bad == [], f"{kind} at {width} px: {bad}"


@pytest.mark.parametrize("large", [False, True], ids=["normal text", "长者模式"])
def test_no_page_is_wider_than_a_small_phone(browser, server, large):
    """320 px (WCAG 1.4.10), also in 长者模式 (text at 150%): the search filters' selects, a
    long 索引号 or code in a table, a unit and date under a list entry all fit."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(server)
    page.evaluate(f"localStorage.setItem('gongkai-large-text', '{int(large)}')")
    wide = {}
    for kind, url in PAGES.items():
        open_page(page, server, url, 320)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > 320:
            wide[kind] = width
    context.close()
    assert wide == {}


@pytest.mark.parametrize("kind", list(PAGES))
def test_no_page_is_wider_than_a_phone(audit, kind):
    assert audit[kind, 375]["scroll_width"] <= 375


PRINT_CUT = """() => {
  const W = document.documentElement.clientWidth;
  const cut = [...document.querySelectorAll('.md-content *')].filter(e => {
    const s = getComputedStyle(e);
    return ['auto', 'scroll', 'hidden'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 2;
  }).map(e => e.tagName + '.' + e.className);
  const wide = [...document.querySelectorAll('.md-content table, .md-content svg')]
    .filter(e => e.getBoundingClientRect().right > W + 1).map(e => e.tagName + '.' + (e.className.baseVal ?? e.className));
  const forms = [...document.querySelectorAll('form')].filter(e => e.checkVisibility()).length;
  return {cut, wide, forms};
}"""


@pytest.mark.parametrize("kind", ["inspection (heat map)", "stats (charts that scroll)", "county home", "record: annual report"])
def test_on_paper_nothing_is_cut_at_the_margin_and_no_search_box_is_printed(page, server, kind):
    """Paper does not scroll: a chart or table that scrolls sideways on screen is printed
    whole (the heat map had lost its last thirteen months)."""
    open_page(page, server, PAGES[kind], 1280)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 between the margins, at 96 dpi
    assert page.evaluate(PRINT_CUT) == {"cut": [], "wide": [], "forms": 0}
