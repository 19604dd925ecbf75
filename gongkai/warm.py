"""Warm builds: when nothing a build reads has changed, the sites it built last time stand.

A build's inputs are the checked-out commit, every uncommitted, untracked or ignored file
among the build's inputs (manifest.BUILD_INPUTS, by content), Gongkai's code and libraries
(store.code_key), the counties asked for and the build's options (search index, --as-of,
the published manifests of --previous). Their hash is the build's key. After a successful
build the key is remembered (store.py) with a fingerprint of what the build left in the
output folder: every file's path, size and modification time, each county's manifest.json
among them. The next build with the same key and an output folder that still matches the
fingerprint has nothing to do: the same inputs give the same bytes (the byte-identity test,
tests/test_warm_build.py). Any difference, a file touched or removed in the output folder
included, makes a full build. `verify` stays the check against tampering: a fingerprint
only tells that nobody touched the folder since, which is all a build needs to know.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from . import store
from .changes import Forked
from .manifest import BUILD_INPUTS as INPUTS
from .manifest import _hash_file

KIND = "site-build"
# What the output folder holds that is not the build's output.
NOT_OUTPUT_PREFIXES = (".build-", ".old-", ".gongkai-build.lock")


def _git(root: Path, *args: str) -> bytes | None:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def _file_digest(path: Path) -> str:
    """The content of a file, a folder (every file under it) or a link, as a hash; 'absent' when gone."""
    if path.is_symlink():
        return "link:" + os.readlink(path)
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if path.is_dir():
        h = hashlib.sha256()
        for sub in sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink()):
            h.update(f"{sub.relative_to(path).as_posix()}\0{_file_digest(sub)}\n".encode())
        return "dir:" + h.hexdigest()
    return "absent"


def inputs_key(root: Path, counties: list[str] | None, options: dict[str, Any]) -> str | None:
    """The hash of everything a build of these counties reads; None when it cannot be told (not a git checkout)."""
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching", "--no-renames", "--", *INPUTS)
    if not head or status is None:
        return None
    dirty = []
    for entry in sorted(e for e in status.decode("utf-8", "surrogateescape").split("\0") if e):
        rel = entry[3:]
        if "__pycache__" in rel.split("/") or rel.endswith(".pyc"):
            continue  # Python's own byte code: code_key covers the source
        dirty.append(f"{entry[:2]} {rel} {_file_digest(root / rel)}")
    return store.digest(
        store.code_key(),
        head.decode().strip(),
        json.dumps(sorted(counties) if counties else None),
        json.dumps(options, sort_keys=True, ensure_ascii=False, default=repr),
        *dirty,
    )


# Size, modification time (ns), mode and inode: what a fingerprint notes of a file. The inode
# tells a file replaced by another of the same size and time, and which files two folders
# share (spare.py).
Stat = tuple[int, int, int, int]


def scan(folder: Path, folders: set[str] | None = None) -> dict[str, Stat]:
    """Every file, link and other non-folder entry under a folder, by posix path relative to it.

    One pass of os.scandir with plain strings (pathlib and os.path.relpath were most of the
    time of walking ~28,000 files). Every entry is listed, whatever its name: the build's
    own work folders lie beside the county folders, never in them (site_fingerprint leaves
    them out of the site folder), and a stray `.old-…` file in a county folder must show.
    A link to a folder is listed as itself and not followed. `folders`, when given,
    receives every folder under `folder`, by the same relative paths."""
    found: dict[str, Stat] = {}
    top = os.fspath(folder)

    def walk(path: str, prefix: str) -> None:
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if folders is not None:
                        folders.add(prefix + entry.name)
                    walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    st = entry.stat(follow_symlinks=False)
                    found[prefix + entry.name] = (st.st_size, st.st_mtime_ns, st.st_mode, st.st_ino)

    walk(top, "")
    return found


class Scanning(Forked):
    """scan() of some folders, made by a forked process while the build goes on.

    A one-record build of a 10,000-record county scans two folders of ~43,000 files: the
    published one (previous_county) and its spare (spare.take). That was a second of the
    build's main process (py-spy), and the scans need nothing the build makes. So a process
    forked when a county's build starts makes them beside its page stage, on the other core.

    Only folders that nothing changes meanwhile are to be given: the build holds the site
    folder's lock, and a spare is only touched by builds into that folder. What the process
    sends is what scan() gives; when it cannot be had (no fork, the process failed or died),
    the folder is scanned here, as without this, and an error is raised here as scan() raises it."""

    def __init__(self, folders: list[Path | None]):
        self.got: dict[Path, Any] = {}
        wanted = [f for f in folders if f is not None]
        if wanted:
            self.start(_scan_forked, wanted)  # no process: each folder is scanned here

    def scan(self, folder: Path, folders: set[str] | None = None) -> dict[str, Stat]:
        """scan(folder, folders), as the process made it when it did."""
        while folder not in self.got and self.process is not None:
            try:
                done, result = self.reader.recv()
            except (EOFError, OSError):  # the process ended without sending it
                self.stop()
                break
            self.got[done] = result
        result = self.got.pop(folder, None)
        if not (isinstance(result, tuple) and len(result) == 2):
            return scan(folder, folders)
        files, subfolders = result
        if folders is not None:
            folders.update(subfolders)
        return files


def _scan_forked(folders: list[Path], writer: Any, reader: Any) -> None:
    # A listing is megabytes: send() blocks until the build reads it. Without its own copy of
    # the read end, this process meets a closed pipe (and ends) when the build is gone, killed
    # included; else it would wait for ever, holding the site lock it inherited.
    reader.close()
    for folder in folders:
        subfolders: set[str] = set()
        try:
            found: Any = (scan(folder, subfolders), subfolders)
        except OSError:  # whatever it is, scan() raises it again in the build
            found = None
        writer.send((folder, found))


def stat_of(path: Path) -> Stat:
    """What scan notes of one file (the manifest, written after the folder was scanned)."""
    st = os.lstat(path)
    return (st.st_size, st.st_mtime_ns, st.st_mode, st.st_ino)


def digest_of(files: dict[str, Stat]) -> str:
    """The fingerprint of a folder from its scan: path, size, modification time, mode and inode of every file."""
    h = hashlib.sha256()
    for rel in sorted(files):
        size, mtime, mode, inode = files[rel]
        h.update(f"{rel}\0{size}\0{mtime}\0{mode}\0{inode}\n".encode())
    return h.hexdigest()


def fingerprint(folder: Path) -> str:
    """Path, size, modification time, mode and inode of every file the build left in a folder."""
    return digest_of(scan(folder))


def site_fingerprint(site_dir: Path, known: dict[str, str] | None = None) -> str:
    """The fingerprint of the whole output folder, made of one fingerprint per folder at its top
    (a county site, the portal's stats/ …) and the files beside them.

    `known`: fingerprints of top folders the build has just written and fingerprinted
    (site.build_county), so they are not walked again. A folder's fingerprint changes with
    any file under it, so the whole still changes with any file touched, added or removed."""
    known = known or {}
    h = hashlib.sha256()
    with os.scandir(site_dir) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith(NOT_OUTPUT_PREFIXES):
                continue
            if entry.is_dir(follow_symlinks=False):
                part = known.get(entry.name) or fingerprint(Path(entry.path))
                h.update(f"{entry.name}/\0{part}\n".encode())
            else:
                st = entry.stat(follow_symlinks=False)
                h.update(f"{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_mode}\n".encode())
    return h.hexdigest()


def _entry(root: Path, site_dir: Path) -> Path:
    return store.cache_root(root) / "builds" / f"{store.digest(str(site_dir.resolve()))[:16]}.json"


def unchanged(root: Path, site_dir: Path, key: str | None) -> bool:
    """True when the last build into site_dir had this key and left the folder as it is now."""
    if key is None or not site_dir.is_dir():
        return False
    remembered = store.read_sealed(_entry(root, site_dir), KIND, key)
    if not isinstance(remembered, dict) or not isinstance(remembered.get("counties"), list):
        return False
    if not all(isinstance(c, str) and (site_dir / c / "manifest.json").is_file() for c in remembered["counties"]):
        return False
    return remembered.get("fingerprint") == site_fingerprint(site_dir)


def remember(root: Path, site_dir: Path, key: str | None, counties: list[str], known: dict[str, str] | None = None) -> None:
    """Note that site_dir now holds the complete output of a build with this key (these counties and the portal).

    `known`: county folder -> its fingerprint, as build_county took it (see site_fingerprint)."""
    if key is not None:
        store.write_sealed(_entry(root, site_dir), KIND, key, {"counties": counties, "fingerprint": site_fingerprint(site_dir, known)})


def forget(root: Path, site_dir: Path) -> None:
    """Drop what is remembered of site_dir (a build into it is starting: until it ends, nothing is known)."""
    try:
        _entry(root, site_dir).unlink()
    except OSError:
        pass


# One county: which pages changed since the last build -----------------------------------

COUNTY_KIND = "county-pages"


def county_key(root: Path, engine_args: dict[str, Any]) -> str:
    """What every page of a county depends on besides its own data: code, theme, mkdocs.yml, the site's settings."""
    return store.digest(
        store.code_key(),
        _file_digest(Path(root) / "mkdocs.yml"),
        _file_digest(Path(root) / "theme"),
        json.dumps(engine_args, sort_keys=True, ensure_ascii=False, default=repr),
    )


def _value_digest(value: Any) -> str | None:
    """A hash of plain data (None when it holds anything else: such a page is always rendered)."""
    try:
        return hashlib.sha256(json.dumps(value, ensure_ascii=False, default=_refuse).encode()).hexdigest()
    except (TypeError, ValueError):
        return None


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def page_digests(pages: list[Any]) -> dict[str, str | None]:
    """Page source -> a hash of everything the page shows (its title, template, data and meta)."""
    # A record page kept by pages/memo.py comes with this hash, made when it was kept.
    return {p.src: p.kept_digest or _value_digest([p.src, p.title, p.template, p.kind, p.data, p.meta]) for p in pages}


def same_files(assets: list[Any], hashes: dict[str, str]) -> set[str]:
    """The assets (attachments, data files) whose bytes have the SHA-256 `hashes` gives their
    place: the previous build's manifest, vouched for by its folder's fingerprint."""
    same = set()
    for asset in assets:
        known = hashes.get(asset.src)
        if known is None:
            continue
        if asset.content is not None:
            digest = hashlib.sha256(asset.content).hexdigest()
        else:
            try:
                digest = _hash_file(asset.path)  # as the manifest hashed it
            except OSError:
                continue  # MkDocs meets it and says what is wrong
        if digest == known:
            same.add(asset.src)
    return same


def documents_digest(text: str) -> str:
    """A hash of the search documents (search.documents_text): the index is made from nothing else."""
    return hashlib.sha256(text.encode()).hexdigest()


def _county_entry(root: Path, county_dir: Path) -> Path:
    return store.cache_root(root) / "counties" / f"{store.digest(str(county_dir.resolve()))[:16]}.json"


def remembers_county(root: Path, county_dir: Path) -> bool:
    """Whether anything is remembered of the last build of this county folder (previous_county
    may find it; without, a cold build scans nothing)."""
    return _county_entry(root, county_dir).is_file()


def previous_county(root: Path, county_dir: Path, key: str, scanning: Scanning | None = None) -> dict[str, Any] | None:
    """What the last build of this county folder remembered (page hashes, search hash, its
    fingerprint), when the key is the same and the folder is as that build left it; else
    None. Its "files": the folder's scan (every file's Stat), taken to check it; by
    `scanning`, when it was asked to scan the folder."""
    remembered = store.read_sealed(_county_entry(root, county_dir), COUNTY_KIND, key)
    if not isinstance(remembered, dict) or not isinstance(remembered.get("pages"), dict) or not county_dir.is_dir():
        return None
    files = (scanning or Scanning([])).scan(county_dir)
    if remembered.get("fingerprint") != digest_of(files):
        return None
    remembered["files"] = files
    return remembered


def remember_county(root: Path, county_dir: Path, key: str, pages: dict[str, str | None], search: str | None, folder_fingerprint: str) -> None:
    """Note the page hashes of the county folder just built, and its fingerprint (taken by the
    build from its listing of the folder, which the rename into place does not change)."""
    store.write_sealed(_county_entry(root, county_dir), COUNTY_KIND, key, {"pages": pages, "search": search, "fingerprint": folder_fingerprint})


def forget_county(root: Path, county_dir: Path) -> None:
    """Drop what is remembered of a county folder about to be replaced."""
    try:
        _county_entry(root, county_dir).unlink()
    except OSError:
        pass
