"""A published record erased from history by a force-push keeps a page, carried by the manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, MAIN, buildable, make_repo, notice

from gongkai import manifest
from gongkai.site import build_all

NOTICE = "关于召开村民代表会议讨论土地流转的通知"
LOST_PAGE = "village/cun/meeting/index.html"


def _lost(site: Path) -> list[dict]:
    return json.loads((site / "demo" / "manifest.json").read_text("utf-8"))["lost"]


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """Publish two records, then rewrite main so one of them was never there; build again."""
    repo = make_repo(tmp_path_factory.mktemp("lost") / "repo")
    root = repo.root
    buildable(repo)
    git(root, "init", "-q", "-b", "main")
    repo.record("ledger.md", BALANCED_LEDGER)
    repo.record("meeting.md", notice(NOTICE, "2014-01-10"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "村务公开", date="2014-01-10T10:00:00+08:00")
    site = tmp_path_factory.mktemp("site") / "site"
    assert build_all(root, site) == 0
    published = (site / "demo" / LOST_PAGE).read_text("utf-8")
    # The force-push: main is replaced by a history in which meeting.md never existed.
    git(root, "checkout", "-q", "--orphan", "rewritten")
    (root / "content/village/demo/cun/meeting.md").unlink()
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "村务公开", date="2014-01-10T10:00:00+08:00")
    git(root, "branch", "-q", "-D", "main")
    git(root, "branch", "-q", "-m", "main")
    assert build_all(root, site, previous_from=str(site)) == 0  # as published: with the search index, which verify compares
    return {"repo": repo, "root": root, "site": site, "published": published}


def test_the_erased_record_keeps_a_page_that_says_what_happened(story):
    assert NOTICE in story["published"]
    page = (story["site"] / "demo" / LOST_PAGE).read_text("utf-8")
    assert f"【已删除】{NOTICE}" in page and "改写历史（强制推送）" in page
    assert "content/village/demo/cun/meeting.md" in page and "2014-01-10" in page and "示范村村民委员会" in page
    assert "正文。" not in page.split('class="md-content"')[1]  # the text itself is not republished
    changes = (story["site"] / "demo" / "changes" / "index.html").read_text("utf-8")
    assert "修订历史中消失的记录（1）" in changes and NOTICE in changes
    (entry,) = _lost(story["site"])
    assert (entry["path"], entry["url"], entry["title"]) == ("content/village/demo/cun/meeting.md", "village/cun/meeting/", NOTICE)


def test_the_page_outlives_later_builds(story, tmp_path):
    repo, root = story["repo"], story["root"]
    site = Path(shutil.copytree(story["site"], tmp_path / "site"))
    repo.record("later.md", notice("关于新一届村务监督委员会成员的公告", "2014-02-10"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "监督委员会", date="2014-02-10T10:00:00+08:00")
    try:
        assert build_all(root, site, search=False, previous_from=str(site)) == 0
        assert [e["path"] for e in _lost(site)] == ["content/village/demo/cun/meeting.md"]
        assert f"【已删除】{NOTICE}" in (site / "demo" / LOST_PAGE).read_text("utf-8")
        # A build on a fresh machine gets the published manifests passed in (build --previous).
        fresh = tmp_path / "fresh"
        assert build_all(root, fresh, search=False, previous=manifest.previous_manifests(str(site), ["demo"])) == 0
        assert (fresh / "demo" / LOST_PAGE).exists()
        # Without them it assumes nothing (a preview in the same folder is no publication).
        blind = tmp_path / "blind"
        assert build_all(root, blind, search=False) == 0
        assert not (blind / "demo" / LOST_PAGE).exists()
    finally:
        git(root, "reset", "-q", "--hard", "HEAD~1")


def test_verify_rebuilds_the_page_and_says_it_rests_on_the_manifest(story):
    found = manifest.verify(story["root"], str(story["site"]))
    assert [(d.kind, d.path) for d in found] == [(manifest.LOST, "content/village/demo/cun/meeting.md")]
    result = subprocess.run(
        [sys.executable, str(MAIN / "build.py"), "--root", str(story["root"]), "verify", str(story["site"])],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "历史中消失" in result.stdout and "另有 1 条记录只有清单证明曾经发布" in result.stdout


def test_a_restored_record_is_a_record_again(story, tmp_path):
    repo, root = story["repo"], story["root"]
    site = Path(shutil.copytree(story["site"], tmp_path / "site"))
    repo.record("meeting.md", notice(NOTICE, "2014-01-10"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "恢复", date="2014-03-01T10:00:00+08:00")
    try:
        assert build_all(root, site, search=False, previous_from=str(site)) == 0
        assert _lost(site) == []
        page = (site / "demo" / LOST_PAGE).read_text("utf-8")
        assert "【已删除】" not in page and "正文。" in page
    finally:
        git(root, "reset", "-q", "--hard", "HEAD~1")


def test_a_tampered_previous_manifest_can_neither_plant_pages_nor_stop_the_build(story, tmp_path):
    site = Path(shutil.copytree(story["site"], tmp_path / "site"))
    m = json.loads((site / "demo" / "manifest.json").read_text("utf-8"))
    m["lost"] += [
        {"path": "content/x.md", "url": "../../evil/", "title": "x"},
        {"path": "content/village/demo/cun/y.md", "url": "index/", "title": "y"},
        {"path": "content/village/demo/../../z.md", "url": "village/cun/../../z/", "title": "z"},
        {"path": 'content/village/demo/cun/x"onmouseover="alert(1)".md', "url": 'village/cun/x"onmouseover="alert(1)"/'},
        {"path": "content/village/demo/page/2.md", "url": "village/page/2/"},  # the category's second page
        {"path": "content/units/demo/cun/changes.md", "url": "units/cun/changes.xml/"},
        {"url": "village/cun/nopath/"},
        {"path": 12345},
        "not an entry",
    ]
    (site / "demo" / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), "utf-8")
    assert build_all(story["root"], site, search=False, previous_from=str(site)) == 0
    lost = _lost(site)
    # y.md has a record's shape: its page is where a record's page would be, with its address derived from the path.
    assert [(e["path"], e["url"]) for e in lost] == [
        ("content/village/demo/cun/meeting.md", "village/cun/meeting/"), ("content/village/demo/cun/y.md", "village/cun/y/")
    ]
    assert not (tmp_path / "evil").exists() and not (site / "z").exists()
    changes = (site / "demo" / "changes" / "index.html").read_text("utf-8")
    assert "onmouseover" not in changes


def test_a_manifest_of_uncommitted_files_is_not_taken_for_a_publication(story, tmp_path):
    site = Path(shutil.copytree(story["site"], tmp_path / "site"))
    m = json.loads((site / "demo" / "manifest.json").read_text("utf-8"))
    m["dirty"] = True
    m["lost"] = []
    m["records"].append({"path": "content/village/demo/cun/draft.md", "url": "village/cun/draft/", "title": "草稿"})
    (site / "demo" / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), "utf-8")
    assert build_all(story["root"], site, search=False, previous_from=str(site)) == 0
    assert _lost(site) == [] and not (site / "demo" / "village/cun/draft").exists()


def test_an_unreadable_previous_manifest_stops_the_build_and_keeps_the_site(story, tmp_path):
    site = Path(shutil.copytree(story["site"], tmp_path / "site"))
    (site / "demo" / "manifest.json").write_text("{truncated", "utf-8")
    before = (site / "demo" / LOST_PAGE).read_bytes()
    result = subprocess.run(
        [sys.executable, str(MAIN / "build.py"), "--root", str(story["root"]), "build", "--no-search",
         "--site-dir", str(site), "--previous", str(site)],
        capture_output=True, text=True,
    )
    assert result.returncode == 1 and "不是有效的 JSON" in result.stderr and "Traceback" not in result.stderr
    assert (site / "demo" / LOST_PAGE).read_bytes() == before


def test_build_previous_reads_the_published_portal(story, tmp_path):
    fresh = tmp_path / "fresh"
    result = subprocess.run(
        [sys.executable, str(MAIN / "build.py"), "--root", str(story["root"]), "build", "--no-search",
         "--site-dir", str(fresh), "--previous", str(story["site"])],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (fresh / "demo" / LOST_PAGE).exists()
    assert "1 条上次已发布的记录在内容和修订历史中都已没有" in result.stderr
