"""commits: the messages of a change's new commits are checked for personal numbers and markup."""

from __future__ import annotations

from test_indexno import git
from tinyrepo import is_chinese, notice

from gongkai.cli import main
from gongkai.commits import check_messages

ID_NUMBER = "11010519491231002X"


def branch(repo, message: str) -> None:
    """main with one record, then a branch whose one commit carries `message`."""
    repo.record("a.md", notice())
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "start 13812345678")  # already on main: not this change's doing
    git(repo.root, "checkout", "-q", "-b", "work")
    repo.record("b.md", notice("新通知"))
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", message)


def test_an_id_number_and_a_mobile_in_a_new_commit_message_are_errors(repo):
    branch(repo, f"新增名单\n\n联系人 张三 身份证 {ID_NUMBER}\n电话 13912345678")
    found = check_messages(repo.root, "main")
    assert [(f.code, f.line, f.severity) for f in found] == [("pii-id-number", 3, "error"), ("pii-mobile", 4, "error")]
    assert all(f.file.startswith("提交 ") and len(f.file) == 13 for f in found)
    assert all(ID_NUMBER not in f.message + f.hint and "13912345678" not in f.message + f.hint for f in found)
    assert "110105********002X" in found[0].message
    assert is_chinese(found[0].hint) and "git commit --amend" in found[0].hint


def test_markup_in_a_commit_message_is_an_error(repo):
    branch(repo, 'Update <img src=x onerror="alert(1)">')
    [f] = check_messages(repo.root, "main")
    assert (f.code, f.line) == ("unsafe-markup", 1)
    assert "onerror" in f.message


def test_clean_messages_and_old_commits_pass(repo):
    branch(repo, "村务公开：2014年1月通知")
    assert check_messages(repo.root, "main") == []


def test_check_base_fails_on_the_message(repo, capsys):
    branch(repo, f"名单 {ID_NUMBER}")
    assert main(["check", "--root", str(repo.root), "--base", "main"]) == 1
    out = capsys.readouterr().out
    assert "提交说明中有未遮挡的身份证号码" in out and ID_NUMBER not in out


def test_commit_ids_in_a_message_are_not_taken_for_numbers(repo):
    # 40 hex characters whose digits include 13812345678: a commit id, not a mobile number.
    branch(repo, "Revert \"通知\"\n\nThis reverts commit a13812345678b0c0d0e0f0a0b0c0d0e0f0a0b0c0d.")
    assert check_messages(repo.root, "main") == []


def test_a_mobile_glued_to_hex_letters_is_no_commit_id(repo):
    # Only a whole id or one the repository knows is blanked out; "13912345678abc" is neither.
    branch(repo, "更新名单 13912345678abc")
    assert [(f.code, f.line) for f in check_messages(repo.root, "main")] == [("pii-mobile", 1)]


def test_a_short_id_the_repository_knows_is_still_not_a_number(repo):
    repo.record("a.md", notice())
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "start")
    git(repo.root, "checkout", "-q", "-b", "work")
    import subprocess

    sha = subprocess.run(["git", "-C", str(repo.root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    repo.record("b.md", notice("新通知"))
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", f"接着 {sha[:12]} 补充")
    assert check_messages(repo.root, "main") == []


def test_a_merge_commit_message_is_checked_too(repo):
    branch(repo, "新增通知")
    git(repo.root, "checkout", "-q", "main")
    repo.record("c.md", notice("另一条通知"))
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "main moves on")
    git(repo.root, "checkout", "-q", "work")
    git(repo.root, "merge", "-q", "--no-ff", "main", "-m", f"合并 联系人身份证 {ID_NUMBER}")
    found = check_messages(repo.root, "main")
    assert [(f.code, f.line) for f in found] == [("pii-id-number", 1)]
