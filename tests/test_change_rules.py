"""check --base: change notes are append-only, figures in a body are never a typo, findings stand at the changed line."""

from __future__ import annotations

import pytest
from test_history import commit
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, VILLAGE, notice

from gongkai import check
from gongkai.changes import check_against, is_typo

NOTED = BALANCED_LEDGER.replace("---\n本月", "changes:\n  - {date: 2014-01-20, note: 更正期初余额}\n---\n本月")


@pytest.fixture
def published(repo):
    """A repository where a noted ledger and a notice with figures in its body have landed."""
    git(repo.root, "init", "-q", "-b", "main")
    repo.record("ledger.md", NOTED)
    repo.record("aid.md", notice("困难户救助公示").replace("正文。", "本月救助困难户8户，每户200元。\n经村委会研究决定。\n"))
    commit(repo.root, "发布", "2014-01-20")
    return repo


def against_head(repo):
    """The findings of check --base HEAD for the working tree."""
    return check_against(check(repo.root), "HEAD")


def test_editing_a_published_note_while_changing_a_figure_is_refused(published):
    published.record("ledger.md", NOTED.replace("opening_balance: 12000.00", "opening_balance: 12100.00")
                     .replace("closing_balance: 15000.51", "closing_balance: 15100.51")
                     .replace("note: 更正期初余额", "note: 更正期初余额和期末余额"))
    found = against_head(published)
    assert [f.code for f in found] == ["history-change-note-altered"]
    assert "更正期初余额" in found[0].message and found[0].field == "changes[0]"
    assert found[0].line == NOTED.splitlines().index("  - {date: 2014-01-20, note: 更正期初余额}") + 1


def test_deleting_a_published_note_is_refused(published):
    published.record("ledger.md", BALANCED_LEDGER)
    found = against_head(published)
    assert [(f.code, f.file) for f in found] == [("history-change-note-altered", f"{VILLAGE}/ledger.md")]
    assert "2014-01-20" in found[0].message and "不能改动" in found[0].message


def test_a_new_note_after_the_old_ones_explains_a_change(published):
    published.record("ledger.md", NOTED.replace("opening_balance: 12000.00", "opening_balance: 12100.00")
                     .replace("closing_balance: 15000.51", "closing_balance: 15100.51")
                     .replace("---\n本月", "  - {date: 2014-02-01, note: 再次更正期初余额}\n---\n本月"))
    assert against_head(published) == []


def test_repeating_an_old_note_word_for_word_is_not_a_new_note(published):
    published.record("ledger.md", NOTED.replace("opening_balance: 12000.00", "opening_balance: 12100.00")
                     .replace("closing_balance: 15000.51", "closing_balance: 15100.51")
                     .replace("---\n本月", "  - {date: 2014-01-20, note: 更正期初余额}\n---\n本月"))
    assert [f.code for f in against_head(published)] == ["history-change-note-missing"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("救助困难户8户，每户200元", "救助困难户18户，每户900元"),
        ("救助困难户8户，每户200元", "救助困难户8户，每户20元"),
        ("救助困难户８户，每户２００元", "救助困难户１８户，每户２００元"),
        ("救助困难户八户，每户二百元", "救助困难户十八户，每户二百元"),
        ("救助困难户8户，每户200元", "救助困难户8户，每户2000元"),
        ("共计1,200元", "共计1,900元"),
    ],
)
def test_a_body_edit_that_changes_a_figure_is_never_a_typo(old, new):
    assert not is_typo(f"{old}。\n其他不变。", f"{new}。\n其他不变。")


def test_a_typo_fix_that_leaves_the_figures_is_still_free():
    assert is_typo("救助困难户8户，每护200元。", "救助困难户8户，每户200元。")
    assert is_typo("救助困难户８户。", "救助困难户8户。")  # the same figure in ASCII digits


def test_figures_changed_in_the_body_need_a_note_at_the_changed_line(published):
    path = published.record("aid.md", notice("困难户救助公示").replace("正文。", "本月救助困难户18户，每户900元。\n经村委会研究决定。\n"))
    found = against_head(published)
    assert [(f.code, f.file, f.field) for f in found] == [("history-change-note-missing", path, "body")]
    text = (published.root / path).read_text("utf-8").splitlines()
    assert found[0].line == text.index("本月救助困难户18户，每户900元。") + 1


def test_a_changed_amount_without_a_note_is_reported_at_its_line(published):
    changed = NOTED.replace("  - {subject: 办公费, amount: 199.99}", "  - {subject: 办公费, amount: 299.99}").replace(
        "expense_total: 3199.99", "expense_total: 3299.99").replace("closing_balance: 15000.51", "closing_balance: 14900.51")
    path = published.record("ledger.md", changed)
    found = against_head(published)
    assert [(f.code, f.file) for f in found] == [("history-change-note-missing", path)]
    lines = changed.splitlines()
    # The first changed field, in the order of the file; the message names every one.
    assert (found[0].line, found[0].field) == (lines.index("  - {subject: 办公费, amount: 299.99}") + 1, "expense[1].amount")
    assert all(name in found[0].message for name in ("金额", "支出合计", "期末余额"))


def test_masking_a_number_in_a_note_or_removing_the_content_may_rewrite_notes(repo):
    git(repo.root, "init", "-q", "-b", "main")
    leaked = NOTED.replace("note: 更正期初余额", "note: 更正期初余额（经办人 13800138000）")
    repo.record("ledger.md", leaked)
    commit(repo.root, "发布", "2014-01-20")
    repo.record("ledger.md", leaked.replace("13800138000", "138****8000"))
    assert check_against(check(repo.root), "HEAD") == []
    removed = BALANCED_LEDGER.replace("---\n本月", "removed: {date: 2014-02-01, reason: 误登个人信息}\n---\n本月")
    repo.record("ledger.md", removed)
    assert check_against(check(repo.root), "HEAD") == []


def test_a_new_note_placed_before_the_published_ones_is_refused(published):
    # Append-only: the published notes stay first and in order, or 修订记录 misreads history.
    published.record("ledger.md", NOTED.replace("opening_balance: 12000.00", "opening_balance: 12100.00")
                     .replace("closing_balance: 15000.51", "closing_balance: 15100.51")
                     .replace("changes:\n", "changes:\n  - {date: 2014-02-01, note: 再次更正期初余额}\n"))
    found = against_head(published)
    assert [(f.code, f.field) for f in found] == [("history-change-note-order", "changes[0]")]
    assert found[0].line == NOTED.splitlines().index("changes:") + 2 and "最后" in found[0].hint


def test_a_note_dated_before_the_record_was_published_is_refused(published):
    published.record("ledger.md", NOTED.replace("opening_balance: 12000.00", "opening_balance: 12100.00")
                     .replace("closing_balance: 15000.51", "closing_balance: 15100.51")
                     .replace("---\n本月", "  - {date: 2013-11-02, note: 再次更正期初余额}\n---\n本月"))
    found = [f for f in published.findings(f"{VILLAGE}/ledger.md") if f.code == "record-dates-order"]
    assert [(f.field, f.line) for f in found] == [("changes[1].date", NOTED.splitlines().index("---", 1) + 1)]
    assert "2013-11-02" in found[0].message and "2014-01-08" in found[0].message


def test_a_published_withdrawal_reason_cannot_be_rewritten_without_a_note(repo):
    git(repo.root, "init", "-q", "-b", "main")
    withdrawn = notice(extra="withdrawn: {date: 2014-02-01, reason: 通知内容已过时}\n")
    repo.record("a.md", withdrawn)
    commit(repo.root, "撤回", "2014-02-01")
    repo.record("a.md", withdrawn.replace("通知内容已过时", "随便写的理由"))
    found = against_head(repo)
    assert [(f.code, f.field, f.line) for f in found] == [("history-change-note-missing", "withdrawn", 5)]
    noted = withdrawn.replace("通知内容已过时", "原因写错，更正").replace("---\n正文", "changes:\n  - {date: 2014-02-03, note: 更正撤回原因}\n---\n正文")
    repo.record("a.md", noted)
    assert against_head(repo) == []
