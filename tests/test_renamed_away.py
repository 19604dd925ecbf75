"""A published record whose path stops being a record's is deleted: check --base says so, the build keeps a tombstone."""

from __future__ import annotations

import os

import pytest
from test_history import cli, commit
from test_indexno import git
from tinyrepo import COUNTY_YML, VILLAGE, buildable, notice

from gongkai import check
from gongkai.changes import check_against, record_histories
from gongkai.site import build_all

OTHER_COUNTY_YML = COUNTY_YML.replace("name: 示范县", "name: 邻县").replace('code: "411099"', 'code: "411098"').replace(
    "54411099MF0000101X", "54411098MF0000101X").replace("005799001", "005798001")


@pytest.fixture
def published(repo):
    """Two counties; the village committee of 示范县 has published one notice."""
    repo.write("content/counties/other.yml", OTHER_COUNTY_YML)
    git(repo.root, "init", "-q", "-b", "main")
    repo.record("meeting.md", notice("关于召开村民代表会议的通知"))
    repo.record("roads.md", notice("关于村级道路维修的公告"))
    commit(repo.root, "发布", "2014-01-08")
    return repo


def move(root, old: str, new: str) -> None:
    (root / new).parent.mkdir(parents=True, exist_ok=True)
    git(root, "mv", old, new)


MEETING = f"{VILLAGE}/meeting.md"
AWAY = {
    "another extension": f"{VILLAGE}/meeting.md.bak",
    "a text file": f"{VILLAGE}/meeting.txt",
    "out of content/": "archive/meeting.md",
    "a category that does not exist": "content/villages/demo/cun/meeting.md",
    "a unit not registered": "content/village/demo/cunn/meeting.md",
    "a folder below the unit": f"{VILLAGE}/old/meeting.md",
    "a case-only rename": f"{VILLAGE}/Meeting.md",
    "a hidden file": f"{VILLAGE}/.meeting.md",
    "another county": "content/village/other/cun/meeting.md",
}


@pytest.mark.parametrize("where", list(AWAY))
def test_a_record_moved_where_no_record_is_published_is_a_deletion(published, where):
    root = published.root
    move(root, MEETING, AWAY[where])
    found = [(f.code, f.file) for f in check_against(check(root), "HEAD")]
    assert ("history-deleted", MEETING) in found, where
    commit(root, "移走", "2014-02-01")
    assert ("history-deleted", MEETING) in [(f.code, f.file) for f in check_against(check(root), "HEAD~1")]


@pytest.mark.parametrize("how", ["emptied", "binary", "no front matter", "symlink"])
def test_a_record_made_unreadable_is_a_deletion(published, how):
    path = published.root / MEETING
    if how == "symlink":
        path.unlink()
        os.symlink("roads.md", path)
    else:
        path.write_bytes({"emptied": b"", "binary": b"\x00\x01\x02PK", "no front matter": "只有正文。\n".encode()}[how])
    found = check_against(check(published.root), "HEAD")
    assert [(f.code, f.file) for f in found] == [("history-deleted", MEETING)]
    assert "关于召开村民代表会议的通知" in found[0].message


def test_a_rename_within_the_unit_is_no_deletion(published):
    move(published.root, MEETING, f"{VILLAGE}/meeting-2014.md")
    assert check_against(check(published.root), "HEAD") == []


def test_the_reported_repro_fails_check_base(published):
    move(published.root, MEETING, f"{VILLAGE}/meeting.md.bak")
    commit(published.root, "x", "2014-02-01")
    result = cli(published.root, "check", "--base", "HEAD~1")
    assert result.returncode == 1
    assert "history-deleted" in result.stdout and MEETING in result.stdout and "meeting.md.bak" in result.stdout


def test_history_ends_a_record_renamed_away_and_starts_one_in_another_county(published):
    root = published.root
    move(root, MEETING, f"{VILLAGE}/meeting.md.bak")
    move(root, f"{VILLAGE}/roads.md", "content/village/other/cun/roads.md")
    commit(root, "移走", "2014-02-01")
    h = record_histories(check(root), root)
    assert h[MEETING].deleted and [r.kind for r in h[MEETING].revisions] == ["added", "deleted"]
    assert f"{VILLAGE}/meeting.md.bak" not in h
    assert h[f"{VILLAGE}/roads.md"].deleted
    assert [r.kind for r in h["content/village/other/cun/roads.md"].revisions] == ["added"]


def test_the_build_keeps_a_tombstone_for_a_record_renamed_away(published, tmp_path):
    root = buildable(published).root
    move(root, MEETING, f"{VILLAGE}/meeting.md.bak")
    move(root, f"{VILLAGE}/roads.md", "content/village/other/cun/roads.md")
    commit(root, "移走", "2014-02-01")
    site = tmp_path / "site"
    assert build_all(root, site, search=False) == 0
    for county, name, title in (("demo", "meeting", "关于召开村民代表会议的通知"), ("demo", "roads", "关于村级道路维修的公告")):
        html = (site / county / "village" / "cun" / name / "index.html").read_text("utf-8")
        assert "从公开目录中删除" in html and title in html
    assert "未按规定删除的记录（2）" in (site / "demo" / "changes" / "index.html").read_text("utf-8")
    moved = (site / "other" / "village" / "cun" / "roads" / "index.html").read_text("utf-8")
    assert "从公开目录中删除" not in moved and "关于村级道路维修的公告" in moved


def test_diff_lists_a_record_renamed_away_as_deleted(published):
    from gongkai.changes import between

    move(published.root, MEETING, f"{VILLAGE}/meeting.md.bak")
    commit(published.root, "x", "2014-02-01")
    found = [(d.kind, d.path) for d in between(None, published.root, "HEAD~1", "HEAD")]
    assert found == [("deleted", MEETING)]
