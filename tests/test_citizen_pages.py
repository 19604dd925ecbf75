"""Records a citizen can use: open data downloads, the printed 公开栏 page, and the fixed
entries of a 政府信息公开 site (信息公开指南, 信息公开年报, 依申请公开, 网站地图)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import posixpath
import re

import pytest
from tinyrepo import BALANCED_LEDGER, BUREAU, COUNTY_YML, GOVERNMENT_YML, SITE_YML, VILLAGE_YML, Repo, is_chinese, notice

from gongkai import pii, qr
from gongkai.pages import county_pages

LEDGER_JSON = "data/records/village/cun/ledger.json"
LEDGER_INCOME = "data/records/village/cun/ledger/income.csv"


def build(repo: Repo):
    """The demo county's pages by address and its generated files by site path."""
    project = repo.check()
    assert not project.findings.errors, project.findings
    pages, assets, _ = county_pages(project, project.counties["demo"])
    return {p.url: p for p in pages}, {a.src: a.content for a in assets if a.content is not None}


def read_csv(data: bytes) -> list[list[str]]:
    """A downloaded CSV as Excel reads it: the BOM first, then UTF-8."""
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without a BOM shows Chinese as mojibake in Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def linked(page, href: str) -> str:
    """The site path a page's relative link leads to."""
    return posixpath.normpath(posixpath.join(page.url, href))


# Open data --------------------------------------------------------------------------------


def test_a_ledger_offers_its_tables_as_csv_and_json_with_numbers_as_numbers(repo: Repo):
    repo.record("ledger.md", BALANCED_LEDGER)
    pages, files = build(repo)
    data = json.loads(files[LEDGER_JSON])
    assert data["title"] == "示范村2013年12月财务收支公开" and data["period"] == "2013-12"
    assert data["fields"]["opening_balance"] == 12000.0 and isinstance(data["fields"]["opening_balance"], float)
    income = next(t for t in data["tables"] if t["title"] == "收入明细")
    assert income == {"title": "收入明细", "columns": ["收入项目", "金额"], "rows": [["上级转移支付", 5000.0], ["集体土地承包费", 1200.5]]}

    rows = read_csv(files[LEDGER_INCOME])
    assert rows == [["收入项目", "金额"], ["上级转移支付", "5000.0"], ["集体土地承包费", "1200.5"]]
    assert '"上级转移支付",5000.0\r\n' in files[LEDGER_INCOME].decode("utf-8-sig")  # text quoted, numbers not

    page = pages["village/cun/ledger/"]
    hrefs = re.findall(r'<a href="([^"]+)" download>下载 (CSV|JSON)</a>', page.content)
    assert {(linked(page, h), kind) for h, kind in hrefs} == {
        (LEDGER_JSON, "JSON"), (LEDGER_INCOME, "CSV"), ("data/records/village/cun/ledger/expense.csv", "CSV"),
    }


def test_a_record_without_tables_or_whose_content_was_removed_has_no_data_files(repo: Repo):
    repo.record("n.md", notice())
    repo.record("ledger.md", BALANCED_LEDGER.replace("period: 2013-12\n", "period: 2013-12\nremoved: {date: 2014-02-01, reason: 误登个人信息}\n"))
    pages, files = build(repo)
    assert not [name for name in files if name.startswith("data/records/")]
    assert all('id="data"' not in pages[u].content and " download>" not in pages[u].content for u in ("village/cun/n/", "village/cun/ledger/"))


def test_unit_item_and_county_lists_hold_each_record_once_with_its_status(repo: Repo):
    repo.record("ledger.md", BALANCED_LEDGER)
    repo.record("n.md", notice(extra="withdrawn: {date: 2014-02-10, reason: 已被新规定代替}\n"))
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-20"), BUREAU)
    pages, files = build(repo)
    county = json.loads(files["data/records.json"])
    assert county["count"] == 3 and [r["title"] for r in county["records"]] == [
        "关于土地整治项目的公告", "关于召开村民代表会议的通知", "示范村2013年12月财务收支公开",
    ]
    withdrawn = next(r for r in county["records"] if r["title"] == "关于召开村民代表会议的通知")
    assert withdrawn["validity"] == "已撤回" and withdrawn["url"] == "village/cun/n/"
    rows = read_csv(files["data/records.csv"])
    assert rows[0] == ["索引号", "标题", "发布机构", "公开类别", "公开事项", "所属期间", "发布日期", "文号", "有效性", "网址"]
    assert len(rows) == 4 and ["关于召开村民代表会议的通知", "已撤回"] == [rows[2][1], rows[2][8]]

    unit = json.loads(files["data/units/cun.json"])
    assert [r["title"] for r in unit["records"]] == ["关于召开村民代表会议的通知", "示范村2013年12月财务收支公开"]
    assert [r[1] for r in read_csv(files["data/catalogue/government/notice.csv"])[1:]] == ["关于土地整治项目的公告"]
    assert read_csv(files["data/units/ju.csv"])[1:] == [[r for r in rows[1]]]

    for url, stem in (("units/cun/", "data/units/cun"), ("catalogue/village/finance-ledger/", "data/catalogue/village/finance-ledger")):
        hrefs = re.findall(r'<a href="([^"]+)" download>', pages[url].content)
        assert [linked(pages[url], h) for h in hrefs] == [f"{stem}.csv", f"{stem}.json"], url


def test_the_data_page_links_every_list_and_every_link_is_a_file(repo: Repo):
    repo.record("ledger.md", BALANCED_LEDGER)
    pages, files = build(repo)
    page = pages["data/"]
    targets = [linked(page, h) for h in re.findall(r'<a href="([^"]+)" download>', page.content)]
    assert "data/records.csv" in targets and "data/units/ju.json" in targets
    assert "data/catalogue/village/finance-ledger.csv" in targets
    assert "data/catalogue/village/subsidy-list.csv" not in targets  # nobody here publishes it yet
    assert all(t in files for t in targets)
    assert "共 1 条" in page.content


UNMASKED = "11010519491231002X"  # the standard's sample 身份证号码 (its check digit is right)
MOBILE = "13812345678"


def test_no_unmasked_identity_or_mobile_number_reaches_a_download(repo: Repo):
    # A record the check refuses (as in a `build --as-of` of an old commit, which builds anyway).
    repo.record(
        "s.md",
        f"---\ncatalogue: subsidy-list\ntitle: 补贴名单 {MOBILE}\npublished: 2014-01-08\nperiod: \"2013\"\n"
        f"recipients:\n  - {{name: 张三 {UNMASKED}, amount: 100}}\n  - {{name: 李四 {MOBILE}, amount: 50.5}}\n"
        "total_amount: 150.5\n---\n",
    )
    project = repo.check()
    assert {f.code for f in project.findings.errors} == {"pii-id-number", "pii-mobile"}
    _, assets, _ = county_pages(project, project.counties["demo"])
    downloads = {a.src: a.content.decode("utf-8-sig") for a in assets if a.src.startswith("data/")}
    assert "data/records/village/cun/s/recipients.csv" in downloads
    for name, text in downloads.items():
        assert not pii.find(text), name
        assert UNMASKED not in text and MOBILE not in text, name
    csv_text = downloads["data/records/village/cun/s/recipients.csv"]
    assert f'"张三 {pii.mask_text(UNMASKED)}",100\r\n' in csv_text and "138****5678" in csv_text


def test_nested_row_tables_and_flowchart_steps_become_flat_tables(repo: Repo):
    repo.record(
        "power.md",
        "---\ncatalogue: power\ntitle: 行政处罚流程\npublished: 2014-01-08\nsteps:\n"
        "  - {\"no\": 1, name: 立案, actor: 执法股}\n  - {\"no\": 2, name: 调查, next: [1, 3]}\n  - {\"no\": 3, name: 决定}\n---\n",
        BUREAU,
    )
    _, files = build(repo)
    rows = read_csv(files["data/records/government/ju/power/steps.csv"])
    assert rows == [["序号", "环节", "承办岗位", "下一环节"], ["1", "立案", "执法股", ""], ["2", "调查", "", "1、3"], ["3", "决定", "", ""]]


# The printed 公开栏 page -------------------------------------------------------------------

PHONE_COUNTY = "0374-5136012"
PHONE_UNIT = "0374-5136210"


def with_phones(repo: Repo) -> None:
    county = COUNTY_YML.replace('code: "411099"\n', f'code: "411099"\nsupervision_phone: {PHONE_COUNTY}\n')
    county = county.replace('    categories: [government]\n', f"    categories: [government]\n    supervision_phone: {PHONE_UNIT}\n")
    repo.write("content/counties/demo.yml", county)


def test_the_printed_page_names_the_site_its_address_qr_code_and_the_phone_to_call(repo: Repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))
    repo.write("content/site.yml", SITE_YML + "base_url: https://gongkai.example/\n")
    with_phones(repo)
    repo.record("n.md", notice())
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-20"), BUREAU)
    pages, _ = build(repo)
    village = pages["village/cun/n/"]
    address = "https://gongkai.example/demo/village/cun/n/"
    assert village.data["print"]["site"] == "示范县党务政务公开"
    assert village.data["print"]["url"] == address
    assert village.data["print"]["phone"] == PHONE_COUNTY  # the village has none of its own: the county's
    assert pages["government/ju/land/"].data["print"]["phone"] == PHONE_UNIT
    html = village.content
    foot = html[html.index('class="gk-print-only gk-print-foot"'):]
    assert address in foot and PHONE_COUNTY in foot and "示范村村民委员会" in foot and "2014-01-08" in foot
    assert str(qr.draw(address)) in foot  # the code of this page's own address, inline
    assert "<script" not in foot and "http" not in qr.draw(address).replace("http://www.w3.org/2000/svg", "")


def test_without_a_base_url_the_printed_page_gives_the_path_and_no_qr_code(repo: Repo):
    repo.record("n.md", notice())
    pages, _ = build(repo)
    view = pages["village/cun/n/"].data["print"]
    assert view["url"] == "village/cun/n/" and view["qr"] is None and view["phone"] == ""
    assert "gk-print-qr" not in pages["village/cun/n/"].content and "监督电话" not in pages["village/cun/n/"].content


def test_a_damaged_or_tampered_qr_cache_is_drawn_again(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path))
    url = "https://gongkai.example/demo/village/cun/n/"
    assert qr.codes([url])[url] == qr.draw(url)
    assert not list(tmp_path.glob("qr-*")), "a few codes are drawn without the cache"
    urls = [url] + [f"https://gongkai.example/demo/village/cun/n{i}/" for i in range(qr.FEW)]
    first = qr.codes(urls)[url]
    assert first == qr.draw(url) and qr.codes(urls)[url] == first  # the second comes from the cache
    cache = next(tmp_path.glob("qr-*.json.gz"))
    cache.write_bytes(gzip.compress(json.dumps({url: '<svg onload="alert(1)"></svg>'}).encode()))
    assert qr.codes(urls)[url] == first
    cache.write_bytes(b"not gzip")
    assert qr.codes(urls)[url] == first



def _addresses(n: int) -> list[str]:
    return [f"https://gongkai.example/demo/village/cun/n{i}/" for i in range(n)]


def test_many_codes_are_drawn_by_two_processes_and_all_come_out_right(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path))
    urls = _addresses(qr.FEW + 3 * qr.CHUNK)
    drawing = qr.Drawing(urls, "demo")
    assert drawing.process is not None, "many codes start a process"
    got = qr.codes(urls, "demo", drawing=drawing)
    assert got == {u: qr.draw(u) for u in urls}
    assert drawing.process is None, "finished"
    # The cache now holds them all: the next build's process finds nothing to draw.
    again = qr.Drawing(urls, "demo")
    assert again.finish(qr._read_cache(qr._cache_file("demo"))) == {}
    assert qr.codes(urls, "demo", drawing=qr.Drawing(urls, "demo")) == got


def test_codes_a_drawing_process_did_not_send_or_forged_are_drawn_here(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path))
    urls = _addresses(qr.FEW + 2 * qr.CHUNK)

    def forger(urls, path, counter, writer, reader):
        # Takes every chunk, draws none, and sends markup of its own for the first address.
        with counter.get_lock():
            counter.value = len(urls)
        writer.send({urls[0]: '<svg onload="alert(1)"></svg>', 7: "x"})

    monkeypatch.setattr(qr, "_draw_forked", forger)
    got = qr.codes(urls, "demo", drawing=qr.Drawing(urls, "demo"))
    assert got == {u: qr.draw(u) for u in urls}
    killed = qr.Drawing(_addresses(qr.FEW + 1), "other")  # ended before it sends anything
    killed.process.kill()
    assert qr.codes(killed.urls, "other", drawing=killed) == {u: qr.draw(u) for u in killed.urls}


def test_a_drawing_for_a_build_that_needs_few_codes_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path))
    drawing = qr.Drawing(_addresses(qr.FEW + 1), "demo")
    url = _addresses(1)[0]
    assert qr.codes([url], "demo", drawing=drawing) == {url: qr.draw(url)}
    assert drawing.process is None and not list(tmp_path.glob("qr-*")), "a few codes are drawn without the cache"
    assert qr.Drawing(_addresses(qr.FEW), "demo").process is None, "no process for a few"


# 信息公开指南, 信息公开年报, 依申请公开, 网站地图 ------------------------------------------------

GUIDE_ITEMS = """
  - id: guide
    name: 政府信息公开指南
    period: none
    schema: {type: object}
  - id: annual-report
    name: 政府信息公开工作年度报告
    period: none
    schema: {type: object}
"""


def test_the_guide_and_annual_report_entries_list_those_records(repo: Repo):
    repo.write("catalogues/government.yml", GOVERNMENT_YML.rstrip("\n") + "\n" + GUIDE_ITEMS)
    repo.record("guide.md", "---\ncatalogue: guide\ntitle: 示范县国土资源局政府信息公开指南\npublished: 2014-01-02\n---\n", BUREAU)
    repo.record("report.md", "---\ncatalogue: annual-report\ntitle: 示范县国土资源局2013年政府信息公开工作年度报告\npublished: 2014-03-20\n---\n", BUREAU)
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-20"), BUREAU)
    pages, _ = build(repo)
    guide, reports = pages["guide/"].content, pages["annual-reports/"].content
    assert "示范县国土资源局政府信息公开指南" in guide and "年度报告" not in guide.replace("工作年度报告", "")
    assert "2013年政府信息公开工作年度报告" in reports and "信息公开指南</a>" not in reports
    assert "土地整治" not in guide + reports
    assert '<a href="../apply/">依申请公开</a>' in guide
    assert '<a href="../government/ju/guide/">' in pages["apply/"].content  # the units' own guides


def test_the_apply_page_says_to_whom_and_how_fast_from_the_county_file(repo: Repo):
    repo.write("content/counties/demo.yml", COUNTY_YML + (
        "application:\n  office: 示范县人民政府办公室\n  address: 示范县人民路 1 号\n  phone: 0374-1234567\n"
        "  online: https://gongkai.example/apply\n  reply_days: 15\n  extension_days: 15\n"
    ))
    pages, _ = build(repo)
    html = pages["apply/"].content
    for text in ("<th>受理机构</th><td>示范县人民政府办公室</td>", "示范县人民路 1 号", "0374-1234567", "<strong>15 个工作日</strong>"):
        assert text in html
    assert '<a href="https://gongkai.example/apply">网上申请</a>' in html


def test_without_an_office_in_the_county_file_the_apply_page_gives_the_law_s_limits(repo: Repo):
    pages, _ = build(repo)
    html = pages["apply/"].content
    assert "尚未在本站登记统一的受理机构" in html and "<strong>20 个工作日</strong>" in html


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ("application:\n  office: 办公室\n  reply_days: 30\n", "application.reply_days"),
        ("application:\n  office: 办公室\n  phone: 一二三\n", "application.phone"),
        ("application:\n  address: 人民路\n", "application"),
        ("application:\n  office: 办公室\n  hotline: 12345\n", "application"),
        ("supervision_phone: 5136012\n", "supervision_phone"),
    ],
)
def test_a_malformed_application_or_phone_in_the_county_file_is_a_chinese_finding(repo: Repo, lines: str, field: str):
    repo.write("content/counties/demo.yml", COUNTY_YML + lines)
    errors = [f for f in repo.findings("content/counties/demo.yml") if f.severity == "error"]
    assert errors, lines
    assert all(is_chinese(f.message) and f.line for f in errors)
    assert any(f.field.startswith(field) for f in errors), [(f.field, f.message) for f in errors]


def test_the_sitemap_links_every_section_category_item_and_unit(repo: Repo):
    pages, _ = build(repo)
    page = pages["sitemap/"]
    targets = {linked(page, h) for h in re.findall(r'<a href="([^"]+)">', page.content)}
    for url in ("village", "government", "units", "units/cun", "units/ju", "catalogue", "catalogue/village/finance-ledger",
                "guide", "annual-reports", "apply", "data", "search", "changes", "deadlines", "."):
        assert url in targets, url
    assert all(t.rstrip("/") in {u.rstrip("/") or "." for u in pages} or t.endswith(".csv") for t in targets)


ODD_KEYS = """
  - id: odd
    name: 两张表
    period: none
    schema:
      type: object
      properties:
        "x y": {title: 甲表, type: array, items: {type: object}}
        "x#y": {title: 乙表, type: array, items: {type: object}}
"""


def test_two_tables_whose_keys_make_one_file_name_both_get_a_file(repo: Repo):
    repo.write("catalogues/village.yml", VILLAGE_YML.rstrip("\n") + "\n" + ODD_KEYS)
    repo.record("n.md", '---\ncatalogue: odd\ntitle: 两张表\npublished: 2014-01-08\n"x y":\n  - {n: 1}\n"x#y":\n  - {n: 2}\n---\n')
    pages, files = build(repo)
    ours = sorted(name for name in files if name.startswith("data/records/village/cun/n/"))
    assert ours == ["data/records/village/cun/n/x_y-2.csv", "data/records/village/cun/n/x_y.csv"]
    assert read_csv(files[ours[1]])[1] == ["1"] and read_csv(files[ours[0]])[1] == ["2"]
    hrefs = re.findall(r'<a href="([^"]+)" download>下载 CSV</a>', pages["village/cun/n/"].content)
    assert [linked(pages["village/cun/n/"], h) for h in hrefs] == [ours[1], ours[0]]


def test_an_amount_is_found_as_the_page_shows_it(repo: Repo):
    """The page shows 4063.9 as 4,063.90元: a citizen types that, with or without the commas."""
    from tinyrepo import BALANCED_LEDGER

    from gongkai.search import keys, query_keys

    repo.record("2013-12-ledger.md", BALANCED_LEDGER)
    project = repo.check()
    _, _, documents = county_pages(project, project.counties["demo"])
    (ledger,) = [d for d in documents if "ledger" in d.url]
    shown = "6,200.50元"  # income_total: 6200.50 in the record file
    index = keys(ledger.text + "\n" + ledger.also)
    assert "6200.5元" not in ledger.text, "other forms are searched, never shown in an excerpt"
    for query in (shown, "6,200.50", "6200.50", "6200.5", "6200.50元", "6200.5元"):
        assert all(k in index for k in query_keys(query, prefix=True)), query
    # A whole sum (amount: 5000.00, shown 5,000.00元) as citizens say it.
    for query in ("5000元", "5,000元", "3000元"):
        assert all(k in index for k in query_keys(query, prefix=False)), query
    assert not all(k in index for k in query_keys("1200元", prefix=False))  # 1200.50 is no whole 1200


def test_a_date_is_found_as_citizens_write_it(repo: Repo):
    from gongkai.search import keys, query_keys
    from gongkai.searchbench import query_terms

    repo.record("n.md", notice(published="2014-01-08"))
    project = repo.check()
    _, _, documents = county_pages(project, project.counties["demo"])
    (document,) = documents
    index = keys(document.text + "\n" + document.also)
    typed = ("2014-01-08", "2014年1月8日", "20140108", "2014.01.08", "2014年01月08日", "2014年1月8号", "2014/1/8", "２０１４／０１／０８", "2014-1-8", "2014年01月", "2014.1", "2014/01")
    for query in typed:
        assert all(k in index for t, p in query_terms(query) for k in query_keys(t, p)), query
    # Another day, or a date that is none, is not read as this one.
    for query in ("2014年01月09日", "2014/1/18", "2014年13月8日"):
        assert not all(k in index for t, p in query_terms(query) for k in query_keys(t, p)), query


def test_a_record_is_found_with_its_countys_name(repo: Repo):
    from gongkai.search import keys, query_keys

    repo.record("n.md", notice())
    project = repo.check()
    _, _, documents = county_pages(project, project.counties["demo"])
    (document,) = documents
    assert "示范县" not in document.text, "searched, never shown in an excerpt"
    index = keys(document.text + "\n" + document.also)
    assert all(k in index for k in query_keys("示范县", False))
