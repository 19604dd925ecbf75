"""Counties settled whole (gongkai/cache.py): a county whose record files, settings and day are
those of a kept check is neither read nor checked again, and the check still finds exactly
what it finds without any cache."""

from __future__ import annotations

import hashlib
import json

import msgpack
import pytest
from test_cache import OTHER, git, state, two_counties
from test_cache import hostile as hostile  # a fixture
from tinyrepo import BALANCED_LEDGER, VILLAGE, make_repo, notice

import gongkai.cache as cache_module
import gongkai.pii as pii_module
from gongkai import check
from gongkai.cache import MAGIC, RecordCache
from gongkai.cli import main


def commit(repo, message: str = "更新") -> None:
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", message)


@pytest.fixture
def province(repo):
    """Two counties in git, each with a record that has a finding of its own."""
    two_counties(repo)
    repo.record("bad-date.md", notice(title="日期写错", published="2014-13-01"))
    repo.record("e.md", notice(title="第二县通知", extra="keywords: [公示]\n"), OTHER)
    repo.record("ledger-2013-12.md", BALANCED_LEDGER.replace("15000.51", "15000.52"), OTHER)  # does not balance
    git(repo.root, "init", "-q", "-b", "main")
    commit(repo, "开始")
    return repo


def verdict(project) -> tuple:
    """test_cache.state with the findings in the reports' order: a settled county's come last."""
    findings, records = state(project)
    return sorted(findings), records


def cached(repo, folder) -> tuple[RecordCache, object]:
    """A check with the record cache in folder; it must find what a check without cache finds."""
    store = RecordCache(folder)
    project = check(repo.root, cache=store)
    assert verdict(project) == verdict(check(repo.root))
    return store, project


def test_an_unchanged_county_is_taken_whole_with_every_finding(province, tmp_path):
    first, project = cached(province, tmp_path / "c")
    assert first.settled == {}
    assert {(f.code, f.file) for f in project.findings} >= {("record-format", f"{VILLAGE}/bad-date.md"), ("check-ledger-balances", f"{OTHER}/ledger-2013-12.md")}
    store, warm = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo", "other"}
    assert store.hits == store.misses == 0 and not store.pending  # no record entry read, no file
    assert {f.file for f in warm.findings} >= {f"{VILLAGE}/bad-date.md", f"{OTHER}/ledger-2013-12.md"}
    # Field names as the form says them come back with the findings.
    assert [f.label for f in warm.findings if f.file == f"{OTHER}/ledger-2013-12.md" and f.field] == \
        [f.label for f in check(province.root).findings if f.file == f"{OTHER}/ledger-2013-12.md" and f.field]


def test_a_change_in_one_county_checks_that_county_again_only(province, tmp_path):
    cached(province, tmp_path / "c")
    province.record("b.md", notice(title="另一通知", published="2099-13-01"))
    commit(province)
    store, _ = cached(province, tmp_path / "c")
    assert set(store.settled) == {"other"} and set(store.pending) == {f"{VILLAGE}/b.md"}
    store, _ = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo", "other"}
    # Files git does not have as they are (an edit not committed, a new file) need reading:
    # their county is checked again, every time until they are committed.
    province.record("b.md", notice(title="另一通知，改"))
    province.record("new.md", notice(title="新通知", published="2014-14-01"), OTHER)
    for _ in range(2):
        store, _ = cached(province, tmp_path / "c")
        assert store.settled == {}
    commit(province)
    cached(province, tmp_path / "c")
    store, _ = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo", "other"}
    # A record removed, and one renamed: their county's file list changed.
    git(province.root, "rm", "-q", f"{OTHER}/e.md")
    git(province.root, "mv", f"{VILLAGE}/a.md", f"{VILLAGE}/a2.md")
    commit(province)
    store, _ = cached(province, tmp_path / "c")
    assert store.settled == {}


def test_settings_of_a_county_unsettle_it(province, tmp_path):
    cached(province, tmp_path / "c")
    path = province.root / "content" / "counties" / "other.yml"
    path.write_text(path.read_text("utf-8").replace("categories: [village]", "categories: [government]"), "utf-8")
    store, project = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo"}
    assert any(f.code == "unit-category-not-allowed" for f in project.findings)
    province.write("catalogues/government.yml", (province.root / "catalogues" / "government.yml").read_text("utf-8") + "\n# 改\n")
    store, _ = cached(province, tmp_path / "c")
    assert set(store.settled) == {"other"}  # its records are village records still: the catalogue changed is not theirs


def test_the_checks_across_counties_still_see_every_settled_record(province, tmp_path):
    # Backdating reads git's history: with the county online since 2013, every record of it
    # that reached git today is backdated, settled or not.
    path = province.root / "content" / "counties" / "other.yml"
    path.write_text(path.read_text("utf-8") + "online_since: 2013-01-01\n", "utf-8")
    commit(province)
    cached(province, tmp_path / "c")
    store, warm = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo", "other"}
    assert {f.file for f in warm.findings if f.code == "record-backdated"} >= {f"{OTHER}/d.md", f"{OTHER}/e.md"}
    # The number the ledger gave a settled record, written by a new record of the other county.
    (number,) = [r.index_no for r in warm.records if r.path == f"{VILLAGE}/a.md"]
    assert number
    province.record("g.md", notice(title="抄了编号", extra=f"index_no: {number}\n"), OTHER)
    commit(province)
    store, warm = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo"}
    assert any(f.code == "record-index-no-taken" and f.file == f"{OTHER}/g.md" and "a.md" in f.message for f in warm.findings)


def test_a_county_whose_findings_read_history_or_attachments_is_never_kept_whole(province, tmp_path):
    province.record("dup-a.md", notice(extra="index_no: 54411099MF0000101X/2014-00001\n"))
    province.record("dup-b.md", notice(extra="index_no: 54411099MF0000101X/2014-00001\n"))
    province.record("attached.md", notice(extra="attachments:\n  - {file: list.txt, title: 名单}\n"), OTHER)
    province.write(f"{OTHER}/list.txt", "张三 13812345678\n")
    commit(province)
    cached(province, tmp_path / "c")
    for _ in range(2):
        store, project = cached(province, tmp_path / "c")
        assert store.settled == {}
    assert {f.code for f in project.findings} >= {"record-index-no-duplicate", "pii-mobile"}


def test_a_county_kept_with_a_date_after_that_day_is_taken_that_day_only(province, tmp_path, monkeypatch):
    province.record("future.md", notice(published="2099-01-01"), OTHER)
    commit(province)
    cached(province, tmp_path / "c")
    store, _ = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo", "other"}
    monkeypatch.setattr(cache_module, "china_today", lambda: "2099-01-02")
    store, _ = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo"}  # the finding names the day it was made


def test_the_build_never_takes_a_county_whole(province, tmp_path):
    cached(province, tmp_path / "c")
    cached(province, tmp_path / "c")
    store = RecordCache(tmp_path / "c", whole=True)
    project = check(province.root, cache=store)
    assert store.settled == {} and len(project.records) == len(check(province.root).records)
    assert all(r.body for r in project.records)


def county_files(folder):
    return sorted(folder.rglob("county-*.bin"))


def reseal(path, change) -> None:
    """Rewrite a county file's payload and seal it again, as someone who can write the cache could."""
    data = path.read_bytes()
    payload = msgpack.unpackb(data[len(MAGIC) + 65 :], raw=False, strict_map_key=False)
    change(payload["entries"])
    body = msgpack.packb(payload, use_bin_type=True)
    path.write_bytes(MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "row", "finding", "key"])
def test_a_damaged_or_malformed_county_file_is_ignored(province, tmp_path, damage):
    folder = tmp_path / "c"
    cached(province, folder)
    assert len(county_files(folder)) == 2
    for path in county_files(folder):
        if damage == "garbage":
            path.write_bytes(b"GKC1 " + bytes(range(256)))
        elif damage == "truncated":
            path.write_bytes(path.read_bytes()[:-7])
        elif damage == "row":
            reseal(path, lambda e: e["records"][0].__setitem__(3, "yes"))
        elif damage == "finding":
            reseal(path, lambda e: e["findings"].append(["x", "one", 0, "c", "error", "", "m", "h", ""]))
        else:  # another key: the result of other files, not to be taken for these
            reseal(path, lambda e: e.__setitem__("key", b"\0" * 32))
    store, _ = cached(province, folder)  # the findings are those of a check without cache
    assert store.settled == {}
    assert len(store.ignored) == (0 if damage == "key" else 2)
    store, _ = cached(province, folder)  # written again: taken again
    assert set(store.settled) == {"demo", "other"}


def test_a_change_under_review_is_read_whole(province, tmp_path, capsys):
    folder = str(tmp_path / "c")
    assert main(["check", "--root", str(province.root), "--cache", folder]) == 1
    git(province.root, "checkout", "-qb", "fix")
    province.record("d.md", notice(title="改了标题"), OTHER)  # no change note
    commit(province, "改标题")
    capsys.readouterr()
    kept = {path: path.read_bytes() for path in county_files(tmp_path / "c")}
    assert len(kept) == 2
    outs = []
    for args in (["--cache", folder], ["--cache", folder], ["--no-cache"]):
        main(["check", "--root", str(province.root), "--format", "json", "--base", "main", *args])
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1] == outs[2]
    # The county under review is read whole by every check of the change: it is not kept for them.
    assert {path: path.read_bytes() for path in county_files(tmp_path / "c")} == kept
    assert any(f["code"] == "history-change-note-missing" and f["file"] == f"{OTHER}/d.md" for f in outs[0])


def test_hostile_files_come_back_the_same_from_a_settled_county(hostile, tmp_path):
    # Without what reads history (the later of two records claiming a period or a number)
    # or other files (attachments), the hostile county can be kept whole.
    (hostile.root / VILLAGE / "attached.md").unlink()
    for f in check(hostile.root).findings:
        if f.code in ("record-period-duplicate", "record-index-no-duplicate"):
            (hostile.root / f.file).unlink()
    git(hostile.root, "init", "-q", "-b", "main")
    commit(hostile, "开始")
    cold = check(hostile.root)
    assert {f.code for f in cold.findings} >= {"file-encoding", "yaml-too-large", "pii-id-number", "unsafe-markup",
                                                "record-date-future", "record-id", "check-balance-carried-over", "unit-unknown"}
    cached(hostile, tmp_path / "c")
    store, warm = cached(hostile, tmp_path / "c")
    assert set(store.settled) == {"demo"}
    assert verdict(warm) == verdict(cold)


def test_malformed_positions_in_an_intact_record_shard_are_not_kept_and_break_nothing(province, tmp_path):
    folder = tmp_path / "c"
    cached(province, folder)
    for path in county_files(folder):
        path.unlink()  # the counties are made again from the record entries
    for path in sorted(folder.rglob("*.bin")):
        if path.name.startswith(("county-", "schemas")):
            continue

        def spoil(entries):
            for name, (key, packed) in entries.items():
                entry = msgpack.unpackb(packed, raw=False, strict_map_key=False)
                entry[11] = [5, [["published"], 1, 2], ["published", "1", 2], ["index_no", 3, 4]]
                entries[name] = [key, msgpack.packb(entry, use_bin_type=True)]

        reseal(path, spoil)
    store, _ = cached(province, folder)  # the same findings as without cache, no exception
    assert store.hits > 0 and store.settled == {}
    store, _ = cached(province, folder)
    assert set(store.settled) == {"demo", "other"}


# What git's index says of a file, and what else the findings depend on ------------------------


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_a_file_git_is_told_not_to_compare_is_read(province, tmp_path, flag):
    cached(province, tmp_path / "c")
    git(province.root, "update-index", flag, f"{OTHER}/d.md")
    province.record("d.md", notice(published="2014-13-01"), OTHER)  # git does not see this edit
    store, project = cached(province, tmp_path / "c")
    assert set(store.settled) == {"demo"}
    assert any(f.code == "record-format" and f.file == f"{OTHER}/d.md" for f in project.findings)


def test_a_repository_inside_a_folder_of_gits_working_tree(tmp_path):
    top = tmp_path / "top"
    repo = two_counties(make_repo(top / "site"))
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "开始")
    cached(repo, tmp_path / "c")
    store, _ = cached(repo, tmp_path / "c")
    assert set(store.settled) == {"demo", "other"}
    repo.record("d.md", notice(published="2014-13-01"), OTHER)  # not committed
    store, project = cached(repo, tmp_path / "c")
    assert set(store.settled) == {"demo"}
    assert any(f.code == "record-format" and f.file == f"{OTHER}/d.md" for f in project.findings)


def test_a_new_year_checks_everything_again(province, tmp_path, monkeypatch):
    # Which 18-digit numbers can be identity numbers depends on the year (birth years up to it).
    cached(province, tmp_path / "c")
    monkeypatch.setattr(pii_module, "_THIS_YEAR", pii_module._THIS_YEAR + 1)
    store, _ = cached(province, tmp_path / "c")
    assert store.settled == {} and store.hits == 0


def test_a_forged_county_file_that_calls_a_unitless_record_valid_breaks_nothing(province, tmp_path):
    province.record("x.md", notice(title="无主"), "content/village/other/ghost")
    commit(province)
    folder = tmp_path / "c"
    cached(province, folder)
    for path in county_files(folder):
        reseal(path, lambda e: [row.__setitem__(3, True) for row in e["records"]])
    store = RecordCache(folder)
    project = check(province.root, cache=store)  # no exception
    assert set(store.settled) == {"demo", "other"}
    assert any(f.code == "unit-unknown" for f in project.findings)
