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


# A published 索引号 belongs to its record for good -------------------------------------


def landed(repo, message: str, date: str) -> None:
    """Commit everything, dated (UTC+8)."""
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", message, date=f"{date}T10:00:00+08:00")


FIRST = f"{VILLAGE_CODE}/2014-00001"


@pytest.fixture
def published(git_repo):
    """a (…-00001) and b (…-00002) have landed, in that order."""
    git_repo.record("a.md", notice("关于召开村民代表会议的通知", "2014-01-08"))
    landed(git_repo, "a", "2014-01-08")
    git_repo.record("b.md", notice("关于村级道路维修的公告", "2014-01-20"))
    landed(git_repo, "b", "2014-01-20")
    return git_repo


def taken(project) -> list[tuple[str, str, int, str]]:
    return [(f.file.rsplit("/", 1)[1], f.code, f.line, f.field) for f in project.findings if f.code == "record-index-no-taken"]


@pytest.mark.parametrize("spelling", [FIRST, f"{VILLAGE_CODE}/201400001", f'"{FIRST}"'])
def test_a_new_record_cannot_claim_a_published_generated_number(published, spelling):
    published.record("c.md", notice("关于冒用索引号的公告", extra=f"index_no: {spelling}\n"))
    project = published.check()
    line = notice(extra=f"index_no: {spelling}\n").splitlines().index(f"index_no: {spelling}") + 1
    assert taken(project) == [("c.md", "record-index-no-taken", line, "index_no")]
    message = next(f.message for f in project.findings if f.code == "record-index-no-taken")
    assert "关于召开村民代表会议的通知" in message and f"{VILLAGE}/a.md" in message
    assert numbers(project)["a.md"] == FIRST and numbers(project)["b.md"] == f"{VILLAGE_CODE}/2014-00002"


def test_a_claim_that_landed_is_still_refused_and_the_owner_keeps_its_number(published):
    published.record("c.md", notice("关于冒用索引号的公告", extra=f"index_no: {FIRST}\n"))
    landed(published, "c", "2014-02-01")
    project = published.check()
    assert taken(project) == [("c.md", "record-index-no-taken", 5, "index_no")]
    assert numbers(project)["a.md"] == FIRST


def test_the_reported_repro_fails_check_base(published):
    from test_history import cli

    published.record("c.md", notice("关于冒用索引号的公告", extra=f"index_no: {FIRST}\n"))
    landed(published, "c", "2014-02-01")
    result = cli(published.root, "check", "--base", "HEAD~1")
    assert result.returncode == 1 and "record-index-no-taken" in result.stdout


def test_a_back_dated_record_comes_after_the_published_ones(published):
    published.record("c.md", notice("补登的旧通知", "2014-01-02"))
    before = numbers(published.check())
    assert before == {"a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002", "c.md": f"{VILLAGE_CODE}/2014-00003"}
    landed(published, "c", "2014-02-01")
    assert numbers(published.check()) == before


def test_renamed_records_keep_their_numbers(published):
    git(published.root, "mv", f"{VILLAGE}/a.md", f"{VILLAGE}/z-meeting.md")
    landed(published, "rename", "2014-02-01")
    published.record("0-new.md", notice("新通知", "2014-01-01"))
    assert numbers(published.check()) == {
        "z-meeting.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002", "0-new.md": f"{VILLAGE_CODE}/2014-00003"}


def test_withdrawn_and_removed_records_keep_their_numbers(published):
    published.record("a.md", notice("关于召开村民代表会议的通知", "2014-01-08", "withdrawn: {date: 2014-02-01, reason: 会议取消}\n"))
    published.record("b.md", notice("关于村级道路维修的公告", "2014-01-20", "removed: {date: 2014-02-01, reason: 误登个人信息}\n"))
    landed(published, "withdraw", "2014-02-01")
    assert numbers(published.check()) == {"a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002"}


def test_a_deleted_records_number_is_never_given_again(published):
    (published.root / VILLAGE / "a.md").unlink()
    landed(published, "delete", "2014-02-01")
    published.record("c.md", notice("新通知", "2014-02-02"))
    assert numbers(published.check()) == {"b.md": f"{VILLAGE_CODE}/2014-00002", "c.md": f"{VILLAGE_CODE}/2014-00003"}
    published.record("d.md", notice("又一条通知", extra=f"index_no: {FIRST}\n"))
    assert taken(published.check()) == [("d.md", "record-index-no-taken", 5, "index_no")]


def test_a_record_renamed_away_keeps_its_number_to_itself(published):
    git(published.root, "mv", f"{VILLAGE}/a.md", f"{VILLAGE}/a.md.bak")
    landed(published, "x", "2014-02-01")
    assert numbers(published.check()) == {"b.md": f"{VILLAGE_CODE}/2014-00002"}


def test_a_number_written_later_does_not_move_the_ones_generated_before(published):
    published.record("c.md", notice("手写索引号的通知", extra=f"index_no: {VILLAGE_CODE}/2014-00007\n"))
    landed(published, "c", "2014-02-01")
    published.record("d.md", notice("新通知", "2014-02-02"))
    assert numbers(published.check()) == {
        "a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002",
        "c.md": f"{VILLAGE_CODE}/2014-00007", "d.md": f"{VILLAGE_CODE}/2014-00008"}


def test_two_files_writing_one_number_blame_the_later_one_once(published):
    published.record("z.md", notice("先发布的通知", extra=f"index_no: {VILLAGE_CODE}/2014-00009\n"))
    landed(published, "z", "2014-02-01")
    published.record("c.md", notice("后来的通知", extra=f"index_no: {VILLAGE_CODE}/201400009\n"))
    # c.md is not committed: judged as arriving today, it is also backdated (a warning of its own).
    found = [(f.file.rsplit("/", 1)[1], f.code) for f in published.check().findings if f.code != "record-backdated"]
    assert found == [("c.md", "record-index-no-duplicate")]


def test_published_numbers_from_the_manifests_survive_rewritten_history(published):
    from gongkai import check

    # History rewritten: b now lands before a, so git alone would swap their numbers.
    git(published.root, "checkout", "-q", "--orphan", "rewritten")
    git(published.root, "rm", "-q", "--cached", "-r", "content")
    a = (published.root / VILLAGE / "a.md").read_text("utf-8")
    (published.root / VILLAGE / "a.md").unlink()
    landed(published, "b first", "2014-01-20")
    (published.root / VILLAGE / "a.md").write_text(a, "utf-8")
    landed(published, "a later", "2014-01-21")
    assert numbers(check(published.root)) == {"a.md": f"{VILLAGE_CODE}/2014-00002", "b.md": FIRST}
    pins = {f"{VILLAGE}/a.md": FIRST, f"{VILLAGE}/b.md": f"{VILLAGE_CODE}/2014-00002", f"{VILLAGE}/gone.md": f"{VILLAGE_CODE}/2014-00003"}
    published.record("c.md", notice("新通知", "2014-02-02"))
    project = check(published.root, published_numbers=pins)
    assert numbers(project) == {"a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002", "c.md": f"{VILLAGE_CODE}/2014-00004"}
    published.record("d.md", notice("冒用已消失记录的索引号", extra=f"index_no: {VILLAGE_CODE}/2014-00003\n"))
    assert taken(check(published.root, published_numbers=pins)) == [("d.md", "record-index-no-taken", 5, "index_no")]


def test_a_record_moved_but_not_yet_committed_keeps_its_number(published):
    git(published.root, "mv", f"{VILLAGE}/a.md", f"{VILLAGE}/z-meeting.md")
    assert numbers(published.check())["z-meeting.md"] == FIRST


def test_a_record_moved_to_another_unit_of_its_county_keeps_its_number(published):
    (published.root / BUREAU).mkdir(parents=True)
    git(published.root, "mv", f"{VILLAGE}/a.md", f"{BUREAU}/a.md")
    landed(published, "move", "2014-02-01")
    published.record("c.md", notice("新通知", "2014-02-02"))
    assert numbers(published.check()) == {"a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002", "c.md": f"{VILLAGE_CODE}/2014-00003"}


def test_build_previous_keeps_the_published_numbers_after_a_force_push(published, tmp_path):
    import json

    from tinyrepo import buildable

    from gongkai import manifest
    from gongkai.site import build_all

    root = buildable(published).root
    landed(published, "theme", "2014-01-21")  # a manifest of uncommitted files is no publication
    site = tmp_path / "site"
    assert build_all(root, site, search=False) == 0
    listed = json.loads((site / "demo" / "manifest.json").read_text("utf-8"))["records"]
    assert {e["path"].rsplit("/", 1)[1]: e["index_no"] for e in listed} == {"a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002"}
    # The force-push: main is replaced by a history in which b landed first and a is new.
    a = (root / VILLAGE / "a.md").read_text("utf-8")
    git(root, "checkout", "-q", "--orphan", "rewritten")
    (root / VILLAGE / "a.md").unlink()
    landed(published, "b first", "2014-01-20")
    (root / VILLAGE / "a.md").write_text(a, "utf-8")
    landed(published, "a later", "2014-01-21")
    git(root, "branch", "-q", "-D", "main")
    git(root, "branch", "-q", "-m", "main")
    assert build_all(root, site, search=False, previous_from=str(site)) == 0
    page = (site / "demo" / "village" / "cun" / "a" / "index.html").read_text("utf-8")
    assert FIRST in page
    listed = json.loads((site / "demo" / "manifest.json").read_text("utf-8"))["records"]
    assert {e["path"].rsplit("/", 1)[1]: e["index_no"] for e in listed} == {"a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002"}
    # verify rebuilds with the published manifest, so the kept numbers are no difference.
    assert [d for d in manifest.verify(root, str(site), "demo") if d.kind != manifest.LOST] == []


@pytest.mark.parametrize(
    "front",
    [
        "title: 通知\npublished: 2014-01-08\nindex_no: 005723032/2014-00001\n",
        "title: '村''务'\npublished: \"2014-01-08\"\nindex_no: 005723032/2014-00001  # 手写\n",
        '"index_no": 005723032/2014-00001\npublished: 2014-01-08\ntitle: 通知\n',
        "{title: 通知, published: 2014-01-08, index_no: 005723032/2014-00001}\n",
        "title: >-\n  很长的\n  标题\npublished: 2014-01-08\n",
        "title: 通知\npublished: &d 2014-01-08\nindex_no: \"005723032/2014\\u002D00001\"\n",
        "title: 通知\npublished: 2014-01-08\nextra:\n  index_no: 005723032/2014-00009\n",
        "title: 通知\n",
    ],
)
def test_the_fast_reading_of_past_versions_agrees_with_the_yaml_parser(front):
    from gongkai.indexno import _fields
    from gongkai.load import parse_record_text

    text = f"---\n{front}---\n正文。\n"
    meta = parse_record_text(text, "x.md")[0]
    assert _fields(text, "x.md") == {k: str(meta[k]) for k in ("index_no", "published", "title") if k in meta}


def test_check_base_knows_numbers_main_published_that_the_branch_sees_late(published):
    from gongkai import check
    from gongkai.changes import check_against

    root = published.root
    git(root, "checkout", "-q", "-b", "pr", "HEAD~1")  # from before b landed with …-00002
    published.record("c.md", notice("分支上的通知", extra=f"index_no: {VILLAGE_CODE}/2014-00002\n"))
    landed(published, "c", "2014-01-25")
    git(root, "merge", "-q", "--no-edit", "main", date="2014-01-26T10:00:00+08:00")
    project = check(root)
    assert taken(project) == []  # along the branch, b arrives with the merge, after c
    found = check_against(project, "main")
    assert [(f.code, f.file, f.line) for f in found] == [("record-index-no-taken", f"{VILLAGE}/c.md", 5)]
    assert "关于村级道路维修的公告" in found[0].message


def test_a_new_unit_code_numbers_new_records_and_moves_no_published_one(published):
    from tinyrepo import COUNTY_YML

    published.write("content/counties/demo.yml", COUNTY_YML.replace(VILLAGE_CODE, "54411099MF0000202Y"))
    landed(published, "新的统一社会信用代码", "2014-02-01")
    published.record("c.md", notice("新通知", "2014-02-02"))
    assert numbers(published.check()) == {
        "a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002", "c.md": "54411099MF0000202Y/2014-00001"}


def test_a_corrected_publication_year_does_not_renumber_the_record(published):
    published.record("a.md", notice("关于召开村民代表会议的通知", "2013-12-30", "changes:\n  - {date: 2014-02-01, note: 更正发布日期}\n"))
    landed(published, "更正", "2014-02-01")
    published.record("c.md", notice("新通知", "2013-12-31"))
    assert numbers(published.check()) == {
        "a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002", "c.md": f"{VILLAGE_CODE}/2013-00001"}


def test_one_number_in_full_width_digits_is_the_same_number():
    from gongkai import indexno

    assert indexno.key(f"{VILLAGE_CODE}/２０１４-０００01") == indexno.key(f" {VILLAGE_CODE}/201400001") == FIRST


def test_a_claim_in_full_width_digits_is_refused_and_the_owner_keeps_its_number(published):
    claim = f"{VILLAGE_CODE}/２０１４-００００１"
    published.record("c.md", notice("关于冒用索引号的公告", extra=f"index_no: {claim}\n"))
    project = published.check()
    errors = [(f.code, f.line, f.field) for f in project.findings if f.file.endswith("/c.md") and f.severity == "error"]
    assert ("record-pattern", 5, "index_no") in errors and ("record-index-no-taken", 5, "index_no") in errors
    assert numbers(project)["a.md"] == FIRST


def test_a_record_may_not_write_a_number_in_another_units_series(repo):
    # 005799001 is the bureau's code: a village record writing it would take the bureau's series.
    repo.record("c.md", notice("关于冒用索引号的公告", extra="index_no: 005799001/2014-00099\n"))
    repo.record("d.md", notice("旧代码的索引号", extra="index_no: 54411099MF0000999X/2013-00007\n"))
    found = [(f.file.rsplit("/", 1)[1], f.code, f.line, f.field) for f in repo.check().findings if f.is_error]
    assert found == [("c.md", "record-index-no-unit", 5, "index_no")]
    message = next(f.message for f in repo.check().findings if f.code == "record-index-no-unit")
    assert "示范县国土资源局" in message and VILLAGE_CODE in message


def test_a_published_number_cannot_be_written_over(repo):
    """Published as …/2014-00001 (generated), then index_no: …/2014-00050 written in: the
    record would have dropped the number citizens and the printed 公开栏 know it by."""
    root = repo.root
    git(root, "init", "-q", "-b", "main")
    path = repo.record("a.md", notice())
    git(root, "add", "-A")
    git(root, "commit", "-qm", "公开", date="2014-01-08T10:00:00+08:00")
    first, other = f"{VILLAGE_CODE}/2014-00001", f"{VILLAGE_CODE}/2014-00050"
    repo.record("a.md", notice(extra=f"index_no: {other}\n"))
    git(root, "commit", "-qam", "补写索引号", date="2014-01-09T10:00:00+08:00")
    (f,) = repo.findings(path)
    assert (f.code, f.severity, f.line, f.field) == ("record-index-no-changed", "error", 5, "index_no")
    assert first in f.message and other in f.message and first in f.hint
    repo.record("a.md", notice(extra=f"index_no: {first}\n"))  # written back: fine
    project = repo.check()
    assert project.findings == [] and numbers(project) == {"a.md": first}
    repo.record("a.md", notice())  # or the line taken out: the published number, not the later one
    project = repo.check()
    assert project.findings == [] and numbers(project) == {"a.md": first}


def test_a_number_written_from_the_start_stays_and_may_be_written_the_other_way(repo):
    root = repo.root
    git(root, "init", "-q", "-b", "main")
    path = repo.record("a.md", notice(extra=f"index_no: {VILLAGE_CODE}/201400007\n"))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "公开", date="2014-01-08T10:00:00+08:00")
    repo.record("a.md", notice(extra=f"index_no: {VILLAGE_CODE}/2014-00007\n"))  # the same number
    assert repo.findings(path) == []


@pytest.mark.parametrize("ending", ["\r", "\r\n"])
def test_a_record_with_other_line_ends_keeps_its_number_and_its_protection(git_repo, ending):
    """A file saved with an old Mac's line ends (\\r alone) is a record to check today; its
    past versions in git must be read the same way, or it lost its number to a later record
    and could be deleted or changed without a note."""
    from test_history import cli

    git_repo.record("a.md", notice("关于召开村民代表会议的通知", "2014-01-08").replace("\n", ending).encode())
    landed(git_repo, "a", "2014-01-08")
    git_repo.record("b.md", notice("关于村级道路维修的公告", "2014-01-20"))
    landed(git_repo, "b", "2014-01-20")
    assert numbers(git_repo.check()) == {"a.md": FIRST, "b.md": f"{VILLAGE_CODE}/2014-00002"}
    (git_repo.root / VILLAGE / "a.md").unlink()
    result = cli(git_repo.root, "check", "--base", "HEAD")
    assert result.returncode == 1 and "history-deleted" in result.stdout
