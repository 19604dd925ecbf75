"""Accessibility basics on every kind of page, in Chromium: the page's language, a skip
link first in the tab order, titles said once, link colours that pass WCAG AA, links in
text underlined, and focus visible in the red header."""

from __future__ import annotations

import re

import pytest

# One page of each kind (county home, list, unit, catalogue item, record, 变更记录, 公开时限, search,
# portal, and the page for an address the site does not have).
PAGES = [
    "xiangcheng/", "xiangcheng/government/", "xiangcheng/units/guotu/", "xiangcheng/catalogue/government/power-item/",
    "xiangcheng/changes/", "xiangcheng/deadlines/", "xiangcheng/search/", "", "xiangcheng/404.html", "404.html",
]


def _luminance(rgb: str) -> float:
    r, g, b = (int(c) / 255 for c in re.findall(r"\d+", rgb)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two opaque CSS rgb() colours."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@pytest.mark.parametrize("url", PAGES)
def test_language_skip_link_and_title(page, server, url):
    page.goto(f"{server}{url}")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    first = page.evaluate("[document.querySelector('a[href]').textContent.trim(), document.querySelector('a[href]').getAttribute('href')]")
    assert first == ["跳到正文", "#gk-main"]
    if page.evaluate("document.activeElement === document.body"):  # the search page puts focus in its box at once
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "跳到正文"
    page.focus("a.md-skip")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "gk-main"
    assert page.evaluate("document.activeElement.tagName") == "H1"
    site_name = page.evaluate("document.querySelector('.md-header__topic .md-ellipsis').textContent.trim()")
    assert page.title().count(site_name) == 1


def _colour(page, selector: str, prop: str = "color") -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector({selector!r}))[{prop!r}]")


def _opaque(page, selector: str) -> str:
    """The colour a link's text is drawn in, its opacity mixed with the background behind it."""
    fg, bg, alpha = page.evaluate(
        """(sel) => { const e = document.querySelector(sel); const s = getComputedStyle(e);
           let p = e; let bg = 'rgba(0, 0, 0, 0)';
           while (p && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) { bg = getComputedStyle(p).backgroundColor; p = p.parentElement; }
           return [s.color, bg, parseFloat(s.opacity)]; }""",
        selector,
    )
    f = [int(c) for c in re.findall(r"\d+", fg)[:3]]
    b = [int(c) for c in re.findall(r"\d+", bg)[:3]]
    return "rgb({}, {}, {})".format(*(round(x * alpha + y * (1 - alpha)) for x, y in zip(f, b, strict=True))), bg


def test_links_tabs_and_footer_pass_contrast(page, server):
    page.goto(f"{server}xiangcheng/government/guotu/caikuang-xuke-2013-11/")
    link = ".gk-meta td a"
    assert contrast(_colour(page, link), "rgb(255, 255, 255)") >= 4.5
    assert "underline" in _colour(page, link, "textDecorationLine")
    fg, bg = _opaque(page, ".md-tabs__item:not(.md-tabs__item--active) .md-tabs__link")
    assert contrast(fg, bg) >= 4.5
    fg, bg = _opaque(page, ".md-copyright")
    assert contrast(fg, bg) >= 4.5


def test_the_header_search_shows_where_focus_is(page, server):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{server}xiangcheng/")
    page.focus("#gk-q")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, as :focus-visible needs
    assert page.evaluate("document.activeElement.id") == "gk-q"
    assert _colour(page, "#gk-q", "outlineStyle") != "none"
    assert _colour(page, "#gk-q", "outlineWidth") != "0px"


@pytest.mark.parametrize("url", ["xiangcheng/404.html", "404.html"])
def test_an_unknown_address_is_answered_in_chinese_with_a_way_home(page, server, url):
    page.goto(f"{server}{url}")
    assert page.inner_text("h1") == "页面未找到"
    assert "Not found" not in page.content()
    assert page.title().startswith("页面未找到 - ")
    home = page.get_attribute("article a[href]", "href")
    assert home == ("/xiangcheng/." if url.startswith("xiangcheng") else "/.")
