"""The bundled content builds into complete county sites that stand alone."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

from gongkai.model import CATEGORIES
from gongkai.search import BUNDLE


def test_every_county_and_the_portal_is_built(built_site, project):
    assert (built_site / "index.html").exists()
    portal = (built_site / "index.html").read_text("utf-8")
    for county in project.counties.values():
        assert (built_site / county.id / "index.html").exists()
        assert f'href="{county.id}/"' in portal
        assert (built_site / county.id / BUNDLE / "meta.json").exists()


def test_every_record_has_its_page_with_the_standard_metadata(built_site, project):
    assert len(project.records) >= 150
    for r in project.records:
        page = built_site / r.county / r.url / "index.html"
        assert page.exists(), r.path
        html = page.read_text("utf-8")
        for label in ("索引号", "主题分类", "发布机构", "成文日期", "发布日期", "文号", "有效性", "公开方式"):
            assert f"<th>{label}</th>" in html, (r.path, label)
        assert r.index_no in html


def test_records_are_not_in_the_navigation(built_site, project):
    r = next(r for r in project.records if r.county == "xiangcheng")
    home = (built_site / "xiangcheng" / "index.html").read_text("utf-8")
    nav = home[home.index('<nav class="md-nav md-nav--primary') :]
    nav = nav[: nav.index("</nav>")]
    assert r.url not in nav
    for name in CATEGORIES.values():
        assert name in home


def test_the_footer_carries_the_site_ids(built_site, project):
    county = project.counties["xiangcheng"]
    html = (built_site / "xiangcheng" / "index.html").read_text("utf-8")
    for value in (county.site_code, county.icp, county.police, county.host):
        assert value and value in html


class _Resources(HTMLParser):
    """Collects every URL a page would load (not links a reader may follow)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href") and set((a.get("rel") or "").split()) & {"stylesheet", "preconnect", "preload", "icon", "dns-prefetch", "modulepreload"}:
            self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])


def test_no_page_loads_anything_from_outside_the_site(built_site):
    outside = re.compile(r"^(https?:)?//", re.I)
    checked = 0
    for path in built_site.rglob("*.html"):
        parser = _Resources()
        parser.feed(path.read_text("utf-8"))
        bad = [u for u in parser.urls if outside.match(u)]
        assert not bad, (path, bad)
        checked += 1
    for css in built_site.rglob("*.css"):
        text = css.read_text("utf-8", errors="replace")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css
        assert "@import" not in text or "//" not in text.split("@import", 1)[1][:80], css
    assert checked > 200


def test_power_item_draws_its_flowchart_with_risk_levels(built_site, project):
    power = [r for r in project.records if r.county == "xiangcheng" and r.unit == "guotu" and r.item.id == "power-item"]
    assert len(power) >= 6
    html = (built_site / "xiangcheng" / power[0].url / "index.html").read_text("utf-8")
    assert '<svg class="gk-flow"' in html
    steps = power[0].meta["steps"]
    assert html.count("<rect ") == len(steps)
    for step in steps:
        if step.get("risk"):
            assert step["risk"]["point"] in html


def test_the_bundled_history_shows_on_the_sites(built_site):
    ledger = (built_site / "xiangcheng" / "village" / "sm-liuzhuang" / "caiwu-2013-09" / "index.html").read_text("utf-8")
    assert "修订记录" in ledger and "道路修补面积更正为约95平方米" in ledger
    assert "修补水泥路面约90平方米 → 修补水泥路面约95平方米" in ledger
    withdrawn = (built_site / "yanling" / "government" / "zfb" / "yanzhengban-2013-42" / "index.html").read_text("utf-8")
    assert "本信息已于 2014-03-10 撤回" in withdrawn and "规定常规事项每季度更新一次" in withdrawn
    changes = (built_site / "yanling" / "changes" / "index.html").read_text("utf-8")
    assert "撤回" in changes and "鄢陵县人民政府办公室关于规范乡镇政务公开栏设置和内容更新的通知" in changes
    assert (built_site / "yanling" / "changes.xml").read_bytes().startswith(b"<?xml")


def test_an_attachment_downloads_from_its_record_page(page, server, project):
    r = next(r for r in project.records if r.meta.get("attachments") and r.county == "xuchangxian")
    (att,) = r.meta["attachments"]
    page.goto(f"{server}{r.county}/{r.url}")
    link = page.get_by_role("link", name=att["title"])
    response = page.request.get(urljoin(page.url, link.get_attribute("href")))
    assert response.ok
    assert response.body() == (project.root / r.path).parent.joinpath(att["file"]).read_bytes()


def test_the_deadlines_page_shows_what_a_village_owes(built_site):
    html = (built_site / "xuchangxian" / "deadlines" / "index.html").read_text("utf-8")
    # 小王庄 published its 2013 ledgers month by month and nothing after December.
    row = re.search(
        r"<tr><td[^>]*><a [^>]*>将官池镇小王庄村村民委员会</a></td><td[^>]*><a [^>]*>村级财务收支公开（月度）</a></td><td[^>]*>([^<]+)</td>", html
    )
    assert row and row.group(1).startswith("2014年1月至"), row
    home = (built_site / "xuchangxian" / "index.html").read_text("utf-8")
    assert 'href="deadlines/"' in home


def test_a_trimmed_record_address_leads_to_the_unit(page, server):
    page.goto(f"{server}xuchangxian/village/jgc-xiaowangzhuang/")
    page.wait_for_url("**/xuchangxian/units/jgc-xiaowangzhuang/")
    assert "将官池镇小王庄村村民委员会" in page.locator("h1").first.inner_text()
