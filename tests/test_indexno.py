"""indexno: 索引号 <unit code>/<year>-<5 digits>, stable, following git order and explicit numbers."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from tinyrepo import BUREAU, VILLAGE, notice

from gongkai import history

VILLAGE_CODE = "54411099MF0000101X"


def numbers(project) -> dict[str, str]:
    """Record file name -> its 索引号."""
    return {r.path.rsplit("/", 1)[1]: r.index_no for r in project.records}


def git(root, *args: str, date: str | None = None) -> None:
    """Run git in the repository with a fixed identity and, when given, a back-dated commit time."""
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    env.update(GIT_AUTHOR_NAME="示范村", GIT_AUTHOR_EMAIL="cun@example.org", GIT_COMMITTER_NAME="示范村", GIT_COMMITTER_EMAIL="cun@example.org")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", *args], check=True, capture_output=True, env=env)


def test_generated_number_has_the_unit_code_the_year_and_five_digits(repo):
    repo.record("a.md", notice())
    repo.record("b.md", notice(published="2013-12-20"), BUREAU)
    found = numbers(repo.check())
    assert found == {"a.md": f"{VILLAGE_CODE}/2014-00001", "b.md": "005799001/2013-00001"}
    assert all(re.fullmatch(r"[0-9A-Z]{9,18}/\d{4}-\d{5}", n) for n in found.values())
    assert all(r.index_no_generated for r in repo.check().records)


def test_invalid_record_gets_no_generated_number(repo):
    repo.record("a.md", notice(published="2014-1-8"))
    assert numbers(repo.check()) == {"a.md": ""}


def test_without_git_serials_follow_publication_date_then_path(repo):
    repo.record("a.md", notice(published="2014-03-01"))
    repo.record("b.md", notice(published="2014-01-08"))
    repo.record("c.md", notice(published="2014-01-08"))
    assert numbers(repo.check()) == {
        "a.md": f"{VILLAGE_CODE}/2014-00003",
        "b.md": f"{VILLAGE_CODE}/2014-00001",
        "c.md": f"{VILLAGE_CODE}/2014-00002",
    }


def test_each_year_has_its_own_serials(repo):
    repo.record("a.md", notice(published="2013-12-30"))
    repo.record("b.md", notice(published="2014-01-02"))
    assert numbers(repo.check()) == {"a.md": f"{VILLAGE_CODE}/2013-00001", "b.md": f"{VILLAGE_CODE}/2014-00001"}


def test_serials_follow_the_highest_number_a_unit_wrote(repo):
    repo.record("a.md", notice(extra=f"index_no: {VILLAGE_CODE}/2014-00007\n"))
    repo.record("b.md", notice())
    repo.record("c.md", notice(published="2014-02-01"))
    project = repo.check()
    assert project.findings == []
    assert numbers(project) == {
        "a.md": f"{VILLAGE_CODE}/2014-00007",
        "b.md": f"{VILLAGE_CODE}/2014-00008",
        "c.md": f"{VILLAGE_CODE}/2014-00009",
    }
    assert [r.index_no_generated for r in project.records] == [False, True, True]


def test_serials_follow_a_written_number_without_the_hyphen(repo):
    # _record.yml accepts 005723040/201400005 as well as 005723040/2014-00005: the same 索引号.
    repo.record("a.md", notice(extra=f"index_no: {VILLAGE_CODE}/201400005\n"))
    repo.record("b.md", notice())
    project = repo.check()
    assert project.findings == []
    assert numbers(project)["b.md"] == f"{VILLAGE_CODE}/2014-00006"


def test_numbers_are_stable_from_one_check_to_the_next(repo):
    for day in range(1, 6):
        repo.record(f"n{day}.md", notice(published=f"2014-01-0{day}"))
    assert numbers(repo.check()) == numbers(repo.check())


@pytest.fixture
def git_repo(repo):
    """The test repository as a git checkout."""
    git(repo.root, "init", "-q", "-b", "main")
    return repo


def test_git_order_decides_even_against_publication_dates(git_repo):
    root = git_repo.root
    # B lands first although A says it was published earlier; A must not take B's number.
    git_repo.record("b.md", notice(published="2014-01-20"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "B", date="2014-01-20T10:00:00+08:00")
    git_repo.record("a.md", notice(published="2014-01-05"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A", date="2014-02-01T10:00:00+08:00")
    assert numbers(git_repo.check()) == {"a.md": f"{VILLAGE_CODE}/2014-00002", "b.md": f"{VILLAGE_CODE}/2014-00001"}


def test_record_not_yet_committed_comes_after_every_committed_one(git_repo):
    root = git_repo.root
    git_repo.record("b.md", notice(published="2014-01-20"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "B", date="2014-01-20T10:00:00+08:00")
    git_repo.record("a.md", notice(published="2014-01-05"))
    before = numbers(git_repo.check())
    assert before == {"a.md": f"{VILLAGE_CODE}/2014-00002", "b.md": f"{VILLAGE_CODE}/2014-00001"}
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A", date="2014-02-01T10:00:00+08:00")
    assert numbers(git_repo.check()) == before


def test_first_landed_reads_commit_times_of_added_files(git_repo):
    root = git_repo.root
    git_repo.record("b.md", notice())
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "B", date="2014-01-20T10:00:00+08:00")
    git_repo.write(f"{VILLAGE}/b.md", notice(title="关于召开村民代表会议的通知（更正）"))
    git(root, "commit", "-q", "-am", "B changed", date="2014-03-01T10:00:00+08:00")
    landed = history.first_landed(root)
    assert landed[f"{VILLAGE}/b.md"] == 1390183200  # 2014-01-20 10:00 +08:00, not the later change
    assert "catalogues/village.yml" not in landed


def test_first_landed_outside_git_is_empty(repo):
    assert history.first_landed(repo.root) == {}
