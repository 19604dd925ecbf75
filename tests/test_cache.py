"""The record cache (gongkai/cache.py): the same findings warm as cold, exact invalidation,
and a damaged or foreign cache file is ignored, never trusted."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml
from tinyrepo import BALANCED_LEDGER, BUREAU, COUNTY_YML, FIXTURES, RECORDS, VILLAGE, VILLAGE_YML, notice

import gongkai.cache as cache_module
from gongkai import check
from gongkai.cache import MAGIC, RecordCache
from gongkai.cli import main

PII = yaml.safe_load((FIXTURES / "pii_labelled.yml").read_text("utf-8"))
XSS = [line for line in (FIXTURES / "xss" / "payloads.txt").read_text("utf-8").splitlines() if line and not line.startswith("#")]
OTHER = "content/village/other/cun2"


def state(project) -> tuple:
    """Everything a check gives that a cache could get wrong: findings in order, and each record's verdict."""
    return (
        list(project.findings),
        [(r.path, r.id, r.valid, r.index_no, r.index_no_generated, r.item.id if r.item else None) for r in project.records],
    )


def cached(root, folder) -> tuple[RecordCache, object]:
    """A check with the record cache in folder: (the cache, the project)."""
    store = RecordCache(folder)
    return store, check(root, cache=store)


def with_series_rule(repo):
    """The tiny village catalogue with the ledger chain rule (a series rule) on its ledger."""
    repo.write("catalogues/village.yml", VILLAGE_YML.replace("checks: [ledger_balances]", "checks: [ledger_balances, balance_carried_over]"))
    return repo


def ledger(period: str, opening: str, closing: str) -> str:
    """A monthly ledger of the tiny repository with the given opening and closing balances."""
    return (BALANCED_LEDGER.replace("2013-12", period).replace("12000.00", opening).replace("15000.51", closing)
            .replace("2013年12月", f"{period}期"))


@pytest.fixture
def hostile(repo):
    """Every fixture record, personal numbers, XSS payloads, and findings across records."""
    with_series_rule(repo)
    for fixture in sorted(os.listdir(RECORDS)):
        repo.fixture(fixture)
    for i in range(0, len(PII), 40):  # labelled personal numbers in fields and in the body
        chunk = PII[i : i + 40]
        body = "\n".join(str(entry["text"]) for entry in chunk)
        repo.record(f"pii-{i:03d}.md", notice(extra=f"keywords: [{yaml.safe_dump(str(chunk[0]['text'])).splitlines()[0]}]\n") + body)
    for i, payload in enumerate(XSS[:40]):
        repo.record(f"xss-{i:02d}.md", notice(title=f"通知{i}") + payload + "\n")
    repo.record("future.md", notice(published="2099-01-01"))
    repo.record("Bad_Name.md", notice())
    # names whose suffix and stem os.path.splitext reads otherwise than Path does
    repo.record("..md", notice(title="点开头"))
    repo.record("v1.2.md", notice(title="带点"))
    repo.record("dup-a.md", notice(extra="index_no: 54411099MF0000101X/2014-00001\n"))
    repo.record("dup-b.md", notice(extra="index_no: 54411099MF0000101X/2014-00001\n"))
    repo.record("ledger-2013-11.md", ledger("2013-11", "100.00", "3100.51"))
    repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    repo.record("ledger-2013-12-again.md", BALANCED_LEDGER)
    repo.record("alias-bomb.yml", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + k)}: &{chr(98 + k)} [*{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}]\n" for k in range(10)))
    repo.record("deep.yml", "catalogue: notice\ntitle: x\npublished: 2014-01-01\nd: " + "[" * 80 + "]" * 80 + "\n")
    repo.record("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    repo.record("empty.md", "")
    repo.record("attached.md", notice(extra="attachments:\n  - {file: list.txt, title: 名单}\n"))
    repo.write(f"{VILLAGE}/list.txt", "张三 13812345678\n")
    repo.record("notice.md", notice(), BUREAU)
    repo.record("stray.md", notice(), "content/village/demo/nobody")
    return repo


def test_findings_warm_equal_findings_cold_on_hostile_files(hostile, tmp_path):
    cold = check(hostile.root)
    assert {f.code for f in cold.findings} >= {
        "file-encoding", "yaml-too-large", "pii-id-number", "unsafe-markup", "record-date-future", "record-id",
        "record-index-no-duplicate", "record-period-duplicate", "check-balance-carried-over", "unit-unknown", "file-empty",
    }, {f.code for f in cold.findings}
    first, filled = cached(hostile.root, tmp_path / "c")
    second, warm = cached(hostile.root, tmp_path / "c")
    assert state(filled) == state(cold)
    assert state(warm) == state(cold)
    assert second.hits > 50 and second.misses == 1  # only the record with an attachment is read again
    assert set(second.pending) == {f"{VILLAGE}/attached.md"}


def test_a_finding_across_records_in_a_cached_record_points_at_its_line(repo, tmp_path):
    with_series_rule(repo)
    repo.record("ledger-2013-11.md", ledger("2013-11", "100.00", "3100.51"))
    repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    cold = check(repo.root)
    cached(repo.root, tmp_path / "c")
    store, warm = cached(repo.root, tmp_path / "c")
    assert store.misses == 0
    (f,) = [f for f in warm.findings if f.code == "check-balance-carried-over"]
    assert (f.file, f.line) == (f"{VILLAGE}/ledger-2013-12.md", 6)
    assert state(warm) == state(cold)


def two_counties(repo):
    """The tiny repository with a second county and records in both counties and both catalogues."""
    repo.write("content/counties/other.yml", COUNTY_YML.replace("示范县", "另一县").replace("411099", "411098")
               .replace("id: cun", "id: cun2").replace("0000101X", "0000201X").replace("005799001", "005798001"))
    repo.record("a.md", notice())
    repo.record("b.md", notice(title="另一通知"))
    repo.record("c.md", notice(), BUREAU)
    repo.record("d.md", notice(), OTHER)
    return repo


def misses(repo, folder) -> set[str]:
    """The records a cached check had to read and check again."""
    store, project = cached(repo.root, folder)
    assert state(project) == state(check(repo.root))  # and the findings are those of a check without cache
    return set(store.pending)


def test_nothing_changed_reads_nothing_again(repo, tmp_path):
    two_counties(repo)
    assert len(misses(repo, tmp_path / "c")) == 4
    assert misses(repo, tmp_path / "c") == set()


def test_an_edited_record_is_the_only_one_checked_again(repo, tmp_path):
    two_counties(repo)
    misses(repo, tmp_path / "c")
    repo.record("b.md", notice(title="另一通知", published="2099-13-01"))
    assert misses(repo, tmp_path / "c") == {f"{VILLAGE}/b.md"}
    repo.record("e.md", notice(title="新通知"))
    assert misses(repo, tmp_path / "c") == {f"{VILLAGE}/e.md"}


def test_a_catalogue_change_checks_only_that_catalogues_records_again(repo, tmp_path):
    two_counties(repo)
    misses(repo, tmp_path / "c")
    repo.write("catalogues/village.yml", VILLAGE_YML.replace("name: 村务公开", "name: 村务公开目录"))
    assert misses(repo, tmp_path / "c") == {f"{VILLAGE}/a.md", f"{VILLAGE}/b.md", f"{OTHER}/d.md"}
    # A stricter item schema: the cached verdicts of the village notices would now be wrong.
    at = VILLAGE_YML.index("  - id: notice")
    strict = VILLAGE_YML[:at] + VILLAGE_YML[at:].replace("      type: object\n", "      type: object\n      required: [contact]\n", 1)
    repo.write("catalogues/village.yml", strict)
    assert misses(repo, tmp_path / "c") == {f"{VILLAGE}/a.md", f"{VILLAGE}/b.md", f"{OTHER}/d.md"}
    assert {f.file for f in check(repo.root).findings if f.code == "field-required"} == {f"{VILLAGE}/a.md", f"{VILLAGE}/b.md", f"{OTHER}/d.md"}
    # A catalogue file that cannot be read: its records are checked again, the others are not.
    repo.write("catalogues/village.yml", "category: village\nname: [\n")
    assert misses(repo, tmp_path / "c") == {f"{VILLAGE}/a.md", f"{VILLAGE}/b.md", f"{OTHER}/d.md"}


def test_the_common_record_schema_and_site_settings_check_everything_again(repo, tmp_path):
    two_counties(repo)
    misses(repo, tmp_path / "c")
    path = repo.root / "catalogues" / "_record.yml"
    path.write_text(path.read_text("utf-8") + "\n# 注释\n", "utf-8")
    assert len(misses(repo, tmp_path / "c")) == 4
    (repo.root / "content" / "site.yml").write_text("title: 新门户\ncity: 示范市\n", "utf-8")
    assert len(misses(repo, tmp_path / "c")) == 4


def test_a_county_file_change_checks_that_countys_records_again(repo, tmp_path):
    two_counties(repo)
    misses(repo, tmp_path / "c")
    path = repo.root / "content" / "counties" / "other.yml"
    path.write_text(path.read_text("utf-8").replace("categories: [village]", "categories: [government]"), "utf-8")
    assert misses(repo, tmp_path / "c") == {f"{OTHER}/d.md"}  # and d.md is now refused: its unit may not publish it
    assert any(f.code == "unit-category-not-allowed" for f in check(repo.root).findings)


def test_a_code_change_checks_everything_again(repo, tmp_path, monkeypatch):
    two_counties(repo)
    misses(repo, tmp_path / "c")
    monkeypatch.setattr(cache_module, "_CODE", "another version of the package")
    assert len(misses(repo, tmp_path / "c")) == 4


def test_the_code_version_covers_every_module_of_the_package():
    import gongkai

    package = os.path.dirname(gongkai.__file__)
    modules = {name for name in os.listdir(package) if name.endswith(".py")}
    assert {"validate.py", "checks.py", "pii.py", "load.py", "schema.py", "yamltext.py"} <= modules
    # the version is a hash over the folder: every module in it is read
    seen = []
    real = cache_module.Path.read_bytes

    def spy(self):
        seen.append(self.name)
        return real(self)

    cache_module._CODE = None
    try:
        with pytest.MonkeyPatch.context() as m:
            m.setattr(cache_module.Path, "read_bytes", spy)
            cache_module.code_version()
    finally:
        cache_module._CODE = None
    assert modules <= set(seen)
    assert {"catalogue.yml", "county.yml"} <= set(seen)  # the shipped schemas


def test_a_record_dated_after_today_is_checked_again_the_next_day(repo, tmp_path, monkeypatch):
    repo.record("future.md", notice(published="2099-01-01"))
    repo.record("past.md", notice(title="旧通知"))
    misses(repo, tmp_path / "c")
    assert misses(repo, tmp_path / "c") == set()
    monkeypatch.setattr(cache_module, "china_today", lambda: "2099-01-02")
    # The finding names today's date, so only that record is read again; the other one stays.
    assert misses(repo, tmp_path / "c") == {f"{VILLAGE}/future.md"}


# A cache file that is not to be trusted --------------------------------------------------


def shards(folder):
    return sorted(p for p in folder.rglob("*.bin") if not p.name.startswith(("schemas", "ledger-")))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "foreign", "empty"])
def test_a_damaged_or_foreign_cache_file_is_ignored(repo, tmp_path, damage):
    two_counties(repo)
    repo.record("x.md", notice(published="2014-13-01"))  # a record with a finding, to hide
    folder = tmp_path / "c"
    cold = check(repo.root)
    cached(repo.root, folder)
    for shard in shards(folder):
        data = shard.read_bytes()
        if damage == "garbage":
            data = os.urandom(len(data))
        elif damage == "truncated":
            data = data[: len(data) // 2]
        elif damage == "flipped":  # one byte of the payload changed, the checksum left as it was
            data = data[:-5] + bytes([data[-5] ^ 0x01]) + data[-4:]
        elif damage == "foreign":  # intact, but written by another version of the code
            import hashlib

            import msgpack

            payload = msgpack.unpackb(data[len(MAGIC) + 65 :], raw=False, strict_map_key=False)
            payload["code"] = "0" * 64
            body = msgpack.packb(payload, use_bin_type=True)
            data = MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        else:
            data = b""
        shard.write_bytes(data)
    store, project = cached(repo.root, folder)
    assert state(project) == state(cold)
    assert store.hits == 0
    assert len(store.ignored) == len(shards(folder)) or damage == "empty"
    again, project = cached(repo.root, folder)  # rewritten: usable again
    assert again.misses == 0 and state(project) == state(cold)


def test_a_malformed_entry_with_a_valid_checksum_is_not_used(repo, tmp_path):
    import hashlib

    import msgpack

    repo.record("a.md", notice(published="2014-13-01"))
    folder = tmp_path / "c"
    cold = check(repo.root)
    cached(repo.root, folder)
    (shard,) = shards(folder)
    data = shard.read_bytes()
    payload = msgpack.unpackb(data[len(MAGIC) + 65 :], raw=False, strict_map_key=False)
    for value in payload["entries"].values():
        value[1] = msgpack.packb(["not", "an", "entry"])
    body = msgpack.packb(payload, use_bin_type=True)
    shard.write_bytes(MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    store, project = cached(repo.root, folder)
    assert store.hits == 0 and state(project) == state(cold)


def test_a_failed_write_leaves_the_old_shard_and_no_temporary_file(repo, tmp_path, monkeypatch):
    repo.record("a.md", notice())
    folder = tmp_path / "c"
    cached(repo.root, folder)
    (shard,) = shards(folder)
    before = shard.read_bytes()
    repo.record("b.md", notice(title="另一通知"))

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", fail)
    store, project = cached(repo.root, folder)  # a cache that cannot be written is only slower
    assert not project.findings.errors
    assert shard.read_bytes() == before
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# The command line -------------------------------------------------------------------------


def git(root, *args):
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env).stdout


def test_check_keeps_its_cache_in_the_repository_where_git_does_not_see_it(repo, capsys, monkeypatch):
    monkeypatch.delenv("GONGKAI_CACHE", raising=False)
    repo.record("a.md", notice())
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "开始")
    assert main(["check", "--root", str(repo.root)]) == 0
    assert shards(repo.root / ".gongkai-cache" / "records")
    assert (repo.root / ".gongkai-cache" / "history").is_dir()  # the 索引号 ledger and landing days
    assert git(repo.root, "status", "--porcelain", "--untracked-files=all", "--ignored=no") == ""


def test_no_cache_and_cache_dir_options(repo, tmp_path, monkeypatch):
    monkeypatch.delenv("GONGKAI_CACHE", raising=False)
    repo.record("a.md", notice())
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "开始")
    assert main(["check", "--root", str(repo.root), "--no-cache"]) == 0
    assert not (repo.root / ".gongkai-cache").exists()  # neither the records' nor the history's
    assert main(["check", "--root", str(repo.root), "--cache", str(tmp_path / "elsewhere")]) == 0
    assert shards(tmp_path / "elsewhere") and not (repo.root / ".gongkai-cache" / "records").exists()
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "by-env"))
    assert main(["check", "--root", str(repo.root)]) == 0
    assert shards(tmp_path / "by-env" / "records") and (tmp_path / "by-env" / "history").is_dir()


# The 索引号 ledger ---------------------------------------------------------------------------


def test_the_ledger_reads_only_the_commits_since_the_one_it_kept(repo, tmp_path, monkeypatch):
    from gongkai import history

    git(repo.root, "init", "-q", "-b", "main")
    repo.record("a.md", notice())
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "一")
    cached(repo.root, tmp_path / "c")
    repo.record("b.md", notice(title="第二个通知"))
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "二")
    ranges = []
    real = history.log

    def spy(root, rev="HEAD", paths=(history.CONTENT,)):
        ranges.append(rev)
        return real(root, rev, paths)

    monkeypatch.setattr(history, "log", spy)
    store, warm = cached(repo.root, tmp_path / "c")
    assert any(".." in r for r in ranges)
    monkeypatch.setattr(history, "log", real)
    assert state(warm) == state(check(repo.root))
    assert [r.index_no for r in warm.records] == ["54411099MF0000101X/2014-00001", "54411099MF0000101X/2014-00002"]


def test_after_a_force_push_the_kept_ledger_is_not_used(repo, tmp_path):
    git(repo.root, "init", "-q", "-b", "main")
    repo.record("a.md", notice())
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "一")
    repo.record("b.md", notice(title="第二个通知"))
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "二")
    cached(repo.root, tmp_path / "c")
    # History rewritten: b.md lands first in a new line of commits that does not hold the kept one.
    git(repo.root, "checkout", "-q", "--orphan", "rewritten")
    git(repo.root, "rm", "-rq", "--cached", "content")
    git(repo.root, "add", "content/site.yml", "content/counties", "catalogues", f"{VILLAGE}/b.md")
    git(repo.root, "commit", "-qm", "二先")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "一后")
    store, warm = cached(repo.root, tmp_path / "c")
    assert state(warm) == state(check(repo.root))
    assert {r.path.rsplit("/", 1)[1]: r.index_no for r in warm.records}["b.md"].endswith("-00001")


def test_findings_are_the_same_without_the_compiled_validator(hostile, monkeypatch):
    from gongkai import schema as schemas

    fast = check(hostile.root)
    assert any(compiled is not None for _, compiled in schemas._compiled.values())  # the fast path was taken
    monkeypatch.setattr(schemas, "FAST", False)
    assert state(check(hostile.root)) == state(fast)


def test_blob_ids_come_from_git_only_for_files_git_has_as_they_are(repo):
    from gongkai.cache import blob_id, tracked_blobs

    repo.record("a.md", notice())
    repo.record("b.md", notice(title="第二个通知"))
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "一")
    repo.record("b.md", notice(title="改过的通知"))  # changed, not committed
    repo.record("c.md", notice(title="新的通知"))  # not in git
    found = tracked_blobs(repo.root)
    assert found[f"{VILLAGE}/a.md"] == blob_id((repo.root / VILLAGE / "a.md").read_bytes())
    assert f"{VILLAGE}/b.md" not in found and f"{VILLAGE}/c.md" not in found
    # Attributes may make git's blob differ from the file's bytes (eol, filters): then no file is named by git.
    repo.write(".gitattributes", "*.md text eol=crlf\n")
    assert tracked_blobs(repo.root) == {}


# Whole records, for the build ---------------------------------------------------------------


def whole(project) -> list[tuple]:
    """Each record as every stage after the check reads it; repr tells a tuple from a list, 1 from 1.0 and True."""
    return [(r.path, repr(r.meta), r.body, r.body_line, r.valid, r.item.id if r.item else None) for r in project.records]


def built(root, folder) -> tuple[RecordCache, object]:
    """A check as the build makes it: records taken whole from the cache in folder."""
    store = RecordCache(folder, whole=True)
    return store, check(root, cache=store)


def test_the_build_takes_records_whole_from_the_cache_as_a_cold_read_gives_them(hostile, tmp_path):
    cold = check(hostile.root)
    first, filled = built(hostile.root, tmp_path / "c")
    second, warm = built(hostile.root, tmp_path / "c")
    assert state(filled) == state(cold) and whole(filled) == whole(cold)
    assert state(warm) == state(cold) and whole(warm) == whole(cold)
    assert second.hits > 50 and set(second.pending) == {f"{VILLAGE}/attached.md"}  # never kept: it has an attachment
    assert any(len(r.meta) > 5 and r.body for r in warm.records if second.entry(r) is not None)


def test_a_check_neither_reads_nor_writes_whole_records_and_the_build_fills_them_in(repo, tmp_path):
    two_counties(repo)
    folder = tmp_path / "c"
    cached(repo.root, folder)
    assert not list(folder.rglob("*-whole.bin"))
    cold = check(repo.root)
    store, project = built(repo.root, folder)  # the check's entries lack the whole records: read again
    assert store.hits == 0 and len(store.pending) == 4
    assert whole(project) == whole(cold) and state(project) == state(cold)
    store, project = built(repo.root, folder)
    assert store.misses == 0 and whole(project) == whole(cold)
    repo.record("b.md", notice(title="改过的通知"))
    store, summary = cached(repo.root, folder)  # the check re-checks the edit, its old whole record stays behind
    assert set(store.pending) == {f"{VILLAGE}/b.md"}
    store, project = built(repo.root, folder)
    assert set(store.pending) == {f"{VILLAGE}/b.md"}
    assert whole(project) == whole(check(repo.root))


@pytest.mark.parametrize("damage", ["garbage", "flipped", "malformed"])
def test_a_damaged_whole_record_shard_is_ignored(repo, tmp_path, damage):
    import hashlib

    import msgpack

    two_counties(repo)
    folder = tmp_path / "c"
    built(repo.root, folder)
    cold = check(repo.root)
    for shard in folder.rglob("*-whole.bin"):
        data = shard.read_bytes()
        if damage == "garbage":
            data = os.urandom(len(data))
        elif damage == "flipped":
            data = data[:-5] + bytes([data[-5] ^ 0x01]) + data[-4:]
        else:  # intact and signed, but not a record
            payload = msgpack.unpackb(data[len(MAGIC) + 65 :], raw=False, strict_map_key=False)
            for value in payload["entries"].values():
                value[1] = msgpack.packb([["a", "list"], "body", 1])
            body = msgpack.packb(payload, use_bin_type=True)
            data = MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        shard.write_bytes(data)
    store, project = built(repo.root, folder)
    assert store.hits == 0 and whole(project) == whole(cold) and state(project) == state(cold)


def test_a_record_msgpack_would_not_give_back_unchanged_is_not_kept_whole():
    from gongkai.cache import _faithful

    assert _faithful({"a": [1, 2.5, True, None, "x", b"\x00", {"b": -(1 << 63)}]})
    assert not _faithful({"a": (1, 2)})
    assert not _faithful({"a": {1: "x"}})
    assert not _faithful({"a": 1 << 64})
    assert not _faithful({"a": {"x"}})


def test_the_builds_findings_from_the_cache_are_those_without_it(hostile, tmp_path, monkeypatch, capsys):
    from gongkai import store
    from gongkai.site import build_all

    def findings_logged() -> list[str]:
        assert build_all(hostile.root, tmp_path / "site") == 1  # errors: nothing is built, every finding is listed
        return [line for line in capsys.readouterr().err.splitlines() if "秒" not in line and "沿用" not in line]

    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))
    capsys.readouterr()
    with store.disabled():
        without = findings_logged()
    assert not (tmp_path / "cache").exists()
    assert findings_logged() == without  # fills the cache
    assert findings_logged() == without  # from the cache
    assert list((tmp_path / "cache" / "records").rglob("*-whole.bin"))
    assert len(without) > 100


def test_a_committed_record_turned_into_a_symlink_is_found_with_the_cache(repo, tmp_path):
    repo.record("a.md", notice())
    repo.record("b.md", notice(title="第二个通知"))
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "一")
    cached(repo.root, tmp_path / "c")  # the cache knows a.md as a regular file git has
    outside = tmp_path / "outside.md"
    outside.write_text(notice(), "utf-8")
    (repo.root / VILLAGE / "a.md").unlink()
    os.symlink(outside, repo.root / VILLAGE / "a.md")  # not committed: git's index still says a regular file
    store, project = cached(repo.root, tmp_path / "c")
    assert state(project) == state(check(repo.root))
    assert (f"{VILLAGE}/a.md", "file-symlink") in [(f.file, f.code) for f in project.findings]
    assert store.regular(f"{VILLAGE}/b.md") and not store.regular(f"{VILLAGE}/a.md")


def test_the_check_pauses_the_garbage_collector_and_gives_it_back(repo, monkeypatch):
    import gc

    import gongkai

    repo.record("a.md", notice())
    seen = []
    real = gongkai.load

    def load(*args):
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(gongkai, "load", load)
    check(repo.root)
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(gongkai, "load", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        check(repo.root)
    assert gc.isenabled()
    gc.disable()  # a caller that had it off gets it back off
    try:
        monkeypatch.setattr(gongkai, "load", real)
        check(repo.root)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("packed", [False, True])
def test_a_sealed_file_reads_back_only_as_written_for_its_kind_key_and_body(tmp_path, packed):
    """store.read_sealed: the body back when kind, key, body format and checksum agree; None
    for anything else, including a body whose checksum was forged over damaged data."""
    import hashlib
    import json

    from gongkai import store

    path = tmp_path / "f"
    body = {"a": ["x" * 1000, "正文", 3]}
    store.write_sealed(path, "kind", "key", body, packed=packed)
    assert store.read_sealed(path, "kind", "key", packed=packed) == body
    assert store.read_sealed(path, "kind", "key", packed=not packed) is None  # the other format: not ours
    assert store.read_sealed(path, "other", "key", packed=packed) is None
    assert store.read_sealed(path, "kind", "other", packed=packed) is None
    header, data = path.read_bytes().split(b"\n", 1)
    path.write_bytes(header + b"\n" + data[:-5])  # cut short
    assert store.read_sealed(path, "kind", "key", packed=packed) is None
    forged = json.loads(header)
    forged["sha256"] = hashlib.sha256(data[:-5]).hexdigest()  # damaged, with a checksum that matches
    path.write_bytes(json.dumps(forged).encode() + b"\n" + data[:-5])
    assert store.read_sealed(path, "kind", "key", packed=packed) is None


def test_a_cached_records_positions_come_from_the_entry_and_otherwise_from_the_file(repo, tmp_path):
    from gongkai.cache import LazyDocument

    repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    folder = repo.root / VILLAGE
    from_file = check(repo.root).records[0].doc

    def doc(positions):
        return LazyDocument(repo.root, folder, "ledger-2013-12.md", "village", "demo", "cun", positions)

    kept = doc([["period", 90, 9]])  # as kept: used without reading the file
    assert kept.position(("period",)) == (90, 9) and kept._doc is None
    for positions in ([], [["period", "90", 9]], [["period", 90]], ["period"], [None]):  # missing or malformed
        d = doc(positions)
        assert d.position(("period",)) == from_file.position(("period",)) and d._doc is not None
    assert doc([["period", 90, 9]]).position(("expense", 1, "amount")) == from_file.position(("expense", 1, "amount"))


def test_the_code_key_follows_the_libraries_that_shape_what_is_built(monkeypatch):
    """A new feedgen (the feeds), lxml (how it writes them) or segno (QR codes on kept pages)
    makes every cached result a stranger, as a new MkDocs does."""
    from gongkai import store

    store.code_key.cache_clear()
    before = store.code_key()
    for name in ("feedgen", "lxml", "segno", "mkdocs"):
        real = store.version
        monkeypatch.setattr(store, "version", lambda n, name=name, real=real: "9.9.9" if n == name else real(n))
        store.code_key.cache_clear()
        assert store.code_key() != before, name
        monkeypatch.setattr(store, "version", real)
    store.code_key.cache_clear()
    assert store.code_key() == before
