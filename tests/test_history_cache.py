"""History read incrementally: a warm read (from the cache) equals a cold one, whatever happened.

Each test reads a repository twice at the same commit, once with the cache that earlier
reads left and once with an empty cache folder, and compares everything the build uses:
every record's revisions and the 索引号 ledger. A read that used the cache is told apart
from a full one by the revision git was asked for (a range after the remembered commit).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_history import CHANGED_LEDGER, commit
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, BUREAU, make_repo, notice

from gongkai import history, indexno, store
from gongkai.changes import record_histories
from gongkai.load import load


@pytest.fixture
def reads(monkeypatch):
    """The revisions the history was read at (git log), in order."""
    seen: list[str] = []
    real = history._read_log

    def spy(root, rev, paths):
        seen.append(rev)
        return real(root, rev, paths)

    monkeypatch.setattr(history, "_read_log", spy)
    history._log.cache_clear()
    return seen


def read(root: Path, cache: Path, monkeypatch) -> tuple[dict, indexno.Ledger]:
    """Record histories and the 索引号 ledger, with the cache in `cache`."""
    monkeypatch.setenv("GONGKAI_CACHE", str(cache))
    history._log.cache_clear()
    project = load(root)
    return record_histories(project, root), indexno.ledger(project, root)


def cold(root: Path, tmp_path: Path, monkeypatch) -> tuple[dict, indexno.Ledger]:
    """The same read with an empty cache folder."""
    folder = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    return read(root, folder, monkeypatch)


def head(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def started(tmp_path):
    """A repository with two commits: records added, then one corrected with a note."""
    repo = make_repo(tmp_path / "repo")
    git(repo.root, "init", "-q", "-b", "main")
    repo.record("ledger.md", BALANCED_LEDGER)
    repo.record("meeting.md", notice("关于召开村民代表会议的通知"))
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-06"), BUREAU)
    commit(repo.root, "首次公开", "2014-01-08")
    repo.record("ledger.md", CHANGED_LEDGER)
    commit(repo.root, "更正12月账目", "2014-01-20")
    return repo


def test_commits_after_the_last_read_are_read_alone_and_give_the_cold_result(started, tmp_path, monkeypatch, reads):
    monkeypatch.setattr(history, "SAVE_AFTER", 1)  # every state kept after each read (see the next test)
    root, warm = started.root, tmp_path / "warm"
    read(root, warm, monkeypatch)
    last = head(root)
    started.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(root, "改标题", "2014-02-01")
    started.record("rule.md", notice("关于村级公益事业一事一议的规定"))
    (root / "content/village/demo/cun/land.md").write_text("", "utf-8")
    commit(root, "新规定", "2014-02-05")
    git(root, "mv", "content/village/demo/cun/rule.md", "content/village/demo/cun/rule-2014.md")
    started.record("rule-2014.md", notice("关于村级公益事业一事一议的规定", extra="withdrawn: {date: 2014-02-10, reason: 已被代替}\n"))
    commit(root, "撤回并改名", "2014-02-10")
    reads.clear()
    warm_result = read(root, warm, monkeypatch)
    assert reads == [f"{last}..{head(root)}"]  # only the new commits, in one read shared by both
    assert warm_result == cold(root, tmp_path, monkeypatch)
    reads.clear()
    assert read(root, warm, monkeypatch) == warm_result  # nothing new: git log is not run at all
    assert reads == []


def test_the_ledger_and_landing_times_are_kept_again_after_enough_new_commits(started, tmp_path, monkeypatch, reads):
    monkeypatch.setattr(history, "SAVE_AFTER", 2)
    root, warm = started.root, tmp_path / "warm"

    def warm_read() -> tuple:
        result = read(root, warm, monkeypatch)
        return result, history.first_landed(root), {p.name: p.read_bytes() for p in (warm / "history").glob("*")}

    _, _, kept = warm_read()
    first = head(root)
    started.record("rule.md", notice("关于村级公益事业一事一议的规定"))
    commit(root, "新规定", "2014-02-05")
    reads.clear()
    result, landed, now = warm_read()
    assert reads == [f"{first}..{head(root)}"]  # one read, shared by all three
    # One new commit: the record histories are kept at it, the ledger and landing times are not.
    assert {n for n in now if now[n] != kept.get(n)} == {n for n in now if n.startswith("record-histories-")}
    assert (result, landed) == (cold(root, tmp_path, monkeypatch), history.first_landed(root))
    started.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(root, "改标题", "2014-02-06")
    reads.clear()
    result, landed, later = warm_read()
    assert f"{first}..{head(root)}" in reads  # the ledger's two commits since it was kept
    changed = {n for n in later if later[n] != now.get(n)}
    assert any(n.startswith("index-ledger-") for n in changed) and any(n.startswith("first-landed-") for n in changed)
    assert (result, landed) == (cold(root, tmp_path, monkeypatch), history.first_landed(root))


def test_after_a_force_push_the_whole_history_is_read_again(started, tmp_path, monkeypatch, reads):
    root, warm = started.root, tmp_path / "warm"
    read(root, warm, monkeypatch)
    git(root, "reset", "-q", "--hard", "HEAD~1")  # the correction is rewritten away
    started.record("ledger.md", BALANCED_LEDGER.replace("本月", "本月（重写）"))
    started.record("other.md", notice("关于另一件事的通知"))
    commit(root, "重写的历史", "2014-01-21")
    reads.clear()
    warm_result = read(root, warm, monkeypatch)
    assert reads == [head(root)]  # a full read, not a range from the vanished commit
    assert warm_result == cold(root, tmp_path, monkeypatch)
    assert "content/village/demo/cun/other.md" in warm_result[0]


def test_a_remembered_commit_merged_from_a_side_branch_is_not_on_the_line(started, tmp_path, monkeypatch, reads):
    """Main's history is its first-parent line: a cache made on a branch that main merged does not continue it."""
    root, warm = started.root, tmp_path / "warm"
    git(root, "checkout", "-q", "-b", "side")
    started.record("side.md", notice("关于分支上的通知"))
    commit(root, "分支", "2014-01-22")
    read(root, warm, monkeypatch)
    git(root, "checkout", "-q", "main")
    started.record("main.md", notice("关于主线上的通知"))
    commit(root, "主线", "2014-01-23")
    git(root, "merge", "-q", "--no-ff", "-m", "合并分支", "side", date="2014-01-24T10:00:00+08:00")
    reads.clear()
    warm_result = read(root, warm, monkeypatch)
    assert reads == [head(root)]
    assert warm_result == cold(root, tmp_path, monkeypatch)


def _cache_files(folder: Path) -> list[Path]:
    files = sorted((folder / "history").glob("*.json"))
    assert len(files) == 2  # the record histories and the ledger
    return files


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), id="cut-short"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes().replace("村".encode(), "庄".encode())), id="body-edited"),
        pytest.param(lambda p: p.write_bytes(b"\x80\x81 not ours at all\n\x00"), id="foreign-bytes"),
        pytest.param(lambda p: p.write_text("{}\n{}", "utf-8"), id="no-seal"),
        pytest.param(
            lambda p: store.write_sealed(p, p.name.split("-")[0] + "-" + p.name.split("-")[1], "another-key", {"commit": "0" * 40, "state": {}}),
            id="other-key",
        ),
    ],
)
def test_a_corrupt_or_foreign_cache_is_ignored(started, tmp_path, monkeypatch, reads, spoil):
    root, warm = started.root, tmp_path / "warm"
    read(root, warm, monkeypatch)
    started.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(root, "改标题", "2014-02-01")
    for path in _cache_files(warm):
        spoil(path)
    reads.clear()
    warm_result = read(root, warm, monkeypatch)
    assert reads == [head(root)]
    assert warm_result == cold(root, tmp_path, monkeypatch)


def test_a_sealed_cache_of_the_wrong_shape_is_ignored(started, tmp_path, monkeypatch, reads):
    """A file sealed with the right key whose state this code cannot read (another format) is read afresh."""
    root, warm = started.root, tmp_path / "warm"
    read(root, warm, monkeypatch)
    last = head(root)
    for path in _cache_files(warm):
        header = path.read_bytes().split(b"\n", 1)[0]
        import json

        meta = json.loads(header)
        store.write_sealed(path, meta["kind"], meta["key"], {"commit": last, "state": {"live": [[1, 2]], "gone": 3, "owner": []}})
    started.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(root, "改标题", "2014-02-01")
    reads.clear()
    assert read(root, warm, monkeypatch) == cold(root, tmp_path, monkeypatch)
    assert reads[0] == head(root)


def test_a_sealed_history_text_nested_too_deep_is_ignored(started, tmp_path, monkeypatch, reads):
    """Each record's history is kept as JSON text: one that cannot be parsed (nested past
    Python's recursion limit) makes the whole history read afresh, not a traceback."""
    import json

    root, warm = started.root, tmp_path / "warm"
    read(root, warm, monkeypatch)
    path = next(p for p in _cache_files(warm) if p.name.startswith("record-histories"))
    meta = json.loads(path.read_bytes().split(b"\n", 1)[0])
    deep = "[" * 100_000 + "]" * 100_000
    store.write_sealed(path, meta["kind"], meta["key"], {"commit": head(root), "state": {"live": [["content/x.md", deep]], "gone": []}},
                       packed=True)
    started.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(root, "改标题", "2014-02-01")
    reads.clear()
    assert read(root, warm, monkeypatch) == cold(root, tmp_path, monkeypatch)
    assert reads[0] == head(root)


def test_a_catalogue_change_relabels_the_history(started, tmp_path, monkeypatch, reads):
    """Field labels in 修订记录 come from the catalogue: a changed catalogue is a different key."""
    root, warm = started.root, tmp_path / "warm"
    before = read(root, warm, monkeypatch)
    catalogue = root / "catalogues/village.yml"
    catalogue.write_text(catalogue.read_text("utf-8").replace("title: 期初余额", "title: 上期结余"), "utf-8")
    reads.clear()
    after = read(root, warm, monkeypatch)
    assert reads == [head(root)]
    assert after == cold(root, tmp_path, monkeypatch)
    labels = [c.label for r in after[0]["content/village/demo/cun/ledger.md"].revisions for c in r.fields]
    assert "上期结余" in labels and before != after


def test_a_code_change_reads_everything_again(started, tmp_path, monkeypatch, reads):
    root, warm = started.root, tmp_path / "warm"
    read(root, warm, monkeypatch)
    monkeypatch.setattr(store, "code_key", lambda: "another version of the code")
    reads.clear()
    assert read(root, warm, monkeypatch) == cold(root, tmp_path, monkeypatch)
    assert reads[0] == head(root)


def test_versions_parsed_on_every_core_give_the_same_histories(started, tmp_path, monkeypatch):
    """A long history is parsed in a pool of processes; the result is the one parsed here."""
    from gongkai import changes

    started.record("notes.yml", "catalogue: notice\ntitle: 关于YAML记录的通知\npublished: 2014-01-09\nbody: 正文。\n")
    commit(started.root, "一条 YAML 记录", "2014-01-21")
    here = cold(started.root, tmp_path, monkeypatch)
    monkeypatch.setattr(changes, "PARALLEL_VERSIONS", 0)
    calls = []
    real = changes.parse_record_text
    monkeypatch.setattr(changes, "parse_record_text", lambda text, path: calls.append(path) or real(text, path))
    pooled = cold(started.root, tmp_path, monkeypatch)
    assert pooled == here
    assert calls == []  # every version was parsed in the pool's processes (their calls are theirs)


def test_the_last_commit_of_each_file_read_incrementally_is_what_git_log_says(started, tmp_path, monkeypatch):
    """manifest.last_changed (each record's last commit) folds new commits into the remembered answer."""
    from gongkai import manifest

    root = started.root
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "warm"))

    def expected() -> dict[str, str]:
        out = subprocess.run(
            ["git", "-C", str(root), "log", "--first-parent", "--diff-merges=first-parent", "--no-renames", "--name-only",
             "--format=%x00%H", "HEAD", "--", "content"], capture_output=True, text=True, check=True,
        ).stdout
        found: dict[str, str] = {}
        sha = ""
        for line in out.splitlines():
            if line.startswith("\x00"):
                sha = line[1:]
            elif line and line not in found:
                found[line] = sha
        return found

    assert manifest.last_changed(root) == expected()
    git(root, "mv", "content/village/demo/cun/meeting.md", "content/village/demo/cun/meeting-2014.md")
    commit(root, "改名", "2014-01-21")
    git(root, "rm", "-q", "content/government/demo/ju/land.md")
    commit(root, "删除", "2014-01-22")
    assert manifest.last_changed(root) == expected()


def _stop_handlers(_: object = None) -> tuple:
    import signal

    return signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP), signal.getsignal(signal.SIGINT)


def test_the_parsing_pool_ends_when_the_pool_ends_it(monkeypatch):
    """The build turns SIGTERM into KeyboardInterrupt (cli.main); a forked worker that kept that
    handler unwound instead of ending when Pool.terminate signalled it, and a build hung for good.
    The pool's workers have the default handlers; this process keeps its own."""
    import signal

    from gongkai import changes, cli

    handlers = {sig: signal.signal(sig, cli._interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with changes.forked_pool(2) as pool:
            seen = pool.map(_stop_handlers, range(4), chunksize=1)
            assert _stop_handlers()[:2] == (cli._interrupt, cli._interrupt)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert set(seen) == {(signal.SIG_DFL, signal.SIG_DFL, signal.SIG_IGN)}


def test_a_cold_check_takes_the_log_git_read_beside_it(started, tmp_path, monkeypatch, reads):
    from gongkai import check

    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))
    history._reading.clear()
    history.prefetch(started.root)
    assert len(history._reading) == 1, "a cold cache: the whole log is read in a thread"
    next(iter(history._reading.values())).result(timeout=60)
    project = check(started.root)
    assert not history._reading and reads == [head(started.root)], "the check took that read and read nothing more"
    # The same findings and 索引号 as a check that reads the log itself.
    monkeypatch.setattr(history, "prefetch", lambda *a, **k: None)
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "other"))
    history._log.cache_clear()
    plain = check(started.root)
    assert list(project.findings) == list(plain.findings)
    assert {r.path: r.index_no for r in project.records} == {r.path: r.index_no for r in plain.records}


def test_no_log_is_read_ahead_when_the_kept_states_serve(started, tmp_path, monkeypatch, reads):
    from gongkai import check

    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))
    check(started.root)
    history._reading.clear()
    history._log.cache_clear()
    reads.clear()
    history.prefetch(started.root)
    assert not history._reading
    check(started.root)
    assert reads == [], "nothing new: the kept states serve"


def test_an_error_of_the_log_read_ahead_is_raised_where_the_log_is_asked_for(started, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))

    def broken(root, rev, paths):
        raise subprocess.CalledProcessError(128, ["git", "log"], stderr="fatal: bad object")

    monkeypatch.setattr(history, "_read_log", broken)
    history._log.cache_clear()
    history._reading.clear()
    history.prefetch(started.root)
    with pytest.raises(subprocess.CalledProcessError):
        history.log(started.root, head(started.root))


def test_a_tagged_value_in_an_old_version_is_read_as_text(started, tmp_path, monkeypatch):
    """!!binary gave bytes, which no history could be kept with: every later build failed."""
    root = started.root
    started.record("meeting.md", notice("关于召开村民代表会议的通知").replace("published:", "remarks: !!binary aGVsbG8=\npublished:"))
    commit(root, "带标签的版本", "2014-02-01")
    started.record("meeting.md", notice("关于召开村民代表会议的通知（更正）"))
    commit(root, "去掉标签", "2014-02-02")
    histories, _ = cold(root, tmp_path, monkeypatch)
    (h,) = [h for p, h in histories.items() if p.endswith("meeting.md")]
    assert len(h.revisions) == 3
    warm, _ = read(root, tmp_path / "cold-0", monkeypatch)  # and back from the cache it wrote
    assert [r.sha for r in warm[h.path].revisions] == [r.sha for r in h.revisions]
