"""Revisions: what changed in a record between two versions, field by field.

Built on history.py (git, read in one pass). A record's history follows it through
renames; every revision says when it landed, its commit message, the change notes the
unit wrote in `changes:`, and which fields went from what to what. The same diff feeds
the record pages, the county 变更记录 and its feed, `build.py diff`, and the rules
`check --base` enforces on pull requests.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import history, pii, store
from .findings import Findings, field_text
from .labels import record_labeller
from .load import Project, parse_record_text
from .model import CATEGORIES
from .schema import field_path

CHINA = dt.timezone(dt.timedelta(hours=8))
# Fields that record the process rather than the disclosure: changing them needs no note.
PROCESS_FIELDS = ("changes", "withdrawn", "removed", "body")
# A body edit that keeps the lines and changes at most this many characters is a typo fix
# and needs no change note (README: what needs a change note).
TYPO_CHARS = 20

KIND_ZH = {
    "added": "新增",
    "changed": "修改",
    "renamed": "移动",
    "withdrawn": "撤回",
    "removed": "删除内容",
    "restored": "恢复",
    "deleted": "删除",
}


def day(epoch: int) -> str:
    """A commit time as a date in China (UTC+8), where the disclosure is read."""
    return dt.datetime.fromtimestamp(epoch, CHINA).date().isoformat()


@dataclass
class FieldChange:
    """One field (or table cell) that went from old to new."""

    path: tuple
    label: str
    old: str | None  # None: the field was added
    new: str | None  # None: the field was removed


@dataclass
class Revision:
    """One commit's effect on one record."""

    sha: str
    date: str
    message: str
    kind: str
    path: str
    notes: list[str] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    body: str = ""  # summary of the body edit, e.g. 正文修改：增加 2 行，删除 1 行
    reason: str = ""  # for withdrawn / removed
    # A body-only edit in place, without a note, small enough to need none (is_typo): 统计
    # does not count it against the unit. Judged here, from the two versions the history
    # reads anyway (stats asked git for both again, two processes per revision per build).
    typo: bool = False

    @property
    def kind_zh(self) -> str:
        """The kind of revision in Chinese."""
        return KIND_ZH[self.kind]


@dataclass
class RecordHistory:
    """Every revision of one record, oldest first, across renames."""

    path: str  # the latest path
    revisions: list[Revision] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # the last version's fields
    deleted: bool = False
    # The history as JSON (history_text): from the cache it was read from, or made the first
    # time it is asked for. _fold drops it whenever it changes the history.
    text: str | None = field(default=None, compare=False, repr=False)

    @property
    def landed(self) -> Revision | None:
        """The revision in which the record first reached main."""
        return self.revisions[0] if self.revisions else None

    @property
    def updated(self) -> str:
        """Date of the last revision that changed the record after it landed."""
        later = [r for r in self.revisions[1:] if r.kind != "renamed" or r.fields or r.body]
        return later[-1].date if later else ""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{k}：{_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    return "" if value is None else str(value)


def labeller(project: Project | None, category: str, meta: dict[str, Any]):
    """A function path -> Chinese label, from the record schema and the item's schema."""
    return record_labeller(project, category, meta)


def diff_fields(old: Any, new: Any, path: tuple = ()) -> Iterable[tuple[tuple, Any, Any]]:
    """(path, old, new) for every difference; tables are compared row by row."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if path == () and key in PROCESS_FIELDS:
                continue
            if key not in new:
                yield path + (key,), old[key], None
            elif key not in old:
                yield path + (key,), None, new[key]
            else:
                yield from diff_fields(old[key], new[key], path + (key,))
    elif isinstance(old, list) and isinstance(new, list) and any(isinstance(v, dict) for v in old + new):
        for i in range(max(len(old), len(new))):
            if i >= len(old):
                yield path + (i,), None, new[i]
            elif i >= len(new):
                yield path + (i,), old[i], None
            else:
                yield from diff_fields(old[i], new[i], path + (i,))
    elif old != new:
        yield path, old, new


def body_summary(old: str, new: str) -> str:
    """How much of the body changed, in words a citizen reads."""
    if old == new:
        return ""
    a, b = old.strip().splitlines(), new.strip().splitlines()
    added = removed = 0
    for line in difflib.ndiff(a, b):
        if line.startswith("+ "):
            added += 1
        elif line.startswith("- "):
            removed += 1
    parts = [f"增加 {added} 行" if added else "", f"删除 {removed} 行" if removed else ""]
    return "正文修改：" + "，".join(p for p in parts if p) if any(parts) else "正文修改"


# Numbers in a body: runs of digits (ASCII, full-width or any other script's, with their
# separators) and runs of Chinese numerals. A body edit that changes one of them changes a
# figure citizens rely on (8户 → 18户), however few characters it takes.
_NUMBER_RUN = re.compile(r"\d+(?:[.,，．:：/-]\d+)*|[〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+")


def numbers_in(text: str) -> list[str]:
    """The numbers a text states, in order (full-width digits read as ASCII ones)."""
    return [unicodedata.normalize("NFKC", m.group()) for m in _NUMBER_RUN.finditer(text)]


def is_typo(old: str, new: str) -> bool:
    """A body edit small enough to need no change note: same lines and numbers, a few characters."""
    a, b = old.strip(), new.strip()
    if len(a.splitlines()) != len(b.splitlines()) or numbers_in(a) != numbers_in(b):
        return False
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")
    return changed <= TYPO_CHARS


def _notes(meta: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(index, date, note) of each change note a version carries."""
    entries = meta.get("changes")
    if not isinstance(entries, list):
        return []
    return [(i, _text(c.get("date")), _text(c.get("note"))) for i, c in enumerate(entries) if isinstance(c, dict)]


def new_notes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Change notes present in the new version and not in the old one.

    A copy of an old note is not new: a change needs a note that says something new.
    """
    before = {(d, n) for _, d, n in _notes(old)}
    return [n for _, d, n in _notes(new) if (d, n) not in before]


def lost_notes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[int, str, str]]:
    """Change notes of the old version that the new one no longer carries word for word.

    A note whose personal numbers were masked since (`build.py fix --mask`) is carried.
    """
    after = Counter((d, n) for _, d, n in _notes(new))
    out = []
    for i, d, n in _notes(old):
        for carried in (n, pii.mask_text(n)):
            if after[(d, carried)]:
                after[(d, carried)] -= 1
                break
        else:
            out.append((i, d, n))
    return out


def misplaced_note(old: dict[str, Any], new: dict[str, Any]) -> int | None:
    """Index of the first new note placed among the published ones (None: all come after them).

    Notes are append-only: the published ones stay first, in their order, and the public
    修订记录 reads as it happened. Only asked when every published note is still carried.
    """
    before = _notes(old)
    after = _notes(new)
    for (_, d, n), (i, nd, nn) in zip(before, after, strict=False):
        if (nd, nn) not in ((d, n), (d, pii.mask_text(n))):
            return i
    return None


def revision(
    project: Project | None,
    category: str,
    old: tuple[dict[str, Any], str] | None,
    new: tuple[dict[str, Any], str] | None,
    *,
    sha: str,
    date: str,
    message: str,
    path: str,
    renamed: bool = False,
) -> Revision:
    """The revision between two versions of a record (None: it did not exist)."""
    if old is None:
        return Revision(sha, date, message, "added", path, notes=new_notes({}, new[0]) if new else [])
    if new is None:
        return Revision(sha, date, message, "deleted", path)
    (om, ob), (nm, nb) = old, new
    label = labeller(project, category, nm)
    fields = [FieldChange(p, label(p), None if o is None else _text(o), None if n is None else _text(n)) for p, o, n in diff_fields(om, nm)]
    kind = "renamed" if renamed else "changed"
    reason = ""
    if nm.get("removed") and not om.get("removed"):
        kind, reason = "removed", _text((nm["removed"] or {}).get("reason"))
    elif nm.get("withdrawn") and not om.get("withdrawn"):
        kind, reason = "withdrawn", _text((nm["withdrawn"] or {}).get("reason"))
    elif om.get("withdrawn") and not nm.get("withdrawn"):
        kind = "restored"
    notes = new_notes(om, nm)
    typo = kind == "changed" and not fields and not notes and is_typo(ob, nb)
    return Revision(sha, date, message, kind, path, notes, fields, body_summary(ob, nb), reason, typo)


def _category(path: str) -> str:
    parts = path.split("/")
    return parts[1] if len(parts) > 1 else ""


# Where a published record lives: content/<category>/<county>/<unit>/<id>.md|.yml|.yaml, with
# the names the checks accept (a record's id is its lower-case file name). A file elsewhere
# or named otherwise is never published, so a record moved there has been deleted.
_RECORD_PATH = re.compile(
    rf"{history.CONTENT}/([a-z]+)/([a-z0-9][a-z0-9_-]*)/([a-z0-9][a-z0-9_-]*)/[a-z0-9][a-z0-9-]*\.(?:md|ya?ml)"
)


def is_record_path(path: str) -> bool:
    """True for content/<category>/<county>/<unit>/<id>.md|.yml|.yaml, as the checks name them."""
    m = _RECORD_PATH.fullmatch(path)
    return bool(m) and m.group(1) in CATEGORIES


def _county(path: str) -> str:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 else ""


def record_changes(files: list[history.FileChange]) -> list[history.FileChange]:
    """The changes to records among files, a record's move off the record paths as a deletion.

    A record renamed to a name that is not a record (ledger.md.bak, Ledger.md, a folder of
    no category) is no longer published: that is its deletion, and what appears there is
    not a record. Moved into another county, it leaves its county's site: a deletion there
    and an addition in the other county.
    """
    out = []
    for f in files:
        was, now = is_record_path(f.old_path), is_record_path(f.path)
        if not (was or now):
            continue
        if f.status == "R" and was and (not now or _county(f.old_path) != _county(f.path)):
            out.append(history.FileChange("D", f.old_path, f.old_path, f.old_blob, history.EMPTY_BLOB))
            if now:
                out.append(history.FileChange("A", f.path, f.path, history.EMPTY_BLOB, f.new_blob))
        elif f.status == "R" and not was:
            out.append(history.FileChange("A", f.path, f.path, history.EMPTY_BLOB, f.new_blob))
        else:
            out.append(f)
    return out


def record_histories(project: Project | None, root, rev: str = "HEAD") -> dict[str, RecordHistory]:
    """Every record's history up to rev, keyed by its latest path (deleted ones included).

    Read incrementally (history.replay): the histories as they stood at the last commit
    read are kept in the cache, and only the commits after it are read and folded in."""
    live, gone = history.replay(
        root, rev, "record-histories", _histories_key(project),
        fresh=lambda: ({}, []),
        advance=lambda state, commits: _fold(project, root, state, commits),
        encode=_encode_histories,
        decode=_decode_histories,
        packed=True,  # JSON texts: msgpack keeps them as they are, JSON would escape every quote
    )
    out = dict(live)
    for h in gone:  # a path deleted and later re-created keeps the newer record under its path
        out.setdefault(h.path, h)
        if out[h.path] is not h:
            out[f"{h.path}#deleted-{h.revisions[-1].sha[:8]}"] = h
    return out


def _histories_key(project: Project | None) -> str:
    """What the histories depend on besides the commits: the code, and the schemas the labels come from."""
    schemas: Any = None
    if project is not None:
        schemas = [project.record_schema, {c: {i: item.schema for i, item in cat.items.items()} for c, cat in project.catalogues.items()}]
    return store.digest(store.code_key(), json.dumps(schemas, sort_keys=True, ensure_ascii=False, default=repr))


def _fold(
    project: Project | None, root, state: tuple[dict[str, RecordHistory], list[RecordHistory]], commits: list[history.Commit]
) -> None:
    """Add the revisions of these commits (oldest first) to the live and deleted records' histories."""
    live, gone = state
    wanted = {f.new_blob for c in commits for f in c.files if is_record_path(f.path)}
    wanted |= {f.old_blob for c in commits for f in c.files if is_record_path(f.old_path)}
    texts = history.blobs(root, wanted)
    parsed: dict[str, tuple[dict[str, Any], str] | None] = {}
    ready = _parse_many(texts, commits)

    def version(blob: str, path: str) -> tuple[dict[str, Any], str] | None:
        if blob not in parsed:
            text = texts.get(blob)
            if (blob, path) in ready:
                parsed[blob] = ready[(blob, path)]
            else:
                parsed[blob] = parse_record_text(text, path) if text is not None else None
        return parsed[blob]

    for c in commits:
        date = day(c.time)
        for f in record_changes(c.files):
            category = _category(f.path)
            if f.status == "A" or (f.status == "R" and f.old_path not in live):
                h = live.setdefault(f.path, RecordHistory(f.path))
                new = version(f.new_blob, f.path)
                h.revisions.append(revision(project, category, None, new, sha=c.sha, date=date, message=c.subject, path=f.path))
                h.meta = new[0] if new else h.meta
                h.text = None
            elif f.status == "D":
                h = live.pop(f.path, None)
                if h is None:
                    continue
                h.revisions.append(revision(project, category, version(f.old_blob, f.path), None, sha=c.sha, date=date, message=c.subject, path=f.path))
                h.deleted = True
                h.text = None
                gone.append(h)
            else:  # M, or R of a known record
                h = live.pop(f.old_path, None) or RecordHistory(f.path)
                old, new = version(f.old_blob, f.old_path), version(f.new_blob, f.path)
                if old is not None and new is not None:
                    h.revisions.append(
                        revision(project, category, old, new, sha=c.sha, date=date, message=c.subject, path=f.path, renamed=f.status == "R")
                    )
                    h.meta = new[0]
                h.path = f.path
                h.text = None
                live[f.path] = h


# Below this many versions the parsing is quick enough in this process.
PARALLEL_VERSIONS = 2000


def _parse_pair(pair: tuple[str, str]) -> tuple[dict[str, Any], str] | None:
    return parse_record_text(*pair)


def _parse_many(texts: dict[str, str], commits: list[history.Commit]) -> dict[tuple[str, str], tuple[dict[str, Any], str] | None]:
    """Parse every version these commits show, on every core (a cold read of a long history
    is mostly YAML parsing); {} when there are few, or only one core, or no fork."""
    import multiprocessing
    import os

    pairs = {(f.new_blob, f.path) for c in commits for f in c.files if f.new_blob in texts}
    pairs |= {(f.old_blob, f.old_path) for c in commits for f in c.files if f.old_blob in texts}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(pairs) < PARALLEL_VERSIONS or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return {}
    order = sorted(pairs)
    try:
        with forked_pool(cores) as pool:
            results = pool.map(_parse_pair, [(texts[b], p) for b, p in order], chunksize=256)
    except OSError:  # no processes to be had: parse here, as for a short history
        return {}
    return dict(zip(order, results, strict=True))


# Signals whose handlers the command line replaces (cli.main: they unwind like Ctrl+C).
_STOPS = ("SIGTERM", "SIGHUP")


@contextmanager
def fork_handlers() -> Iterator[None]:
    """Within: processes forked here end when they are ended.

    A forked process inherits this process's signal handlers. cli.main turns SIGTERM into
    KeyboardInterrupt so that a build cleans up; in a pool worker that handler hung the build
    for good (seen: a worker waiting on the pool's queue lock after Pool.terminate's
    SIGTERM had unwound another one instead of ending it). So they are forked with the
    default handlers, which end a process on SIGTERM, and ignore SIGINT (Ctrl+C reaches the
    whole process group; this process stops them). The handlers here are put back on leaving."""
    import signal

    stops = [getattr(signal, name) for name in _STOPS if hasattr(signal, name)]
    in_main = threading.current_thread() is threading.main_thread()
    saved = {sig: signal.getsignal(sig) for sig in [*stops, signal.SIGINT]} if in_main else {}
    try:
        for sig in saved:
            signal.signal(sig, signal.SIG_IGN if sig == signal.SIGINT else signal.SIG_DFL)
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


class Forked:
    """A forked process that reports by a pipe, for work beside the build (warm.Scanning,
    qr.Drawing). The target is called with its arguments, the pipe's write end and its read
    end (to close: without its own copy, the process meets a closed pipe, and ends, when the
    build is gone). `process` is None when no process could be had: the caller does the work."""

    process: Any = None

    def start(self, target: Callable[..., None], *args: Any) -> None:
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            return
        context = multiprocessing.get_context("fork")
        self.reader, writer = context.Pipe(duplex=False)
        try:
            with fork_handlers():
                self.process = context.Process(target=target, args=(*args, writer, self.reader), daemon=True)
                self.process.start()
        except OSError:  # no process to be had (memory)
            self.process = None
            self.reader.close()
        finally:
            writer.close()

    def stop(self) -> None:
        """End the process if it still runs (the build is done with it, or was stopped)."""
        if self.process is None:
            return
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.reader.close()
        self.process = None


@contextmanager
def forked_pool(processes: int) -> Iterator[Any]:
    """A pool of forked processes that end when the pool ends them (fork_handlers)."""
    import multiprocessing

    with fork_handlers():
        pool = multiprocessing.get_context("fork").Pool(processes)
    with pool:
        yield pool


def _encode_history(h: RecordHistory) -> list[Any]:
    revisions = [
        [r.sha, r.date, r.message, r.kind, r.path, r.notes, [[list(c.path), c.label, c.old, c.new] for c in r.fields], r.body, r.reason,
         r.typo]
        for r in h.revisions
    ]
    return [h.path, revisions, h.meta, h.deleted]


def _decode_history(data: list[Any]) -> RecordHistory:
    path, revisions, meta, deleted = data
    if not isinstance(path, str) or not isinstance(meta, dict) or not isinstance(deleted, bool):
        raise TypeError("not a record history")
    return RecordHistory(
        path,
        [
            Revision(sha, date, message, kind, rpath, list(notes), [FieldChange(tuple(p), label, old, new) for p, label, old, new in fields], body, reason,
                     typo)
            for sha, date, message, kind, rpath, notes, fields, body, reason, typo in revisions
        ],
        meta,
        deleted,
    )


def history_text(h: RecordHistory) -> str:
    """The history as JSON text: what the cache keeps of it, and what pages/memo.py keys a
    record's page by. Kept on the history, so that of 10,000 histories only those a new
    commit changed are encoded again (it was a tenth of a one-record build)."""
    if h.text is None:
        h.text = json.dumps(_encode_history(h), ensure_ascii=False, separators=(",", ":"))
    return h.text


def _encode_histories(state: tuple[dict[str, RecordHistory], list[RecordHistory]]) -> Any:
    live, gone = state
    return {"live": [[k, history_text(h)] for k, h in live.items()], "gone": [history_text(h) for h in gone]}


def _decode_histories(data: Any) -> tuple[dict[str, RecordHistory], list[RecordHistory]]:
    return {k: _decode_text(text) for k, text in data["live"]}, [_decode_text(text) for text in data["gone"]]


def _decode_text(text: Any) -> RecordHistory:
    if not isinstance(text, str):
        raise TypeError("not a record history")
    h = _decode_history(json.loads(text))
    h.text = text
    return h


# Rules for pull requests ---------------------------------------------------------------


def check_against(project: Project, base: str, files: list[history.FileChange] | None = None) -> Findings:
    """The withdrawal and correction rules for a change from base to the working tree
    (files: what differs, when the caller has read it already)."""
    root = project.root
    findings = Findings()
    try:
        files = history.diff(root, history.resolve(root, base)) if files is None else files
    except history.HistoryError as exc:
        findings.add("history-base", "", str(exc), hint="--base 写目标分支，例如 origin/main。")
        return findings
    current = {r.path: r for r in project.records}
    entries = [f for f in files if f.status != "A" and is_record_path(f.old_path)]
    texts = history.blobs(root, {f.old_blob for f in entries})
    for f in entries:
        old = parse_record_text(texts[f.old_blob], f.old_path) if f.old_blob in texts else None
        if old is None:
            continue  # not a readable record at the base: nothing was published from it
        record = current.get(f.path) if f.status != "D" else None
        gone = _gone(project, f, record)
        if gone is not None:
            findings.add(
                "history-deleted",
                f.old_path,
                f"已发布的记录「{old[0].get('title', f.old_path)}」{gone}",
                hint="如需撤下，请保留文件并填写 withdrawn: {date: 撤回日期, reason: 撤回原因}；"
                "如内容不宜继续公开（如误登个人信息），填写 removed: {date: …, reason: …}。"
                "记录只能放在 content/<类别>/<县>/<单位>/ 中，文件名用小写字母、数字和连字符，扩展名 .md 或 .yml。",
            )
            continue
        if record is None:
            continue
        om, ob = old
        nm, nb = record.meta, record.body
        # Taking content down (removed) may rewrite what the notes said too.
        for i, date, note in [] if nm.get("removed") and not om.get("removed") else lost_notes(om, nm):
            line, col = record.doc.position(("changes", i))
            findings.add(
                "history-change-note-altered",
                record.path,
                f"已公开的修订说明（{date}）「{note}」被修改或删除了；修订说明只能增加，不能改动",
                line=line or 1,
                column=col,
                field=f"changes[{i}]",
                hint="把这条修订说明恢复成原样；如需补充或更正，在 changes 末尾另加一条：- {date: 日期, note: 说明}。",
            )
        taking_down = nm.get("removed") and not om.get("removed")
        moved = None if taking_down or lost_notes(om, nm) else misplaced_note(om, nm)
        if moved is not None:
            line, col = record.doc.position(("changes", moved))
            findings.add(
                "history-change-note-order",
                record.path,
                "新的修订说明插在了已公开的修订说明前面；修订说明只能按时间顺序加在末尾",
                line=line or 1,
                column=col,
                field=f"changes[{moved}]",
                hint="把新的一条移到 changes 的最后，已公开的各条保持原来的顺序。",
            )
        notes = new_notes(om, nm)
        label = labeller(project, record.category, nm)
        changed = [p for p, _, _ in diff_fields(om, nm)]
        # A published withdrawal or removal is a public statement too: rewriting its date or
        # reason, or taking it back (restoring the record), needs a note like any field.
        changed += [(name,) for name in ("withdrawn", "removed") if om.get(name) and om.get(name) != nm.get(name)]
        body_needs_note = ob.strip() != nb.strip() and not is_typo(ob, nb)
        if (changed or body_needs_note) and not notes and not (nm.get("removed") and not om.get("removed")):
            names = [label(p) for p in changed]
            what = "、".join(names[:8]) + (f" 等 {len(names)} 处" if len(names) > 8 else "")
            if body_needs_note:
                what = (what + "、" if what else "") + "正文"
            # The finding stands where the first change is: that is the line the clerk edited.
            line, col = record.doc.position(changed[0]) if changed else (_body_change_line(record, ob), 0)
            findings.add(
                "history-change-note-missing",
                record.path,
                f"修改了已发布记录的「{what}」，但没有写修订说明",
                line=line or record.doc.position(("changes",))[0] or 1,
                column=col,
                field=field_path(changed[0]) if changed else "body",
                hint="在 changes 中增加一条：- {date: 修改日期, note: 修改了什么、为什么}；"
                "修订说明会公开显示在记录页面上。只改正文中个别错别字不需要说明。",
            )
    _numbers_published_at(project, base, findings)
    return findings


def _numbers_published_at(project: Project, base: str, findings: Findings) -> None:
    """A record may not write a 索引号 published at base for another record.

    check() already judges this along the checked-out history; the base can know more (a
    branch that rewrote history, or merged main in, where main's records arrive late).
    """
    from . import indexno  # indexno reads record paths from this module

    if not any(r.meta.get("index_no") for r in project.records):
        return  # nobody writes a number: there is nothing to claim
    try:
        book = indexno.ledger(project, project.root, rev=history.resolve(project.root, base))
    except history.HistoryError:
        return  # reported above
    known = {(f.code, f.file) for f in project.findings}
    for r, number, owner in indexno.claims(project, book):
        if ("record-index-no-taken", r.path) not in known:
            indexno.report_taken(findings, r, number, book, owner)


def _gone(project: Project, f: history.FileChange, record) -> str | None:
    """Why a published record is no longer published after this change (None: it still is)."""
    if f.status == "D" or (record is None and not (project.root / f.path).exists()):
        return "不能删除"
    if not is_record_path(f.path):
        return f"被改名为 {f.path}，不再是公开记录，等于删除了它"
    county = project.counties.get(_county(f.path))
    if _county(f.path) != _county(f.old_path):
        return f"被移到了 {f.path}（另一个县），本县网站上就没有它了，等于删除了它"
    if county is None or f.path.split("/")[3] not in county.units:
        return f"被移到了 {f.path}，那里不是本县登记的单位，网站上将没有它，等于删除了它"
    if record is None:
        return f"的文件 {f.path} 现在无法读取（空文件、乱码或符号链接），网站上将没有它，等于删除了它"
    return None


def _body_change_line(record, old_body: str) -> int:
    """The file line of the first body line that differs from the old body."""
    if record.path.endswith((".yml", ".yaml")):
        first = record.doc.text_lines.get(("body",), record.body_line)
    else:
        first = record.body_line
    old_lines, new_lines = old_body.splitlines(), record.body.splitlines()
    i = 0
    while i < min(len(old_lines), len(new_lines)) and old_lines[i] == new_lines[i]:
        i += 1
    return first + i if first else 0


# Between two revisions (build.py diff) --------------------------------------------------


@dataclass
class Difference:
    """What happened to one record between two revisions."""

    county: str
    unit: str
    path: str
    kind: str
    title: str
    notes: list[str] = field(default_factory=list)
    reason: str = ""
    fields: list[FieldChange] = field(default_factory=list)
    body: str = ""
    old_path: str = ""


def between(project: Project | None, root, a: str, b: str) -> list[Difference]:
    """Every record added, changed, withdrawn, removed, deleted or moved from a to b."""
    sa, sb = history.resolve(root, a), history.resolve(root, b)
    entries = [
        (f.status, f.old_path, f.path, f.old_blob, f.new_blob)
        for f in record_changes(history.diff(root, sa, sb))
    ]
    texts = history.blobs(root, {e[3] for e in entries} | {e[4] for e in entries})
    out = []
    for status, old_path, new_path, old_blob, new_blob in entries:
        old = parse_record_text(texts[old_blob], old_path) if old_blob in texts and status != "A" else None
        new = parse_record_text(texts[new_blob], new_path) if new_blob in texts and status != "D" else None
        path = new_path if status != "D" else old_path
        rev = revision(project, _category(path), old, new, sha=sb, date="", message="", path=path, renamed=status == "R")
        meta = (new or old or ({}, ""))[0]
        _, _, county, unit, _ = path.split("/")
        out.append(
            Difference(county, unit, path, rev.kind, str(meta.get("title", path)), rev.notes, rev.reason,
                       [c for c in rev.fields if c.path[:1] not in (("changes",),)], rev.body,
                       old_path if status == "R" else "")
        )
    out.sort(key=lambda d: (d.county, d.unit, d.path))
    return out


def render_between(differences: list[Difference], project: Project | None, fmt: str = "terminal") -> str:
    """The differences as a Chinese report grouped by county and unit, or as JSON."""
    import json
    from dataclasses import asdict

    if fmt == "json":
        return json.dumps([asdict(d) for d in differences], ensure_ascii=False, indent=2)
    if not differences:
        return "两个版本之间没有公开信息的变化。"
    lines = []
    county = unit = None
    counts: dict[str, int] = {}
    for d in differences:
        counts[d.kind] = counts.get(d.kind, 0) + 1
        if d.county != county:
            c = project.counties.get(d.county) if project else None
            lines.append(f"\n{c.name if c else d.county}（{d.county}）")
            county, unit = d.county, None
        if d.unit != unit:
            u = project.counties[d.county].units.get(d.unit) if project and d.county in project.counties else None
            lines.append(f"  {u.name if u else d.unit}")
            unit = d.unit
        lines.append(f"    [{KIND_ZH[d.kind]}] {d.title}  ({d.path})")
        if d.old_path:
            lines.append(f"        原位置：{d.old_path}")
        for note in d.notes:
            lines.append(f"        修订说明：{note}")
        if d.reason:
            lines.append(f"        原因：{d.reason}")
        for c in d.fields[:20]:
            lines.append(f"        {c.label}：{c.old if c.old is not None else '（无）'} → {c.new if c.new is not None else '（无）'}")
        if len(d.fields) > 20:
            lines.append(f"        …… 另有 {len(d.fields) - 20} 处")
        if d.body:
            lines.append(f"        {d.body}")
    summary = "，".join(f"{KIND_ZH[k]} {n} 条" for k, n in sorted(counts.items()))
    return "\n".join(lines).lstrip("\n") + f"\n\n共 {len(differences)} 条记录有变化：{summary}。"


# The reviewer's summary of a pull request (build.py diff --base … --format markdown) --------

# The hidden line that lets the workflow find its own comment on the pull request and update it.
SUMMARY_MARKER = "<!-- gongkai-summary -->"
# "&" first so an entity in the text shows as written; "@" as an entity so a title cannot
# mention (notify) an account or a team in the pull request comment.
_MD_SPECIAL = str.maketrans(
    {c: "\\" + c for c in "\\`*_[]|#~"} | {"&": "&amp;", "@": "&#64;", "<": "&lt;", ">": "&gt;", "\n": " ", "\r": " "}
)
MD_FIELDS = 30  # field changes shown per record before "…… 另有 N 处"


def md_text(value: object) -> str:
    """A value as literal text in GitHub/Gitea Markdown: no markup, links or HTML can come through."""
    from .pii import mask_text

    return mask_text(str(value)).translate(_MD_SPECIAL)


def md_code(text: str) -> str:
    """A path as inline code (a backtick in it would end the code span)."""
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def record_page(path: str) -> str:
    """A record file's page inside its county site: content/<cat>/<county>/<unit>/<id>.md -> <county>/<cat>/<unit>/<id>/."""
    _, category, county, unit, file = path.split("/")
    return f"{county}/{category}/{unit}/{file.rsplit('.', 1)[0]}/"


def render_markdown(
    differences: list[Difference],
    project: Project | None,
    findings: Iterable[Any] = (),
    *,
    preview: str = "",
    preview_note: str = "",
) -> str:
    """The change as a Chinese summary for a reviewer: per county and unit, each record and what changed.

    `preview` is the address the preview sites are served at (each record's title links to its
    page there); without it the page's path inside the preview artifact is given instead.
    """
    findings = sorted(findings)
    errors = [f for f in findings if f.is_error]
    lines = [SUMMARY_MARKER, "## 公开信息变更摘要", ""]
    if errors:
        lines.append(f"**检查未通过**：{len(errors)} 个错误，{len(findings) - len(errors)} 个提醒，修改后才能合并。")
    elif findings:
        lines.append(f"**检查通过**，有 {len(findings)} 个提醒。")
    else:
        lines.append("**检查通过**，没有发现问题。")
    lines.append("")
    counts: dict[str, int] = {}
    for d in differences:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    if differences:
        lines.append(
            f"本次修改涉及 {len(differences)} 条记录："
            + "，".join(f"{KIND_ZH[k]} {n} 条" for k, n in sorted(counts.items(), key=lambda kv: list(KIND_ZH).index(kv[0])))
            + "。"
        )
    else:
        lines.append("本次修改没有改变任何公开记录。")
    if preview_note:
        lines += ["", preview_note]
    county = unit = None
    for d in differences:
        if d.county != county:
            c = project.counties.get(d.county) if project else None
            lines += ["", f"### {md_text(c.name if c else d.county)}（{md_text(d.county)}）"]
            county, unit = d.county, None
        if d.unit != unit:
            u = project.counties[d.county].units.get(d.unit) if project and d.county in project.counties else None
            lines += ["", f"#### {md_text(u.name if u else d.unit)}（{md_text(d.unit)}）", ""]
            unit = d.unit
        page = record_page(d.path)
        title = md_text(d.title)
        shown = f"[{title}]({preview.rstrip('/')}/{page})" if preview and d.kind != "deleted" else f"**{title}**"
        where = md_code(d.path) if d.kind == "deleted" or preview else f"{md_code(d.path)}，预览页面 {md_code(page + 'index.html')}"
        lines.append(f"- **{KIND_ZH[d.kind]}** {shown}（{where}）")
        if d.old_path:
            lines.append(f"  - 原位置：{md_code(d.old_path)}")
        for note in d.notes:
            lines.append(f"  - 修订说明：{md_text(note)}")
        if d.reason:
            lines.append(f"  - 原因：{md_text(d.reason)}")
        if d.fields and d.kind != "added":
            lines += ["", "  | 字段 | 原来 | 现在 |", "  |---|---|---|"]
            for c in d.fields[:MD_FIELDS]:
                old = "（无）" if c.old is None else md_text(c.old)
                new = "（无）" if c.new is None else md_text(c.new)
                lines.append(f"  | {md_text(c.label)} | {old} | {new} |")
            if len(d.fields) > MD_FIELDS:
                lines.append(f"  | …… 另有 {len(d.fields) - MD_FIELDS} 处 | | |")
            lines.append("")
        if d.body:
            lines.append(f"  - {md_text(d.body)}")
    lines += ["", "### 检查结果", ""]
    if findings:
        lines += ["| 文件 | 位置 | 问题 |", "|---|---|---|"]
        for f in findings[:100]:
            where = f"第{f.line}行" if f.line else ""
            kind = "错误" if f.is_error else "提醒"
            text = f"{kind} `{f.code}`：{md_text(field_text(f) + f.message)}" + (f"<br>提示：{md_text(f.hint)}" if f.hint else "")
            lines.append(f"| {md_code(f.file)} | {where} | {text} |")
        if len(findings) > 100:
            lines.append(f"| …… 另有 {len(findings) - 100} 条 | | |")
    else:
        lines.append("没有发现问题。")
    return "\n".join(lines) + "\n"
