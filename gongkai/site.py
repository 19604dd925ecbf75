"""Build every county site and the portal.

Everything is read and validated before anything is written. Each county is built into
a fresh folder and replaces the published one only when it is complete (pages and search
index), so a failed or interrupted build leaves the previous site as it was, and what it
had written so far is removed (a full disk must not stay full).

One writer per site folder: a build holds an exclusive lock (flock on LOCK inside the
folder) while it writes; a second build waits for it, and gives up after a while with a
message. The kernel releases the lock when the process ends however it ends, so a killed
build never leaves a stale lock behind.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import changes, check, collector_paused, deadlines, editor, engine, history, indexno, manifest, search, spare, store, warm
from .cache import RecordCache
from .cache import default_dir as record_cache_dir
from .changes import RecordHistory
from .findings import Findings, render_terminal
from .load import Project, load_counties
from .model import County
from .pages import CountySite, Page, RecordPageError
from .pages import inspection as inspection_page
from .pages import stats as stats_page
from .pages.search import portal as portal_search

LOCK = ".gongkai-build.lock"  # empty; only its flock matters (verify vouches for it)
LOCK_WAIT = 900.0  # seconds a build waits for another one writing the same folder (--lock-timeout)
BUILD_PREFIX, OLD_PREFIX = ".build-", ".old-"  # a build's work folders beside the published ones
# The portal's work folder: "@" is in no county id (content/<category>/<county>/ takes
# [a-z0-9_-]), so a county named "portal" does not share it now that both are built at once.
PORTAL_WORK = f"{BUILD_PREFIX}@portal"
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def log(message: str) -> None:
    """Progress for the person running the build (stderr, so stdout stays clean)."""
    print(message, file=sys.stderr, flush=True)


class SiteDirError(Exception):
    """The output folder cannot be written (in the way, busy, full); the message is Chinese."""


def folder_problem(exc: OSError, site_dir: Path) -> str:
    """A Chinese sentence for an OSError met while writing under the site folder."""
    where = exc.filename or site_dir
    if exc.errno in DISK_FULL:
        return f"磁盘已满（或超出配额），无法写入 {where}；已清除本次写入的部分，已发布的网站保持不变。请腾出空间后再生成。"
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return f"输出文件夹 {site_dir} 无法使用：{where} 是一个文件，不是文件夹。请换一个 --site-dir，或移走这个文件。"
    if exc.errno == errno.EROFS:
        return f"输出文件夹 {site_dir} 在只读的文件系统上，无法写入 {where}。请换一个 --site-dir。"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"没有权限写入 {where}。请换一个 --site-dir，或让运行生成的用户可以写入它。"
    return f"无法写入输出文件夹 {site_dir}（{where}：{exc.strerror or exc}）；已发布的网站保持不变。"


# The repository's own folders: a build writing there would replace records with pages.
SOURCE_FOLDERS = ("content", "catalogues", "theme", "gongkai", "tests", "docs", ".git", ".github")


def unusable_site_dir(site_dir: Path, root: Path | None = None) -> str | None:
    """Why the output folder cannot be used, judged before anything is written; None when it can.

    The folder may not exist yet: then its nearest existing parent must be a writable folder.
    It may not be the repository `root` (or hold it), nor lie inside its source folders."""
    if root is not None:
        here, repo = site_dir.resolve(), root.resolve()
        if repo.is_relative_to(here) or any(here.is_relative_to(repo / name) for name in SOURCE_FOLDERS):
            return (
                f"输出文件夹 {site_dir} 不能是仓库本身、仓库的上级文件夹或 {'、'.join(f'{n}/' for n in SOURCE_FOLDERS)} 之内："
                "生成会用网页替换其中的文件。请用默认的 site/ 或仓库外的文件夹。"
            )
    probe = site_dir
    while not probe.exists() and probe != probe.parent:
        if probe.is_symlink():  # a dangling link: mkdir would fail on it
            return f"输出文件夹 {site_dir} 无法使用：{probe} 是指向不存在位置的链接。"
        probe = probe.parent
    if not probe.is_dir():
        return f"输出文件夹 {site_dir} 无法使用：{probe} 是一个文件，不是文件夹。请换一个 --site-dir，或移走这个文件。"
    if not os.access(probe, os.W_OK | os.X_OK):
        try:
            read_only = bool(os.statvfs(probe).f_flag & os.ST_RDONLY)
        except OSError:
            read_only = False
        if read_only:
            return f"输出文件夹 {site_dir} 在只读的文件系统上（{probe}），无法写入。请换一个 --site-dir。"
        return f"没有权限写入 {probe}。请换一个 --site-dir，或让运行生成的用户可以写入它。"
    return None


@contextmanager
def site_lock(site_dir: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the folder's build lock while writing under it; wait up to `wait` seconds for
    another writer, then raise SiteDirError. Creates the folder (OSError when it cannot)."""
    site_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(site_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        _acquire(fd, fcntl.LOCK_EX, site_dir, wait, "本次未生成网站，已发布的网站保持不变。同一个输出文件夹同时只能有一个生成在写。")
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def reading_site(folder: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Read a published folder (verify) only while no build writes it: a shared hold on the
    lock of the folder or of the portal above it. Writes nothing; a folder without a lock
    file (or none at all) is read as it is."""
    fds = []
    try:
        for lock in (folder / LOCK, folder.parent / LOCK):
            try:
                fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:  # no lock file, or none we may open: nothing to wait for
                continue
            fds.append(fd)
            _acquire(fd, fcntl.LOCK_SH, lock.parent, wait, "未核对：正在生成的网站核对不出结果，请等它结束后再核对。")
        yield
    finally:
        for fd in fds:
            os.close(fd)


def _acquire(fd: int, mode: int, site_dir: Path, wait: float, giving_up: str) -> None:
    """flock the lock file, waiting up to `wait` seconds with a message; SiteDirError after that."""
    if _try_lock(fd, mode):
        return
    busy = f"另一个生成正在写入 {site_dir}"
    if wait > 0:
        log(f"{busy}，等它结束（最多等 {wait:g} 秒，可用 --lock-timeout 修改）……")
    deadline = time.monotonic() + wait
    while not _try_lock(fd, mode):
        if time.monotonic() >= deadline:
            waited = f"（已等 {wait:g} 秒）" if wait > 0 else ""
            raise SiteDirError(f"{busy}{waited}；{giving_up}")
        time.sleep(0.2)


def _try_lock(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def footer(project: Project, county: County | None) -> dict[str, str]:
    """The footer ids: the county's where it has them, else the portal's."""
    s = project.site
    values = {
        "host": (county.host if county else "") or s.host,
        "office": s.office,
        "contact": (county.contact if county else "") or s.contact,
        "site_code": (county.site_code if county else "") or s.site_code,
        "icp": (county.icp if county else "") or s.icp,
        "police": (county.police if county else "") or s.police,
    }
    if county:
        values["portal"] = "../../"
        values["portal_title"] = s.title
    return values


def restore_interrupted(final: Path) -> None:
    """Put back a published folder that a build killed between replace_dir's two renames left aside."""
    old = final.with_name(f"{OLD_PREFIX}{final.name}")
    if old.exists() and not final.exists():
        old.rename(final)


def replace_dir(new: Path, final: Path, run: Run | None = None, spare_home: Path | None = None) -> bool:
    """Swap a completely built folder into place; the old one is then moved to `spare_home`
    (spare.py) when given, else removed (by `run` in the background when given, else here).
    True when the old folder was put aside at `spare_home`."""
    old = final.with_name(f"{OLD_PREFIX}{final.name}")
    restore_interrupted(final)
    remove(old)
    if final.exists() or final.is_symlink():
        final.rename(old)
    new.rename(final)
    if spare_home is not None and old.is_dir() and not old.is_symlink() and not (spare_home.exists() or spare_home.is_symlink()):
        try:
            old.rename(spare_home)
            return True
        except OSError:
            pass  # removed as without a spare
    if run is not None:
        run.remove_later(old)
    else:
        remove(old)
    return False


class Run:
    """What the counties of one build hand on to its end (_write_sites, build_all).

    The old county folders are removed in the background while the next county or the
    portal is built (tens of thousands of unlinks took seconds, and unlink releases the
    GIL); finish() waits for that before the build reports success, so the disk does not
    stay full. A build killed before then leaves a .old- folder beside the published one:
    it was not remembered (warm.remember comes after finish), so the next build runs and
    its replace_dir removes the leftover. `fingerprints`: each new county folder's
    fingerprint, taken as it was built, so warm.remember does not walk it again."""

    def __init__(self) -> None:
        self.fingerprints: dict[str, str] = {}
        self._threads: list[threading.Thread] = []
        self._processes: list[tuple[subprocess.Popen[bytes], Path]] = []
        self._errors: list[OSError] = []
        self._ignored: list[subprocess.Popen[bytes]] = []

    def remove_later(self, path: Path, ignore_errors: bool = False) -> None:
        """Start removing a folder (or file) in the background.

        With the system's rm where there is one: a process of its own runs on the other core,
        where a thread running shutil.rmtree held the interpreter lock for a per-file loop of
        Python (the build then waited seconds for it at finish()). `ignore_errors`: for what
        only the cache holds (spare.py): a cache that cannot be cleaned never fails a build."""
        if not (path.exists() or path.is_symlink()):
            return
        rm = shutil.which("rm")
        if rm:
            process = subprocess.Popen([rm, "-rf", "--", os.fspath(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if not ignore_errors:
                self._processes.append((process, path))
            else:
                self._ignored.append(process)
            return

        def work() -> None:
            try:
                remove(path)
            except OSError as exc:  # raised again by finish(), like remove() in the foreground
                if not ignore_errors:
                    self._errors.append(exc)

        thread = threading.Thread(target=work, name=f"remove {path.name}")
        thread.start()
        self._threads.append(thread)

    def finish(self) -> None:
        """Wait until every folder handed to remove_later is gone; raise the first error met."""
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        for process, path in self._processes:
            process.wait()
            if path.exists() or path.is_symlink():
                try:
                    remove(path)  # what rm could not remove, with Python's own error for it
                except OSError as exc:
                    self._errors.append(exc)
        self._processes.clear()
        for ignored in self._ignored:
            ignored.wait()
        self._ignored.clear()
        if self._errors:
            raise self._errors[0]


def remove(path: Path) -> None:
    """Remove a folder, a file or a link where a build's folder goes (nothing when absent)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def build_county(
    project: Project,
    county: County,
    site_dir: Path,
    *,
    with_search: bool = True,
    histories: dict[str, RecordHistory] | None = None,
    previous: dict[str, Any] | None = None,
    run: Run | None = None,
) -> dict[str, float]:
    """Build one county into site_dir/<county>/; returns seconds per stage.

    `run`: the build this county is part of (the old folder is removed in the background,
    the new folder's fingerprint is handed on); without it all is done here.

    `previous` is the manifest of what was published before (build --previous): a record
    it lists that neither the content nor git history knows any more keeps a page saying
    so. Without it nothing is assumed: a preview or another branch's build in the same
    folder is not a publication, and must not make pages claim that records were erased."""
    restore_interrupted(site_dir / county.id)
    times: dict[str, float] = {}
    work = site_dir / f"{BUILD_PREFIX}{county.id}"
    final = site_dir / county.id
    base = project.site.base_url
    settings = {
        "site_name": f"{county.name}党务政务公开",
        "site_url": f"{base}{county.id}/" if base else "",
        "footer": footer(project, county),
        "repo_url": project.site.repo_url,
    }
    # A warm build renders only the pages whose data changed since the build in `final`
    # (warm.py); the others, and an unchanged search index, are taken from there.
    key = warm.county_key(project.root, settings)
    # The folder this build replaces is kept as the spare the next build brings up to date;
    # the one kept last time, when it is as it was put aside, becomes this build's folder (spare.py).
    spare_home = spare.home(project.root, final)
    # Both folders are scanned beside the page stage; what was built last is known when the
    # search documents are ready (or after the pages, without search).
    scanning = warm.Scanning([final, spare_home] if warm.remembers_county(project.root, final) else [])
    found: dict[str, Any] | None = None
    final_files: dict[str, warm.Stat] = {}
    looked = False

    def look_back() -> None:
        nonlocal found, final_files, looked
        if not looked:
            found = warm.previous_county(project.root, final, key, scanning)
            final_files = found["files"] if found else {}
            looked = True

    indexing: search.Indexing | None = None
    same_search, found_search = False, None

    def documents_ready(documents: list[search.SearchDocument]) -> None:
        # The search documents are complete once the record pages are made: the indexer starts
        # then, beside the rest of the page stage and MkDocs, and updates the published bundle
        # for the records that changed (search.write_bundle).
        nonlocal indexing, same_search, found_search
        if not with_search:
            return
        look_back()
        text = search.documents_text(documents)  # once, for the comparison and the indexer
        found_search = warm.documents_digest(text)
        same_search = bool(found and found.get("search") == found_search and (final / search.BUNDLE).is_dir())
        if not same_search:
            indexing = search.Indexing(
                documents, final / search.BUNDLE, search.state_path(project.root, final), hand_over=bool(found), text=text
            )

    try:
        t = time.perf_counter()
        county_site = CountySite(project, county, histories, previous=previous)
        pages, assets = county_site.build(documents_ready), county_site.assets
        times["pages"] = time.perf_counter() - t
        if county_site.kept_records:
            log(f"{county.name}：{county_site.kept_records} 条记录的页面数据与上次相同，取自缓存")
        if county_site.lost:
            log(
                f"{county.name}：{len(county_site.lost)} 条上次已发布的记录在内容和修订历史中都已没有"
                "（可能是改写历史删除的），保留了说明页：" + "、".join(e["path"] for e in county_site.lost)
            )
        remove(work)
        look_back()
        digests = warm.page_digests(pages)
        kept = {src for src, d in digests.items() if found and d is not None and found["pages"].get(src) == d}
        # The previous folder matched its fingerprint (previous_county), so its manifest tells the
        # bytes of every file in it: a data file or attachment with the same hash is taken from there.
        previous_hashes, previous_search = manifest.file_hashes(manifest.Target(str(final)).manifest()) if found else ({}, None)
        kept_files = warm.same_files(assets, previous_hashes)
        taken_spare = spare.take(spare_home, scanning) if found else None
        scanning.stop()
        clean = functools.partial(run.remove_later, ignore_errors=True) if run is not None else spare.remove_now
        if taken_spare is None:
            spare.discard(spare_home, clean)
        spare.prune(project.root, clean)
        t = time.perf_counter()
        taken = engine.build_site(
            project.root, work, pages=pages, assets=assets, kept=kept, previous=final if kept or kept_files else None,
            kept_files=kept_files, previous_files=final_files if found else None, **settings
        )
        times["mkdocs"] = time.perf_counter() - t
        same_pages = len(taken) - len(kept_files.intersection(taken))
        if taken:
            log(
                f"{county.name}：{len(pages) - same_pages} 页有变化，已重新生成；其余 {same_pages} 页"
                + (f"和 {len(taken) - same_pages} 个数据文件" if len(taken) > same_pages else "")
                + "沿用上次生成的结果" + ("，搜索索引亦然" if same_search else "")
            )
        if same_search:
            taken += [rel for rel in final_files if rel.startswith(manifest.SEARCH_BUNDLE)]
        if indexing:
            t = time.perf_counter()
            taken += indexing.finish(work)
            times["search wait"] = time.perf_counter() - t
            times["search (in parallel)"] = indexing.seconds
        if project.site.editor:  # the form editor exists once site.yml names the forge behind it
            editor.write_editors(project, county.id, work)
        t = time.perf_counter()
        # One scan of what the build wrote, and the files it takes from `final`, list the new
        # folder for the manifest. Those files keep the hashes the manifest of `final` gives
        # them: previous_county found `final` as the last build left it (fingerprint),
        # manifest.json included.
        written_folders: set[str] = set()
        written = warm.scan(work, written_folders)
        taken = [rel for rel in taken if rel not in written]
        manifest.write_manifest(
            project, county, work, county_site.lost, listing=[*written, *taken],
            known={**(indexing.sha256 if indexing else {}), **{rel: previous_hashes[rel] for rel in taken if rel in previous_hashes}},
            search_sha256=previous_search if same_search else None, taken=set(taken), taken_from=final,
        )
        written[manifest.MANIFEST] = warm.stat_of(work / manifest.MANIFEST)
        times["manifest"] = time.perf_counter() - t
        t = time.perf_counter()
        folder, listing = spare.assemble(work, written, written_folders, final, taken, final_files, taken_spare)
        warm.forget_county(project.root, final)  # from here on, `final` is not what was noted
        # The folder swapped out is kept as the spare when its fingerprint is known (found).
        if replace_dir(folder, final, run, spare_home if found else None):
            spare.note(spare_home, found["fingerprint"], final)  # type: ignore[arg-type,index]  # put aside: both are set
        if folder != work:
            remove(work)  # its files were moved into the spare: only folders are left
        times["files"] = time.perf_counter() - t
        folder_fingerprint = warm.digest_of(listing)  # the rename changes no path, size, time, mode or inode under it
        warm.remember_county(project.root, final, key, digests, found_search, folder_fingerprint)
        if run is not None:
            run.fingerprints[county.id] = folder_fingerprint
    except BaseException:
        # Whatever stopped the build (MkDocs, a full disk, Ctrl+C, SIGTERM): remove what it
        # wrote; the published folder was not touched (or replace_dir put it back).
        shutil.rmtree(work, ignore_errors=True)
        restore_interrupted(site_dir / county.id)
        raise
    finally:
        scanning.stop()
        if indexing:
            indexing.cancel()
    return times


def build_portal(project: Project, site_dir: Path, histories: dict[str, RecordHistory] | None = None) -> None:
    """site/index.html: the portal linking every county site, with the city's 统计 and the
    督查报告, judged at the built commit's date like each county's 公开时限."""
    work = site_dir / PORTAL_WORK
    remove(work)
    try:
        make_portal(project, work, histories)
        place_portal(site_dir, work)
    finally:
        discard_portal(site_dir, work)


def make_portal(project: Project, work: Path, histories: dict[str, RecordHistory] | None = None) -> None:
    """The portal's pages, built into `work` with its manifest (place_portal puts them in place)."""
    counties = [
        {"href": f"{c.id}/", "name": c.name, "count": sum(1 for r in project.records if r.county == c.id and r.valid)}
        for c in project.counties.values()
    ]
    data = {"city": project.site.city, "counties": counties, "stats": "stats/", "inspection": "inspection/"}
    as_of = deadlines.as_of_date(project.root)
    pages = [
        Page("index.md", project.site.title, "portal.html", data),
        portal_search(project),
        stats_page.portal_page(project, as_of, histories),
        inspection_page.portal_page(project, as_of, histories),
    ]
    engine.build_site(
        project.root,
        work,
        site_name=project.site.title,
        site_url=project.site.base_url,
        footer=footer(project, None),
        pages=pages,
        assets=[],
        nav=[
            {"首页": "index.md"},
            {"搜索": "search/index.md"},
            {"统计": stats_page.SRC},
            {"督查报告": inspection_page.SRC},
        ],
        repo_url=project.site.repo_url,
    )
    manifest.write_portal_manifest(project, work)


def place_portal(site_dir: Path, work: Path) -> None:
    """Put a completely built portal (make_portal) in place, each of its files and folders."""
    for item in work.iterdir():
        target = site_dir / item.name
        if item.is_dir():
            replace_dir(item, target)
        else:
            item.replace(target)


def discard_portal(site_dir: Path, work: Path) -> None:
    """Remove what is left of a portal build, and put back a folder an interrupted swap left aside."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(_portal_scratch(work), ignore_errors=True)
    for item in site_dir.iterdir():
        if item.name.startswith(OLD_PREFIX):
            restore_interrupted(site_dir / item.name[len(OLD_PREFIX):])


# What the forked process making the portal reads: fork gives it this process's memory, where
# handing the project to it as an argument would pickle 10,000 records (seconds).
_portal_inputs: tuple[Project, dict[str, RecordHistory]] | None = None


class PortalError(Exception):
    """The portal's process failed (its exception, by name and message) or ended unexpectedly."""


class PortalProcess:
    """The portal made into `work` by a forked process while the counties are built.

    A plain process with a pipe, not a pool: a pool whose worker dies (the out-of-memory
    killer) or whose exception cannot be pickled never answers, and the build would wait
    for ever holding the folder's lock. Here the pipe closes when the process ends, however
    it ends, and its exit code says the rest."""

    def __init__(self, project: Project, histories: dict[str, RecordHistory], work: Path):
        global _portal_inputs
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.reader, writer = context.Pipe(duplex=False)
        _portal_inputs = (project, histories)
        try:
            with changes.fork_handlers():
                self.process = context.Process(target=_make_portal_forked, args=(os.fspath(work), writer), daemon=True)
                self.process.start()  # OSError when the system cannot fork: the caller builds it here
        except BaseException:
            self.reader.close()
            raise
        finally:
            _portal_inputs = None
            writer.close()

    def outcome(self) -> BaseException | None:
        """Wait for the process: None when the portal is complete in `work`, else what went wrong."""
        try:
            report = self.reader.recv()
        except (EOFError, OSError):
            report = None  # it ended without a word
        self.process.join()
        if report == ("ok",) and self.process.exitcode == 0:
            return None
        if isinstance(report, tuple) and report[:1] == ("oserror",):
            return OSError(*report[1:])
        if isinstance(report, tuple) and report[:1] == ("error",):
            return PortalError(f"{report[1]}: {report[2]}")
        return PortalError(f"生成门户的进程意外结束，退出码 {self.process.exitcode}")

    def stop(self) -> None:
        """End the process if it still runs (a county failed, the build was stopped)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.reader.close()


def _make_portal_forked(work: str, writer: Any) -> None:
    assert _portal_inputs is not None
    project, histories = _portal_inputs
    try:
        # The process ends at once when the build is stopped, without removing its temporary
        # files: they go beside the work folder, where discard_portal removes them with it.
        scratch = _portal_scratch(Path(work))
        scratch.mkdir(exist_ok=True)
        tempfile.tempdir = os.fspath(scratch)
        make_portal(project, Path(work), histories)
    except OSError as exc:  # plain values only: anything pickled might not come back
        filename = os.fsdecode(exc.filename) if isinstance(exc.filename, str | bytes) else None
        writer.send(("oserror", exc.errno, exc.strerror or str(exc), filename))
    except Exception as exc:
        writer.send(("error", type(exc).__name__, str(exc)))
    else:
        writer.send(("ok",))


def _portal_scratch(work: Path) -> Path:
    return work.with_name(f"{work.name}-tmp")


def build_all(
    root: Path,
    site_dir: Path,
    *,
    counties: list[str] | None = None,
    search: bool = True,
    past: bool = False,
    previous: dict[str, dict[str, Any]] | None = None,
    previous_from: str | None = None,
    lock_wait: float | None = None,
) -> int:
    """Validate, then build the named counties (default: all) and the portal; exit status.

    `past` is for --as-of: content as it stood then is built even where today's checks
    find errors in it (they are listed), because an inspector needs to see what was there.
    Exit 2 when the output folder cannot be used (in the way, no permission, busy, disk full).
    """
    problem = unusable_site_dir(site_dir, root)
    if problem:
        log(problem)
        return 2
    t = time.perf_counter()
    if previous is None and previous_from:
        # Read before the check: the 索引号 published there stay with their records.
        try:
            previous = manifest.previous_manifests(previous_from, counties or list(load_counties(root, Findings())))
        except manifest.ManifestUnavailable as exc:
            log(f"{exc}；为免漏掉已发布的记录，未生成网站，已发布的网站保持不变。")
            return 1
    key = warm.inputs_key(root, counties, {"search": search, "past": past, "previous": previous})
    try:
        if _nothing_changed(root, site_dir, key, lock_wait):
            log(f"自上次生成以来，内容、目录、主题和程序都没有变化，{site_dir} 中的网站完好：沿用，未重新生成。")
            return 0
    except SiteDirError as exc:
        log(str(exc))
        return 2
    # The collector is paused from the check to the end of the history (check() pauses it
    # for itself; the history would otherwise pay four full passes over every record the
    # check made, 1.3 s of a one-record build at 10,000 records).
    with collector_paused():
        # Unchanged records come from the record cache (cache.py) whole, as a cold read would
        # give them, with their findings: only changed files are parsed and validated again.
        records = RecordCache(record_cache_dir(root), whole=True) if store.active() else None
        project = check(root, published_numbers=indexno.from_manifests(previous or {}), cache=records)
        log(f"读取并检查 {len(project.records)} 条记录：{time.perf_counter() - t:.1f} 秒")
        if records is not None and records.hits:
            log(f"其中 {records.hits} 个记录文件自上次检查以来没有改动，沿用了上次的检查结果。")
        if project.findings:
            log(render_terminal(project.findings))
        if project.findings.errors and past:
            log("以上问题是按现行规则检查历史版本发现的；历史版本照原样生成，供核查。")
        elif project.findings.errors:
            log("有错误，未生成网站；已发布的网站保持不变。")
            return 1
        wanted = counties or list(project.counties)
        unknown = [c for c in wanted if c not in project.counties]
        if unknown:
            log(f"没有这个县（市、区）：{'、'.join(unknown)}；可选：{'、'.join(project.counties)}")
            return 2
        t = time.perf_counter()
        try:
            histories = changes.record_histories(project, root)
        except history.HistoryError as exc:
            log(f"无法读取修订历史：{exc}")
            return 1
        log(f"读取修订历史（{len(histories)} 条记录）：{time.perf_counter() - t:.1f} 秒")
        # The project and its histories live until the build ends: frozen, the collector's
        # passes while the pages are made no longer walk them, nor touch the pages of memory the
        # portal's forked process shares. Unfrozen after, for a process that goes on (the tests,
        # serve); the command line freezes again before it exits (cli.cmd_build). Frozen before
        # the collector resumes: its first pass would otherwise walk all of them (0.2 s at
        # 10,000 records), made while it was paused and all still young.
        gc.freeze()
    try:
        with site_lock(site_dir, LOCK_WAIT if lock_wait is None else lock_wait):
            warm.forget(root, site_dir)
            run = Run()
            try:
                status = _write_sites(project, site_dir, wanted, histories, search, previous, run)
            finally:
                run.finish()  # the old county folders are gone before the build says it is done
            if status == 0:
                warm.remember(root, site_dir, key, wanted, run.fingerprints)
            return status
    except SiteDirError as exc:
        log(str(exc))
        return 2
    except OSError as exc:  # the folder itself, the lock, or the portal: nothing half-written stays
        log(folder_problem(exc, site_dir))
        return 2
    finally:
        gc.unfreeze()


def _nothing_changed(root: Path, site_dir: Path, key: str | None, lock_wait: float | None) -> bool:
    """True when the last build into site_dir had the same inputs and its output is as it left it (warm.py)."""
    if key is None or not site_dir.is_dir():
        return False
    try:
        with site_lock(site_dir, LOCK_WAIT if lock_wait is None else lock_wait):
            return warm.unchanged(root, site_dir, key)
    except OSError:
        return False  # the build that follows names the folder's problem


def _write_sites(
    project: Project,
    site_dir: Path,
    wanted: list[str],
    histories: dict[str, RecordHistory],
    search: bool,
    previous: dict[str, dict[str, Any]] | None,
    run: Run | None = None,
) -> int:
    """The writing half of build_all, run while holding the folder's lock.

    The portal (统计 and 督查报告 over every record, its own MkDocs build) needs nothing the
    counties write, so a forked process makes it on the other core while the counties are
    built (it was a seventh of a warm one-record build); it is put in place after them."""
    work = site_dir / PORTAL_WORK
    remove(work)
    portal: PortalProcess | None = None
    try:
        try:
            portal = PortalProcess(project, histories, work)
        except OSError:
            portal = None  # no fork to be had (memory): the portal is built after the counties
        status = _write_counties(project, site_dir, wanted, histories, search, previous, run)
        if status:
            return status  # the finally ends the portal's process
        try:
            if portal is None:
                make_portal(project, work, histories)
            else:
                problem = portal.outcome()
                if problem is not None:
                    raise problem
        except OSError:
            raise  # build_all names the folder's problem
        except Exception as exc:
            detail = str(exc) if isinstance(exc, PortalError) else f"{type(exc).__name__}: {exc}"
            log(f"生成门户时出错（{detail}）；已发布的门户保持不变。")
            return 1
        place_portal(site_dir, work)
    finally:
        if portal is not None:
            portal.stop()
        discard_portal(site_dir, work)
    log(f"门户：{site_dir / 'index.html'}")
    return 0


def _write_counties(
    project: Project,
    site_dir: Path,
    wanted: list[str],
    histories: dict[str, RecordHistory],
    search: bool,
    previous: dict[str, dict[str, Any]] | None,
    run: Run | None,
) -> int:
    """Build each county named; exit status (0, or where the first that failed stopped)."""
    for county_id in wanted:
        county = project.counties[county_id]
        try:
            times = build_county(
                project, county, site_dir, with_search=search, histories=histories,
                previous=previous.get(county_id, {}) if previous is not None else None, run=run,
            )
        except OSError as exc:
            if exc.errno in DISK_FULL or (exc.filename and _under(exc.filename, site_dir)):
                log(f"生成{county.name}网站时出错：{folder_problem(exc, site_dir)}")
                return 2
            log(f"生成{county.name}网站时出错（{type(exc).__name__}: {exc}）；已发布的网站保持不变。")
            return 1
        except RecordPageError as exc:
            log(f"生成{county.name}网站时出错：{exc}；已发布的网站保持不变。请先运行 python build.py check 检查这个文件。")
            return 1
        except Exception as exc:  # the engine failed: say so plainly; the published site is untouched
            log(f"生成{county.name}网站时出错（{type(exc).__name__}: {exc}）；已发布的网站保持不变。")
            return 1
        log(f"{county.name}：" + "，".join(f"{k} {v:.1f} 秒" for k, v in times.items()) + f" → {site_dir / county_id}/index.html")
    return 0


def _under(filename: str | bytes, folder: Path) -> bool:
    """True when an error's file lies inside the output folder (so the folder is the problem)."""
    try:
        return Path(os.fsdecode(filename)).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
