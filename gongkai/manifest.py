"""Proving what was published: a manifest in each county site, and `verify` against git.

Each county site carries manifest.json: the commit it was built from and, for every
record, its source path, the last commit that changed it and SHA-256 of its source and of
its page (and its title, unit and date); then the hash of every other file, and `lost`:
records an earlier build published that git no longer knows (pages.CountySite.lost_records),
carried from build to build. `verify` does not trust those hashes (whoever
can deface a page can edit the manifest): it reads only the commit, rebuilds the county
from that commit in a temporary git worktree (handing it the published `lost` list, which
git cannot supply), and compares every file of the rebuild with what the site serves, by
folder or over HTTP.

The portal has a manifest of its own (kind "portal": its commit, the counties it links,
its files' hashes), so every file under the portal's folder is vouched for: the
portal's files by a rebuild of the portal, each county's folder by a rebuild of that
county (one without a manifest is compared with the portal's commit and reported), and
anything else is reported.

What is left out, and why (measured): the MkDocs pages, assets and manifest are
byte-identical from one build of a commit to the next (other process, other hash seed,
other checkout folder). sitemap.xml carries the build date, so it is compared without its
<lastmod> lines. The search index (search.BUNDLE) is reproducible too and is compared
file by file: a result card is a title and an address a reader clicks, so a tampered one
matters as much as a page. The manifest holds one hash over it, not one per file.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .load import Project, load
from .model import County
from .search import BUNDLE

MANIFEST = "manifest.json"
PORTAL_KIND = "portal"  # the portal's manifest says so; a county's names its county
SEARCH_BUNDLE = f"{BUNDLE}/"
SITEMAPS = ("sitemap.xml", "sitemap.xml.gz")
# What a county site is made from; changes anywhere else in the checkout do not change it.
BUILD_INPUTS = ("content", "catalogues", "mkdocs.yml", "theme", "gongkai", "build.py")

CHANGED = "changed"
MISSING = "missing"
EXTRA = "extra"
SOURCE = "source"
UNVERIFIABLE = "unverifiable"
LOST = "lost"  # not a difference: a claim of the manifest that git cannot check
PORTAL = ""  # the county of the portal's own files in a report

KIND_ZH = {CHANGED: "被篡改", MISSING: "缺失", EXTRA: "多出", SOURCE: "源文件不符", UNVERIFIABLE: "无法核对", LOST: "历史中消失"}
_ORDER = list(KIND_ZH)


# Writing the manifest -------------------------------------------------------------------


def sha256(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def _git(root: Path, *args: str) -> str | None:
    """A git command's stdout, or None when git fails (not a checkout, unknown revision)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "-c", "core.quotepath=off", *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return proc.stdout


def head_commit(root: Path) -> str | None:
    """The checked-out commit, or None outside git."""
    out = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    return out.strip() if out else None


def is_dirty(root: Path) -> bool:
    """True when what the build reads has uncommitted changes or untracked files.

    Only the build's inputs count, so a stray note at the top of the checkout does not
    make every site unverifiable; ignored files (site/) never count.
    """
    out = _git(root, "status", "--porcelain", "-z", "--", *BUILD_INPUTS)
    return bool(out)


def last_changed(root: Path) -> dict[str, str]:
    """Repository path -> the last commit that changed it, for everything under content/.

    One `git log` pass, newest first, so the first commit seen for a path is its last change.
    Like the pages' 修订记录 (history.py), only the first-parent line counts: a merged pull
    request changed the file when it was merged. The answer depends only on HEAD, so the
    counties of one build share one pass.
    """
    return dict(_last_changed_at(str(root), head_commit(root)))


@functools.lru_cache(maxsize=4)
def _last_changed_at(root: str, head: str | None) -> tuple[tuple[str, str], ...]:
    if head is None:
        return ()
    from . import history, store

    def fold(state: dict[str, str], commits: list[history.Commit]) -> None:
        for c in commits:  # oldest first: a later commit overwrites; a rename changed both paths
            for f in c.files:
                state[f.old_path] = state[f.path] = c.sha

    try:
        # Read incrementally like the record histories (history.replay): only commits after the last build's.
        found = history.replay(Path(root), head, "last-changed", store.code_key(), fresh=dict, advance=fold, encode=dict, decode=dict)
    except history.HistoryError:
        return ()
    return tuple(found.items())


def _all_files(site: Path, unreadable: list[str] | None = None) -> Iterator[str]:
    """Every file under a folder as a posix path relative to it, in sorted order.

    A subfolder that cannot be listed is added to `unreadable` (when given) instead of
    being passed over in silence: verify cannot vouch for what it cannot see. Plain strings
    and os.scandir: pathlib and relpath were most of the time of listing ~28,000 files."""

    def walk(path: str, prefix: str) -> Iterator[str]:
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError:
            if unreadable is not None:
                unreadable.append(prefix.rstrip("/") or ".")
            return
        # A link to a folder is not walked into (it may lead anywhere): it is listed as
        # itself, so verify reports it (no build makes links).
        folders = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
        names = set(folders)
        for name in sorted(e.name for e in entries if e.name not in names):
            yield prefix + name
        for name in folders:
            yield from walk(os.path.join(path, name), f"{prefix}{name}/")

    return walk(os.fspath(site), "")


def _site_files(site: Path) -> Iterator[str]:
    """Every file of a built county site that can be compared: the search bundle and manifest aside."""
    return (rel for rel in _all_files(site) if rel != MANIFEST and not rel.startswith(SEARCH_BUNDLE))


def _walk_order(rel: str) -> tuple[tuple[int, str], ...]:
    """Sort key putting paths in _all_files' order: in each folder its files, then its subfolders."""
    parts = rel.split("/")
    return tuple((1, p) for p in parts[:-1]) + ((0, parts[-1]),)


def _hash_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _tree_hash(site: Path, prefix: str, files: list[str] | None = None, where: Any = None, known: dict[str, str] | None = None) -> str | None:
    """One SHA-256 over every file under prefix (paths and contents), or None when there is none.

    The search index is thousands of small files; listing each would double the manifest.
    `files`: the folder's files (relative to site) when already listed; `where`: the path to
    read each of them at (manifest_data's `taken`); `known`: hashes of some (manifest_data's)."""
    known = known or {}
    h = hashlib.sha256()
    found = False
    base = os.path.join(os.fspath(site), prefix)
    under = sorted((rel[len(prefix):] for rel in files if rel.startswith(prefix)), key=_walk_order) if files is not None else _all_files(Path(base))
    for rel in under:
        found = True
        digest = known.get(prefix + rel) or _hash_file(where(prefix + rel) if where else os.path.join(base, rel))
        h.update(f"{rel}\0{digest}\n".encode())
    return h.hexdigest() if found else None


def _inside(rel: str) -> bool:
    """True for a relative path that stays inside the site (a tampered manifest may name others)."""
    return bool(rel) and not rel.startswith(("/", "\\")) and ".." not in rel.replace("\\", "/").split("/") and "://" not in rel




def county_records(project: Project, county: County) -> list[Any]:
    """The records that have a page on the county site (as pages.CountySite selects them)."""
    return sorted((r for r in project.records if r.county == county.id and r.valid and r.item), key=lambda r: r.path)


def manifest_data(
    project: Project,
    county: County,
    site_county_dir: Path,
    lost: list[dict[str, Any]] | None = None,
    *,
    listing: list[str] | None = None,
    known: dict[str, str] | None = None,
    search_sha256: str | None = None,
    taken: set[str] | None = None,
    taken_from: Path | None = None,
) -> dict[str, Any]:
    """What manifest.json holds for a built county site (see the module docstring).

    A warm build (site.build_county) saves reading what it did not write: `listing`, every
    file of the folder from its own scan; `known`, file -> SHA-256 for files it took unchanged
    from the previous build (whose folder matched its fingerprint, so that build's manifest
    tells their bytes), and for the search index's files as the indexer hashed them when it
    wrote them or checked them against its state; `search_sha256`, the search index's hash
    when the index was taken too.
    Everything else is read and hashed; the result is the same bytes as without them.
    `taken`, `taken_from`: files of the listing not yet in the folder, to be read (when
    their hash is not known) in the folder they are taken from."""
    root = project.root
    commits = last_changed(root)
    built_from = head_commit(root)
    known = known or {}
    folder = os.fspath(site_county_dir)
    taken, source = taken or set(), os.fspath(taken_from) if taken_from is not None else folder

    def where(rel: str) -> str:
        return os.path.join(source if rel in taken else folder, rel)

    # The listing in any order: the manifest's dicts are written with sorted keys, and
    # _tree_hash puts the search bundle's files in walk order itself.
    files = list(listing) if listing is not None else list(_all_files(site_county_dir))
    hashes = {
        rel: known.get(rel) or _hash_file(where(rel))
        for rel in files
        if rel != MANIFEST and not rel.startswith(SEARCH_BUNDLE)
    }
    records = []
    record_pages = set()
    in_county = county_records(project, county)
    sources = _source_hashes(project, county, in_county)
    for r in in_county:
        page = f"{r.url}index.html"
        record_pages.add(page)
        records.append(
            {
                "path": r.path,
                "url": r.url,
                "title": r.title,
                "unit": r.unit,
                "published": r.published,
                "index_no": r.index_no,
                "commit": commits.get(r.path),
                "source_sha256": sources[r.path],
                "page": page,
                "page_sha256": hashes.get(page),
            }
        )
    others = {rel: h for rel, h in hashes.items() if rel not in record_pages}
    return {
        "county": county.id,
        "built_from": built_from,
        "dirty": bool(built_from) and is_dirty(root),
        "generated_by": "gongkai",
        "records": records,
        "search_index_sha256": search_sha256 or _tree_hash(site_county_dir, SEARCH_BUNDLE, files, where, known),
        "lost": sorted(lost or [], key=lambda e: str(e.get("path"))),
        "pages": {rel: h for rel, h in others.items() if rel.endswith(".html")},
        "files": {rel: h for rel, h in others.items() if not rel.endswith(".html")},
    }


SOURCES_KIND = "source-sha256"


def _source_hashes(project: Project, county: County, records: list[Any]) -> dict[str, str]:
    """Path -> SHA-256 of each record file's bytes (the manifest's source_sha256).

    A file git has as it is (the record cache knows its blob id from git's index) takes the
    digest remembered for that blob id by the county's last build; only the others are read
    and hashed (reading 10,000 files again was 1.9 s of a one-record build). The blob id is a
    hash of the same bytes, so the pair never goes stale. The remembered digests sit in a
    sealed file of the cache folder; whoever could forge one could forge the cache's other
    files, and `verify` compares every source_sha256 with git."""
    from . import store

    cache = getattr(project, "cache", None)
    where = store.cache_root(project.root) / "sources" / f"{store.digest(county.id)[:16]}.json"
    found = store.read_sealed(where, SOURCES_KIND, "1") if cache is not None else None
    remembered = found if isinstance(found, dict) else {}
    out: dict[str, str] = {}
    blobs: dict[str, str] = {}
    for r in records:
        blob = cache.blob(r.path) if cache is not None else None
        digest = remembered.get(blob) if blob is not None else None
        if not (isinstance(digest, str) and _HEX64.fullmatch(digest)):
            digest = sha256((project.root / r.path).read_bytes())
        out[r.path] = digest
        if blob is not None:
            blobs[blob] = digest
    if cache is not None and blobs != remembered:
        store.write_sealed(where, SOURCES_KIND, "1", blobs)
    return out


def portal_manifest_data(project: Project, portal_dir: Path) -> dict[str, Any]:
    """What the portal's manifest.json holds: its commit, the county sites it links, and
    the hash of each of its own files (everything under the site root outside the counties)."""
    built_from = head_commit(project.root)
    return {
        "kind": PORTAL_KIND,
        "built_from": built_from,
        "dirty": bool(built_from) and is_dirty(project.root),
        "generated_by": "gongkai",
        "counties": list(project.counties),
        "files": {rel: sha256((portal_dir / rel).read_bytes()) for rel in _all_files(portal_dir) if rel != MANIFEST},
    }


def write_portal_manifest(project: Project, portal_dir: Path) -> Path:
    """Write portal_dir/manifest.json for a completely built portal; returns its path."""
    path = portal_dir / MANIFEST
    data = portal_manifest_data(project, portal_dir)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def write_manifest(
    project: Project,
    county: County,
    site_county_dir: Path,
    lost: list[dict[str, Any]] | None = None,
    **reuse: Any,
) -> Path:
    """Write site_county_dir/manifest.json for a completely built county; returns its path.
    `reuse`: what manifest_data may take instead of reading the files (listing, known, search_sha256)."""
    data = manifest_data(project, county, site_county_dir, lost, **reuse)
    path = site_county_dir / MANIFEST
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def file_hashes(data: Any) -> tuple[dict[str, str], str | None]:
    """File -> SHA-256 as a county manifest (manifest_data) states them, and its search index's
    hash; empty for anything that is not such a manifest."""
    hashes: dict[str, str] = {}
    if not isinstance(data, dict):
        return hashes, None

    def take(rel: Any, value: Any) -> None:
        if isinstance(rel, str) and isinstance(value, str) and _HEX64.fullmatch(value):
            hashes[rel] = value

    for entry in data.get("records") if isinstance(data.get("records"), list) else []:
        if isinstance(entry, dict):
            take(entry.get("page"), entry.get("page_sha256"))
    for group in ("pages", "files"):
        if isinstance(data.get(group), dict):
            for rel, value in data[group].items():
                take(rel, value)
    search = data.get("search_index_sha256")
    return hashes, search if isinstance(search, str) and _HEX64.fullmatch(search) else None


_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX40 = re.compile(r"[0-9a-f]{40}")


# Verifying a published site ---------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Discrepancy:
    """One way a published county site differs from what git says it should be."""

    county: str
    kind: str  # changed | missing | extra | source | unverifiable | lost
    path: str  # inside the county site (a page or file), or the record's source path
    detail: str = ""

    @property
    def label(self) -> str:
        """The kind in Chinese, as the report prints it."""
        return KIND_ZH[self.kind]


# The largest file verify reads from a site (a county's manifest is ~7 MB at 10,000 records).
MAX_READ = 256 * 1024 * 1024


_SPECIAL = b"\0gongkai: not a regular file\0"


class Target:
    """A published county site, read from a folder or over HTTP."""

    def __init__(self, location: str):
        self.location = location
        self.is_url = location.startswith(("http://", "https://"))
        if self.is_url and not location.endswith("/"):
            self.location += "/"

    def read(self, rel: str) -> bytes | None:
        """The file's bytes, or None when the site does not have it."""
        if self.is_url:
            url = urllib.parse.urljoin(self.location, urllib.parse.quote(rel))
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "gongkai-verify"}), timeout=30) as r:
                    data = r.read(MAX_READ + 1)
                if len(data) > MAX_READ:  # a server that never stops sending would fill the memory
                    raise OSError(f"{rel} 超过 {MAX_READ // 1024 // 1024} MB，不是生成的网站文件")
                return data
            except urllib.error.HTTPError as exc:
                if exc.code in (403, 404, 410):
                    return None
                raise OSError(f"服务器返回 HTTP {exc.code}（{exc.reason}）") from exc
        path = Path(self.location) / rel
        if path.is_symlink():  # builds make no links: a link is never what git says
            return f"-> {os.readlink(path)}".encode()
        if path.is_file():
            return path.read_bytes()
        # A named pipe or a device where a file is (or beside the files): not read, it may
        # never answer, and a web server's worker that opens it hangs.
        return _SPECIAL if os.path.lexists(path) and not path.is_dir() else None

    def special(self, rel: str) -> str:
        """What a local entry is when it is no regular file: 符号链接, 特殊文件; else ""."""
        if self.is_url:
            return ""
        path = Path(self.location) / rel
        if path.is_symlink():
            return f"符号链接（指向 {os.readlink(path)}；生成的网站中没有链接）"
        if os.path.lexists(path) and not path.is_file() and not path.is_dir():
            return "特殊文件（命名管道、设备等；网站服务器打开它可能卡住）"
        return ""

    def has(self, rel: str) -> bool:
        """True when the site serves the file (a server that cannot be reached has nothing)."""
        try:
            return self.read(rel) is not None
        except (OSError, urllib.error.URLError):
            return False

    def listing(self) -> list[str] | None:
        """Every file the folder holds that can be compared; None over HTTP. Subfolders that
        cannot be listed are left in self.unreadable."""
        if self.is_url:
            return None
        self.unreadable: list[str] = []
        return list(_all_files(Path(self.location), self.unreadable))

    def unlisted(self, county: str) -> list[Discrepancy]:
        """A report line for each subfolder that the last listing could not read."""
        return [Discrepancy(county, UNVERIFIABLE, f"{rel}/", "无法列出这个文件夹里的文件，未能核对") for rel in getattr(self, "unreadable", [])]

    def manifest(self) -> dict[str, Any] | None:
        """The site's manifest.json, or None when it has none (or it does not parse)."""
        try:
            data = self.read(MANIFEST)
        except (OSError, urllib.error.URLError):
            return None
        if data is None:
            return None
        try:
            found = json.loads(data)
        except (ValueError, RecursionError):  # RecursionError: a tampered file nested beyond the parser's depth
            return None
        return found if isinstance(found, dict) else None


class ManifestUnavailable(Exception):
    """A published manifest exists (or may) but cannot be read; the message is Chinese."""


def previous_manifests(location: str, counties: list[str]) -> dict[str, dict[str, Any]]:
    """The manifest.json of each county as published under `location` (the portal's folder
    or address): what the last build published, so records gone from git keep a page.

    A county with no manifest there (never published) has none. Any other failure raises
    ManifestUnavailable: building on without it would drop the pages it keeps alive."""
    out = {}
    for c in counties:
        is_url = location.startswith(("http://", "https://"))
        sub = urllib.parse.urljoin(location.rstrip("/") + "/", f"{c}/") if is_url else str(Path(location) / c)
        if not is_url and os.path.lexists(Path(sub) / MANIFEST) and not (Path(sub) / MANIFEST).is_file():
            # A folder (or a broken link) where the manifest goes is not "never published".
            raise ManifestUnavailable(f"上次发布的 {c}/{MANIFEST} 不是文件，无法读取")
        try:
            data = Target(sub).read(MANIFEST)
        except (OSError, urllib.error.URLError) as exc:
            raise ManifestUnavailable(f"无法读取上次发布的 {c}/{MANIFEST}：{getattr(exc, 'reason', exc)}") from exc
        if data is None:
            continue
        try:
            m = json.loads(data)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested beyond the parser's depth
            raise ManifestUnavailable(f"上次发布的 {c}/{MANIFEST} 不是有效的 JSON") from exc
        if not isinstance(m, dict) or m.get("county") not in (None, c):
            raise ManifestUnavailable(f"上次发布的 {c}/{MANIFEST} 不是这个县的清单")
        wrong = [k for k, kind in (("records", list), ("lost", list), ("built_from", str)) if k in m and not isinstance(m[k], kind)]
        if wrong:
            raise ManifestUnavailable(f"上次发布的 {c}/{MANIFEST} 内容不对（{'、'.join(wrong)} 的类型不对），可能被改动过")
        out[c] = m
    return out


def _comparable(rel: str, data: bytes) -> bytes:
    """The bytes to compare: the sitemap without its build dates, everything else as it is."""
    if rel in SITEMAPS:
        if rel.endswith(".gz"):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error):  # damaged: compared as it is (and differs)
                return data
        # Only a build date is left out: anything else written there differs, as it should.
        return re.sub(rb"\s*<lastmod>\d{4}-\d{2}-\d{2}</lastmod>", b"", data)
    return data


@contextmanager
def checkout(root: Path, commit: str) -> Iterator[Path]:
    """The repository at `commit`: the checkout itself when it is that commit and clean,
    else a detached git worktree in a temporary folder (it shares the history, which the
    索引号 depend on), removed afterwards."""
    if head_commit(root) == commit and not is_dirty(root):
        yield root
        return
    tmp = Path(tempfile.mkdtemp(prefix="gongkai-verify-"))
    worktree = tmp / "checkout"
    try:
        if _git(root, "worktree", "add", "--detach", "--quiet", str(worktree), commit) is None:
            raise LookupError(commit)
        yield worktree
    finally:
        if worktree.exists():
            _git(root, "worktree", "remove", "--force", str(worktree))
        _git(root, "worktree", "prune")
        shutil.rmtree(tmp, ignore_errors=True)


def _resolve(root: Path, commit: str) -> str | None:
    out = _git(root, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    return out.strip() if out else None


@dataclass
class Published:
    """One published county site: where it is, what its manifest says, what to rebuild."""

    county: str
    target: Target
    manifest: dict[str, Any]
    commit: str | None  # None: nothing to rebuild from (found says why)
    found: list[Discrepancy] = field(default_factory=list)


def examine(
    root: Path, target: Target, county_id: str | None = None, *, portal: bool = False, fallback: str | None = None
) -> Published:
    """Read a site's manifest for the only thing verify takes from it: county and commit.

    A site without a readable manifest is compared with `fallback` (the portal's commit),
    else with the checked-out commit; the missing manifest is reported either way."""
    found: list[Discrepancy] = []
    manifest = target.manifest()
    if portal:
        county_id = PORTAL
        if manifest is None:
            found.append(Discrepancy(PORTAL, MISSING, MANIFEST, "门户没有可读的 manifest.json；改为与当前检出的提交对照"))
            manifest = {}
        elif manifest.get("kind") != PORTAL_KIND:
            found.append(Discrepancy(PORTAL, CHANGED, MANIFEST, "门户的 manifest.json 不是门户清单"))
    elif manifest is None:
        if county_id is None:
            return Published("", target, {}, None, [Discrepancy("", UNVERIFIABLE, MANIFEST, f"{target.location} 没有可读的 manifest.json")])
        against = "门户生成时的提交" if fallback else "当前检出的提交"
        found.append(Discrepancy(county_id, MISSING, MANIFEST, f"没有可读的 manifest.json；改为与{against}对照"))
        manifest = {}
    if not portal:
        county_id = county_id or str(manifest.get("county") or "")
        if not county_id:
            return Published("", target, manifest, None, [Discrepancy("", UNVERIFIABLE, MANIFEST, "manifest.json 没有写明县（市、区）")])
        if manifest.get("county") not in (None, county_id):
            found.append(Discrepancy(county_id, CHANGED, MANIFEST, f"manifest.json 写的是另一个县：{manifest.get('county')}"))
    assert county_id is not None
    claimed = manifest.get("built_from")
    commit = _resolve(root, claimed) if isinstance(claimed, str) and claimed else None
    if claimed and commit is None:
        # A commit git does not know (not fetched yet, or written into the manifest to hide
        # an edit): the pages are still compared, with what a missing manifest falls back to.
        commit = fallback or head_commit(root)
        against = ("；改为与门户生成时的提交对照" if fallback else "；改为与当前检出的提交对照") if commit else ""
        found.append(Discrepancy(county_id, UNVERIFIABLE, MANIFEST, f"仓库中没有提交 {claimed}（先 git fetch？）{against}"))
        if commit is None:
            return Published(county_id, target, manifest, None, found)
    elif claimed is not None and not isinstance(claimed, str):
        found.append(Discrepancy(county_id, CHANGED, MANIFEST, "manifest.json 中的 built_from 不是提交号"))
    if commit is None:
        commit = fallback or head_commit(root)
        if commit is None:
            found.append(Discrepancy(county_id, UNVERIFIABLE, MANIFEST, f"{root} 不是 git 仓库，无法重新生成"))
            return Published(county_id, target, manifest, None, found)
        if manifest:
            found.append(Discrepancy(county_id, UNVERIFIABLE, MANIFEST, "manifest.json 没有记录提交；改为与当前检出的提交对照"))
    elif not on_main_line(root, commit):
        # Byte for byte what that commit builds, yet no review put it on the branch: an
        # unmerged branch, or history rewritten since.
        found.append(Discrepancy(county_id, SOURCE, MANIFEST, f"网站生成自提交 {commit[:12]}，它不在当前检出分支的主线上"
                                 "（未经合并的分支，或此后被改写的历史）；请检出发布所用的分支（通常是 main）再核对"))
    if manifest.get("dirty"):
        found.append(Discrepancy(county_id, UNVERIFIABLE, MANIFEST, "网站是从有未提交修改的工作区生成的，git 中没有它的来源"))
    if not target.is_url and Path(target.location).is_symlink():
        found.append(Discrepancy(county_id, CHANGED, "", f"网站文件夹是符号链接（指向 {os.readlink(target.location)}）；生成的网站从不是链接"))
    return Published(county_id, target, manifest, commit, found)


def on_main_line(root: Path, commit: str) -> bool:
    """True when the commit is on the first-parent line of the checked-out commit (what
    publishing builds: main after each merge), or when git cannot say (no HEAD)."""
    head = head_commit(root)
    if head is None or commit == head:
        return True
    out = _git(root, "rev-list", "--first-parent", head)
    return out is None or commit in out.split()


def rebuild(
    root: Path, commit: str, counties: list[str], out: Path, previous: dict[str, dict[str, Any]] | None = None
) -> dict[str, dict[str, bytes] | str] | str:
    """Build the counties from `commit` as `build.py build` would; each county's files
    (manifest included) by site path, or why the commit (or that county in it) could not be
    built; under PORTAL, the portal's files.

    `previous` is what the published sites' manifests say was published before: the build
    keeps a page for records that git no longer knows, and the rebuild must too."""
    from . import check, store
    from .site import LOCK, build_all

    log = io.StringIO()
    try:
        with checkout(root, commit) as source:
            known = load(source).counties
            unknown = [c for c in counties if c not in known]
            counties = [c for c in counties if c in known]
            if not counties:
                return {c: f"该提交（{commit[:8]}）中没有这个县（市、区）" for c in unknown}
            # Nothing cached is trusted here: verify is the check against tampering, and the
            # cache folder (GONGKAI_CACHE) may be the one the published build used.
            with redirect_stderr(log), store.disabled():
                # As published: with the search index unless the manifest says it was built without.
                search = any((previous or {}).get(c, {}).get("search_index_sha256", True) for c in counties)
                status = build_all(source, out, counties=counties, search=search, previous=previous or {})
            if status != 0:
                lines = log.getvalue().strip().splitlines()
                return f"该提交无法生成网站：{lines[-1] if lines else status}"
            project = None
            for c in counties:
                if not (out / c / MANIFEST).exists():  # build_county writes it once it is wired in
                    project = project or check(source)
                    write_manifest(project, project.counties[c], out / c)
    except LookupError:
        return f"无法检出提交 {commit}"
    except Exception as exc:  # MkDocs or a plugin failed on that commit: say so, do not crash the report
        return f"该提交无法生成网站：{type(exc).__name__}: {exc}"
    sites: dict[str, dict[str, bytes] | str] = {c: f"该提交（{commit[:8]}）中没有这个县（市、区）" for c in unknown}
    for c in counties:
        sites[c] = {rel: (out / c / rel).read_bytes() for rel in _all_files(out / c)}  # the search index too
    # The build made the portal as well (the same for any choice of counties): keep it too.
    sites[PORTAL] = {rel: (out / rel).read_bytes() for rel in _all_files(out) if rel.split("/", 1)[0] not in known and rel != LOCK}
    return sites


def rebuild_portal(root: Path, commit: str, out: Path) -> dict[str, bytes] | str:
    """Build the portal alone from `commit`: its files by site path, or why the commit could not be built."""
    from . import check, store
    from .site import build_portal

    try:
        with checkout(root, commit) as source, redirect_stderr(io.StringIO()), store.disabled():
            project = check(source)
            out.mkdir(parents=True, exist_ok=True)
            build_portal(project, out)
    except LookupError:
        return f"无法检出提交 {commit}"
    except Exception as exc:  # MkDocs failed on that commit: say so, do not crash the report
        return f"该提交无法生成门户：{type(exc).__name__}: {exc}"
    return {rel: (out / rel).read_bytes() for rel in _all_files(out)}


def compare(root: Path, site: Published, expected: dict[str, bytes]) -> list[Discrepancy]:
    """Every page or file of the published site that differs from the rebuild, is missing or is extra."""
    found = list(site.found)
    target, county_id = site.target, site.county
    listing = target.listing()
    if listing is None:
        # Over HTTP nothing lists the server's files: look for what the site's own manifest names.
        m = site.manifest
        named = set(m.get("pages") or {}) | set(m.get("files") or {})
        named |= {str(r.get("page")) for r in m.get("records") or [] if isinstance(r, dict) and r.get("page")}
        candidates = sorted(expected.keys() | {n for n in named if _inside(n)})
    else:
        candidates = sorted(expected.keys() | set(listing) | {MANIFEST})
        found += target.unlisted(county_id)
    manifest_reported = any(d.path == MANIFEST and d.kind in (MISSING, UNVERIFIABLE) for d in found)

    def fetch(rel: str) -> tuple[str, bytes | None, str]:
        try:
            return rel, target.read(rel), ""
        except (OSError, urllib.error.URLError) as exc:
            return rel, None, read_error_zh(exc)

    with ThreadPoolExecutor(max_workers=8 if target.is_url else 1) as pool:
        fetched = list(pool.map(fetch, candidates))
    errors = {error for _, _, error in fetched if error}
    if len(errors) == 1 and all(error for _, _, error in fetched):
        # Nothing could be read (the server is down, the address is wrong): one line, not
        # one per file of the site.
        found.append(Discrepancy(county_id, UNVERIFIABLE, "", f"{target.location} 的文件都读取失败：{errors.pop()}"))
        fetched = []
    for rel, data, error in fetched:
        if error:
            found.append(Discrepancy(county_id, UNVERIFIABLE, rel, f"读取失败：{error}"))
        elif rel not in expected:
            if data is not None:
                odd = target.special(rel)
                found.append(Discrepancy(county_id, EXTRA, rel, odd or ("git 中没有这个页面" if rel.endswith(".html") else "git 中没有这个文件")))
        elif rel == MANIFEST and manifest_reported:
            continue  # already said: the manifest is missing, or the site was not built from git
        elif data is None:
            found.append(Discrepancy(county_id, MISSING, rel))
        elif (data == _SPECIAL or data.startswith(b"-> ")) and (odd := target.special(rel)):
            # (read() gives these for a link or a pipe: only they are looked at again.)
            found.append(Discrepancy(county_id, CHANGED, rel, f"被换成了{odd}"))
        elif _comparable(rel, data) != _comparable(rel, expected[rel]):
            found.append(Discrepancy(county_id, CHANGED, rel, f"sha256 {sha256(data)[:12]}，应为 {sha256(expected[rel])[:12]}"))
    found += _source_mismatches(county_id, site.manifest, json.loads(expected[MANIFEST]))
    # The rebuild took the lost list from the published manifest, so its pages match by
    # construction: say which records rest on the manifest's word alone.
    for e in site.manifest.get("lost") or []:
        if isinstance(e, dict) and e.get("path"):
            found.append(Discrepancy(county_id, LOST, str(e["path"]), "清单称这条记录曾经发布，修订历史中已没有它；git 无法证实，请与存档核对"))
    if site.commit and any(d.kind in (CHANGED, MISSING, EXTRA) for d in found) and _code_changed_since(root, site.commit):
        found.append(
            Discrepancy(county_id, UNVERIFIABLE, "gongkai/", "生成代码自该提交以来有改动，上面的差异可能来自代码而非篡改；请在该提交的检出中再核对一次")
        )
    return found


def _code_changed_since(root: Path, commit: str) -> bool:
    """True when the gongkai code running now is the repository's own and differs from `commit`'s."""
    package = Path(__file__).resolve().parent
    if package != (root / "gongkai").resolve():
        return False
    return bool(_git(root, "diff", "--name-only", commit, "--", "gongkai", "constraints.txt"))


def _source_mismatches(county_id: str, claimed: dict[str, Any], actual: dict[str, Any]) -> list[Discrepancy]:
    """Records whose source hash in the site's manifest is not the one git has at that commit."""

    def by_path(m: dict[str, Any]) -> dict[str, Any]:
        return {str(r.get("path")): r.get("source_sha256") for r in m.get("records") or [] if isinstance(r, dict)}

    if not claimed:
        return []
    said, truth = by_path(claimed), by_path(actual)
    out = []
    for path in sorted(said.keys() | truth.keys()):
        if path not in truth:
            out.append(Discrepancy(county_id, SOURCE, path, "清单列出了这条记录，但该提交中没有它"))
        elif path not in said:
            out.append(Discrepancy(county_id, SOURCE, path, "该提交中有这条记录，清单中却没有"))
        elif said[path] != truth[path]:
            out.append(Discrepancy(county_id, SOURCE, path, "清单中的源文件 sha256 与 git 中的不同"))
    return out


def published_sites(root: Path, target: str, county: str) -> list[tuple[str, Target]]:
    """The county site `county` under `target`: the target itself when it is that county's
    site (its manifest gone, perhaps), else the county's folder of the portal."""
    site = Target(target)
    m = site.manifest()
    if m is not None and m.get("kind") != PORTAL_KIND:
        return [(county, site)]
    if not site.is_url and not Path(target).is_dir():
        return []
    # A portal holds the county's folder; else this is the county site, its manifest gone.
    sub = _under(site, county)
    is_portal = m is not None or (sub.has("index.html") if site.is_url else Path(sub.location).is_dir())
    return [(county, sub if is_portal else site)]


def _under(site: Target, county: str) -> Target:
    """The county's site inside a portal."""
    return Target(urllib.parse.urljoin(site.location, f"{county}/") if site.is_url else str(Path(site.location) / county))


def verify(root: Path, target: str, county: str | None = None) -> list[Discrepancy]:
    """Every difference between a published site and a rebuild from git.

    `target` is a county site or the portal above the county sites, as a folder or an
    http(s) URL. For the portal, every file under it is accounted for: the portal's own
    files against a rebuild of the portal, each county the portal links (or that has a
    folder with a manifest) against a rebuild of that county, and anything else is
    reported. With `county`, only that county. Counties built from the same commit are
    rebuilt together, from one checkout.
    """
    site = Target(target)
    if site.is_url:
        # A server that cannot be reached at all is one line, not one per file of the site.
        try:
            site.read(MANIFEST)
        except urllib.error.URLError as exc:
            if not isinstance(exc, urllib.error.HTTPError):
                return [Discrepancy(county or "", UNVERIFIABLE, target, f"无法连接：{read_error_zh(exc)}")]
        except OSError:
            pass  # an HTTP error: the server answers, each file is asked for
    m = site.manifest()
    if county is None and m is not None and m.get("kind") != PORTAL_KIND:
        return _sorted(_verify_counties(root, [examine(root, site)])[0])
    if county is not None:
        found_sites = published_sites(root, target, county)
        if found_sites:
            return _sorted(_verify_counties(root, [examine(root, s, c) for c, s in found_sites])[0])
    elif site.is_url or Path(target).is_dir():
        if m is not None or site.is_url or _holds_counties(root, Path(target)):
            return _verify_portal(root, site)
        name = Path(target).resolve().name
        if name in load(root).counties:  # a county site whose manifest was deleted
            return _sorted(_verify_counties(root, [examine(root, site, name)])[0])
    return [Discrepancy(county or "", UNVERIFIABLE, target, "这里没有县级网站（找不到 manifest.json，或没有这个文件夹）")]


def _holds_counties(root: Path, folder: Path) -> bool:
    """True for a folder that looks like a portal: it holds a county's folder (or is no county's own)."""
    known = load(root).counties
    if folder.resolve().name not in known:
        return True
    return any((folder / c).is_dir() for c in known) or any(not p.parent.name.startswith(".") for p in folder.glob(f"*/{MANIFEST}"))


def _verify_counties(
    root: Path, sites: list[Published], portal_commit: str | None = None
) -> tuple[list[Discrepancy], dict[str, bytes] | str | None]:
    """Rebuild the county sites (one checkout per commit) and compare each with its rebuild;
    also the portal's rebuilt files when one of the rebuilds was of `portal_commit`."""
    found: list[Discrepancy] = []
    portal: dict[str, bytes] | str | None = None
    by_commit: dict[str, list[Published]] = {}
    for s in sites:
        if s.commit is None:
            found += s.found
        else:
            by_commit.setdefault(s.commit, []).append(s)
    for commit, group in by_commit.items():
        with tempfile.TemporaryDirectory(prefix="gongkai-rebuild-") as tmp:
            built = rebuild(root, commit, [s.county for s in group], Path(tmp), {s.county: s.manifest for s in group})
        if commit == portal_commit:
            portal = built if isinstance(built, str) else built.get(PORTAL)
        for s in group:
            expected = built if isinstance(built, str) else built[s.county]
            if isinstance(expected, str):
                found += s.found + [Discrepancy(s.county, UNVERIFIABLE, MANIFEST, expected)]
            else:
                found += compare(root, s, expected)
    return found, portal


def _counties_at(root: Path, commit: str) -> set[str]:
    """The counties a commit has (content/counties/<county>.yml), read from git without a checkout."""
    out = _git(root, "ls-tree", "--name-only", f"{commit}:content/counties") or ""
    return {Path(name).stem for name in out.splitlines() if name.endswith((".yml", ".yaml"))}


def _verify_portal(root: Path, site: Target) -> list[Discrepancy]:
    """The portal and every county site under it; every file under the folder is accounted for."""
    portal = examine(root, site, portal=True)
    # The counties the portal links at its commit, those its manifest names, and every
    # folder that carries a county's manifest are checked as county sites: what they hold
    # is vouched for only so. Everything else under the folder belongs to the portal.
    counties = _counties_at(root, portal.commit) if portal.commit else set()
    claimed = portal.manifest.get("counties")
    if isinstance(claimed, list):
        counties.update(c for c in claimed if isinstance(c, str) and _inside(c) and "/" not in c)
    if not site.is_url:  # a build's hidden work folders are leftovers, not counties
        counties.update(p.parent.name for p in Path(site.location).glob(f"*/{MANIFEST}") if not p.parent.name.startswith("."))
    found: list[Discrepancy] = []
    sites = []
    for c in sorted(counties):
        sub = _under(site, c)
        if not site.is_url and not Path(sub.location).is_dir():
            found.append(Discrepancy(c, MISSING, "", "整个县级网站缺失（没有这个文件夹）"))
        else:
            sites.append(examine(root, sub, c, fallback=portal.commit))
    county_found, expected = _verify_counties(root, sites, portal.commit)
    found += county_found
    if portal.commit and expected is None:  # no county was built from the portal's commit
        with tempfile.TemporaryDirectory(prefix="gongkai-rebuild-") as tmp:
            built = rebuild_portal(root, portal.commit, Path(tmp))
        expected = built
    if isinstance(expected, str):
        portal.found.append(Discrepancy(PORTAL, UNVERIFIABLE, MANIFEST, expected))
        expected = None
    found += _compare_portal(portal, expected, counties)
    return _sorted(found)


def _sorted(found: list[Discrepancy]) -> list[Discrepancy]:
    """One report: each discrepancy once, by county, kind and path."""
    return sorted(set(found), key=lambda d: (d.county, _ORDER.index(d.kind), d.path))


def _compare_portal(portal: Published, expected: dict[str, bytes] | None, counties: set[str]) -> list[Discrepancy]:
    """The portal's own files (everything outside the county folders) against its rebuild."""
    from .site import BUILD_PREFIX, LOCK, OLD_PREFIX

    found = list(portal.found)
    target = portal.target
    listing = target.listing()
    if listing is None:  # over HTTP: what the rebuild has and what the portal's manifest names
        named = portal.manifest.get("files")
        candidates = set(expected or {}) | {n for n in (named if isinstance(named, dict) else {}) if _inside(n)}
    else:
        candidates = {rel for rel in listing if rel.split("/", 1)[0] not in counties} | set(expected or {})
        found += [d for d in target.unlisted(PORTAL) if d.path.split("/", 1)[0] not in counties]
    manifest_reported = any(d.path == MANIFEST for d in found)
    for rel in sorted(candidates):
        try:
            data = target.read(rel)
        except (OSError, urllib.error.URLError) as exc:
            found.append(Discrepancy(PORTAL, UNVERIFIABLE, rel, f"读取失败：{read_error_zh(exc)}"))
            continue
        top = rel.split("/", 1)[0]
        if rel == LOCK and data == b"":
            continue  # the builds' lock file: empty, it serves nothing
        if top.startswith((BUILD_PREFIX, OLD_PREFIX)) and data is not None:
            found.append(Discrepancy(PORTAL, EXTRA, rel, "中断的生成留下的未完成文件；再生成一次会清除"))
        elif expected is None:
            continue  # the portal could not be rebuilt: said once, on its manifest
        elif rel not in expected:
            if data is not None:
                found.append(Discrepancy(PORTAL, EXTRA, rel, "git 中没有这个文件，也不属于任何县级网站"))
        elif rel == MANIFEST and manifest_reported:
            continue
        elif data is None:
            found.append(Discrepancy(PORTAL, MISSING, rel))
        elif _comparable(rel, data) != _comparable(rel, expected[rel]):
            found.append(Discrepancy(PORTAL, CHANGED, rel, f"sha256 {sha256(data)[:12]}，应为 {sha256(expected[rel])[:12]}"))
    return found


def verify_command(root: Path, target: str, county: str | None = None) -> int:
    """`build.py verify`: print one line per page that differs; 0 when the site matches git."""
    started = time.perf_counter()
    found = verify(root, target, county)
    for d in found:
        where = f"{d.county}/{d.path}" if d.county else d.path
        print(f"{d.label}\t{_one_line(where)}" + (f"\t{_one_line(d.detail)}" if d.detail else ""))
    seconds = time.perf_counter() - started
    differences = [d for d in found if d.kind != LOST]
    if differences:
        print(f"共 {len(differences)} 处与 git 不符（核对用时 {seconds:.1f} 秒）。")
        return 1
    lost = f"；另有 {len(found)} 条记录只有清单证明曾经发布（见上）" if found else ""
    print(f"已发布的网站与 git 中的内容一致{lost}（{_checked_against(root, target)}核对用时 {seconds:.1f} 秒）。")
    return 0


def read_error_zh(exc: BaseException) -> str:
    """Why a file could not be read, in Chinese (the operating system's words after it)."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝（服务器没有运行，或端口不对）"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "连接超时"
    if isinstance(reason, socket.gaierror):
        return "找不到这个网站的地址（域名写错了，或没有联网）"
    if isinstance(reason, PermissionError):
        return "没有读取权限"
    return f"{reason}"


def _one_line(text: str) -> str:
    """A file name or detail as one line of the report: a name may hold a line break or a
    control character (new\\nline.html), which must not start a line of its own that reads
    like a verdict."""
    return "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in text)


def _checked_against(root: Path, target: str) -> str:
    """Which commit the site was found to be built from, for the inspector: "生成自提交 …，"."""
    try:
        claimed = Target(target).manifest()
    except (OSError, urllib.error.URLError):
        claimed = None
    commit = claimed.get("built_from") if isinstance(claimed, dict) else None
    if not isinstance(commit, str) or not _HEX40.fullmatch(commit):
        return ""
    head = head_commit(root)
    when = (_git(root, "log", "-1", "--format=%cd", "--date=format:%Y-%m-%d %H:%M", commit) or "").strip()
    latest = "，即主线最新的提交" if commit == head else "；主线此后还有新的提交，网站尚未按最新内容生成"
    return f"网站生成自提交 {commit[:12]}（{when}）{latest}；"

