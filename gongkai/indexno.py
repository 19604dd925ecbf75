"""索引号: `<unit code>/<year>-<5-digit serial>`, generated when a record has none.

A 索引号 once published belongs to its record for good: it never moves to another record
and never changes. So numbers are not worked out afresh from today's files (where a new
record could take a published number, or one deleted record shift every later serial):
history is replayed commit by commit along main (history.py), and each record gets its
number when it lands, after every number published before it. Every number a record ever
showed, written by the unit or generated, stays owned by that record through renames,
withdrawals and deletions. Records not yet landed come last, by 发布日期 and path.

What git can no longer show (history rewritten by a force-push) the published manifests
can: `build --previous` hands their numbers in as `pinned`, and each keeps its record.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import changes, history, store, yamltext
from . import schema as schemas
from .findings import Findings
from .load import Project, line_ends, parse_record_text
from .model import Record

_NUMBER = re.compile(r"^(.+)/(\d{4})-?(\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def key(number: str) -> str:
    """One spelling per 索引号 (…/2014-00005, …/201400005 and …/２０１４-00005 are the same number)."""
    number = "".join(str(int(c)) if c.isdecimal() else c for c in number).strip()
    m = _NUMBER.match(number)
    return f"{m.group(1)}/{m.group(2)}-{int(m.group(3)):05d}" if m else number


def _prefix(k: str) -> tuple[str, int] | None:
    m = _NUMBER.match(k)
    return (f"{m.group(1)}/{m.group(2)}", int(m.group(3))) if m else None


@dataclass
class Ledger:
    """Every 索引号 published up to a revision, and which record owns it.

    Records are identities (ints) that follow a file through renames; `paths` says which
    identity each file is at the revision (and in the working tree, as far as git sees it).
    """

    owner: dict[str, int] = field(default_factory=dict)  # key -> identity
    held: dict[int, str] = field(default_factory=dict)  # identity -> the number it shows
    generated: set[int] = field(default_factory=set)  # identities whose number was generated
    paths: dict[str, int] = field(default_factory=dict)  # path -> identity
    where: dict[int, str] = field(default_factory=dict)  # identity -> its last path
    titles: dict[int, str] = field(default_factory=dict)
    highest: dict[str, int] = field(default_factory=dict)  # "code/year" -> highest serial owned
    pinned: dict[str, str] = field(default_factory=dict)  # path -> number, from published manifests
    _next: int = 0

    def new(self, path: str) -> int:
        """A new identity at path."""
        self._next += 1
        self.paths[path], self.where[self._next] = self._next, path
        return self._next

    def take(self, number: str, identity: int) -> bool:
        """Own number for identity unless another owns it; True when identity owns it now."""
        k = key(number)
        if self.owner.setdefault(k, identity) != identity:
            return False
        p = _prefix(k)
        if p:
            self.highest[p[0]] = max(self.highest.get(p[0], 0), p[1])
        return True

    def generate(self, prefix: str, identity: int) -> str:
        """The next serial after every number of the prefix owned so far."""
        number = f"{prefix}-{self.highest.get(prefix, 0) + 1:05d}"
        self.take(number, identity)
        self.held[identity] = number
        self.generated.add(identity)
        return number

    def owner_of(self, number: str) -> int | None:
        """The identity owning a number, or None."""
        return self.owner.get(key(number))


def _unit_code(project: Project, path: str, codes: dict[str, dict[str, str]] | None = None) -> str | None:
    """The unit's code as its county file said then (codes), else as it says now."""
    parts = path.split("/")
    if len(parts) != 5:
        return None
    then = (codes or {}).get(parts[2], {}).get(parts[3])
    county = project.counties.get(parts[2])
    unit = county.units.get(parts[3]) if county else None
    return then or (unit.code if unit and unit.code else None)


_COUNTY_FILE = re.compile(rf"{history.CONTENT}/counties/([^/]+)\.ya?ml")


def _unit_codes(text: str) -> dict[str, str]:
    """Unit id -> code in one version of a county file (empty when it cannot be read)."""
    try:
        doc = yamltext.parse(text.lstrip("\ufeff"))
        data = schemas.coerce(doc.data, schemas.package_schema("county"), doc)
    except (yamltext.YamlProblem, TypeError, ValueError, AttributeError, KeyError):
        return {}
    units = data.get("units") if isinstance(data, dict) else None
    if not isinstance(units, list):
        return {}
    return {str(u["id"]): str(u["code"]) for u in units if isinstance(u, dict) and u.get("id") and u.get("code")}


def _explicit(meta: dict[str, Any]) -> str:
    value = meta.get("index_no")
    return str(value).strip() if value not in (None, "") else ""


# What the ledger reads of a past version, written the usual way: a top-level key at the
# start of its line with a plain or simply quoted value. Anything else is read by the YAML
# parser, which is exact but takes 100 times as long (30,000 versions: minutes, not seconds).
_WANTED = ("index_no", "published", "title")
_TOP_KEY = re.compile(r"^(index_no|published|title):(?:[ \t]+(.*?))?[ \t]*$", re.MULTILINE)


def _simple(value: str) -> str | None:
    """A YAML scalar as text when it is plainly written; None when only the parser can say."""
    if value[:1] == "'":
        inner = value[1:-1]
        ok = len(value) > 1 and value.endswith("'") and "'" not in inner.replace("''", "")
        return inner.replace("''", "'") if ok else None
    if value[:1] == '"':
        inner = value[1:-1]
        return inner if len(value) > 1 and value.endswith('"') and not re.search(r'["\\]', inner) else None
    value = re.split(r"\s#", value, maxsplit=1)[0].rstrip()
    if not value or value[0] in "|>[]{}&*!%@`,#?-:'\"" or ": " in value:
        return None
    return value


def _fields(text: str, path: str) -> dict[str, str] | None:
    """index_no, published and title of a version as text (None: not a readable record)."""
    text = line_ends(text.lstrip("\ufeff"))
    front = text
    if path.endswith(".md"):
        lines = text.split("\n")
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if lines[0].strip() != "---" or end is None:
            return None
        front = "\n".join(lines[1:end])
    found: dict[str, str] = {}
    for m in _TOP_KEY.finditer(front):
        value = _simple(m.group(2) or "")
        if value is None or m.group(1) in found:
            break
        found[m.group(1)] = value
    else:
        if "published" in found and all(k in found or k not in front for k in _WANTED):
            return found
    parsed = parse_record_text(text, path)
    if parsed is None:
        return None
    return {k: str(parsed[0][k]) for k in _WANTED if parsed[0].get(k) not in (None, "")}


def ledger(project: Project, root: Path | None, rev: str = "HEAD", pinned: dict[str, str] | None = None) -> Ledger:
    """The numbers published along the first-parent history up to rev, then the working tree's moves.

    root None: no history to read (a shallow clone), only the pinned numbers. The ledger at
    the last commit read is kept in the cache (history.replay): only later commits are read.
    """
    if root is None:
        book = Ledger()
    else:
        book, _ = history.replay(
            root, rev, "index-ledger", _ledger_key(project),
            fresh=lambda: (Ledger(), {}),
            advance=lambda state, commits: _fold(project, root, state, commits),
            encode=_encode_ledger,
            decode=_decode_ledger,
            packed=True,
            save_after=history.SAVE_AFTER,
        )
        if book.paths or book.owner:
            _working_tree_moves(book, root, rev)
    _pin(book, pinned or {})
    return book


def _ledger_key(project: Project) -> str:
    """What the ledger depends on besides the commits: the code, and today's unit codes (_unit_code)."""
    codes = {c: {u: unit.code for u, unit in county.units.items()} for c, county in project.counties.items()}
    return store.digest(store.code_key(), json.dumps(codes, sort_keys=True, ensure_ascii=False, default=repr))


def _fold(project: Project, root: Path, state: tuple[Ledger, dict[str, dict[str, str]]], commits: list[history.Commit]) -> None:
    """Replay these commits (oldest first) into the ledger; `codes` are the unit codes as the county files said then."""
    book, codes = state
    steps = [(c, changes.record_changes(c.files)) for c in commits]
    county_files = {c.sha: [f for f in c.files if _COUNTY_FILE.fullmatch(f.path)] for c in commits}
    wanted = {f.new_blob for _, files in steps for f in files if f.status != "D"}
    texts = history.blobs(root, wanted | {f.new_blob for fs in county_files.values() for f in fs if f.status != "D"}) if commits else {}
    # A number is made with the unit's code as it was when the record landed: a code
    # changed since must not renumber what was published before.
    for c, files in steps:
        for f in county_files[c.sha]:
            county = f.path.rsplit("/", 1)[1].rsplit(".", 1)[0]
            codes[county] = _unit_codes(texts.get(f.new_blob, "")) if f.status != "D" else {}
        arrivals: list[tuple[str, str, int]] = []
        for f in files:
            if f.status == "D":
                book.paths.pop(f.old_path, None)
                continue
            if f.status == "R" and f.old_path in book.paths:
                identity = book.paths.pop(f.old_path)
                book.paths[f.path] = identity
                book.where[identity] = f.path
            else:
                identity = book.paths.get(f.path) or book.new(f.path)
            meta = _fields(texts[f.new_blob], f.path) if f.new_blob in texts else None
            if meta is None:
                continue
            book.titles[identity] = meta.get("title", "")
            number = _explicit(meta)
            if number:
                if book.take(number, identity):
                    book.held[identity] = number
                    book.generated.discard(identity)
            elif identity not in book.held:
                arrivals.append((str(meta.get("published") or ""), f.path, identity))
        # Records landing in one commit: by 发布日期, then path.
        for published, path, identity in sorted(arrivals):
            code = _unit_code(project, path, codes)
            if code and _DATE.match(published):
                book.generate(f"{code}/{published[:4]}", identity)


def _encode_ledger(state: tuple[Ledger, dict[str, dict[str, str]]]) -> Any:
    book, codes = state
    return {
        "owner": book.owner, "held": list(book.held.items()), "generated": sorted(book.generated),
        "paths": book.paths, "where": list(book.where.items()), "titles": list(book.titles.items()),
        "highest": book.highest, "next": book._next, "codes": codes,
    }


def _decode_ledger(data: Any) -> tuple[Ledger, dict[str, dict[str, str]]]:
    book = Ledger(
        owner=dict(data["owner"]), held={int(k): v for k, v in data["held"]}, generated={int(i) for i in data["generated"]},
        paths=dict(data["paths"]), where={int(k): v for k, v in data["where"]}, titles={int(k): v for k, v in data["titles"]},
        highest=dict(data["highest"]),
    )
    book._next = int(data["next"])
    return book, {str(c): dict(units) for c, units in data["codes"].items()}


def _working_tree_moves(book: Ledger, root: Path, rev: str) -> None:
    """Follow what git sees of the working tree since rev: renamed records keep their identity."""
    try:
        files = changes.record_changes(history.diff(root, history.resolve(root, rev)))
    except (history.HistoryError, OSError):
        return
    for f in files:
        if f.status == "D":
            book.paths.pop(f.old_path, None)
        elif f.status == "R" and f.old_path in book.paths:
            identity = book.paths.pop(f.old_path)
            book.paths[f.path] = identity
            book.where[identity] = f.path


def _pin(book: Ledger, pinned: dict[str, str]) -> None:
    """Numbers the published manifests list stay with the record at their path, whatever git says."""
    book.pinned = dict(pinned)
    for path, number in sorted(pinned.items()):
        # A path git no longer knows (history rewritten) still owns what it was published with.
        identity = book.paths[path] if path in book.paths else book.new(path)
        k = key(number)
        other = book.owner.get(k)
        if other is not None and other != identity and key(book.held.get(other, "")) == k:
            # Rewritten history gave this number to another record: that one gets a new number.
            del book.held[other]
            book.generated.discard(other)
        book.owner[k] = identity
        book.take(number, identity)
        book.held[identity] = number
        book.generated.add(identity)


def assign(project: Project, book: Ledger | None = None) -> None:
    """Give every valid record its 索引号: its published one, else the next free serial.

    A record that writes a number published for another record is an error at its line.
    """
    book = book or Ledger()
    records = sorted(project.records, key=lambda r: r.path)
    writers: dict[str, list[Record]] = {}
    for r in records:
        if _explicit(r.meta):
            writers.setdefault(key(_explicit(r.meta)), []).append(r)
    identities: dict[str, int] = {}
    for r in records:
        identities[r.path] = book.paths[r.path] if r.path in book.paths else book.new(r.path)
    # The first number each record showed (the ledger owns numbers in the order they landed).
    first: dict[int, str] = {}
    for k, identity in book.owner.items():
        first.setdefault(identity, k)
    pending = []
    for r in records:
        identity = identities[r.path]
        number = _explicit(r.meta)
        if number:
            r.index_no = number
            shown = first.get(identity)
            if not book.take(number, identity):
                owner = book.owner[key(number)]
                if any(identities[w.path] == owner for w in writers[key(number)] if w is not r):
                    continue  # both files write it: validate reports the later one
                r.valid = False
                report_taken(project.findings, r, number, book, owner)
            elif shown is not None and shown != key(number):
                report_renumbered(project.findings, r, number, shown)
            else:
                _other_units_code(project, r, number)
        elif not r.valid:
            continue
        elif identity in book.held:
            r.index_no = book.held[identity]
            if identity in first and key(r.index_no) != first[identity] and r.path not in book.pinned:
                r.index_no = first[identity]  # a later number written over it changed nothing published
            r.index_no_generated = identity in book.generated
        else:
            pending.append(r)
    # Not landed yet: after every published number, by 发布日期 and path.
    for r in sorted(pending, key=lambda r: (r.published, r.path)):
        county = project.counties.get(r.county)
        unit = county.units.get(r.unit) if county is not None else None
        if unit is None:
            continue  # valid without a unit: only a forged cache says so (cache.py); no number for it
        r.index_no = book.generate(f"{unit.code}/{r.published[:4]}", identities[r.path])
        r.index_no_generated = True


def _other_units_code(project: Project, r: Record, number: str) -> None:
    """A number a record writes may not start with another unit's code.

    A code nobody has now may be the unit's own from before a change of code (the number
    was published with it and stays); a code another unit has is that unit's series.
    """
    county = project.counties.get(r.county)
    unit = county.units.get(r.unit) if county else None
    m = _NUMBER.match(key(number))
    if unit is None or not unit.code or m is None or m.group(1) == unit.code:
        return
    others = [u for c in project.counties.values() for u in c.units.values() if u.code == m.group(1)]
    if not others:
        return
    whose = f"，那是「{others[0].name}」的代码"
    r.valid = False
    _at_index_no(
        project.findings, r, "record-index-no-unit",
        f"索引号 {number} 的单位代码 {m.group(1)} 不是本单位「{unit.name}」的代码 {unit.code}{whose}",
        f"索引号以本单位的代码开头，例如 {unit.code}/{r.published[:4] or '2014'}-00001；不写 index_no 时系统自动生成。",
    )


def report_renumbered(findings: Findings, r: Record, number: str, shown: str) -> None:
    """The finding for a record that writes a number other than the one it was published with."""
    _at_index_no(
        findings, r, "record-index-no-changed",
        f"这条记录已经以索引号 {shown} 公开，现在写的是 {number}；索引号一经公开就不能更改",
        f"把 index_no 改回 {shown}，或删去 index_no 这一行（沿用已公开的索引号）。需要更正的是别的内容时，请在修订说明中写明。",
    )


def report_taken(findings: Findings, r: Record, number: str, book: Ledger, owner: int) -> None:
    """The finding for a record that writes a number the ledger gives another record."""
    path = book.where.get(owner, "")
    title = book.titles.get(owner, "")
    whose = f"「{title}」（{path}）" if title else path
    _at_index_no(
        findings, r, "record-index-no-taken",
        f"索引号 {number} 已发布给{whose}；索引号一经发布就永远属于那条记录，不能再用",
        "删除 index_no 这一行，系统会自动生成新的索引号；或写一个没有用过的索引号。",
    )


def _at_index_no(findings: Findings, r: Record, code: str, message: str, hint: str) -> None:
    """A finding at the record's index_no line (every 索引号 finding points there)."""
    line, col = r.doc.position(("index_no",))
    findings.add(code, r.path, message, line=line, column=col, field="index_no", hint=hint)


def claims(project: Project, book: Ledger) -> list[tuple[Record, str, int]]:
    """(record, number, owner) for each record writing a number the ledger gives another record.

    Two files of today that both write it are left to validate (record-index-no-duplicate).
    """
    out = []
    for r in sorted(project.records, key=lambda r: r.path):
        number = _explicit(r.meta)
        owner = book.owner_of(number) if number else None
        if owner is None or owner == book.paths.get(r.path):
            continue
        if any(_explicit(w.meta) and key(_explicit(w.meta)) == key(number) and book.paths.get(w.path) == owner
               for w in project.records if w is not r):
            continue
        out.append((r, number, owner))
    return out


def from_manifests(previous: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Path -> 索引号 of every record the published manifests list (and their lost records).

    As pages.CountySite.lost_records reads them: a manifest built from uncommitted files
    lists drafts nobody published, so only its lost list counts; anything not text is
    ignored (a manifest may have been tampered with).
    """
    out: dict[str, str] = {}
    for data in previous.values():
        if not isinstance(data, dict):
            continue
        entries = [e for name in ("lost", "records") if name == "lost" or not data.get("dirty")
                   for e in (data.get(name) if isinstance(data.get(name), list) else [])]
        for e in entries:
            if not isinstance(e, dict):
                continue
            path, number = e.get("path"), e.get("index_no")
            if isinstance(path, str) and isinstance(number, str) and number.strip() and changes.is_record_path(path):
                out[path] = number.strip()
    return out
