"""The spare county folder (gongkai/spare.py): the folder a build swapped out is brought up to
date by the next build instead of a new folder being linked file by file.

Every build here is compared with a cold build of the same commit (test_warm_build's
`same_as_cold`): a recycled folder must hold exactly the bytes of a new one. The published
folder shares files with the spare by hard links; the tests that stop a build half-way check
that it is never written in place.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_history import commit
from test_warm_build import PARTIAL, make_builds
from tinyrepo import BUREAU, VILLAGE, notice

from gongkai import site, spare, store, warm


@pytest.fixture
def builds(tmp_path, monkeypatch):
    return make_builds(tmp_path, monkeypatch)


def _edit(repo, n: int) -> None:
    repo.record("meeting.md", notice(f"关于召开第{n}次村民代表会议的通知"))
    commit(repo.root, f"改标题{n}", f"2014-01-{10 + n}")


def _with_spare(repo, b, capsys, edits: int = 1) -> Path:
    """Build cold, then `edits` one-record builds (each the same as cold): from the first of
    them on, a spare is kept. Returns where."""
    b.same_as_cold(capsys)
    for n in range(2, 2 + edits):
        _edit(repo, n)
        b.same_as_cold(capsys)
    return _spare_of(b)


def _spare_of(b) -> Path:
    """Where the warm builds keep the spare of the county folder (spare.home, in their cache folder)."""
    return b.cache / spare.FOLDER / store.digest(str((b.site / "demo").resolve()))[:16]


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_ino) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_folder_swapped_out_comes_back_up_to_date_two_builds_later(builds, capsys):
    repo, b = builds
    b.same_as_cold(capsys)
    folders = []
    for n in range(2, 6):
        _edit(repo, n)
        assert PARTIAL in b.same_as_cold(capsys)
        folders.append((b.site / "demo").stat().st_ino)
        # The folder swapped out waits in the cache folder, never in the site folder.
        assert _spare_of(b).is_dir()
        assert sorted(p.name for p in b.site.iterdir() if p.name.startswith(".")) == [".gongkai-build.lock"]
    # From the third build on, the spare (the folder of two builds before) is the new folder.
    assert folders[2] == folders[0] and folders[3] == folders[1] and folders[0] != folders[1]


@pytest.mark.parametrize("tamper", ["edited in place", "file added", "file removed", "replaced, same size and time"])
def test_a_spare_touched_since_it_was_put_aside_is_not_used(builds, capsys, tamper):
    repo, b = builds
    where = _with_spare(repo, b, capsys)
    page = next(p for p in sorted(where.rglob("*.html")) if "government" in p.as_posix())
    if tamper == "edited in place":
        # A hard link is shared with the published folder: writing into it changes both,
        # and both fingerprints see it.
        with open(page, "ab") as f:
            f.write(b"<!-- x -->")
    elif tamper == "file added":
        (where / "extra.html").write_text("<p>旧</p>", "utf-8")
    elif tamper == "file removed":
        page.unlink()
    else:
        stat = page.stat()
        data = page.read_bytes()
        page.unlink()
        page.write_bytes(data[:-1] + b"#")
        os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    before = (b.site / "demo").stat().st_ino
    _edit(repo, 3)
    b.same_as_cold(capsys)
    # Not the spare: a new folder (the old spare was removed, the folder swapped out kept instead).
    assert (b.site / "demo").stat().st_ino not in (before, where.stat().st_ino if where.exists() else None)
    assert not (b.site / "demo" / "extra.html").exists()
    _edit(repo, 4)
    assert PARTIAL in b.same_as_cold(capsys)  # and the next build goes on from there


@pytest.mark.parametrize("stop", ["while bringing the spare up to date", "before the swap"])
def test_a_build_stopped_half_way_leaves_the_published_folder_as_it_was(builds, capsys, monkeypatch, stop):
    """The spare shares files with the published folder (hard links): bringing it up to date
    must never write into one of them. Stopped half-way, the published folder has the same
    bytes and files as before, the half-made spare is not taken by the next build, and the
    builds after are the same as cold ones."""
    repo, b = builds
    _with_spare(repo, b, capsys, edits=2)  # the spare shares files with the published folder
    published = _snapshot(b.site / "demo")
    shared = set(published).intersection(_snapshot(_spare_of(b)))
    assert shared
    # Another record this time: its page, kept by the last two builds, is a file the spare
    # shares with the published folder, and is now rendered anew.
    repo.record("land.md", notice("关于土地整治项目的补充公告", "2014-01-06"), BUREAU)
    commit(repo.root, "改另一条", "2014-01-14")
    with monkeypatch.context() as m:
        if stop == "before the swap":
            def stopped(*args, **kwargs):
                raise KeyboardInterrupt
            m.setattr(site, "replace_dir", stopped)
        else:
            moved = []
            replace, into = os.replace, os.fspath(_spare_of(b))

            def stopping(src, dst):
                if os.fspath(dst).startswith(into):  # a file moved into the spare
                    moved.append(dst)
                    if len(moved) > 3:
                        raise KeyboardInterrupt
                replace(src, dst)
            m.setattr(os, "replace", stopping)
        with pytest.raises(KeyboardInterrupt):
            b.warm(capsys)
    assert _snapshot(b.site / "demo") == published
    assert not (b.site / ".build-demo").exists()
    log = b.same_as_cold(capsys)
    # Stopped before the swap, the published folder is still what the last build noted: its
    # unchanged pages are taken again. Stopped at the swap, nothing is assumed of it.
    assert (PARTIAL in log) == (stop == "while bringing the spare up to date")
    _edit(repo, 5)
    assert PARTIAL in b.same_as_cold(capsys)


def test_the_spare_of_a_site_folder_that_is_gone_is_removed(builds, capsys, tmp_path):
    repo, b = builds
    gone = _with_spare(repo, b, capsys)
    assert gone.is_dir()
    b.site = tmp_path / "another-site"  # the old site folder deleted; builds go elsewhere now
    shutil.rmtree(tmp_path / "warm-site")
    _edit(repo, 3)
    b.same_as_cold(capsys)
    assert not gone.exists() and not gone.with_name(gone.name + ".json").exists()
    assert not [p for p in gone.parent.iterdir() if p.name.startswith(gone.name)]


def test_no_spare_is_kept_in_a_cache_folder_inside_the_site_folder(builds, capsys, monkeypatch):
    repo, b = builds
    b.cache = b.site / "cache"  # GONGKAI_CACHE inside the site folder: whatever is there is published
    b.warm(capsys)
    for n in (2, 3):
        _edit(repo, n)
        assert PARTIAL in b.warm(capsys)
    assert not (b.cache / spare.FOLDER).exists() or not any((b.cache / spare.FOLDER).iterdir())


def test_stray_files_named_like_work_folders_in_a_county_folder_do_not_come_back(builds, capsys):
    """A county folder is scanned whole: a stray file whose name starts like the build's
    work folders (.old-, .build-) changes its fingerprint, and no build keeps it."""
    repo, b = builds
    _with_spare(repo, b, capsys)
    (b.site / "demo" / ".old-stray.html").write_text("<p>旧</p>", "utf-8")
    (b.site / "demo" / ".build-x").mkdir()
    (b.site / "demo" / ".build-x" / "f.html").write_text("<p>旧</p>", "utf-8")
    for n in (3, 4, 5):
        _edit(repo, n)
        b.same_as_cold(capsys)  # the same files as a cold build: no stray one among them


def test_a_cache_folder_that_cannot_be_written_never_fails_a_build(builds, capsys, monkeypatch):
    """The spare's note cannot be dropped and nothing in the cache folder can be renamed (a
    read-only or immutable folder): the builds go on without a spare, as cold ones would."""
    repo, b = builds
    where = _with_spare(repo, b, capsys, edits=2)
    assert where.is_dir()
    rename = Path.rename

    def refused(self, target):
        if os.fspath(self).startswith(os.fspath(where.parent)) or os.fspath(target).startswith(os.fspath(where.parent)):
            raise PermissionError(1, "Operation not permitted", os.fspath(self))
        return rename(self, target)

    monkeypatch.setattr(spare, "_forget", lambda where: False)
    monkeypatch.setattr(Path, "rename", refused)
    for n in (4, 5, 6):
        _edit(repo, n)
        assert PARTIAL in b.same_as_cold(capsys)  # exit 0 (same_as_cold insists), the unchanged pages still kept


def test_a_spare_left_aside_by_a_stopped_build_is_removed(builds, capsys):
    repo, b = builds
    where = _with_spare(repo, b, capsys)
    left = where.with_name(where.name + ".gone-4194305")  # above any pid: no such process
    left.mkdir()
    (left / "index.html").write_text("x", "utf-8")
    _edit(repo, 3)
    b.same_as_cold(capsys)
    assert not left.exists()


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _folders(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


def _write(folder: Path, tree: dict[str, str]) -> None:
    for rel, text in tree.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, "utf-8")


@pytest.mark.parametrize("with_spare", [True, False])
def test_assemble_gives_the_new_folder_whatever_the_spare_held(tmp_path, with_spare):
    """Files that became folders and folders that became files, files gone, files the spare
    shares with the published folder and files it holds other bytes of: the result is the
    written files plus the kept ones, nothing else (no empty folder either), and its listing
    is what a scan of it gives (the fingerprint the next build checks)."""
    final, work, old = tmp_path / "final", tmp_path / "work", tmp_path / "spare"
    _write(final, {"same/a.html": "A", "other/b.html": "B", "x/deep/c.html": "C", "keep.json": "K"})
    _write(work, {"index.html": "new", "gone": "now a file", "other/new.html": "N"})
    (work / "empty").mkdir()
    _write(old, {"index.html": "old", "gone/y/z.html": "was a folder", "x/deep": "was a file", "other/b.html": "B, older bytes",
                 "stale/s.html": "S", "stale/t/u.html": "U"})
    os.link(final / "same/a.html", old / "a-link")  # one shared file, under another name
    (old / "same").mkdir()
    os.link(final / "same/a.html", old / "same/a.html")  # and one shared file in its place
    (old / "lonely").mkdir()
    kept = ["same/a.html", "other/b.html", "x/deep/c.html", "keep.json"]
    final_files = warm.scan(final)
    written_folders: set[str] = set()
    written = warm.scan(work, written_folders)
    taken = None
    if with_spare:
        folders: set[str] = set()
        taken = spare.Spare(old, warm.scan(old, folders), folders)
    folder, listing = spare.assemble(work, written, written_folders, final, kept, final_files, taken)
    assert folder == (old if with_spare else work)
    assert _tree(folder) == {"index.html": b"new", "gone": b"now a file", "other/new.html": b"N", "same/a.html": b"A",
                             "other/b.html": b"B", "x/deep/c.html": b"C", "keep.json": b"K"}
    assert _folders(folder) == {"empty", "other", "same", "x", "x/deep"}
    assert listing == warm.scan(folder)
    for rel in kept:  # the kept files are the published ones, linked, never copies
        assert (folder / rel).stat().st_ino == (final / rel).stat().st_ino
    assert _tree(final) == {"same/a.html": b"A", "other/b.html": b"B", "x/deep/c.html": b"C", "keep.json": b"K"}


def test_an_attachment_two_records_list_is_published_once_and_later_builds_go_on(builds, capsys):
    """Two records may list one file (a notice and its correction). It went into the build's
    files twice, and the first warm build linked it twice: SameFileError, every build after."""
    repo, b = builds
    repo.write(f"{VILLAGE}/shared.csv", "项目,金额\n修路,100\n")
    extra = "attachments:\n  - {file: shared.csv, title: 附件}\n"
    repo.record("s1.md", notice("关于公示的通知", extra=extra))
    repo.record("s2.md", notice("关于公示的通知（补充）", extra=extra))
    commit(repo.root, "共用附件", "2014-01-09")
    b.same_as_cold(capsys)
    for n in range(2, 5):
        _edit(repo, n)
        assert PARTIAL in b.same_as_cold(capsys)
    assert (b.site / "demo" / "village" / "cun" / "shared.csv").read_text("utf-8") == "项目,金额\n修路,100\n"
