"""History from git: a scripted, back-dated history through revisions, pages, feed, diff and check --base."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, BUREAU, MAIN, VILLAGE, buildable, make_repo, notice

from gongkai import check
from gongkai.changes import check_against, record_histories
from gongkai.site import build_all

ATOM = "{http://www.w3.org/2005/Atom}"


def commit(root: Path, message: str, date: str) -> str:
    """Commit everything with a back-dated time; return the sha."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, date=f"{date}T10:00:00+08:00")
    return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run build.py against the repository."""
    return subprocess.run([sys.executable, str(MAIN / "build.py"), "--root", str(root), *args], capture_output=True, text=True)


CHANGED_LEDGER = BALANCED_LEDGER.replace("closing_balance: 15000.51", "closing_balance: 15100.51").replace(
    "opening_balance: 12000.00", "opening_balance: 12100.00"
).replace("---\n本月", "changes:\n  - {date: 2014-01-20, note: 更正期初余额，上月结转数录入有误}\n---\n本月")

PERSONAL = "名单：张三 410102199001011234（误登）"


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """add → change with a note → change without one → withdraw → remove → rename → delete."""
    repo = make_repo(tmp_path_factory.mktemp("history") / "repo")
    root = repo.root
    buildable(repo)
    git(root, "init", "-q", "-b", "main")
    repo.record("ledger.md", BALANCED_LEDGER)
    repo.record("meeting.md", notice("关于召开村民代表会议的通知"))
    repo.record("old-rule.md", notice("关于村级公益事业一事一议的规定"))
    repo.record("list.md", notice("2013年低保对象名单公示").replace("正文。", PERSONAL))
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-06"), BUREAU)
    shas = {"added": commit(root, "村务公开：2013年12月", "2014-01-08")}
    repo.record("ledger.md", CHANGED_LEDGER)
    shas["noted"] = commit(root, "更正12月账目", "2014-01-20")
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    shas["unnoted"] = commit(root, "改标题", "2014-02-01")
    repo.record("old-rule.md", notice("关于村级公益事业一事一议的规定", extra="withdrawn: {date: 2014-02-10, reason: 已被新规定代替}\n"))
    shas["withdrawn"] = commit(root, "撤回旧规定", "2014-02-10")
    repo.record("list.md", notice("2013年低保对象名单公示", extra="removed: {date: 2014-02-15, reason: 误登个人信息}\n").replace("正文。", "（内容已删除）"))
    shas["removed"] = commit(root, "删除误登的个人信息", "2014-02-15")
    git(root, "mv", f"{VILLAGE}/ledger.md", f"{VILLAGE}/ledger-2013-12.md")
    shas["renamed"] = commit(root, "统一文件名", "2014-03-01")
    (root / BUREAU / "land.md").unlink()
    shas["deleted"] = commit(root, "清理", "2014-03-05")
    project = check(root)
    site = root / "site"
    assert build_all(root, site, search=False) == 0
    return root, shas, project, site


def page(site: Path, url: str) -> str:
    return (site / "demo" / url / "index.html").read_text("utf-8")


def test_each_record_keeps_one_history_across_renames(story):
    root, shas, project, _ = story
    h = record_histories(project, root)
    ledger = h[f"{VILLAGE}/ledger-2013-12.md"]
    assert [r.kind for r in ledger.revisions] == ["added", "changed", "renamed"]
    assert ledger.landed.sha == shas["added"] and ledger.landed.date == "2014-01-08"
    changed = ledger.revisions[1]
    assert changed.notes == ["更正期初余额，上月结转数录入有误"]
    assert ("期初余额", "12000.0", "12100.0") in [(c.label, c.old, c.new) for c in changed.fields]
    assert ledger.updated == "2014-01-20"
    assert [r.kind for r in h[f"{VILLAGE}/old-rule.md"].revisions] == ["added", "withdrawn"]
    assert h[f"{VILLAGE}/old-rule.md"].revisions[-1].reason == "已被新规定代替"
    assert [r.kind for r in h[f"{VILLAGE}/list.md"].revisions] == ["added", "removed"]
    land = h[f"{BUREAU}/land.md"]
    assert land.deleted and land.revisions[-1].kind == "deleted" and land.revisions[-1].date == "2014-03-05"


def test_record_page_shows_dates_and_field_level_revisions(story):
    *_, site = story
    html = page(site, "village/cun/ledger-2013-12")
    assert "发布日期：2014-01-08" in html and "最后更新：2014-01-20" in html
    assert "修订说明：更正期初余额，上月结转数录入有误" in html
    assert "「期初余额」：12000.0 → 12100.0" in html
    revisions = html[html.index('id="revisions"') :]
    assert revisions.index("2014-03-01") < revisions.index("2014-01-20") < revisions.index("首次公开")  # newest first


def test_withdrawn_record_keeps_its_content_under_a_notice(story):
    *_, site = story
    html = page(site, "village/cun/old-rule")
    assert "本信息已于 2014-02-10 撤回" in html and "撤回原因：已被新规定代替" in html
    assert "正文。" in html


def test_removed_record_is_a_tombstone_without_its_content(story):
    *_, site = story
    html = page(site, "village/cun/list")
    assert "本信息的内容已于 2014-02-15 删除" in html and "误登个人信息" in html
    assert "410102199001011234" not in html  # neither the body nor the revision diff shows it
    assert "（内容已删除）" not in html


def test_deleted_record_keeps_a_tombstone_listed_for_inspectors(story):
    *_, site = story
    html = page(site, "government/ju/land")
    assert "从公开目录中删除" in html and "关于土地整治项目的公告" in html
    changes = page(site, "changes")
    assert "未按规定删除的记录（1）" in changes
    assert "../government/ju/land/" in changes


def test_changes_page_is_newest_first_and_grouped_by_month(story):
    *_, site = story
    html = page(site, "changes")
    months = [html.index(m) for m in ("2014年3月", "2014年2月", "2014年1月")]
    assert months == sorted(months)
    assert "更正期初余额" in html and "已被新规定代替" in html


def test_feed_is_valid_atom_with_every_revision(story):
    root, _, project, site = story
    tree = ET.parse(site / "demo" / "changes.xml").getroot()
    assert tree.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert tree.find(f"{ATOM}{tag}") is not None
    entries = tree.findall(f"{ATOM}entry")
    n = sum(len(h.revisions) for h in record_histories(project, root).values())
    assert len(entries) == n
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == len(ids)
    for e in entries:
        assert e.find(f"{ATOM}updated").text.startswith("2014-")
        assert e.find(f"{ATOM}link").get("href").startswith("http")


def test_check_base_rejects_a_field_change_without_a_note(story):
    root, shas, project, _ = story
    repo_now = subprocess.run(["git", "-C", str(root), "stash", "list"], capture_output=True, text=True)
    assert repo_now.returncode == 0
    git(root, "checkout", "-q", shas["unnoted"])
    try:
        found = check_against(check(root), shas["noted"])
    finally:
        git(root, "checkout", "-q", "main")
    assert [(f.code, f.file) for f in found] == [("history-change-note-missing", f"{VILLAGE}/meeting.md")]
    assert "标题" in found[0].message


def test_check_base_accepts_notes_withdrawals_and_typo_fixes(story):
    root, shas, _, _ = story
    for before, after in (("added", "noted"), ("unnoted", "withdrawn"), ("withdrawn", "removed"), ("removed", "renamed")):
        git(root, "checkout", "-q", shas[after])
        try:
            assert check_against(check(root), shas[before]) == [], after
        finally:
            git(root, "checkout", "-q", "main")


def test_body_typo_needs_no_note_but_a_rewrite_does(story, tmp_path):
    root, *_ = story
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    path = clone / VILLAGE / "meeting.md"
    text = path.read_text("utf-8")
    path.write_text(text.replace("正文。", "正文"), "utf-8")
    assert check_against(check(clone), "HEAD") == []
    path.write_text(text.replace("正文。", "会议定于三月五日召开。\n议题：村级道路维修。\n请各户派代表参加。\n"), "utf-8")
    found = check_against(check(clone), "HEAD")
    assert [f.code for f in found] == ["history-change-note-missing"] and "正文" in found[0].message


def test_check_base_rejects_deleting_a_published_record(story):
    root, shas, _, _ = story
    result = cli(root, "check", "--base", shas["renamed"])
    assert result.returncode == 1
    assert "history-deleted" in result.stdout and f"{BUREAU}/land.md" in result.stdout
    assert "已发布的记录" in result.stdout


def test_force_push_over_a_published_record_is_caught(story, tmp_path):
    root, shas, _, _ = story
    clone = tmp_path / "forced"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    git(clone, "reset", "-q", "--hard", shas["added"])
    (clone / VILLAGE / "list.md").unlink()  # the history is rewritten without the record
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "--amend", "-m", "重写历史", date="2014-01-08T10:00:00+08:00")
    found = check_against(check(clone), shas["removed"])
    assert ("history-deleted", f"{VILLAGE}/list.md") in [(f.code, f.file) for f in found]


def test_diff_between_dates_lists_each_kind_per_unit(story):
    root, *_ = story
    result = cli(root, "diff", "2014-01-10", "2014-03-10", "--format", "json")
    assert result.returncode == 0, result.stderr
    kinds = {d["path"].rsplit("/", 1)[1]: d["kind"] for d in json.loads(result.stdout)}
    assert kinds == {
        "ledger-2013-12.md": "renamed",
        "meeting.md": "changed",
        "old-rule.md": "withdrawn",
        "list.md": "removed",
        "land.md": "deleted",
    }
    text = cli(root, "diff", "2014-01-10", "2014-01-25").stdout
    assert "示范村村民委员会" in text and "期初余额：12000.0 → 12100.0" in text and "修订说明：更正期初余额" in text


def test_diff_against_an_unknown_revision_is_a_clear_error(story):
    root, *_ = story
    result = cli(root, "diff", "no-such-branch", "HEAD")
    assert result.returncode == 2 and "找不到版本" in result.stderr and "Traceback" not in result.stderr


def test_as_of_builds_the_sites_as_they_stood(story, tmp_path):
    root, *_ = story
    out = tmp_path / "then"
    result = cli(root, "build", "--as-of", "2014-01-10", "--site-dir", str(out), "--no-search")
    assert result.returncode == 0, result.stderr
    html = (out / "demo" / "village" / "cun" / "ledger" / "index.html").read_text("utf-8")
    assert "12,000.00" in html and "12,100.00" not in html
    assert not (out / "demo" / "village" / "cun" / "ledger-2013-12").exists()
    assert "撤回" not in (out / "demo" / "village" / "cun" / "old-rule" / "index.html").read_text("utf-8")


def test_shallow_clone_stops_with_a_message(story, tmp_path):
    root, *_ = story
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(shallow)], check=True)
    result = cli(shallow, "check")
    assert result.returncode == 1
    assert "history-shallow" in result.stdout and "fetch-depth: 0" in result.stdout
    build = cli(shallow, "build", "--site-dir", str(tmp_path / "s"), "--no-search")
    assert build.returncode == 1 and "浅克隆" in build.stderr


def test_a_moved_record_keeps_its_old_address(story):
    *_, site = story
    html = page(site, "village/cun/ledger")
    assert "本信息已移至新地址" in html and 'href="../ledger-2013-12/"' in html


def test_revision_history_never_brings_back_a_number_masked_since(repo):
    from gongkai.changes import FieldChange, RecordHistory, Revision
    from gongkai.pages import CountySite

    project = repo.check()
    site = CountySite(project, project.counties["demo"], {})
    change = FieldChange(("contact",), "联系人", "王会计 410102199001011234", "王会计 410102********1234")
    rev = Revision("a" * 40, "2014-01-20", "遮挡身份证号", "changed", f"{VILLAGE}/x.md", ["误登 410102199001011234，已遮挡"], [change])
    html = site.revisions_html(RecordHistory(f"{VILLAGE}/x.md", [rev]), {})
    assert "410102199001011234" not in html
    assert "410102********1234" in html


def test_each_unit_has_its_own_feed_of_its_own_records(story):
    root, _, project, site = story
    histories = record_histories(project, root)
    for unit, folder in (("cun", VILLAGE), ("ju", BUREAU)):
        tree = ET.parse(site / "demo" / "units" / unit / "changes.xml").getroot()
        assert tree.find(f"{ATOM}title").text.endswith("公开信息更新")
        entries = tree.findall(f"{ATOM}entry")
        own = sum(len(h.revisions) for path, h in histories.items() if path.startswith(folder + "/"))
        assert own and len(entries) == own
        category = folder.split("/")[1]
        assert all(f"/demo/{category}/{unit}/" in e.find(f"{ATOM}link").get("href") for e in entries)
    page = (site / "demo" / "units" / "cun" / "index.html").read_text("utf-8")
    assert '<a href="changes.xml">订阅本单位的更新（Atom）</a>' in page


def test_a_date_before_the_first_commit_means_empty(story, tmp_path):
    root, *_ = story
    result = cli(root, "diff", "2010-01-01", "2014-01-09", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert sorted(d["kind"] for d in json.loads(result.stdout)) == ["added"] * 5
    result = cli(root, "build", "--as-of", "2010-01-01", "--site-dir", str(tmp_path / "then"), "--no-search")
    assert result.returncode == 0 and "还没有任何内容" in result.stderr and not (tmp_path / "then").exists()


def test_a_time_of_day_is_read_in_china_time(story):
    from gongkai import history

    root, shas, *_ = story  # each commit was made at 10:00 +08:00
    assert history.resolve(root, "2014-01-20 09:59") == shas["added"]
    assert history.resolve(root, "2014-01-20 10:00") == shas["noted"]
    assert history.resolve(root, "2014-01-20T10:00:00") == shas["noted"]
    assert history.resolve(root, "2014-01-20") == shas["noted"]  # the whole day, in China
    assert history.resolve(root, "2014-01-19") == shas["added"]


def test_an_impossible_date_is_a_clear_error(story):
    root, *_ = story
    for bad in ("2014-02-30", "2014-01-20 25:00"):
        result = cli(root, "diff", bad)
        assert result.returncode == 2 and "有效的日期" in result.stderr and "Traceback" not in result.stderr


def test_diff_base_before_history_lists_everything(story):
    root, *_ = story
    result = cli(root, "diff", "--base", "2010-01-01", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "本次修改涉及 4 条记录：新增 4 条。" in result.stdout  # the four records still there


def test_a_body_edit_of_whitespace_or_a_few_characters_is_a_typo_fix_and_a_number_is_not():
    """Revision.typo, judged from the two versions as the history reads them: what 统计 does
    not count against a unit (an edit in place, without a note, that is_typo allows)."""
    from gongkai.changes import revision

    meta = {"title": "低保名单", "published": "2014-01-08"}

    def typo(old: str, new: str) -> bool:
        return revision(None, "village", (meta, old), (dict(meta), new), sha="0" * 40, date="2014-01-09", message="改", path="p.md").typo

    assert typo("救助困难户8户。\n", "救助困难户8户。\n\n")  # a blank line at the end
    assert typo("救助困难户8户，", "救助困难户8户。")
    assert not typo("救助困难户8户。", "救助困难户9户。")  # a number changed: needs a note


def test_characters_xml_cannot_hold_never_break_the_feeds(tmp_path):
    """An old version may hold a control character (written as an escape: the check names it
    today, history keeps what was); lxml refused the whole feed, and so the build."""
    import xml.dom.minidom

    repo = buildable(make_repo(tmp_path / "repo"))
    root = repo.root
    git(root, "init", "-q", "-b", "main")
    repo.record("meeting.md", notice('"关于召开\\e村民\\0代表会议的通知"'))
    commit(root, "首次公开", "2014-01-08")
    (root / VILLAGE / "meeting.md").unlink()
    commit(root, "删除", "2014-01-20")
    assert build_all(root, tmp_path / "site", search=False) == 0
    feed = (tmp_path / "site" / "demo" / "changes.xml").read_bytes()
    xml.dom.minidom.parseString(feed)  # well-formed
    assert "关于召开村民代表会议的通知".encode() in feed
