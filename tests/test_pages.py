"""Long lists as pages: every record once, a pager that stays short and links real pages."""

from __future__ import annotations

import posixpath
import re

import pytest
from tinyrepo import Repo, notice, pdf

from gongkai import pages
from gongkai.changes import FieldChange, RecordHistory, Revision
from gongkai.pages import county_pages


@pytest.fixture
def long_list(repo: Repo, monkeypatch: pytest.MonkeyPatch):
    """A village with 47 notices, cut into pages of 4 (12 pages), as a county site."""
    monkeypatch.setattr(pages, "PER_PAGE", 4)
    for k in range(47):
        repo.record(f"n{k:02d}.md", notice(f"第{k:02d}号通知", f"2014-{1 + k // 28:02d}-{1 + k % 28:02d}"))
    project = repo.check()
    assert not project.findings.errors
    built, _, _ = county_pages(project, project.counties["demo"])
    return {p.url: p for p in built}


def test_every_record_is_on_exactly_one_page_newest_first(long_list):
    urls = ["village/"] + [f"village/page/{n}/" for n in range(2, 13)]
    assert all(u in long_list for u in urls) and "village/page/13/" not in long_list
    titles = [t for u in urls for t in re.findall(r"第(\d\d)号通知", long_list[u].content)]
    assert titles == [f"{k:02d}" for k in reversed(range(47))]
    assert long_list["village/page/12/"].title.endswith("（第12页）")


def test_the_pager_links_neighbours_ends_and_pages_that_exist(long_list):
    here = "village/page/6/"
    pager = re.search(r'<nav class="gk-pager".*?</nav>', long_list[here].content).group(0)
    assert "共 47 条，第 6/12 页" in pager
    links = dict((text, href) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', pager))
    # 1 … 4 5 [6] 7 8 … 12, with 上一页 and 下一页: not a link to each of the 12 pages.
    assert sorted(links) == sorted(["上一页", "1", "4", "5", "7", "8", "12", "下一页"])
    assert '<span class="gk-current" aria-current="page">6</span>' in pager
    assert pager.count("…") == 2
    resolve = lambda href: posixpath.normpath(posixpath.join(here, href)) + "/"  # noqa: E731
    assert resolve(links["上一页"]) == "village/page/5/" and resolve(links["下一页"]) == "village/page/7/"
    assert resolve(links["1"]) == "village/" and resolve(links["12"]) == "village/page/12/"
    assert all(resolve(h) in long_list for h in links.values())


def test_first_and_last_pages_have_no_link_beyond_the_list(long_list):
    first = re.search(r'<nav class="gk-pager".*?</nav>', long_list["village/"].content).group(0)
    last = re.search(r'<nav class="gk-pager".*?</nav>', long_list["village/page/12/"].content).group(0)
    assert "上一页" not in first and "下一页" in first
    assert "下一页" not in last and "上一页" in last


def test_a_pager_stays_short_however_long_the_list(repo: Repo, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pages, "PER_PAGE", 1)
    for k in range(60):
        repo.record(f"n{k:02d}.md", notice(f"第{k:02d}号通知", f"2014-{1 + k // 28:02d}-{1 + k % 28:02d}"))
    project = repo.check()
    built = {p.url: p for p in county_pages(project, project.counties["demo"])[0]}
    for url in ["village/", "village/page/30/", "village/page/60/"]:
        pager = re.search(r'<nav class="gk-pager".*?</nav>', built[url].content).group(0)
        assert len(re.findall(r"<a ", pager)) <= 2 * pages.PAGER_WINDOW + 4


def test_a_short_list_has_no_pager(repo: Repo):
    repo.record("n.md", notice())
    project = repo.check()
    built = {p.url: p for p in county_pages(project, project.counties["demo"])[0]}
    assert "gk-pager" not in built["village/"].content


def test_an_attachment_link_survives_spaces_and_hashes_in_its_name(repo: Repo):
    repo.write("content/village/demo/cun/名单 #1.pdf", pdf([["list"]]))
    repo.record("n.md", notice(extra='attachments:\n  - {file: "名单 #1.pdf", title: 名单}\n'))
    project = repo.check()
    assert not project.findings.errors
    built = {p.url: p for p in county_pages(project, project.counties["demo"])[0]}
    assert '<a href="../%E5%90%8D%E5%8D%95%20%231.pdf">名单</a>' in built["village/cun/n/"].content


def test_a_gap_of_one_page_shows_the_page_not_an_ellipsis(long_list):
    pager = re.search(r'<nav class="gk-pager".*?</nav>', long_list["village/page/5/"].content).group(0)
    numbers = re.findall(r">(\d+)<", pager)
    assert numbers == ["1", "2", "3", "4", "5", "6", "7", "12"] and pager.count("…") == 1


# A list that only grows at the top (变更记录): pages that stay put ------------------------


def _settled(n: int) -> dict[str, pages.Page]:
    """n entries (0 oldest … n-1 newest, shown newest first) as a settled list's pages."""
    from types import SimpleNamespace

    site = SimpleNamespace(pages=[])
    entries = [f"e{i:03d}" for i in reversed(range(n))]
    pages.CountySite.paged(site, "changes", "变更记录", "changes.html", entries, {"deleted": []},
                           item=lambda here, e: {"title": e, "href": "#"}, empty="暂无变更。", settled=True)
    return {p.url: p for p in site.pages}


def test_a_settled_list_shows_every_entry_once_newest_first_and_keeps_its_pages(monkeypatch: pytest.MonkeyPatch):
    """A new entry at the top changes the first page, and at most the few numbered pages
    whose pager reaches the newest numbered page; every other page keeps its data, so a
    warm build keeps them (the point: 变更记录 was ~600 re-rendered pages per change)."""
    monkeypatch.setattr(pages, "PER_PAGE", 4)
    before = _settled(0)
    for n in range(1, 90):
        after = _settled(n)
        order = ["changes/"] + sorted((u for u in after if u != "changes/"), key=lambda u: -int(u.split("/")[2]))
        shown = [e["title"] for u in order for g in after[u].data["groups"] for e in g["entries"]]
        assert shown == [f"e{i:03d}" for i in reversed(range(n))], n
        assert all(len(after[u].data["groups"][0]["entries"]) == 4 for u in order[1:])  # numbered pages are full
        assert 4 <= sum(len(g["entries"]) for g in after["changes/"].data["groups"]) <= 7 or n < 4
        last = len(after) - 1
        for url, page in before.items():
            if url == "changes/":
                continue
            k = int(url.split("/")[2])
            assert url in after and after[url].title == page.title == f"变更记录（第{k}页）"
            if k < last - pages.PAGER_WINDOW - 2:
                assert after[url].data == page.data, (n, url)  # settled: not rendered again
            else:
                assert [g["entries"] for g in after[url].data["groups"]] == [g["entries"] for g in page.data["groups"]]
        before = after
    assert len(before) == 89 // 4  # 21 numbered pages and the first


def test_a_settled_pager_links_pages_that_exist_newest_first(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pages, "PER_PAGE", 4)
    built = _settled(62)  # 最新 (6 entries) and pages 14 … 1
    resolve = lambda here, href: posixpath.normpath(posixpath.join(here, href)) + "/"  # noqa: E731
    for here, page in built.items():
        html = pages.render_content(page)
        pager = re.search(r'<nav class="gk-pager".*?</nav>', html).group(0)
        links = re.findall(r'<a href="([^"]+)"(?: rel="(\w+)")?>([^<]+)</a>', pager)
        assert all(resolve(here, href).replace("./", "") in built or resolve(here, href) == "changes/" for href, _, _ in links)
        assert len(links) <= 2 * pages.PAGER_WINDOW + 6  # the window, 最新, 1, 上一页, 下一页, two one-page gaps
    first = re.search(r'<nav class="gk-pager".*?</nav>', pages.render_content(built["changes/"])).group(0)
    assert "共 62 条，本页是最新的 6 条；更早的按时间分为 14 页，第 1 页最早" in first
    texts = re.findall(r">([^<>]+)</(?:a|span)>", first)
    assert texts[:4] == ["最新", "14", "13", "…"] and texts[-2:] == ["1", "下一页"] and "上一页" not in texts
    middle = re.search(r'<nav class="gk-pager".*?</nav>', pages.render_content(built["changes/page/7/"])).group(0)
    assert "第 7 页（按时间分页，第 1 页最早）" in middle and "共 62 条" not in middle
    texts = [t for t in re.findall(r">([^<>]+)</(?:a|span)>", middle)]
    assert texts == ["上一页", "最新", "…", "9", "8", "7", "6", "5", "…", "1", "下一页"]
    hrefs = {text: resolve("changes/page/7/", href) for href, _, text in re.findall(r'<a href="([^"]+)"(?: rel="(\w+)")?>([^<]+)</a>', middle)}
    assert hrefs["上一页"] == "changes/page/8/" and hrefs["下一页"] == "changes/page/6/" and hrefs["最新"] == "changes/"
    oldest = pages.render_content(built["changes/page/1/"])
    assert "下一页" not in oldest and "e000" in oldest


def test_the_county_change_list_is_settled(repo: Repo, monkeypatch: pytest.MonkeyPatch):
    """变更记录 of a county is cut from its oldest change: page 1 holds the first ones."""
    monkeypatch.setattr(pages, "PER_PAGE", 1)
    built = _with_history(
        repo,
        [
            Revision("a" * 40, "2014-01-10", "import", "added", PATH),
            Revision("b" * 40, "2014-02-01", "fix", "changed", PATH, ["更正发布日期"]),
            Revision("c" * 40, "2014-03-01", "fix", "changed", PATH, ["更正文号"]),
        ],
        notice(published="2014-01-10", extra="changes:\n  - {date: 2014-02-01, note: 更正发布日期}\n  - {date: 2014-03-01, note: 更正文号}\n"),
    )
    assert "changes/page/3/" not in built
    assert "新增" in built["changes/page/1/"].content and "更正" not in built["changes/page/1/"].content
    assert "更正发布日期" in built["changes/page/2/"].content and "更正文号" in built["changes/"].content


# What a citizen reads about a change ------------------------------------------------------

PATH = "content/village/demo/cun/n.md"
SHA = "3f2a9c81d4e7b6a0c5d8e1f2a3b4c5d6e7f8a9b0"


def _with_history(repo: Repo, revisions, record: str | None = None):
    repo.write("content/site.yml", "title: 示范市党务政务公开平台\ncity: 示范市\nrepo_url: https://git.example/gongkai\n")
    if record is not None:
        repo.record("n.md", record)
    project = repo.check()
    assert not project.findings.errors
    histories = {PATH: RecordHistory(PATH, revisions, meta={"title": "关于召开村民代表会议的通知"}, deleted=revisions[-1].kind == "deleted")}
    return {p.url: p for p in county_pages(project, project.counties["demo"], histories)[0]}


def test_citizens_read_the_change_note_date_and_kind_never_the_commit(repo: Repo):
    change = FieldChange(("published",), "发布日期", "2014-01-09", "2014-01-10")
    built = _with_history(
        repo,
        [
            Revision("a" * 40, "2014-01-10", "Bundled content: initial import", "added", PATH),
            Revision(SHA, "2014-02-01", "fix date typo (refs #12)", "changed", PATH, ["更正发布日期"], [change]),
        ],
        notice(published="2014-01-10", extra="changes:\n  - {date: 2014-02-01, note: 更正发布日期}\n"),
    )
    for url in ("village/cun/n/", "changes/"):
        html = built[url].content
        assert "更正发布日期" in html and "2014-02-01" in html and "修改" in html, url
        assert "initial import" not in html and "fix date typo" not in html, url
        assert SHA[:7] not in html and "a" * 7 not in html and "提交" not in html, url
    assert "首次公开" in built["village/cun/n/"].content


def test_a_deleted_record_page_names_no_commit(repo: Repo):
    built = _with_history(
        repo,
        [
            Revision("a" * 40, "2014-01-10", "import", "added", PATH),
            Revision(SHA, "2014-03-05", "cleanup", "deleted", PATH),
        ],
    )
    html = built["village/cun/n/"].content
    text = re.sub(r"<[^>]+>", "", html)
    assert "从公开目录中删除" in text and "关于召开村民代表会议的通知" in text
    assert SHA[:7] not in text and "cleanup" not in text and "提交" not in text
    assert f'href="https://git.example/gongkai/commit/{SHA}"' in html  # the full story, one link away


@pytest.mark.parametrize(
    ("extra", "shown"),
    [
        ("", "有效"),
        ("withdrawn: {date: 2014-02-10, reason: 已被新规定代替}\n", "已撤回"),
        ("removed: {date: 2014-02-15, reason: 误登个人信息}\n", "已删除"),
        ("validity: 废止\nrepealed: 2014-03-01\n", "已废止"),
        ("validity: 失效\n", "已失效"),
    ],
)
def test_validity_says_when_a_record_is_no_longer_in_force(repo: Repo, extra: str, shown: str):
    repo.record("n.md", notice(extra=extra))
    project = repo.check()
    assert not project.findings.errors
    built = {p.url: p for p in county_pages(project, project.counties["demo"])[0]}
    assert f"<tr><th>有效性</th><td>{shown}</td>" in built["village/cun/n/"].content


def test_a_unit_page_links_its_form_editor_once_the_forge_is_named(repo: Repo):
    from tinyrepo import SITE_YML

    repo.record("n.md", notice("通知", "2014-01-02"))
    project = repo.check()
    built = {p.url: p for p in county_pages(project, project.counties["demo"])[0]}
    assert "维护本单位信息" not in built["units/cun/"].content  # no forge, no editor to link

    repo.write("content/site.yml", SITE_YML + "editor:\n  backend: forgejo\n  repo: office/gongkai\n  branch: main\n"
               "  base_url: https://git.example\n  api_root: https://git.example/api/v1\n"
               "  app_id: 00000000-0000-0000-0000-000000000000\n")
    project = repo.check()
    assert not project.findings.errors
    built = {p.url: p for p in county_pages(project, project.counties["demo"])[0]}
    assert '<a href="../../admin/cun/">维护本单位信息</a>' in built["units/cun/"].content


def test_relative_links_are_the_ones_posixpath_gives():
    """rel_url works on segments for speed; it must give what posixpath.relpath gives."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from gongkai.pages import _rel_url_normalised, rel_url

    # Mostly plain addresses (the prefix path), some with '.', '..' or an empty segment (the others).
    segment = st.sampled_from(["a", "b", "units", "zfb", "page", "2", "a", "b", "page", "index.html", "x.csv", ".", "..", ""])
    url = st.builds(lambda parts, slash: "/".join(parts) + ("/" if slash and parts else ""), st.lists(segment, max_size=5), st.booleans())

    @settings(max_examples=2500, deadline=None)
    @given(url, url)
    def same(a, b):
        assert rel_url(a, b) == _rel_url_normalised(a, b)

    same()
    assert rel_url("government/zfb/r1/", "units/zfb/") == "../../../units/zfb/"
    assert rel_url("units/", "units/") == "./"
    assert rel_url("", "data/county.csv") == "data/county.csv"


def test_kept_record_pages_come_back_with_their_markup_and_tuples():
    """pages/memo.py keeps page data as JSON with the places of Markup and tuples; what it
    refuses (a set, a str subclass, NaN) is not kept at all."""
    import json

    import pytest
    from markupsafe import Markup

    from gongkai.pages import Asset, Page, memo
    from gongkai.search import SearchDocument

    data = {"body": Markup("<p>正文</p>"), "fields": [{"rows": [("期初余额", "12,000.00元"), ("x", (Markup("<b>1</b>"), 2.5))]}],
            "print": {"qr": None, "n": 3, "ok": True}}
    page = Page("village/cun/a.md", "标题", "record.html", data, kind="record", meta={"description": "描述"})
    doc = SearchDocument(url="village/cun/a/", title="标题", unit="村", date="2014-01-08", summary="", filters={"类别": "村务公开"}, text="正文")
    assets = [Asset("data/records/a.csv", content="\ufeff名称\r\n".encode())]
    head, kept = memo._encode(page, doc, assets)
    back, doc_back, assets_back = memo._decode(json.loads(json.dumps(head, ensure_ascii=False)), json.dumps(kept, ensure_ascii=False), "d" * 64)
    assert back.kept_digest == "d" * 64  # its data unread, the page is hashed as it was kept
    rows = back.data["fields"][0]["rows"]
    assert back.kept_digest is None  # read, it may be changed: hashed afresh
    assert (back.src, back.title, back.template, back.kind, back.meta) == (page.src, page.title, page.template, page.kind, page.meta)
    assert back.data == data and type(back.data["body"]) is Markup
    assert type(rows[0]) is tuple and type(rows[1][1]) is tuple and type(rows[1][1][0]) is Markup
    assert doc_back == doc and [(a.src, a.content) for a in assets_back] == [(a.src, a.content) for a in assets]
    for refused in ({"a": {1, 2}}, {"a": type("S", (str,), {})("x")}, {1: "number key"}):
        with pytest.raises(TypeError):
            memo._encode(Page("a.md", "t", "record.html", refused), doc, [])
    with pytest.raises(ValueError):
        json.dumps(memo._encode(Page("a.md", "t", "record.html", {"a": float("nan")}), doc, []), allow_nan=False)
