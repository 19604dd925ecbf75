"""The content cache: what reading and checking one record file found, kept by its content.

A record file's result (its parsed fields as the checks across records need them, and the
findings of every per-record layer: syntax, common fields, the item's schema and rules,
unsafe markup, personal data) depends only on:

- the file's bytes and its path (the path says the category, county, unit and id);
- the code that checked it (every file of the package, the versions of the libraries);
- the settings that apply to it: catalogues/_record.yml, the catalogue of its category,
  its county file and content/site.yml;
- today's date, but only for a record with a date after the day it was checked
  (record-date-future names today): such an entry is used on that day only.

So an entry is looked up by a key made of all of these, and a change to any of them
misses: a catalogue change re-checks only that catalogue's records, a county file change
only that county's, a code change everything. Records that list attachments are never
cached: their findings depend on other files (the attachments, their folder).

Checks across records (duplicate ids, 索引号, periods, ledger chains) still run over every
record, from the small summary each entry keeps (the common fields; all fields only for
items with series rules), never by re-reading or re-validating the files.

A county can be taken whole: when every record file of it is as git has it (path and
blob id) and its settings and the day allow, as at a check that kept the county's result,
its findings are that result and its records carry only what the two checks that read
git's history need (see "Counties settled whole" below). A pull request's check then reads
and checks the counties it touches, not the province.

The build needs every record whole (all its fields as validation left them, its body):
a cache made with whole=True also keeps that, packed apart in a second shard per folder
(`<shard>-whole`), under the same key. `check` never reads or writes those shards, so
it pays nothing for them; the build takes a record from the cache only when both its
entry and its whole record are there under the record's key, else reads and checks it.

Storage: one folder (`.gongkai-cache/records/` in the repository, GONGKAI_CACHE or
`--cache DIR` to move it), one shard file per category and county folder. A shard is
`GKC1 <sha256 of payload>` then a msgpack payload naming the format, code version and
shard; anything else (garbage, a truncated or tampered file, another version's or
machine's file) is ignored and rewritten, never trusted. msgpack cannot run code as pickle
can. Writes go to a temporary file renamed into place, so two processes never leave a
half-written shard (the last writer wins; both wrote correct results).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import platform
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack

from . import store
from .findings import Finding

FORMAT = 1
MAGIC = b"GKC1 "
# msgpack limits: a shard never holds more than this; a larger claim is a damaged file.
_MAX_SHARD_BYTES = 1 << 30


def default_dir(root: Path) -> Path:
    """Where the record cache lives: records/ in the repository's cache folder (store.cache_root:
    $GONGKAI_CACHE, else .gongkai-cache/), beside the history and build state, so one forge
    cache entry restores all of it."""
    from . import store

    return store.cache_root(root) / "records"


_CODE: str | None = None


def code_version() -> str:
    """A hash of everything in the code that decides a record's findings.

    Every file of the package (its Python and its shipped schemas), the libraries that
    parse, validate and render, Python's version and the machine's kind.
    """
    global _CODE
    if _CODE is None:
        from importlib.metadata import PackageNotFoundError, version

        h = hashlib.sha256()
        package = Path(__file__).resolve().parent
        for path in sorted(package.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".yml", ".yaml", ".json") and "__pycache__" not in path.parts:
                h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        for name in ("PyYAML", "jsonschema", "fastjsonschema", "Markdown", "msgpack", "nh3"):
            try:
                h.update(f"{name}={version(name)}\0".encode())
            except PackageNotFoundError:
                h.update(f"{name}=-\0".encode())
        h.update(f"{sys.version}\0{sys.platform}\0{platform.machine()}\0{FORMAT}".encode())
        _CODE = h.hexdigest()
    return _CODE


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"


def _bytes_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (so a file is named the same in git and outside it)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tracked_blobs(root: Path) -> dict[str, str]:
    """Path -> blob id of every file under content/ whose working copy is what git has.

    From git's index (no file is read): files git reports as changed, and files git would
    check out differently from their bytes (autocrlf, filters), are left out and hashed
    from their bytes by the caller. Empty outside git.
    """
    def run(*args: str) -> bytes:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True).stdout

    try:
        if run("config", "--get", "core.autocrlf").strip() not in (b"", b"false"):
            return {}
    except subprocess.CalledProcessError:
        pass  # the key is unset: git exits 1
    except OSError:
        return {}
    try:
        attributes = run("ls-files", "-z", "--", ".gitattributes", "content/**/.gitattributes", ":(glob)content/**/.gitattributes")
        if attributes.strip(b"\0") or (root / ".gitattributes").exists() or (
            root / run("rev-parse", "--git-path", "info/attributes").decode().strip()  # an absolute path stays one
        ).exists():
            return {}  # eol or filter attributes: the bytes may differ from the blob
        # -v tags each entry: H is a file git compares with its working copy; a file marked
        # assume-unchanged (h) or skip-worktree (S) may differ from its blob unseen.
        staged = run("ls-files", "-s", "-v", "-z", "--", "content")
        # --relative: the paths as ls-files gives them, when the repository's root is a
        # folder inside git's working tree.
        dirty = set(run("diff-files", "-z", "--name-only", "--relative", "--", "content").split(b"\0"))
    except (OSError, subprocess.CalledProcessError):
        return {}
    # One regular expression over the whole listing, entry after entry (100,000 of them).
    return {
        path.decode("utf-8", "surrogateescape"): sha.decode()
        for tag, mode, sha, stage, path in _INDEX_ENTRY.findall(staged)
        if tag == b"H" and stage == b"0" and mode == b"100644" and path not in dirty
    }


# One entry of `git ls-files -s -v -z`: tag, mode, object id, stage, tab, the path as it is, NUL.
_INDEX_ENTRY = re.compile(rb"(\S) ([0-7]{6}) ([0-9a-f]{40,64}) ([0-3])\t([^\0]*)\0")


@dataclass
class Entry:
    """What one record file gave, as kept in the cache (see the module's docstring)."""

    load: list[Finding]  # reading and parsing it
    parsed: bool  # False: the file is no record (its load findings say why)
    summary: dict[str, Any] = field(default_factory=dict)  # the fields checks across records read
    item: str | None = None  # the catalogue item it was checked against
    valid: bool = False  # after its own layers, before the checks across records
    record: list[Finding] = field(default_factory=list)  # common fields, item schema and rules
    rules: list[Finding] = field(default_factory=list)  # record rules (inspection)
    rules_failed: bool = False  # a record rule found an error
    pii: list[Finding] = field(default_factory=list)
    day: str = ""  # the day it was checked (China time)
    day_only: bool = False  # the findings name that day: use the entry on that day only
    # Line and column of each top-level field: where findings across records point.
    positions: list[list[Any]] = field(default_factory=list)

    def usable(self, today: str) -> bool:
        """True when the entry may be used on this day."""
        return today == self.day if self.day_only else today >= self.day

    def pack(self) -> list[Any]:
        """The entry as msgpack-able values."""
        return [
            _rows(self.load), self.parsed, self.summary, self.item, self.valid,
            _rows(self.record), _rows(self.rules), self.rules_failed, _rows(self.pii), self.day, self.day_only,
            self.positions,
        ]

    @classmethod
    def unpack(cls, data: Any) -> Entry:
        """An entry from a shard; raises TypeError or ValueError on anything malformed."""
        load, parsed, summary, item, valid, record, rules, rules_failed, pii, day, day_only, positions = data
        # positions are checked when first used (LazyDocument): most records never need one
        if not (isinstance(summary, dict) and isinstance(day, str) and (item is None or isinstance(item, str))
                and isinstance(positions, list)):
            raise TypeError("malformed entry")
        return cls(
            _findings(load), bool(parsed), summary, item, bool(valid), _findings(record), _findings(rules),
            bool(rules_failed), _findings(pii), day, bool(day_only), positions,
        )


def _rows(findings: list[Finding], labelled: bool = False) -> list[list[Any]]:
    """Findings as msgpack-able rows; labelled: with the field's name as the form says it."""
    if labelled:
        return [[f.file, f.line, f.column, f.code, f.severity, f.field, f.message, f.hint, f.label] for f in findings]
    return [[f.file, f.line, f.column, f.code, f.severity, f.field, f.message, f.hint] for f in findings]


def _findings(items: Any, labelled: bool = False) -> list[Finding]:
    out = []
    for f in items:
        if labelled:
            file, line, column, code, severity, fld, message, hint, label = f
        else:
            (file, line, column, code, severity, fld, message, hint), label = f, ""
        # type(…) is, not isinstance or all(): 66,000 findings come back in a settled province
        if not (type(line) is int and type(column) is int and type(file) is str and type(code) is str
                and type(severity) is str and type(fld) is str and type(message) is str and type(hint) is str
                and type(label) is str):
            raise TypeError("malformed finding")
        out.append(Finding(file, line, column, code, severity, fld, message, hint, label))
    return out


def _pack(data: Any) -> bytes:
    return msgpack.packb(data, use_bin_type=True, strict_types=False)


class RecordCache:
    """The record cache of one repository: read at the start of a check, written at its end."""

    def __init__(self, folder: Path, whole: bool = False):
        """whole: records are taken whole from the cache (the build), not as a summary (check)."""
        self.folder = folder
        self.whole = whole
        self.code = code_version()
        self.base = folder / f"v{FORMAT}" / self.code[:24]
        self._shards: dict[str, dict[str, tuple[bytes, bytes]]] = {}  # shard -> path -> (key, packed entry)
        self._dirty: set[str] = set()
        self._env: dict[tuple[str, str], bytes] = {}
        self.hits = 0
        self.misses = 0
        self.ignored: list[str] = []  # shard files that were not trusted, and why
        # Digests of catalogue schemas found to be valid JSON Schemas (schema.schema_problems).
        stored = self._read_file("schemas", self._file("schemas"))
        self.good_schemas: set[str] = {d for d in stored if isinstance(d, str)} if isinstance(stored, list) else set()
        self._good_before = set(self.good_schemas)

    # One check -------------------------------------------------------------------------------

    def begin(self, project: Any, fresh: set[str] | None = None) -> None:
        """Start a check of a project whose settings are read and whose records are not yet.

        fresh: record paths to read and check in full whatever the cache holds (a change
        under review, whose fields the change rules compare).
        """
        self._project = project
        self._env.clear()
        self._blobs = tracked_blobs(project.root)
        self.today = china_today()
        self.fresh = set(fresh or ())
        self.used: dict[str, Entry] = {}  # path -> the entry a record was taken from
        self.pending: dict[str, Entry] = {}  # path -> what this run found for a file the cache missed
        self.keys: dict[str, bytes] = {}
        self.seen: set[str] = set()
        self.settled: dict[str, dict[str, Any]] = {}  # county -> its result, taken whole ("Counties settled whole")
        self.history_bound: set[str] = set()  # counties whose findings read git's history: never kept whole
        self._county_files: dict[str, list[tuple[str, str]]] = {}  # county -> (path, category) of its record files
        self._counties_out: dict[str, Any] = {}  # county files to write
        self._county_keys: dict[str, bytes | None] = {}
        self._reviewed: set[str] = set()  # counties holding a file under review (fresh)
        self.walk_end = 0

    def blob(self, name: str) -> str | None:
        """The blob id git's index gives this file, when its working copy is as git has it."""
        return self._blobs.get(name)

    def regular(self, name: str) -> bool:
        """True when git has this file as a regular file (mode 100644) and its working copy is
        as git has it (a file turned into a symlink is a change git reports): not a symlink."""
        return name in self._blobs

    def read(self, root: Path, folder: Path, fname: str, name: str, category: str, county: str, unit: str, findings: Any) -> Any:
        """The record file fname in folder (name: its path in the repository) as
        load.read_record gives it: from the cache when its key is there, else read."""
        from .load import read_record
        from .model import Record

        self.seen.add(name)
        blob = self._blobs.get(name)
        if blob is None:
            data = _bytes_or_none(folder / fname)
            blob = blob_id(data) if data is not None else None
        if blob is None:  # cannot be read now: read it the usual way, keep nothing
            return read_record(root, folder / fname, category, county, unit, findings)
        key = self.key(name, blob, category, county)
        entry = None if name in self.fresh else self.get(name, key, self.today)
        whole = None
        if entry is not None and entry.parsed and self.whole:
            whole = self.get_whole(name, key)
            if whole is None:  # the entry without its record (a `check` wrote it): read and check the file
                self.hits -= 1
                self.misses += 1
                entry = None
        if entry is not None:
            findings.extend(entry.load)
            if not entry.parsed:
                return None
            self.used[name] = entry
            meta, body, body_line = whole if whole is not None else (dict(entry.summary), "", 0)
            return Record(
                id=fname.rsplit(".", 1)[0], path=name,  # Path.stem: the name has a suffix
                category=category, county=county, unit=unit, meta=meta, body=body,
                doc=LazyDocument(root, folder, fname, category, county, unit, entry.positions),  # type: ignore[arg-type]
                body_line=body_line,
            )
        before = len(findings)
        record = read_record(root, folder / fname, category, county, unit, findings)
        self.keys[name] = key
        self.pending[name] = Entry(load=list(findings[before:]), parsed=record is not None, day=self.today)
        return record

    def entry(self, record: Any) -> Entry | None:
        """The cache entry a record was taken from (None: it was read and is being checked)."""
        return self.used.get(record.path)

    def found(self, record: Any, stage: str, findings: list[Finding], **values: Any) -> None:
        """What one stage found for a record that is being checked (stage: record, rules or pii)."""
        entry = self.pending.get(record.path)
        if entry is not None:
            setattr(entry, stage, list(findings))
            for name, value in values.items():
                setattr(entry, name, value)

    def finish(self, project: Any, local: list[Finding] | None = None, valid: list[bool] | None = None) -> None:
        """Keep what this check found for every file it read, forget files that are gone, write.

        local: the findings of the stages that stay inside a county (reading, validation,
        personal data), fields named, and valid: each record's validity after them, in
        project.records' order; with both, counties checked in full are kept whole.
        """
        from .checks import SERIES_RULES
        from .model import COMMON_FIELDS
        from .validate import _past_dates

        records = {r.path: r for r in project.records}
        for name, entry in self.pending.items():
            r = records.get(name)
            if entry.parsed:
                if r is None:
                    continue
                if isinstance(r.meta.get("attachments"), list) and r.meta["attachments"]:
                    continue  # its findings depend on other files
                series = r.item is not None and any(n in SERIES_RULES for n in r.item.checks)
                entry.summary = {k: v for k, v in r.meta.items() if k != "body" and (series or k in COMMON_FIELDS)}
                entry.item = r.item.id if r.item is not None else None
                entry.day_only = any(_value(r.meta, p) > self.today for p, _ in _past_dates(r.meta))
                entry.positions = [[p[0], *at] for p, at in r.doc.positions.items() if len(p) == 1]
                if self.whole:
                    # Its fields as validation left them (common fields and the item's read as
                    # the schema wants them): what every later stage of the build reads.
                    self.put_whole(name, self.keys[name], r)
            self.put(name, self.keys[name], entry)
        by_shard: dict[str, set[str]] = {}
        for name in self.seen:
            by_shard.setdefault(self.shard_of(name), set()).add(name)
            if self.whole:
                by_shard.setdefault(self.whole_of(name), set()).add(name)
        self.keep_only(by_shard)
        if local is not None and valid is not None:
            self._keep_counties(project, local, valid)
        self.save()

    # Counties settled whole -------------------------------------------------------------------
    # Every check across records stays inside one county (record ids, periods, 索引号 within
    # the county, a unit's series), except the 索引号 ledger and the backdating warning,
    # which read git's history. So a county whose record files (path and blob id), settings
    # and day are those of a check that kept its result needs none of its files read or
    # checked again: its findings are taken whole, and its records come back carrying what
    # the ledger and the backdating check read (common fields, item, validity, positions),
    # and those two run over every record as always. At 100,000 records, reading the
    # per-record entries and running the checks across records over them was most of a
    # one-record pull request's check.

    def settle(self, todo: list[tuple[Any, str, str, str, str, str]], walk_end: int) -> dict[str, dict[str, Any]]:
        """Note the record files the walk found ((folder, file, path, category, county, unit));
        the counties whose result is kept under their present key. walk_end: the findings
        so far (the walk's own are made again every time, never kept)."""
        self.walk_end = walk_end
        for _, _, name, category, county, _ in todo:
            self._county_files.setdefault(county, []).append((name, category))
            if name in self.fresh:
                self._reviewed.add(county)
        if self.whole:
            return self.settled  # the build needs every record whole
        for county in self._county_files:
            if county in self._reviewed:
                continue  # a change under review: its records are read whole
            key = self._county_key(county)
            kept = self._read_county(county, key) if key is not None else None
            if kept is not None:
                self.settled[county] = kept
        return self.settled

    def _county_key(self, county: str) -> bytes | None:
        """The key of a county's result: every record file's path and blob id and the settings
        of their categories; None when a file is not as git has it (its bytes would need reading)."""
        if county not in self._county_keys:
            files = self._county_files.get(county, ())
            blobs = [self._blobs.get(name) for name, _ in files]
            if None in blobs:
                self._county_keys[county] = None
            else:
                joined = "".join(f"{name}\0{blob}\0" for (name, _), blob in zip(files, blobs, strict=True))
                h = hashlib.sha256(b"county\0" + county.encode() + b"\0" + joined.encode())
                for category in sorted({category for _, category in files}):
                    h.update(category.encode() + b"\0" + self._env_key(category, county))
                self._county_keys[county] = h.digest()
        return self._county_keys[county]

    @staticmethod
    def _county_shard(county: str) -> str:
        return "county-" + hashlib.sha256(county.encode()).hexdigest()[:20]

    def _read_county(self, county: str, key: bytes) -> dict[str, Any] | None:
        """A county's kept result, when it is intact, of this key and usable today."""
        shard = self._county_shard(county)
        kept = self._read_file(shard, self._file(shard))
        if not isinstance(kept, dict) or kept.get("key") != key:
            return None
        try:
            day, day_only, rows = kept["day"], kept["day_only"], kept["records"]
            if not (isinstance(day, str) and isinstance(day_only, bool) and isinstance(rows, list)):
                raise TypeError("malformed county")
            if not (self.today == day if day_only else self.today >= day):
                return None  # as Entry.usable
            records = {}
            for row in rows:
                name, summary, item, valid, positions = row
                if not (isinstance(name, str) and isinstance(summary, dict) and (item is None or isinstance(item, str))
                        and isinstance(valid, bool) and isinstance(positions, list)):
                    raise TypeError("malformed record")
                records[name] = row
            findings = _findings(kept["findings"], labelled=True)
        except (TypeError, ValueError, KeyError):
            self.ignored.append(f"{shard}.bin: malformed")
            return None
        return {"records": records, "findings": findings}

    def settled_record(self, root: Path, folder: Path, fname: str, name: str, category: str, county: str, unit: str) -> Any:
        """A record of a settled county, as the checks across counties read it; None for a
        file that was no record (its findings are among the county's)."""
        from .model import Record

        row = self.settled[county]["records"].get(name)
        if row is None:
            return None
        _, summary, item, valid, positions = row
        catalogue = self._project.catalogues.get(category)
        return Record(
            id=fname.rsplit(".", 1)[0], path=name, category=category, county=county, unit=unit, meta=summary, body="",
            doc=LazyDocument(root, folder, fname, category, county, unit, positions),  # type: ignore[arg-type]
            item=catalogue.items.get(item) if catalogue is not None and item else None, valid=valid,
        )

    def settled_findings(self) -> list[Finding]:
        """Every finding of the settled counties, fields named."""
        return [f for kept in self.settled.values() for f in kept["findings"]]

    def _keep_counties(self, project: Any, local: list[Finding], valid: list[bool]) -> None:
        """Keep whole the result of each county checked in full whose result depends on its
        files, settings and day alone (not on git's history, not on attachments)."""
        from .model import COMMON_FIELDS

        if self.whole:
            return
        found: dict[str, list[Finding]] = {c: [] for c in self._county_files if c not in self.settled}
        for f in local:
            parts = f.file.split("/", 3)
            county = parts[2] if len(parts) == 4 and parts[0] == "content" else None
            if county not in found:
                return  # a finding no county's own check explains: keep none this time
            found[county].append(f)
        rows: dict[str, list[Any]] = {
            c: [] for c in found
            if self._county_key(c) is not None and c not in self.history_bound
            and c not in self._reviewed  # read whole by every check of the change
        }
        day_only = dict.fromkeys(rows, False)
        for r, ok in zip(project.records, valid, strict=True):
            if r.county not in rows:
                continue
            entry = self.used.get(r.path) or self.pending.get(r.path)
            attachments = r.meta.get("attachments")
            if entry is None or (isinstance(attachments, list) and attachments):
                rows.pop(r.county)  # read without a key, or its findings depend on other files
                continue
            day_only[r.county] = day_only[r.county] or entry.day_only
            summary = {k: v for k, v in r.meta.items() if k in COMMON_FIELDS and k != "body"}
            # an entry's positions are checked only when used (LazyDocument): any shape may be there
            positions = [p for p in entry.positions if type(p) is list and len(p) == 3 and type(p[0]) is str and p[0] in _POINTED_AT]
            rows[r.county].append([r.path, summary, r.item.id if r.item is not None else None, ok, positions])
        for county, records in rows.items():
            self._counties_out[self._county_shard(county)] = {
                "key": self._county_key(county), "day": self.today, "day_only": day_only[county], "records": records,
                "findings": _rows(found[county], labelled=True),
            }

    # Keys -----------------------------------------------------------------------------------

    def _env_key(self, category: str, county: str) -> bytes:
        """The part of a key that the settings for one category and county make."""
        k = (category, county)
        if k not in self._env:
            p = self._project
            root = p.root
            from .pii import _THIS_YEAR

            # The personal-data scan reads birth years up to this year: a new year is new settings.
            h = hashlib.sha256(self.code.encode() + b"\0" + str(_THIS_YEAR).encode() + b"\0")
            h.update(_file_bytes(root / "content" / "site.yml") + b"\0site")
            h.update(_file_bytes(root / "catalogues" / "_record.yml") + b"\0record")
            h.update(repr([p.broken_catalogues.get("_record"), p.broken_catalogues.get(category)]).encode() + b"\0")
            cat = p.catalogues.get(category)
            h.update((cat.source.encode() + b"\0" + _file_bytes(root / cat.source)) if cat else b"\0none")
            h.update(repr(sorted(v for k2, v in p.broken_items.items() if k2[0] == category)).encode())
            c = p.counties.get(county)
            broken = p.broken_counties.get(county)
            h.update((c.source.encode() + b"\0" + _file_bytes(root / c.source)) if c else b"\0none")
            h.update((broken or "").encode() + b"\0" + (_file_bytes(root / broken) if broken else b""))
            self._env[k] = h.digest()
        return self._env[k]

    def key(self, path: str, blob: str, category: str, county: str) -> bytes:
        """The key of one record file: its path and content and the settings that apply to it."""
        return hashlib.sha256(self._env_key(category, county) + path.encode() + b"\0" + blob.encode()).digest()

    # Shards ---------------------------------------------------------------------------------

    @staticmethod
    def shard_of(path: str) -> str:
        """The shard a record path is kept in: one per category and county folder."""
        return _shard_of_folder("/".join(path.split("/", 3)[:3]))

    @classmethod
    def whole_of(cls, path: str) -> str:
        """The shard a record's whole fields and body are kept in (whole=True only)."""
        return cls.shard_of(path) + "-whole"

    def _file(self, shard: str) -> Path:
        return self.base / f"{shard}.bin"

    def _read(self, shard: str) -> dict[str, tuple[bytes, bytes]]:
        if shard in self._shards:
            return self._shards[shard]
        entries: dict[str, tuple[bytes, bytes]] = {}
        self._shards[shard] = entries
        payload = self._read_file(shard, self._file(shard))
        if not isinstance(payload, dict):
            if payload is not None:
                self._dirty.add(shard)  # rewrite it with what this run finds
            return entries
        for name, value in payload.items():
            if (isinstance(name, str) and isinstance(value, list) and len(value) == 2
                    and isinstance(value[0], bytes) and isinstance(value[1], bytes)):
                entries[name] = (value[0], value[1])
        return entries

    def _read_file(self, name: str, path: Path) -> Any:
        """The contents of one cache file; None when there is none, False when it is not to be trusted."""
        try:
            data = store.read_file(path)
        except FileNotFoundError:
            return None
        except OSError as exc:  # not a file of ours (a pipe, a device, too large): rewritten
            self.ignored.append(f"{path.name}: {exc}")
            return False
        payload, why = self._verified(data, name)
        if why:
            self.ignored.append(f"{path.name}: {why}")
            return False
        return payload["entries"]

    def _write_file(self, name: str, contents: Any) -> None:
        """Write one cache file atomically: a temporary file renamed into place."""
        payload = _pack({"format": FORMAT, "code": self.code, "shard": name, "entries": contents})
        data = MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.base)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, self._file(name))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _verified(self, data: bytes, shard: str) -> tuple[Any, str | None]:
        """(payload, None) for an intact shard file of ours, else (None, why it may not be used)."""
        start = len(MAGIC) + 65
        if len(data) > _MAX_SHARD_BYTES:
            return None, "too large"
        if not data.startswith(MAGIC) or data[start - 1 : start] != b"\n":
            return None, "not a cache file of this format"
        digest, body = data[len(MAGIC) : start - 1], data[start:]
        if hashlib.sha256(body).hexdigest().encode() != digest:
            return None, "checksum does not match (truncated or altered)"
        try:
            payload = msgpack.unpackb(body, raw=False, strict_map_key=False)
        except Exception as exc:  # msgpack raises several kinds on damaged data
            return None, f"cannot be read ({type(exc).__name__})"
        if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("code") != self.code:
            return None, "written by another version or machine"
        if payload.get("shard") != shard or "entries" not in payload:
            return None, "not this shard"
        return payload, None

    def get(self, path: str, key: bytes, today: str) -> Entry | None:
        """The entry kept for a record file under this key, if there is a usable one."""
        found = self._read(self.shard_of(path)).get(path)
        if found is not None and found[0] == key:
            try:
                entry = Entry.unpack(msgpack.unpackb(found[1], raw=False, strict_map_key=False))
            except Exception:  # a malformed entry in an intact shard (msgpack raises several kinds): not used
                entry = None
            if entry is not None and entry.usable(today):
                self.hits += 1
                return entry
        self.misses += 1
        return None

    def get_whole(self, path: str, key: bytes) -> tuple[dict[str, Any], str, int] | None:
        """(fields, body, body's first line) kept for a record file under this key, if any."""
        found = self._read(self.whole_of(path)).get(path)
        if found is None or found[0] != key:
            return None
        try:
            meta, body, body_line = msgpack.unpackb(found[1], raw=False, strict_map_key=False)
        except Exception:  # a malformed record in an intact shard (msgpack raises several kinds): not used
            return None
        if not (isinstance(meta, dict) and isinstance(body, str) and type(body_line) is int):
            return None
        return meta, body, body_line

    def put_whole(self, path: str, key: bytes, record: Any) -> None:
        """Keep a record's fields and body (written by save()).

        Only what msgpack gives back as it was is kept: YAML gives dicts with text keys,
        lists, text, numbers, booleans, None and bytes (!!binary), all of which come back
        the same; a tuple, a set or a huge integer would not, and such a record is not kept.
        """
        if not _faithful(record.meta):
            return
        try:
            packed = _pack([record.meta, record.body, record.body_line])
        except (TypeError, ValueError, OverflowError):
            return
        shard = self.whole_of(path)
        self._read(shard)[path] = (key, packed)
        self._dirty.add(shard)

    def put(self, path: str, key: bytes, entry: Entry) -> None:
        """Keep an entry (written by save())."""
        try:
            packed = _pack(entry.pack())
        except (TypeError, ValueError, OverflowError):  # a value msgpack cannot hold (a huge integer): not kept
            return
        shard = self.shard_of(path)
        self._read(shard)[path] = (key, packed)
        self._dirty.add(shard)

    def keep_only(self, paths_by_shard: dict[str, set[str]]) -> None:
        """Forget entries of files that no longer exist, in the shards that were read."""
        for shard, entries in self._shards.items():
            alive = paths_by_shard.get(shard, set())
            gone = [p for p in entries if p not in alive]
            for p in gone:
                del entries[p]
            if gone:
                self._dirty.add(shard)

    def save(self) -> None:
        """Write every changed shard atomically; a cache that cannot be written is only slower."""
        if not self._dirty and not self._counties_out and self.good_schemas == self._good_before:
            return
        try:
            self.base.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():  # git never lists the cache as a change (check --unit, dirty builds)
                ignore.write_text("# the record cache of `build.py check`; safe to delete\n*\n", "utf-8")
            self._prune()
            for shard in sorted(self._dirty):
                self._write_file(shard, {p: [k, e] for p, (k, e) in sorted(self._shards[shard].items())})
            self._dirty.clear()
            for shard, contents in sorted(self._counties_out.items()):
                try:
                    self._write_file(shard, contents)
                except (TypeError, ValueError, OverflowError):
                    pass  # a value msgpack cannot hold: that county is checked in full next time
            self._counties_out.clear()
            if self.good_schemas != self._good_before:
                self._write_file("schemas", sorted(self.good_schemas))
                self._good_before = set(self.good_schemas)
        except (OSError, ValueError, TypeError, OverflowError):
            pass

    def _prune(self) -> None:
        """Remove the shards of other code versions: they can never be used again."""
        import shutil

        top = self.base.parent
        for other in top.iterdir() if top.is_dir() else []:
            # Only folders this code made (24 hex digits): --cache may name a folder that holds other things.
            if other != self.base and other.is_dir() and len(other.name) == 24 and all(c in "0123456789abcdef" for c in other.name):
                shutil.rmtree(other, ignore_errors=True)


# The fields the findings across counties stand at (the 索引号 ledger's, the backdating
# warning's): a settled record keeps only their positions, for memory (two thirds of what
# 90,000 settled records took); a finding anywhere else would read the file for its line.
_POINTED_AT = frozenset({"index_no", "published"})


def _faithful(value: Any, depth: int = 0) -> bool:
    """True when msgpack gives this value back unchanged, type for type."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None or kind is bytes:
        return kind is not int or -(1 << 63) <= value < (1 << 64)
    if depth > 200:  # deeper than YAML lets a record be (yamltext.MAX_DEPTH): not kept
        return False
    if kind is list:
        return all(_faithful(v, depth + 1) for v in value)
    if kind is dict:
        return all(type(k) is str and _faithful(v, depth + 1) for k, v in value.items())
    return False


@functools.lru_cache(maxsize=4096)
def _shard_of_folder(folder: str) -> str:
    """The shard of content/<category>/<county> (or any path with fewer parts); memoized: one
    hash per folder instead of one per file."""
    return hashlib.sha256("/".join(folder.split("/")[1:3]).encode()).hexdigest()[:20]


def _value(meta: dict[str, Any], path: tuple) -> str:
    value: Any = meta
    for part in path:
        value = value[part]
    return str(value)


class LazyDocument:
    """A cached record's positions: the file is parsed again only when a finding needs a line."""

    def __init__(self, root: Path, folder: Path, fname: str, category: str, county: str, unit: str, positions: list[list[Any]]):
        self._args = (root, folder, fname, category, county, unit)
        self._doc: Any = None
        self._positions = positions

    def _load(self) -> Any:
        if self._doc is None:
            from .findings import Findings
            from .load import read_record
            from .yamltext import Document

            root, folder, fname, *where = self._args
            record = read_record(root, folder / fname, *where, Findings())
            self._doc = record.doc if record is not None else Document(None)
        return self._doc

    def position(self, path: Any) -> tuple[int, int]:
        """Line and column of the path, as the parsed file says."""
        path = tuple(path)
        if len(path) == 1:
            # A top-level field: from the entry's short list of positions (a scan costs less
            # than a dict made and checked per record); a field it lacks, or a malformed
            # position, is read from the file.
            for p in self._positions:
                if type(p) is list and len(p) == 3 and p[0] == path[0]:
                    if type(p[1]) is int and type(p[2]) is int:
                        return p[1], p[2]
                    break
        return self._load().position(path)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._load(), name)


def china_today() -> str:
    """Today in China (UTC+8) as YYYY-MM-DD: the day dates in records are judged against."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
