"""Cross-site scripting: a corpus of real payloads in every place a unit writes text.

The validator reports each one (the first line of defence); the county is then built
anyway (tests/browser/xss_fixtures.py) to test the second line: on the built pages no
payload may run in headless Chromium, and none may appear in the HTML as markup.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape
from html.parser import HTMLParser

import pytest
from searchpage import show_every_result
from xss_fixtures import INERT, PAYLOADS, PLACEMENTS, xss_server, xss_site  # noqa: F401 - fixtures

# Hooks installed before any script of the page runs, in every frame: a payload that runs
# calls one of these, sets window.__xss, or logs XSS-PAYLOAD (seen through the console).
HOOKS = """
window.__calls = [];
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  window[name] = function () { window.__calls.push(name); };
}
"""

# Events a reader's pointer, keyboard or the page itself may fire, dispatched on every
# element so that handlers such as onmouseover or onfocus would run if any survived.
POKE = """
() => {
  const names = ["mouseover", "mouseenter", "mousemove", "pointerover", "focus", "focusin", "toggle",
                 "animationstart", "animationend", "transitionend", "load", "error", "begin"];
  for (const el of document.querySelectorAll("body *")) {
    for (const name of names) el.dispatchEvent(new Event(name, {bubbles: true}));
  }
}
"""

INSPECT = """
() => {
  const squeeze = (v) => v.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
  const unsafe = /^(javascript|vbscript|livescript|data:text|data:image\\/svg|data:application)/;
  const all = [...document.querySelectorAll("*")];
  return {
    handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`)),
    links: all.flatMap((el) => [...el.attributes].filter((a) => unsafe.test(squeeze(a.value))).map((a) => `${el.tagName} ${a.name}`)),
    embeds: document.querySelectorAll(
      "iframe, frame, object, embed, base, meta[http-equiv], link[rel~=import], form:not(.gk-header-search):not(.gk-search-form)"
    ).length,
    // A flowchart's height follows how its text wraps, so its viewBox is left out of the comparison.
    styles: [...document.querySelectorAll("article style, article [style]")].map((el) => el.outerHTML.replace(/ viewBox="[^"]*"/, "").slice(0, 80)),
    scripts: [...document.scripts].map((s) => s.src ? new URL(s.src).pathname.replace(/.*\\//, "") : "inline " + s.type),
    location: location.href,
  };
}
"""


def _ran(page) -> dict:
    """What any payload did in any frame: calls to the hooked functions, __xss."""
    out = {"calls": [], "xss": []}
    for frame in page.frames:
        try:
            got = frame.evaluate("() => [window.__calls || [], window.__xss]")
        except Exception:  # a frame that went away or that we may not enter
            continue
        out["calls"] += got[0]
        if got[1] is not None:
            out["xss"].append(frame.url)
    return out


def _visit(page, url: str) -> tuple[dict, dict, list[str], list[str]]:
    """Open a page with the hooks in place, poke it, and report what ran and what is there."""
    dialogs: list[str] = []
    console: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.on("console", lambda m: console.append(m.text) if "XSS-PAYLOAD" in m.text else None)
    page.add_init_script(HOOKS)
    page.goto(url, wait_until="load")
    page.evaluate(POKE)
    page.wait_for_timeout(250)  # onerror, ontoggle, onbegin and refreshes fire after load
    return _ran(page), page.evaluate(INSPECT), dialogs, console


def _assert_nothing_ran(page, server: str, path: str, reference: dict | None = None) -> dict:
    url = server + path
    ran, dom, dialogs, console = _visit(page, url)
    assert ran == {"calls": [], "xss": []}, ran
    assert dialogs == [] and console == []
    assert dom["location"] == url, "the page navigated away"
    assert dom["handlers"] == [] and dom["links"] == [] and dom["embeds"] == 0, dom
    if reference is not None:  # only the theme's own scripts, only the styles a flowchart draws with
        assert dom["scripts"] == reference["scripts"]
        assert dom["styles"] == reference["styles"]
    outside = [u for u in page.requests_seen if not u.startswith(server) and not u.startswith("data:image")]
    assert outside == []
    return dom


def _record(rid: str) -> str:
    return f"government/ju/{rid}/"


@pytest.fixture(scope="module")
def reference_dom(browser, xss_site, xss_server):  # noqa: F811 - pytest fixtures
    """The DOM facts of the record that has plain text in every place."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.requests_seen = []
    page.on("request", lambda req: page.requests_seen.append(req.url))
    dom = _assert_nothing_ran(page, xss_server, _record(xss_site.reference_id))
    context.close()
    assert any(s.startswith("bundle.") for s in dom["scripts"])
    return dom


# The first line: the validator ----------------------------------------------------------


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 30
    assert len(PAYLOADS) * len(PLACEMENTS) >= 400


def test_validator_reports_every_payload_in_every_place(xss_site):  # noqa: F811
    findings = xss_site.project.findings
    for rid in xss_site.payload_ids:
        mine = findings.for_file(f"content/government/demo/ju/{rid}.md")
        assert {f.code for f in mine} == {"unsafe-markup"}, (rid, mine)
        assert {f.field for f in mine} == set(PLACEMENTS), (rid, xss_site.payload_ids[rid])
    for rid in [*xss_site.inert_ids, xss_site.reference_id]:
        assert findings.for_file(f"content/government/demo/ju/{rid}.md") == []


def test_every_record_was_published_anyway(xss_site):  # noqa: F811
    ids = {r.id for r in xss_site.project.records if r.valid}
    assert ids == {*xss_site.payload_ids, *xss_site.inert_ids, xss_site.reference_id}
    for rid in ids:
        assert (xss_site.site / "government" / "ju" / rid / "index.html").exists()


# The second line: the built HTML --------------------------------------------------------


class _Markup(HTMLParser):
    """Python's reading of a page: scripts, event attributes, unsafe links and elements."""

    UNSAFE_ATTRS = re.compile(r"^(on.+|srcdoc|formaction)$")
    UNSAFE_URL = re.compile(r"^(javascript|vbscript|livescript|data:text|data:image/svg|data:application)")

    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.attrs: list[str] = []
        self.urls: list[str] = []
        self.tags: Counter[str] = Counter()
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        if tag == "script":
            src = dict(attrs).get("src")
            self.scripts.append(src.rsplit("/", 1)[-1] if src else "inline")
            self._in_script = True
        for name, value in attrs:
            if self.UNSAFE_ATTRS.match(name):
                self.attrs.append(f"{tag} {name}")
            if value and self.UNSAFE_URL.match(re.sub(r"[\x00-\x20]", "", value).lower()):
                self.urls.append(f"{tag} {name}={value[:40]}")

    def handle_data(self, data):
        if self._in_script and re.search(r"alert|__xss|XSS-PAYLOAD|confirm\(|prompt\(", data):
            self.scripts.append("payload: " + data[:40])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def _read(path) -> tuple[str, _Markup]:
    html = path.read_text("utf-8")
    parser = _Markup()
    parser.feed(html)
    return html, parser


def _pages(xss_site):  # noqa: F811
    site = xss_site.site
    record_pages = {rid: site / "government" / "ju" / rid / "index.html" for rid in [*xss_site.payload_ids, *xss_site.inert_ids]}
    lists = [site / "index.html", site / "government" / "index.html", site / "units" / "ju" / "index.html",
             site / "catalogue" / "government" / "notice" / "index.html"]
    return record_pages, lists


UNSAFE_TAGS = ("iframe", "frame", "object", "embed", "base", "style", "link", "meta", "form", "input", "button", "textarea",
               "svg", "math", "noscript", "template", "xmp", "video", "audio", "source", "isindex", "marquee", "details")


def test_no_payload_appears_as_markup_in_any_built_page(xss_site):  # noqa: F811
    record_pages, lists = _pages(xss_site)
    _, reference = _read(xss_site.site / "government" / "ju" / xss_site.reference_id / "index.html")
    assert reference.attrs == [] and reference.urls == []
    unescaped = []
    for rid, path in record_pages.items():
        html, found = _read(path)
        text = xss_site.payload_ids.get(rid) or xss_site.inert_ids[rid]
        assert found.scripts == reference.scripts, rid  # only the theme's own scripts
        assert found.attrs == [] and found.urls == [], (rid, found.attrs, found.urls)
        assert {t: found.tags[t] for t in UNSAFE_TAGS} == {t: reference.tags[t] for t in UNSAFE_TAGS}, rid
        if "<" in text and text in html:
            unescaped.append(rid)
    for path in lists:
        html, found = _read(path)
        assert found.attrs == [] and found.urls == [], (path, found.attrs, found.urls)
        assert not any(s.startswith("payload") for s in found.scripts), path
        unescaped += [f"{path.name}: {p}" for p in PAYLOADS if "<" in p and p in html]
    assert unescaped == []


def test_template_expressions_are_shown_as_written(xss_site):  # noqa: F811
    for rid, text in xss_site.inert_ids.items():
        html, _ = _read(xss_site.site / "government" / "ju" / rid / "index.html")
        if text.startswith(("{{", "${")):
            # Shown where it was written, not evaluated (templates write ' as &#39;, html.escape as &#x27;).
            assert html.replace("&#39;", "&#x27;").count(escape(text)) >= 6, rid
        assert ">49<" not in html


# The second line: headless Chromium -----------------------------------------------------


@pytest.mark.parametrize("rid", [f"payload-{i:02d}" for i in range(1, len(PAYLOADS) + 1)] + [f"inert-{i:02d}" for i in range(1, len(INERT) + 1)])
def test_no_payload_runs_on_its_record_page(page, xss_site, xss_server, reference_dom, rid):  # noqa: F811
    _assert_nothing_ran(page, xss_server, _record(rid), reference_dom)


@pytest.mark.parametrize("where", ["", "government/", "units/ju/", "catalogue/government/notice/"])
def test_no_payload_runs_on_the_pages_that_list_records(page, xss_server, where):  # noqa: F811
    dom = _assert_nothing_ran(page, xss_server, where)
    assert dom["styles"] == []


def test_no_payload_runs_in_search_results_and_each_title_is_text(page, xss_server):  # noqa: F811
    url = f"{xss_server}search/?q=%E8%BD%BD%E8%8D%B7"  # 载荷
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.add_init_script(HOOKS)
    page.goto(url)
    show_every_result(page)
    page.evaluate(POKE)
    page.wait_for_timeout(250)
    titles = page.locator(".gk-result-link").all_inner_texts()
    assert int(page.get_attribute("#gk-search", "data-total")) == len(PAYLOADS) + len(INERT)
    assert {t.split(" ", 1)[1] for t in titles} == set(PAYLOADS) | set(INERT)
    assert _ran(page) == {"calls": [], "xss": []} and dialogs == []
    dom = page.evaluate(INSPECT)
    assert dom["handlers"] == [] and dom["links"] == [] and dom["embeds"] == 0
