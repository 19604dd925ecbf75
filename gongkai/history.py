"""What git knows about the content: every version of every record, in one pass.

The history of content/ is read with one `git log --raw` (commits and the blob ids of
every changed file) and one `git cat-file --batch` (the text of those blobs), never one
git command per file, so a county with 10,000 records and 20,000 commits takes seconds.
Only the first-parent history of the checked-out branch counts: that is what landed on
main, in the order it landed; a merge is dated when it was merged.
"""

from __future__ import annotations

import functools
import re
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from . import store

State = TypeVar("State")

CONTENT = "content"
RECORD_SUFFIXES = (".md", ".yml", ".yaml")
EMPTY_BLOB = "0" * 40


class HistoryError(Exception):
    """History cannot be read faithfully; the message says, in Chinese, what to do."""


@dataclass
class FileChange:
    """One file touched by one commit (as `git log --raw` reports it)."""

    status: str  # A M D R (C is treated as A)
    path: str
    old_path: str
    old_blob: str
    new_blob: str


@dataclass
class Commit:
    """One commit on the first-parent line, oldest first."""

    sha: str
    time: int  # committer time, epoch seconds
    author: str
    subject: str
    body: str
    files: list[FileChange] = field(default_factory=list)


def git(root: Path, *args: str, input: str | None = None) -> str:
    """Run git in root and return stdout; raises CalledProcessError on failure."""
    return subprocess.run(
        ["git", "-C", str(root), "-c", "core.quotepath=off", *args],
        capture_output=True,
        text=True,
        check=True,
        input=input,
    ).stdout


def is_repository(root: Path) -> bool:
    """True when root is inside a git work tree with at least one commit."""
    try:
        git(root, "rev-parse", "--verify", "HEAD")
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def head_time(root: Path) -> int | None:
    """Committer time of HEAD (epoch seconds), or None outside a git checkout."""
    try:
        return int(git(root, "log", "-1", "--format=%ct", "HEAD").strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None


def ensure_full_history(root: Path) -> None:
    """Refuse to read a shallow clone: its missing commits would look like empty histories."""
    try:
        shallow = git(root, "rev-parse", "--is-shallow-repository").strip()
    except (OSError, subprocess.CalledProcessError):
        return
    if shallow == "true":
        raise HistoryError(
            "这是浅克隆（shallow clone）的仓库，只含最近的提交，无法得出完整的修订记录。"
            "请先运行 git fetch --unshallow；在 CI 中请把检出步骤设为 fetch-depth: 0。"
        )


# What a date before the first commit stands for: git's empty tree, so a diff from it lists
# every record as added and a check against it has nothing published to compare with.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_WHEN = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def as_time(text: str) -> str | None:
    """`YYYY-MM-DD` (the end of that day) or `YYYY-MM-DD HH:MM[:SS]`, China time, as git reads a time; None if not one."""
    import datetime as dt

    m = _WHEN.fullmatch(text.strip())
    if not m:
        return None
    date, hour, minute, second = m.groups()
    try:
        day = dt.date.fromisoformat(date)
        when = dt.time(int(hour), int(minute), int(second or 0)) if hour is not None else dt.time(23, 59, 59)
    except ValueError:
        return None
    return f"{day.isoformat()} {when.isoformat()} +0800"


def resolve(root: Path, rev_or_date: str) -> str:
    """A commit sha for a revision, or for the last commit at or before a date or time (China time).

    A date before the first commit stands for the empty content (EMPTY_TREE), so "what
    changed since 2010" lists everything rather than failing.
    """
    if rev_or_date == EMPTY_TREE:
        return EMPTY_TREE
    when = as_time(rev_or_date)
    try:
        if when is not None:
            sha = git(root, "rev-list", "-1", "--first-parent", f"--before={when}", "HEAD").strip()
            return sha or EMPTY_TREE
        if _WHEN.match(rev_or_date.strip()) and not git_has(root, rev_or_date):
            raise HistoryError(f"「{rev_or_date}」不是有效的日期：请写 YYYY-MM-DD 或 YYYY-MM-DD HH:MM（北京时间）")
        return git(root, "rev-parse", "--verify", f"{rev_or_date}^{{commit}}").strip()
    except subprocess.CalledProcessError:
        raise HistoryError(
            f"找不到版本「{rev_or_date}」：请写提交号、分支名，或 YYYY-MM-DD、YYYY-MM-DD HH:MM（北京时间）格式的日期"
        ) from None


def git_has(root: Path, rev: str) -> bool:
    """True when rev names a commit of the repository."""
    try:
        git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def log(root: Path, rev: str = "HEAD", paths: tuple[str, ...] = (CONTENT,)) -> list[Commit]:
    """Every first-parent commit up to rev that touched the paths, oldest first, with its files."""
    if not is_repository(root):
        return []
    ensure_full_history(root)
    if _FIXED.fullmatch(rev):
        return list(_log(str(root), rev, paths))
    return _read_log(root, rev, paths)


_FIXED = re.compile(r"(?:[0-9a-f]{40}\.\.)?[0-9a-f]{40}")  # commits by id: their history cannot change


@functools.lru_cache(maxsize=4)
def _log(root: str, rev: str, paths: tuple[str, ...]) -> tuple[Commit, ...]:
    # Remembered within the process only for revisions named by commit id (replay), where
    # the answer cannot change: the 索引号 ledger and the record histories share one read.
    reading = _reading.pop((root, rev, paths), None)
    if reading is not None:  # prefetch() started it: wait for it (its error is raised here)
        return reading.result()
    return tuple(_read_log(Path(root), rev, paths))


# The whole log being read by prefetch(), by _log's arguments: one at a time.
_reading: dict[tuple[str, str, tuple[str, ...]], Future] = {}

# What tells prefetch() whether the kept states will serve: the landing times, which every
# check and build reads, kept under the code's key (a cold cache or new code reads all).
_PROBE = "first-landed"


def prefetch(root: Path, paths: tuple[str, ...] = (CONTENT,)) -> None:
    """Start reading the whole first-parent log of HEAD in a thread, when the states kept in
    the cache will not serve (none for this code: a cold cache, or new code), so that git
    walks 20,000 commits (3 s) on the other core while the records are read and checked.
    replay() then takes it through _log as if it read it there. Only a guess: a log not
    asked for is dropped by the next prefetch, and one asked for that is not ready is waited for."""
    if store.active() and store.sealed_as(state_path(root, _PROBE, paths), _PROBE, store.code_key()):
        return
    try:
        sha = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
    except (OSError, subprocess.CalledProcessError):
        return  # not a repository, or no commit yet: nothing to read
    args = (str(root), sha, paths)
    if not re.fullmatch(r"[0-9a-f]{40}", sha) or args in _reading:
        return
    reading: Future = Future()

    def read() -> None:
        try:
            reading.set_result(tuple(_read_log(Path(root), sha, paths)))
        except BaseException as exc:  # raised where the log is asked for, as without prefetch
            reading.set_exception(exc)

    _reading.clear()
    _reading[args] = reading
    threading.Thread(target=read, name="git log", daemon=True).start()


def _read_log(root: Path, rev: str, paths: tuple[str, ...]) -> list[Commit]:
    out = git(
        root,
        "log", rev, "--reverse", "--first-parent", "--diff-merges=first-parent", "--raw", "-M", "--no-abbrev",
        "--format=%x1e%H%x1f%ct%x1f%an%x1f%s%x1f%b%x1f",
        "--", *paths,
    )
    commits: list[Commit] = []
    for chunk in out.split("\x1e")[1:]:
        sha, time, author, subject, body, rest = chunk.split("\x1f", 5)
        commit = Commit(sha, int(time), author, subject, body.strip())
        commit.files = _raw(rest)
        commits.append(commit)
    return commits


def _raw(text: str) -> list[FileChange]:
    """The file lines of `git log --raw` / `git diff --raw` output (a copy counts as added)."""
    files = []
    for line in text.splitlines():
        if not line.startswith(":"):
            continue
        meta, *names = line.split("\t")
        _, _, old_blob, new_blob, status = meta[1:].split(" ")
        kind = status[0]
        if kind in ("R", "C"):
            old_path, path = names[0], names[1]
            if kind == "C":
                kind, old_path, old_blob = "A", path, EMPTY_BLOB
        else:
            old_path = path = names[0]
        files.append(FileChange(kind, path, old_path, old_blob, new_blob))
    return files


def diff(root: Path, a: str, b: str | None = None) -> list[FileChange]:
    """Files changed under content/ from a to b (to the working tree when b is None)."""
    return _raw(git(root, "diff", "--raw", "-M", "--no-abbrev", a, *([b] if b else []), "--", CONTENT))


def blobs(root: Path, ids: set[str]) -> dict[str, str]:
    """The text of many blobs through one `git cat-file --batch` process."""
    ids = {i for i in ids if i and i != EMPTY_BLOB}
    if not ids:
        return {}
    order = sorted(ids)
    proc = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch"],
        input="\n".join(order).encode() + b"\n",
        capture_output=True,
        check=True,
    )
    data = proc.stdout
    out: dict[str, str] = {}
    pos = 0
    for blob in order:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode()
        pos = end + 1
        if header.endswith("missing"):
            continue
        size = int(header.rsplit(" ", 1)[1])
        raw = data[pos : pos + size]
        pos += size + 1
        out[blob] = raw.decode("utf-8", errors="replace")
    return out


def tree(root: Path, rev: str, prefix: str = CONTENT) -> dict[str, str]:
    """Path -> blob id of every file under prefix at a revision."""
    out = git(root, "ls-tree", "-r", "--full-tree", rev, "--", prefix)
    files = {}
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        files[path] = meta.split(" ")[2]
    return files


def first_landed(root: Path) -> dict[str, int]:
    """Repository path -> time of the commit that added it (renames keep the first time).

    Empty when the folder is not a git checkout (a tarball build): callers then fall back
    to the publication date, which is stable as long as nothing is back-dated. Read
    incrementally (replay): check, build and the 督查 report all ask, on every run.
    """
    return replay(
        root, "HEAD", "first-landed", store.code_key(),
        fresh=dict, advance=_fold_landed, encode=lambda out: out, decode=lambda data: {str(k): int(v) for k, v in data.items()},
        packed=True, save_after=SAVE_AFTER,
    )


# The states every check reads (landing times, the 索引号 ledger: 5 and 22 MB at 100,000
# records) are kept again after this many new commits, not after each: a pull request's
# check folds its few commits into main's state in less time than writing it (0.3 s).
SAVE_AFTER = 20


def _fold_landed(out: dict[str, int], commits: list[Commit]) -> None:
    for commit in commits:
        for f in commit.files:
            if f.status == "A" and f.path not in out:
                out[f.path] = commit.time
            elif f.status == "R" and f.old_path in out:
                out.setdefault(f.path, out[f.old_path])


# Reading history incrementally ---------------------------------------------------------


def replay(
    root: Path,
    rev: str,
    kind: str,
    key: str,
    *,
    fresh: Callable[[], State],
    advance: Callable[[State, list[Commit]], None],
    encode: Callable[[State], Any],
    decode: Callable[[Any], State],
    paths: tuple[str, ...] = (CONTENT,),
    packed: bool = False,
    save_after: int = 1,
) -> State:
    """Fold the first-parent commits up to rev into a state, reading only what is new.

    The state after the last commit read is kept in the cache folder (store.py) with that
    commit. Next time only the commits after it are read and folded in, provided it still
    lies on the first-parent line of rev; after a force-push or a rewind (it is elsewhere,
    or gone) the whole history is read again. `key` names everything besides the commits
    that the state depends on (code, catalogues …): another key reads everything again.
    packed: kept as msgpack (store.write_sealed), for states of plain text and numbers that
    every check reads (at 100,000 records JSON took half a second to read them back).
    save_after: keep the state only once that many commits were folded into it since it was
    last kept (or it was read from scratch): for a large state that folds commits cheaply,
    writing it again for each new commit costs more than folding a few commits again.
    """
    if not is_repository(root):
        state = fresh()
        advance(state, [])
        return state
    ensure_full_history(root)
    try:
        sha = git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
    except subprocess.CalledProcessError:
        sha = ""
    if not sha:  # not a commit (git's empty tree …): read it the plain way, remember nothing
        state = fresh()
        advance(state, log(root, rev, paths))
        return state
    where = state_path(root, kind, paths)
    cached = store.read_sealed(where, kind, key, packed=packed)
    state, commits = None, None
    if isinstance(cached, dict) and isinstance(cached.get("commit"), str):
        try:
            state = decode(cached.get("state"))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError):
            state = None  # sealed but not what this code reads: start over
        commits = _since(root, cached["commit"], sha, paths) if state is not None else None
        if commits is None:
            state = None
    unchanged = state is not None and cached["commit"] == sha
    scratch = state is None
    if state is None:
        state, commits = fresh(), log(root, sha, paths)
    advance(state, commits or [])
    if not unchanged and (scratch or len(commits or ()) >= save_after):
        store.write_sealed(where, kind, key, {"commit": sha, "state": encode(state)}, packed=packed)
    return state


def state_path(root: Path, kind: str, paths: tuple[str, ...] = (CONTENT,)) -> Path:
    """Where replay() keeps the state of this kind for this repository."""
    return store.cache_root(root) / "history" / f"{kind}-{store.digest(str(Path(root).resolve()), *paths)[:16]}.json"


def _since(root: Path, last: str, sha: str, paths: tuple[str, ...]) -> list[Commit] | None:
    """The commits after `last` up to sha, when `last` lies on sha's first-parent line; else None."""
    if not re.fullmatch(r"[0-9a-f]{40}", last):
        return None
    if last == sha:
        return []
    try:
        out = git(root, "rev-list", "--first-parent", "--parents", f"{last}..{sha}").split("\n")
    except subprocess.CalledProcessError:  # the remembered commit is gone (gc after a force-push)
        return None
    lines = [line for line in out if line.strip()]
    # The first-parent walk back from sha stops at the first commit `last` can reach: it is
    # `last` itself only when `last` is on the line (not merged from a side branch, not rewritten).
    if not lines or lines[-1].split(" ")[1:2] != [last]:
        return None
    return log(root, f"{last}..{sha}", paths)
