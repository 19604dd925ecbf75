"""One record per period: the record that arrived later is the duplicate, at its period line."""

from __future__ import annotations

from test_history import commit
from test_indexno import git
from tinyrepo import BALANCED_LEDGER

# Published earlier and sorting first by path: neither may decide which record is the duplicate.
EARLIER = BALANCED_LEDGER.replace("published: 2014-01-08", "published: 2014-01-05")
PERIOD_LINE = BALANCED_LEDGER.splitlines().index("period: 2013-12") + 1


def duplicates(repo):
    return [(f.file, f.line, f.field, f.message) for f in repo.findings() if f.code == "record-period-duplicate"]


def test_a_new_record_is_the_duplicate_of_the_published_one(repo):
    git(repo.root, "init", "-q", "-b", "main")
    published = repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    commit(repo.root, "发布", "2014-01-08")
    new = repo.record("a-ledger.md", EARLIER)
    assert duplicates(repo) == [(new, PERIOD_LINE, "period", f"「村级财务收支公开」2013-12 已由 {published} 公开过")]


def test_the_record_that_landed_later_in_git_is_the_duplicate(repo):
    git(repo.root, "init", "-q", "-b", "main")
    published = repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    commit(repo.root, "发布", "2014-01-08")
    later = repo.record("a-ledger.md", EARLIER)
    commit(repo.root, "又发布一次", "2014-02-01")
    assert duplicates(repo) == [(later, PERIOD_LINE, "period", f"「村级财务收支公开」2013-12 已由 {published} 公开过")]


def test_a_renamed_record_keeps_its_place_in_line(repo):
    git(repo.root, "init", "-q", "-b", "main")
    repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    commit(repo.root, "发布", "2014-01-08")
    later = repo.record("b-ledger.md", EARLIER)
    commit(repo.root, "又发布一次", "2014-02-01")
    git(repo.root, "mv", "content/village/demo/cun/ledger-2013-12.md", "content/village/demo/cun/z-ledger.md")
    commit(repo.root, "改名", "2014-03-01")
    assert [d[0] for d in duplicates(repo)] == [later]


def test_a_period_in_full_width_digits_is_refused_and_cannot_dodge_the_duplicate_check(repo):
    # Python's \d matches ２; JSON Schema's (ECMA-262) does not. Let through, "２０１３-12"
    # would be another period than 2013-12 to every check comparing text.
    git(repo.root, "init", "-q", "-b", "main")
    repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    commit(repo.root, "发布", "2014-01-08")
    new = repo.record("a-ledger.md", EARLIER.replace("period: 2013-12", 'period: "２０１３-12"'))
    found = [(f.code, f.line, f.field) for f in repo.findings(new) if f.severity == "error"]
    assert found == [("record-pattern", PERIOD_LINE, "period")]
    finding = next(f for f in repo.findings(new) if f.code == "record-pattern")
    assert "全角" in finding.message and "0-9" in finding.hint
