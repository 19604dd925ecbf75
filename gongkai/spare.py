"""The spare county folder: the folder a build swapped out, kept for the next build to bring up to date.

Builds are atomic: each county is written into a new folder that is swapped in whole, and
the published folder is never written in place. Done plainly, a warm build that changed one
record still made a new folder for each of ~43,000 files (hard links to the unchanged ones)
and removed the old ~43,000: at 10,000 records, 4.6 s of mkdir and 3 s of waiting for rm,
half of the build (profiled; `python -m gongkai.bench` prints the same floor as `cp -al` and
`rm -rf` of the folder).

So the folder a build swaps out is kept, in the cache folder: never in the site folder, which
is what gets published, and must not carry an old copy of itself. The next build writes what
it renders into a fresh work folder, as before, and then brings the spare up to date:
  - every file it wrote is moved in (a rename);
  - every file it takes unchanged from the published folder is linked in, unless the spare
    holds that very file already (the same inode: linked from there by the build before);
  - every file no longer built is removed, and so are the folders left empty.
The spare then holds exactly the files a new folder would (the byte-identity tests), and is
swapped in. The work is proportional to what changed over the last two builds.

The published folder and the spare share files by hard links, so nothing here writes into an
existing file: files are replaced by rename or unlinked, never opened for writing.

A spare is used only when its fingerprint (path, size, time, mode and inode of every file) is
the one noted beside it when it was put aside, and the cache folder is on the site folder's
file system (files move between them by rename). Otherwise it is removed and the build links
a new folder, as without a spare. The note is dropped before the spare is changed, so a build
stopped half-way leaves a spare the next build does not take; the published folder is not
touched until the swap, so the next build still takes its unchanged pages from there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from . import store, warm
from .warm import Stat

FOLDER = "spare"  # in the cache folder
KIND = "spare-folder"


def home(root: Path, final: Path) -> Path | None:
    """Where the spare of a published county folder is kept; None when no spare can be kept
    (no cache, or the cache folder on another file system than the site folder)."""
    if not store.active():
        return None
    where = store.cache_root(root) / FOLDER / store.digest(str(final.resolve()))[:16]
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        if os.stat(where.parent).st_dev != os.stat(final.parent).st_dev:
            return None
        if not os.access(where.parent, os.W_OK | os.X_OK):
            return None  # a cache folder that cannot be written: no spare (it never fails a build)
        if final.parent.resolve() in where.resolve().parents:
            return None  # a cache folder inside the site folder: a spare there would be published
    except OSError:
        return None
    return where


def _note(where: Path) -> Path:
    return where.with_name(f"{where.name}.json")


def note(where: Path, fingerprint: str, final: Path) -> None:
    """Note the fingerprint of the folder just put aside at `where` (warm.fingerprint's), and
    the published folder it is the spare of."""
    store.write_sealed(_note(where), KIND, "1", {"fingerprint": fingerprint, "for": str(final.resolve())})


def prune(root: Path, remove_later: Any) -> None:
    """Remove the spares of published folders that no longer exist (a site folder deleted or
    moved): nothing would ever take them, and each holds a whole county site."""
    if not store.active():
        return
    try:
        notes = sorted((store.cache_root(root) / FOLDER).glob("*.json"))
    except OSError:
        return
    for path in notes:
        body = store.read_sealed(path, KIND, "1")
        final = body.get("for") if isinstance(body, dict) else None
        if isinstance(final, str) and not Path(final).exists():
            discard(path.with_suffix(""), remove_later)
    # Spares set aside for removal by a build that was stopped before it was done.
    for aside in (store.cache_root(root) / FOLDER).glob("*.gone-*"):
        pid = aside.name.rsplit("-", 1)[1]
        if pid.isdigit() and not _running(int(pid)):
            remove_later(aside)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def remove_now(path: Path) -> None:
    """Remove what only the cache holds, here and now; what cannot be removed stays."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def _forget(where: Path) -> bool:
    """Drop the note of the spare at `where`; False when it could not be dropped."""
    try:
        _note(where).unlink()
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


class Spare:
    """A spare folder found as it was put aside: its files (as warm.scan lists them) and folders."""

    def __init__(self, path: Path, files: dict[str, Stat], folders: set[str]):
        self.path, self.files, self.folders = path, files, folders


def take(where: Path | None, scanning: warm.Scanning | None = None) -> Spare | None:
    """The spare at `where` when its fingerprint is the one noted when it was put aside
    (scanned by `scanning`, when it was asked to)."""
    if where is None or where.is_symlink() or not where.is_dir():
        return None
    body = store.read_sealed(_note(where), KIND, "1")
    noted = body.get("fingerprint") if isinstance(body, dict) else None
    if not isinstance(noted, str):
        return None
    folders: set[str] = set()
    try:
        files = (scanning or warm.Scanning([])).scan(where, folders)
    except OSError:
        return None
    return Spare(where, files, folders) if warm.digest_of(files) == noted else None


def discard(where: Path | None, remove_later: Any) -> None:
    """Remove whatever lies at `where` (a spare not taken): moved aside at once, removed by
    `remove_later` (in the background during a build)."""
    if where is None:
        return
    _forget(where)
    if not (where.exists() or where.is_symlink()):
        return
    aside = where.with_name(f"{where.name}.gone-{os.getpid()}")
    try:
        where.rename(aside)
    except OSError:
        return  # a cache folder that cannot be written: what is there stays (take() checks it)
    remove_later(aside)


def assemble(
    work: Path, fresh: dict[str, Stat], fresh_folders: set[str], final: Path, kept: list[str], final_files: dict[str, Stat],
    spare: Spare | None,
) -> tuple[Path, dict[str, Stat]]:
    """The complete new county folder and its listing (every file's Stat, as warm.scan gives it).

    `fresh`, `fresh_folders`: what the build wrote into `work` (warm.scan of it); `kept`: the
    files taken unchanged from the published folder `final`, whose files `final_files` lists.
    Without a spare the kept files are linked into `work`; with one, the spare is brought up
    to date (the module docstring) and `work` is left with empty folders only."""
    if spare is None or not _forget(spare.path):  # from here on it is not what was noted
        return work, {**fresh, **_link_all(final, work, kept, final_files)}
    return spare.path, _bring_up_to_date(spare, work, fresh, fresh_folders, final, kept, final_files)


def _link(source: str, target: str) -> Stat | None:
    """Hard-link source to target (a copy where linking is not possible); the copy's Stat, or
    None for a link (it has the source's)."""
    try:
        os.link(source, target)
        return None
    except OSError:
        shutil.copy2(source, target)
        return warm.stat_of(Path(target))


def _link_all(final: Path, work: Path, kept: list[str], final_files: dict[str, Stat]) -> dict[str, Stat]:
    """Link the kept files of `final` into a new folder."""
    listing: dict[str, Stat] = {}
    made: set[str] = set()
    source, base = os.fspath(final), os.fspath(work)
    for rel in kept:
        target = os.path.join(base, rel)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        listing[rel] = _link(os.path.join(source, rel), target) or final_files[rel]
    return listing


def _parents(rel: str) -> list[str]:
    """The folders a relative file path lies in, outermost first ('a/b/c.html' -> ['a', 'a/b'])."""
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _depth(rel: str) -> int:
    return rel.count("/")


def _bring_up_to_date(
    spare: Spare, work: Path, fresh: dict[str, Stat], fresh_folders: set[str], final: Path, kept: list[str],
    final_files: dict[str, Stat],
) -> dict[str, Stat]:
    into, source, written = os.fspath(spare.path), os.fspath(final), os.fspath(work)
    wanted_folders = set(fresh_folders)
    for rel in kept:
        wanted_folders.update(_parents(rel))
    wanted = fresh.keys() | set(kept)
    # What the new folder does not hold goes first: files, then folders, deepest first (a
    # folder where a file is now built, or the reverse, is cleared before its place is taken).
    for rel in spare.files:
        if rel not in wanted:
            os.unlink(os.path.join(into, rel))
    for rel in sorted(spare.folders - wanted_folders, key=_depth, reverse=True):
        os.rmdir(os.path.join(into, rel))
    for rel in sorted(wanted_folders - spare.folders, key=_depth):
        os.mkdir(os.path.join(into, rel))
    listing: dict[str, Stat] = {}
    for rel, stat in fresh.items():
        listing[rel] = stat
        had = spare.files.get(rel)
        if had is None or had[3] != stat[3]:  # the same inode: rename would do nothing
            os.replace(os.path.join(written, rel), os.path.join(into, rel))
    for rel in kept:
        stat = final_files[rel]
        had = spare.files.get(rel)
        if had is not None and had[3] == stat[3]:
            listing[rel] = stat  # the very file: the same bytes, size, time and mode
            continue
        target = os.path.join(into, rel)
        if had is not None:
            os.unlink(target)
        listing[rel] = _link(os.path.join(source, rel), target) or stat
    return listing
