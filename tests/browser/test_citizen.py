"""What a citizen does with a record beyond reading it, in Chromium: download its data and
read it back, print it for the 公开栏, find the fixed entries, and read in 长者模式."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pypdf
from tinyrepo import buildable, make_repo, serve

from gongkai.site import build_all

COUNTY = "xuchangxian"
SUBSIDY = "content/village/xuchangxian/jgc-xiaowangzhuang/2013-liangshi-zhibu.md"
PENALTIES = "content/government/xuchangxian/nongye/zhongzi-chufa-2013.md"  # a 10-column table
BASE = "https://gongkai.xuchang.example/"  # content/site.yml's base_url


def record(project, path: str):
    return next(r for r in project.records if r.path == path)


def download(page, link) -> bytes:
    """Click a download link as a reader would; the file's bytes."""
    with page.expect_download() as d:
        link.click()
    return Path(d.value.path()).read_bytes()


def test_a_records_table_downloads_as_csv_and_json_that_read_back_as_the_record(page, server, project):
    r = record(project, SUBSIDY)
    page.goto(f"{server}{COUNTY}/{r.url}")
    data = download(page, page.get_by_role("link", name="下载 CSV"))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    schema = r.item.schema["properties"]["recipients"]["items"]["properties"]
    title = {key: s["title"] for key, s in schema.items()}
    recipients = r.meta["recipients"]
    assert len(rows) == len(recipients) == 20
    for row, person in zip(rows, recipients, strict=True):
        for key, value in person.items():
            cell = row[title[key]]
            assert (float(cell) == value) if isinstance(value, float) else (cell == str(value)), (key, cell, value)
    assert "411023********1845" in data.decode("utf-8-sig")  # masked as published, never unmasked

    whole = json.loads(download(page, page.get_by_role("link", name="下载 JSON")))
    assert whole["fields"]["recipients"] == recipients  # numbers as JSON numbers, texts as texts
    assert whole["title"] == r.title and whole["index_no"] == r.index_no
    assert whole["url"] == f"{BASE}{COUNTY}/{r.url}"


def test_the_data_page_offers_the_county_list_that_reads_back_as_its_records(page, server, project):
    page.goto(f"{server}{COUNTY}/")
    page.get_by_role("link", name="开放数据").click()
    assert page.locator("h1").inner_text() == "开放数据"
    county = page.locator("table.gk-data-lists tr", has_text="许昌县全部公开信息")
    rows = list(csv.DictReader(io.StringIO(download(page, county.get_by_role("link", name="CSV")).decode("utf-8-sig"), newline="")))
    listed = json.loads(download(page, county.get_by_role("link", name="JSON")))
    records = [r for r in project.records if r.county == COUNTY and r.valid and r.item]
    assert sorted(row["索引号"] for row in rows) == sorted(r.index_no for r in records)
    assert [row["标题"] for row in rows] == [e["title"] for e in listed["records"]]
    assert listed["count"] == len(records)
    assert not [u for u in page.requests_seen if not u.startswith(server)]


def pdf_text(page) -> tuple[str, pypdf.PdfReader]:
    """The page printed by Chromium (print media, A4), and the PDF's text without spaces."""
    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages)), pdf


def test_a_printed_record_is_an_a4_notice_with_site_address_qr_code_and_phone(page, server, project):
    r = record(project, PENALTIES)
    page.goto(f"{server}{COUNTY}/{r.url}")
    text, pdf = pdf_text(page)
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    unit = project.counties[COUNTY].units[r.unit]
    for piece in (
        "许昌县党务政务公开", unit.name, r.title, "所属期间", "发布日期", r.published,
        f"{BASE}{COUNTY}/{r.url}", "监督电话", unit.supervision_phone,
    ):
        assert re.sub(r"\s+", "", piece) in text, piece
    # No navigation, search, skip link, toolbar or revision chrome on paper.
    for chrome in ("跳到正文", "搜索本站", "公开单位", "变更记录", "公开时限", "修订记录", "长者模式", "信息公开指南", "网站地图", "数据下载"):
        assert chrome not in text, chrome

    page.emulate_media(media="print")
    qr = page.locator(".gk-print-qr svg").bounding_box()
    assert qr and qr["width"] > 80 and qr["height"] > 80  # about 32 mm square


def test_a_record_without_its_own_phone_prints_the_countys(page, server, project):
    r = record(project, SUBSIDY)
    page.goto(f"{server}{COUNTY}/{r.url}")
    text, _ = pdf_text(page)
    assert "监督电话" + project.counties[COUNTY].supervision_phone in text


CELLS_INSIDE_THE_COLUMN = """() => {
  const column = document.querySelector('.md-content').getBoundingClientRect().right + 1;
  const out = [...document.querySelectorAll('table th, table td')].filter(c => c.getBoundingClientRect().right > column);
  return out.length + (document.documentElement.scrollWidth > window.innerWidth ? 1000 : 0);
}"""


def print_a4(page) -> None:
    """Lay the page out as Chromium prints it on A4: print media, 186 mm between the margins."""
    page.set_viewport_size({"width": 703, "height": 1000})
    page.emulate_media(media="print")


def test_printed_tables_fit_the_page_width(page, server, project):
    print_a4(page)
    for path in (PENALTIES, SUBSIDY, "content/government/changge/minzheng/nianbao-2021.md"):
        r = record(project, path)
        page.goto(f"{server}{r.county}/{r.url}")
        assert page.evaluate(CELLS_INSIDE_THE_COLUMN) == 0, path


def test_a_table_of_long_unbroken_values_still_fits_the_printed_page(page, tmp_path):
    repo = buildable(make_repo(tmp_path / "repo"))
    code = "91411000MA44X2Y3Z4" * 4  # credit codes, account numbers, addresses: no place to break a line
    rows = "".join(f"  - {{name: {code}{k}, amount: {k}.5}}\n" for k in range(8))
    repo.record("s.md", f"---\ncatalogue: subsidy-list\ntitle: 名单\npublished: 2014-01-08\nperiod: \"2013\"\nrecipients:\n{rows}total_amount: 32\n---\n")
    assert build_all(repo.root, tmp_path / "site", search=False) == 0
    print_a4(page)
    with serve(tmp_path / "site") as url:
        page.goto(f"{url}demo/village/cun/s/")
        assert page.evaluate(CELLS_INSIDE_THE_COLUMN) == 0


def test_the_fixed_entries_are_on_every_page_and_lead_to_their_pages(page, server, project):
    r = record(project, SUBSIDY)
    county = project.counties[COUNTY]
    for name, heading, shows in (
        ("信息公开指南", "信息公开指南", "政府信息公开指南"),
        ("信息公开年报", "信息公开年报", "许昌县人民政府2013年政府信息公开工作年度报告"),
        ("依申请公开", "依申请公开", county.application["office"]),
        ("网站地图", "网站地图", "将官池镇小王庄村村民委员会"),
    ):
        page.goto(f"{server}{COUNTY}/{r.url}")
        page.locator(".gk-toolbar").get_by_role("link", name=name).click()
        assert page.locator("h1").inner_text() == heading
        assert shows in page.locator("article").inner_text(), name
    assert not [u for u in page.requests_seen if not u.startswith(server)]


def _tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element is focused, as a keyboard user would reach it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement && document.activeElement.matches({json.dumps(selector)})"):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_large_text_mode_is_a_keyboard_toggle_that_survives_navigation(page, server):
    button = "[data-gk-large]"
    page.goto(f"{server}{COUNTY}/")
    size = lambda: float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))  # noqa: E731
    large = lambda: page.evaluate("document.documentElement.classList.contains('gk-large')")  # noqa: E731
    normal = size()
    assert not large() and page.get_attribute(button, "aria-pressed") == "false"

    _tab_to(page, button)
    page.keyboard.press("Enter")
    assert large() and page.get_attribute(button, "aria-pressed") == "true" and size() > normal * 1.15

    # Another page, reached by a link: no server remembers anything, the browser does.
    page.locator(".gk-toolbar").get_by_role("link", name="网站地图").click()
    page.wait_for_url("**/sitemap/")
    assert large() and page.get_attribute(button, "aria-pressed") == "true" and size() > normal * 1.15
    page.goto(f"{server}{COUNTY}/units/")
    assert large()

    _tab_to(page, button)
    page.keyboard.press("Space")
    assert not large() and page.get_attribute(button, "aria-pressed") == "false"
    page.reload()
    assert not large() and size() == normal


def test_the_new_pages_and_the_toolbar_meet_the_basics(page, server):
    from test_accessibility import contrast

    for url in ("data/", "apply/", "sitemap/", "guide/", "annual-reports/"):
        page.goto(f"{server}{COUNTY}/{url}")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert page.evaluate("document.querySelector('a[href]').getAttribute('href')") == "#gk-main", url
        assert page.title().count("许昌县党务政务公开") == 1 and page.locator("h1").count() == 1, url
    for selector in (".gk-toolbar a", "[data-gk-large]"):
        colours = page.evaluate(
            f"(() => {{ const s = getComputedStyle(document.querySelector('{selector}')); return [s.color, s.backgroundColor]; }})()"
        )
        background = colours[1] if "rgba(0, 0, 0, 0)" not in colours[1] else "rgb(255, 255, 255)"
        assert contrast(colours[0], background) >= 4.5, selector
    page.focus("[data-gk-large]")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
