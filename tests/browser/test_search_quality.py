"""Search quality on the bundled sites, in Chromium: Chinese queries of every kind, each
with every record that must come back, and nothing else; then the page itself (ranking,
filters, the address, a phone, the keyboard alone).

Expected records are those whose indexed text contains the query (gongkai.searchbench
.relevant: punctuation and spaces only separate, numbers match whole). The table is
pinned: when the bundled content changes, test_the_table_is_what_the_records_contain
says which row to update.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from searchpage import show_every_result

from gongkai.pages import county_pages
from gongkai.searchbench import relevant

# kind, county, query, every record (its address in the county site) that contains the query
TABLE = [
    ("人名", "yanling", "张红霞", {"village/chd-zhangjiazhai/ledger-2013-10/", "village/chd-zhangjiazhai/ledger-2013-11/",
                                 "village/chd-zhangjiazhai/ledger-2013-12/", "village/chd-zhangjiazhai/ledger-2014-01/",
                                 "village/chd-zhangjiazhai/ledger-2014-02/", "village/chd-zhangjiazhai/ledger-2014-03/"}),
    ("人名", "xiangcheng", "陈志伟", {"village/sm-dongguan/2013-zhaijidi-shenpi/"}),
    ("人名", "changge", "李满仓", {"village/hh-lizhuang/ledger-2013-11/", "village/hh-lizhuang/ledger-2013-12/"}),
    ("人名", "xiangcheng", "刘长河", {"village/sm-liuzhuang/caiwu-2013-07/", "village/sm-liuzhuang/caiwu-2013-08/",
                                    "village/sm-liuzhuang/caiwu-2013-09/"}),
    ("复合词", "yanling", "护林员", {"enterprise/linchang/2013-fire-safety/"}),
    ("复合词", "xiangcheng", "一卡通", {"village/sm-liuzhuang/2013-dongchun-jiuzhu/"}),
    ("复合词", "yanling", "一折通", {"government/caizheng/bumen-yusuan-2013/", "government/caizheng/yancai-2013-20/",
                                  "government/chenhuadian/liangzhi-zonghe-butie-2013/", "government/nongye/yumi-liangzhong-butie-2013/"}),
    ("长词", "yanling", "农村最低生活保障", {"village/chd-zhangjiazhai/2013-dibao-nianshen/"}),
    ("长词", "changge", "农资综合补贴", {"government/houhe/liangzhi-zonghe-butie-2013/"}),
    ("跨词片段", "xiangcheng", "农补", {"government/shuangmiao/gongkai-zhinan/", "government/shuangmiao/liangzhong-butie-2013/",
                                   "government/zfb/nianbao-2013/", "village/sm-dongguan/2013-nongzi-zonghe-butie/"}),
    ("跨词片段", "changge", "村干部误工", {"village/hh-lizhuang/ledger-2013-11/", "village/hh-lizhuang/ledger-2013-12/"}),
    ("引号短语", "xuchang", '"行政许可"', {"government/minzheng/power-shetuan-dengji/", "government/minzheng/shehui-zuzhi-dengji-2013q3/",
                                       "government/renshe/laowu-paiqian-xuke-2013/"}),
    ("引号短语", "xuchangxian", "“村务监督委员会”", {"village/jgc-xiaowangzhuang/2013-q4-jiandu/", "village/jgc-xiaowangzhuang/2013-zhujiedao-jieguo/",
                                             "village/jgc-xiaowangzhuang/2013-zhujiedao-jueyi/", "village/jgc-xiaowangzhuang/ledger-2013-01/",
                                             "village/jgc-xiaowangzhuang/ledger-2013-06/"}),
    ("文号", "xuchang", "许政〔2013〕12号", {"government/zfb/xuzheng-2013-12/"}),
    ("文号", "xuchangxian", "许政[2013]12号", {"government/zfb/xuxianzheng-2013-8/"}),  # a document that cites it
    ("文号", "xiangcheng", "襄国土资罚〔2013〕21号", {"government/guotu/chufa-2013-12/"}),  # not 〔2013〕26号, 29号
    ("文号", "xuchang", "许政〔2013〕31号", {"government/zfb/xuzheng-2013-31/"}),
    # Numbers found by their beginning: the last number of a term may continue (12号, 121号).
    ("数字开头", "xuchang", "许政〔2013〕1", {"government/zfb/xuzheng-2013-12/"}),  # not 〔2013〕31号
    ("数字开头", "xuchangxian", "许政〔2013〕1", {"government/zfb/xuxianzheng-2013-8/"}),
    ("数字开头", "xuchang", "机关党委20", {"party/minzheng/2013-q4-dangfei/"}),
    ("数字开头", "changge", "005734076/2014-0000", {"government/houhe/nongcun-dibao-2013q4/"}),
    ("索引号", "changge", "005734076/2014-00001", {"government/houhe/nongcun-dibao-2013q4/"}),
    ("单位全称", "xiangcheng", "襄城县国土资源局", {
        "government/guotu/caikuang-xuke-2013-11/", "government/guotu/chufa-2013-12/", "government/guotu/hudong-tudizheng/",
        "government/guotu/power-caikuang/", "government/guotu/power-feifa-zhandi/", "government/guotu/power-gongyi-yongdi/",
        "government/guotu/power-quanshu-zhengyi/", "government/guotu/power-tudi-dengji/", "government/guotu/power-xianzhi-tudi/",
        "government/guotu/power-zhaijidi/", "government/guotu/quanli-qingli-shuoming/", "party/guotu/2013-q4-dangfei/",
        "party/guotu/2013-zuzhi-shenghuohui/", "village/sm-dongguan/2013-zhaijidi-shenpi/"}),
    ("单位全称", "yanling", "陈化店镇张家寨村村民委员会", {
        "party/chd-zhangjiazhai/2013-q4-dangfei/", "party/chd-zhangjiazhai/2014-huanjie-houxuanren-gongshi/",
        "village/chd-zhangjiazhai/2013-cangku-chuzu/", "village/chd-zhangjiazhai/2013-dibao-nianshen/",
        "village/chd-zhangjiazhai/2013-liangzhong-butie/", "village/chd-zhangjiazhai/2013-q4-jiandu/",
        "village/chd-zhangjiazhai/ledger-2013-10/", "village/chd-zhangjiazhai/ledger-2013-11/",
        "village/chd-zhangjiazhai/ledger-2013-12/", "village/chd-zhangjiazhai/ledger-2014-01/",
        "village/chd-zhangjiazhai/ledger-2014-02/", "village/chd-zhangjiazhai/ledger-2014-03/"}),
    ("村名", "yanling", "张家寨", {
        "government/chenhuadian/liangzhi-zonghe-butie-2013/", "government/chenhuadian/wubao-gongyang-2013q4/",
        "party/chd-zhangjiazhai/2013-q4-dangfei/", "party/chd-zhangjiazhai/2014-huanjie-houxuanren-gongshi/",
        "party/chenhuadian/2013-yubei-zhuanzheng-gongshi/", "village/chd-zhangjiazhai/2013-cangku-chuzu/",
        "village/chd-zhangjiazhai/2013-dibao-nianshen/", "village/chd-zhangjiazhai/2013-liangzhong-butie/",
        "village/chd-zhangjiazhai/2013-q4-jiandu/", "village/chd-zhangjiazhai/ledger-2013-10/",
        "village/chd-zhangjiazhai/ledger-2013-11/", "village/chd-zhangjiazhai/ledger-2013-12/",
        "village/chd-zhangjiazhai/ledger-2014-01/", "village/chd-zhangjiazhai/ledger-2014-02/",
        "village/chd-zhangjiazhai/ledger-2014-03/"}),
    ("村名", "changge", "刘庄村", {"government/houhe/liangzhi-zonghe-butie-2013/", "government/houhe/nongcun-dibao-2013q4/"}),
    ("台账数字", "xuchangxian", "83062.85", {"village/jgc-xiaowangzhuang/2013-zichan-zhaiwu/", "village/jgc-xiaowangzhuang/ledger-2013-12/"}),
    ("台账数字", "xuchangxian", "1,544.22", {"village/jgc-xiaowangzhuang/2013-liangshi-zhibu/"}),
    ("台账数字", "changge", "457475.82", {"village/hh-lizhuang/ledger-2013-12/"}),
    ("单字", "yanling", "许", {"government/nongye/zhongzi-jingying-xuke-2013/", "government/zfb/nianbao-2013/",
                             "government/zfb/xianquan-gongkai-shidian/"}),
    ("多词", "changge", "征地补偿 李庄", {"party/hh-lizhuang/2013-minzhu-pingyi/", "village/hh-lizhuang/2013-zhengdi-fenpei-jueyi/",
                                     "village/hh-lizhuang/2013-zhengdi-weisanlu/", "village/hh-lizhuang/ledger-2013-11/"}),
]


def search(page, server, county, query, **filters):
    """Open the search page at its address, as a shared link would; read every result."""
    address = "&".join(f"{quote(k)}={quote(v)}" for k, v in {"q": query, **filters}.items())
    page.goto(f"{server}{county}/search/?{address}")
    # The first results, their excerpts and the check of long terms are done.
    page.wait_for_function("performance.getEntriesByName('gk-search-excerpts').length > 0")
    show_every_result(page)
    assert "出错" not in page.inner_text("#gk-status")
    links = page.locator(".gk-result-link").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return [href.split(f"/{county}/", 1)[1] for href in links]


@pytest.mark.parametrize(("kind", "county", "query", "expected"), TABLE, ids=[f"{row[0]}-{row[2]}" for row in TABLE])
def test_every_query_finds_exactly_the_records_that_contain_it(page, server, kind, county, query, expected):
    found = search(page, server, county, query)
    assert len(found) == len(set(found)), "a record is listed twice"
    missing, extra = expected - set(found), set(found) - expected
    assert not missing and not extra, f"{kind} {query}: missing {sorted(missing)}, not containing it {sorted(extra)}"
    # Every result shown has been checked against its record's text: the count is exact.
    page.wait_for_function("!document.getElementById('gk-status').textContent.includes('约')")
    assert int(page.get_attribute("#gk-search", "data-total")) == len(expected)


def test_the_table_is_what_the_records_contain(project):
    documents = {c: county_pages(project, project.counties[c])[2] for c in {row[1] for row in TABLE}}
    for kind, county, query, expected in TABLE:
        now = {d.url for d in documents[county] if relevant(d.text + "\n" + d.also, query)}
        assert now == expected, f"the bundled content changed: update TABLE for {kind} {query} in {county} to {sorted(now)}"


def test_records_named_by_the_query_come_first(page, server):
    # 一折通 is in the title of yancai-2013-20 only; the other three mention it in the text.
    assert search(page, server, "yanling", "一折通")[0] == "government/caizheng/yancai-2013-20/"


def test_a_near_miss_of_a_number_finds_nothing(page, server):
    assert search(page, server, "xiangcheng", "襄国土资罚〔2013〕2号") == []
    assert "没有找到" in page.inner_text("#gk-status")


def test_each_result_links_the_record_by_its_title_with_unit_and_date(page, server, project):
    search(page, server, "yanling", "张家寨")
    records = {r.url: r for r in project.records if r.county == "yanling"}
    items = page.locator(".gk-results li")
    assert items.count() == 15
    for i in range(items.count()):
        item = items.nth(i)
        link = item.locator("a.gk-result-link")
        r = records[link.get_attribute("href").split("/yanling/", 1)[1]]
        assert link.inner_text() == r.title
        sub = item.locator(".gk-sub").inner_text()
        assert project.counties["yanling"].units[r.unit].name in sub and r.published in sub
    item = items.first
    assert "张家寨" in item.locator("mark").first.inner_text()  # where the record says it
    item.locator("a.gk-result-link").click()
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().strip() == records[page.url.split("/yanling/", 1)[1]].title


def test_filters_narrow_the_results_and_stay_in_the_address(page, server, project):
    everything = set(search(page, server, "xiangcheng", "农补"))
    page.select_option("#gk-filter-类别", "政务公开")
    page.wait_for_function("location.search.includes('%E7%B1%BB%E5%88%AB=')")  # 类别=…, to share
    page.wait_for_selector("#gk-search[data-shown]")
    assert set(search(page, server, "xiangcheng", "农补", 类别="政务公开")) == {u for u in everything if u.startswith("government/")}
    assert page.input_value("#gk-filter-类别") == "政务公开"
    # A filter alone lists every record it selects, newest first.
    by_unit = search(page, server, "xiangcheng", "", 单位="襄城县国土资源局")
    published = {r.url: r.published for r in project.records if r.county == "xiangcheng" and r.unit == "guotu"}
    assert set(by_unit) == set(published) and published[by_unit[0]] == max(published.values())
    assert page.locator(".gk-summary").first.inner_text()  # without a query, each result shows its summary
    for name in ("类别", "单位", "事项", "年份"):
        assert page.locator(f"#gk-filter-{name} option").count() > 1


def test_the_search_page_reads_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    found = search(page, server, "xiangcheng", "襄城县国土资源局")
    assert len(found) == 14
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    for selector in ("#gk-search-q", ".gk-search-form button", "#gk-filter-单位", ".gk-result-link"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 376, selector
    context.close()


def test_the_keyboard_alone_searches_pages_on_and_opens_a_record(page, server):
    page.goto(f"{server}yanling/search/")
    page.wait_for_selector("#gk-search[data-ready]")
    assert page.evaluate("document.activeElement.id") == "gk-search-q"  # the box has the focus
    page.keyboard.type("张家寨")
    page.keyboard.press("Enter")
    page.wait_for_selector("#gk-search[data-shown='10']")

    def tab_to(test: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(test):
                return
        raise AssertionError(f"Tab never reached {test}")

    tab_to("document.activeElement.id === 'gk-more'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#gk-search[data-shown='15']")
    # The focus goes on to the first new result, and Enter opens it.
    assert page.evaluate("document.activeElement === document.querySelectorAll('.gk-result-link')[10]")
    href = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(href)
