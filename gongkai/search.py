"""Chinese search: a static index of character n-grams that the search page reads in pieces.

What a citizen types is a name (许振华), a place, a compound (护林员), part of a longer word
(农补 inside 惠农补贴), a 文号 or a number, and every record that contains it must come
back. Word segmenters get names and compounds wrong, so the text is cut into *units*
instead (one Han character, or one run of letters and digits, such as 2013 or 54411099MF)
and the index holds every run of one, two and three units of each record, with the records
that contain it. A query of up to three units is then one lookup, and exact; a longer one
is looked up by its three-unit runs, and the page checks each result it shows against the
record's text, so what is shown is exact too.

Punctuation and spaces are not units: they only keep two numbers or words apart. So
许政〔2013〕12号, 许政[2013]12号 and 许政2013 12号 are the same units, and 12号 does not match
121号. Text is NFKC-normalised (full-width digits and letters become ASCII) and lower-cased.
But no run crosses a line (a record's fields, keywords and body blocks go in on lines of
their own) or Chinese sentence punctuation (，。、；：！？): 有限公司，法人 does not hold
司法 (segments). A query splits there as at a space.

Numbers are also found by their beginning: a citizen who types 许政〔2013〕1 or 机关党委20 has
not finished the number (or does not remember it), and a whole-unit key for 1 or 20 holds
only the numbers 1 and 20. So the last unit of an unquoted term, when it is a number or word
and something comes before it, may continue (许政〔2013〕1 finds 12号 and 121号, 1号 too).
The index holds, for each run of two and three units that ends with a number or word, that
run cut after each of the word's first PREFIX characters, marked with MORE (政2013 1*,
政2013 12*, …); a query whose last word is longer than PREFIX looks up its first PREFIX
characters and the page checks the results against the text. A number alone (2013) and a
quoted phrase stay whole: 2013 is a year, not the start of 201312.

Why not Pagefind, which this module used before (its 1.5.2 web code, measured on a synthetic
county of 20,000 records, python -m gongkai.searchbench): for each result page it scans
every posting of every query word, and for each filter value every result, so a query that
most records contain took seconds in Chromium (村民 2.3 s with no filter loaded, 一卡通 5.9 s;
with the filter counts the page needs, 一卡通 7.3 s and 村务监督委员会 12.3 s). Neither is a
setting; splitting the index into several multiplies what each query downloads.

The bundle (site/search-index/):
    meta.json         format, record count, bucket count, BLOCK, filter values with counts
    t/<n>.bin         the postings of every key whose FNV-1a hash is n modulo the bucket
                      count, in key order (binary, not compressed: a few KB each)
    c/<n>.json        what a result shows (address, title, unit, date) for the BLOCK records
                      from id n * BLOCK: the first results of a common query are a few blocks
    filters.bin       gzip of each filter's column: for each record, the number of its value
                      in meta.json's list (0: none), one byte each (two, little-endian, when a
                      filter has 255 values or more), filter after filter in meta's order;
                      the page counts the current results by filter value from it
    r/<id>.json       one record: the same, its summary and text (the first TEXT_LIMIT
                      characters), for the excerpt under a result and the check of long
                      terms; the first results of a rare query come from these alone

Record ids follow publication date, oldest first, and the page shows the highest first, so
results come newest first and a new record takes the next id without moving any other;
records whose title, 文号 or 索引号 contain the query come before the others. Each filter value
(类别=村务公开) is a key of its own, so a filter is one more lookup.
`theme/assets/gongkai-search.js` does the same cutting on the query; tests pin the two.

A build updates the bundle it published before rather than writing it whole (write_bundle):
the cache remembers the documents and the SHA-256 of every file; only the buckets holding
keys of the records that changed, came or went (or moved to another id) are rewritten, and
a file is taken from the published bundle only when its bytes are the ones remembered. It is
written whole when the bucket count changes (a power of two: when the index doubles) or
more than MAX_CHANGED records are concerned (a record deleted or back-dated far down the list).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import store

FORMAT = 2  # 2: record ids oldest first
BUNDLE = "search-index"
COLUMNS = "filters.bin"
# Han characters: the unified blocks, their extensions and the compatibility block, and 〇.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_UNIT = re.compile(f"[{HAN}]|[^\\W_{HAN}]+")
_SEPARATORS = re.compile(r"[\W_]+")
_HAN_SPACE = re.compile(f"(?<=[{HAN}]) | (?=[{HAN}])")
_HAN_CHAR = re.compile(f"[{HAN}]")
# Where runs of units stop (segments): line breaks and Chinese sentence punctuation, as
# written (before NFKC, which makes ， a comma: 4,063.90 is one number).
BARRIERS = "\n\r，。、；：！？"
_BARRIER = re.compile(f"[{BARRIERS}]")
# What a barrier becomes in keys(): a private-use character, which no unit holds and which
# the separators (below) keep.
_MARK = "\ue000"
_MARKED_SEPARATORS = re.compile(f"(?:[^\\w{_MARK}]|_)+")
# Buckets of at most this many bytes (half of it at least), so a lookup downloads little.
BUCKET_BYTES = 4096
# Records per file of what results show: one request brings many of a query's first results.
BLOCK = 128
# A record file carries at most this much of the record's text (for the excerpt and the
# check of long terms); a longer record is marked "cut" and taken on the index's word.
TEXT_LIMIT = 20000
# A longer query term is looked up by all its three-unit runs, overlapping by two units, so
# that pieces found apart rarely pass for the term; beyond LONG units, by every other run
# (the last run always ends the term), to keep the downloads few. The page verifies each
# result it shows against the record's text either way.
LONG = 8
# A pasted paragraph is looked up by this many of its runs at most, spread over it.
MAX_KEYS = 16
# The index holds the beginnings of a number or word that ends a run of two or three units
# up to this many characters (marked with MORE, which no text key contains); a longer
# beginning is looked up by its first PREFIX characters and checked against the text.
PREFIX = 4
MORE = "*"


class SearchIndexError(RuntimeError):
    """The indexer failed; the message carries its output."""


def canonical(text: str) -> str:
    """The text as the index sees it: NFKC, lower case, punctuation and spaces dropped
    except one space between two words (so 2013 12 stays two numbers)."""
    spaced = _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text).lower())
    return _HAN_SPACE.sub("", spaced).strip()


def units(text: str) -> list[str]:
    """The units of a text: each Han character, and each run of other letters and digits."""
    return _UNIT.findall(canonical(text))


def key(run: list[str]) -> str:
    """The index key of a run of units: joined, with a space only between two words."""
    return canonical(" ".join(run))


def segments(text: str) -> list[str]:
    """The parts of a text no run of units crosses: lines (a record's fields go in on lines of
    their own) and what Chinese sentence punctuation (，。、；：！？) separates. Without them
    有限公司，法人 held 司法, and 杨某、某财产 held 杨某某, ranked first as in a title."""
    return _BARRIER.split(text)


# In a query, half-width sentence punctuation ends a term too (typed in half-width mode, or
# pasted), except inside a number: 4,063.90 and 2013.06.21 stay whole.
_QUERY_BARRIER = re.compile(r"[,.;:!?](?!\d)|(?<!\d)[,.;:!?]")


# A date typed in another spelling than the index holds (pages/record.date_forms): zero-padded
# (2013年06月21日), with 号 for 日, or with / . - between its parts (2013/6/21, 2013.06.21);
# a month so too (2013.6, 2013/6, 2013-6).
_TYPED_DATE = re.compile(
    r"((?:19|20)[0-9]{2})\s*(?:年\s*([0-9]{1,2})\s*月(?:\s*([0-9]{1,2})\s*[日号])?|([./-])\s*([0-9]{1,2})(?:\s*\4\s*([0-9]{1,2}))?)"
)


def date_spelling(term: str) -> str:
    """A query word that is a whole date, as 2013年6月21日 (2013年6月 for a month): the form the
    index holds for every date field and official texts use. The ISO form the pages show
    (2013-06-21) stays as typed, and so does anything that is not a real month or day. The
    page's script does the same (dateSpelling)."""
    m = _TYPED_DATE.fullmatch(unicodedata.normalize("NFKC", term).strip())
    if not m or (m.group(4) == "-" and len(m.group(5)) == 2 and (m.group(6) is None or len(m.group(6)) == 2)):
        return term  # 2013-06-21 and 2013-06, as the pages show them
    year, month, day = m.group(1), int(m.group(2) or m.group(5)), m.group(3) or m.group(6)
    if not 1 <= month <= 12 or (day is not None and not 1 <= int(day) <= 31):
        return term
    return f"{year}年{month}月" + (f"{int(day)}日" if day is not None else "")


def query_pieces(term: str) -> list[str]:
    """A query word cut where no key runs: at the barriers (segments), and at half-width
    sentence punctuation outside a number. The page's script does the same."""
    return [piece for part in segments(term) for piece in _QUERY_BARRIER.split(part)]


def keys(text: str) -> set[str]:
    """Every key the index holds for a text: all runs of one, two and three units of each segment.

    The text is made canonical in one go, each barrier kept as a mark that no unit holds; a
    run with the mark inside crosses it and is left out (the same keys as segment by
    segment, in 60% of the time: a record has dozens of short fields)."""
    canon = _HAN_SPACE.sub("", _MARKED_SEPARATORS.sub(" ", unicodedata.normalize("NFKC", _BARRIER.sub(_MARK, text)).lower()))
    spans = [m.span() for m in _UNIT.finditer(canon)]
    starts = [a for a, _ in spans]
    ends = [b for _, b in spans]
    found = {canon[a:b] for a, b in spans}
    found.update(k for a, b in zip(starts, ends[1:], strict=False) if _MARK not in (k := canon[a:b]))
    found.update(k for a, b in zip(starts, ends[2:], strict=False) if _MARK not in (k := canon[a:b]))
    # Runs of two and three units that end with a number or word, cut inside that word.
    for i, (a, b) in enumerate(spans):
        if _HAN_CHAR.match(canon, a):
            continue
        for first in (i - 1, i - 2):
            if first >= 0 and _MARK not in canon[starts[first] : a]:
                found.update(canon[starts[first] : a + n] + MORE for n in range(1, min(b - a, PREFIX) + 1))
    return found


def is_word(unit: str) -> bool:
    """Whether a unit is a number or word (a run of letters and digits), not a Han character."""
    return bool(unit) and not _HAN_CHAR.match(unit)


def continues(us: list[str]) -> bool:
    """Whether a term of these units is found by its beginning: its last unit is a number or
    word, and something comes before it (a number alone stays whole)."""
    return len(us) >= 2 and is_word(us[-1])


def query_keys(term: str, prefix: bool = False) -> list[str]:
    """The keys the search page looks up for one query term (all must match); with
    `prefix` (an unquoted term), a last number or word may continue."""
    us = units(term)
    more = prefix and continues(us)
    if more:
        us = [*us[:-1], us[-1][:PREFIX]]
    if len(us) <= 3:
        return [key(us) + (MORE if more else "")] if us else []
    step = 1 if len(us) <= LONG else 2
    starts = list(range(0, len(us) - 3, step)) + [len(us) - 3]
    if len(starts) > MAX_KEYS:
        starts = [starts[i * (len(starts) - 1) // (MAX_KEYS - 1)] for i in range(MAX_KEYS)]
    found = [key(us[i : i + 3]) for i in starts]
    if more:
        found[-1] += MORE
    return found


def query_is_exact(term: str, prefix: bool = False) -> bool:
    """Whether the keys of a term find exactly the records that hold it (else the page checks
    each result against the record's text)."""
    us = units(term)
    return len(us) <= 3 and not (prefix and continues(us) and len(us[-1]) > PREFIX)


def filter_key(name: str, value: str) -> str:
    """The key of one filter value; '=' never occurs in a text key."""
    return f"{name}={value}"


def bucket_of(k: str, buckets: int) -> int:
    """The bucket a key lives in: 32-bit FNV-1a of its UTF-8 bytes, modulo the bucket count."""
    h = 0x811C9DC5
    for b in k.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h % buckets


@dataclass
class SearchDocument:
    """What the index knows of one record."""

    url: str  # inside the county site, e.g. government/guotu/power-caikuang/
    title: str
    unit: str
    date: str
    summary: str
    filters: dict[str, str]
    text: str  # everything searchable, as plain text (title, unit, fields, body)
    heading: str = ""  # what names the record (title, 文号, 索引号): matches here rank first
    # Other forms of what the page shows, which a citizen may type (4063.9元, 2014年1月8日):
    # searched like the text, never shown in an excerpt.
    also: str = ""


# The bundle ----------------------------------------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class _Varints:
    """Varint bytes of small numbers, made once: the encoder writes millions of them."""

    def __init__(self, size: int):
        self.table = [_varint(n) for n in range(size)]

    def __getitem__(self, n: int) -> bytes:
        return self.table[n] if n < len(self.table) else _varint(n)


def encode_ids(ids: list[int], varints: _Varints | None = None) -> bytes:
    """Sorted record ids after a varint header: a bitmap when dense (header = bytes * 2 + 1),
    else the gaps between ids as varints (header = bytes * 2).

    Dense: more than one id in eight up to the last one, where the bitmap is no longer than
    the gaps could be. It depends on the ids alone, not on how many records there are, so a
    record added at the end changes no other key's bytes (write_bundle updates in place)."""
    v = varints or _Varints(0)
    if not ids:
        return b"\0"
    if len(ids) * 8 > ids[-1] + 1:
        bits = bytearray(ids[-1] // 8 + 1)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)
        return v[len(bits) * 2 + 1] + bits
    if len(ids) == 1:
        body = v[ids[0] + 1]
    else:
        body = b"".join([v[ids[0] + 1], *(v[b - a] for a, b in zip(ids, ids[1:], strict=False))])
    return v[len(body) * 2] + body


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _order(documents: list[SearchDocument]) -> list[SearchDocument]:
    # Oldest first, so that a new record takes the next id and no other moves (the page
    # shows the highest ids first: newest first); among records of one date, the address
    # decides, the later first, so the page shows them in the address's order.
    by_url = sorted(documents, key=lambda d: d.url, reverse=True)
    return sorted(by_url, key=lambda d: d.date)


def write_bundle(
    documents: list[SearchDocument], out: Path, previous: Path | None = None, state: Path | None = None,
    taken: list[str] | None = None,
    sha256: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Write the search bundle for these records into `out`; returns figures about it.

    With `previous` (the bundle published before) and `state` (what the build that wrote it
    remembered, in the cache), the postings of only the records that changed are worked out
    again and only the buckets holding their keys are rewritten; the other buckets, and the
    record files of the records that did not change, are hard-linked from `previous` once
    their SHA-256 is the one the state noted. The bytes are the same as from scratch:
    whenever that cannot be shown cheaply (ids shift, the bucket count changes, a file or
    the state does not match), the files concerned are written from scratch.

    `taken`: instead of linking the files taken from `previous` into `out`, name them here
    (paths inside the bundle); the caller puts them in place (site.build_county, which may
    find them there already, in the folder it brings up to date: spare.py). `sha256`: filled
    with the SHA-256 of every file of the bundle, taken or written (for the manifest)."""
    docs = _order(documents)
    old = _read_state(state) if state is not None and previous is not None else None
    changed = _difference(docs, old["docs"]) if old is not None else None
    index = None
    if old is not None and previous is not None and changed is not None:
        index = _update_buckets(docs, old, changed, previous, out, taken)
    if index is None:
        index = _write_buckets(docs, out)
    figures, remembered = index
    kept = set(range(changed.shift)).difference(changed.edited) if changed is not None else set()
    filters, remembered["files"] = _write_records(docs, out, previous, old["files"] if old is not None else [], kept, taken)
    meta = {
        "format": FORMAT,
        "records": len(docs),
        "buckets": remembered["buckets"],
        "block": BLOCK,
        "filters": {name: sorted(values.items()) for name, values in sorted(filters.items())},
    }
    meta["columns"] = write_columns(docs, meta["filters"], out / COLUMNS)
    (out / "meta.json").write_text(_json(meta), "utf-8")
    if sha256 is not None:
        # The record files and buckets as hashed when written, or checked against the state
        # when taken; the few others are read back.
        sha256.update({f"r/{rid}.json": digest for rid, digest in enumerate(remembered["files"])})
        sha256.update({f"t/{n}.bin": digest for n, digest in enumerate(remembered["digests"])})
        for path in [*sorted((out / "c").iterdir()), out / "meta.json", out / COLUMNS]:
            sha256[path.relative_to(out).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    if state is not None:
        store.write_sealed(state, STATE_KIND, store.code_key(), {**remembered, "docs": [vars(d) for d in docs]})
    return figures


@dataclass
class _Difference:
    """How the records differ from the state's, id by id. Ids below `shift` are the same
    records as before: `edited` are those whose document changed. From `shift` on, the old
    ids' records all count as gone and the new ids' as come (an added record is the newest,
    so usually only it)."""

    edited: list[int]
    shift: int
    gone: range
    came: range

    def __len__(self) -> int:
        return len(self.edited) + len(self.gone) + len(self.came)


def _difference(docs: list[SearchDocument], olds: list[Any]) -> _Difference | None:
    """The records that differ from the state's; None when the state does not read."""
    shift = 0
    for before, doc in zip(olds, docs, strict=False):
        if not isinstance(before, dict) or before.get("url") != doc.url:
            break
        shift += 1
    edited = [rid for rid in range(shift) if olds[rid] != vars(docs[rid])]
    return _Difference(edited, shift, range(shift, len(olds)), range(shift, len(docs)))


def _link(source: str, target: str, digest: Any, taken: list[str] | None = None, name: str = "") -> bool:
    """Hard-link (or copy) source to target when its content has this SHA-256; False when it has not.
    With `taken`, the file is not linked but its `name` noted there."""
    try:
        with open(source, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                return False
        if taken is not None:
            taken.append(name)
            return True
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    except OSError:
        return False
    return True


def _write_records(
    docs: list[SearchDocument], out: Path, previous: Path | None, digests: list[Any], kept: set[int],
    taken: list[str] | None = None,
) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Write c/ (a few files: rewritten every time) and r/, where the file of a record in
    `kept` (same id, same document) is taken from `previous` when it is the one the state
    noted (`digests`); returns the count of each filter value and the SHA-256 of each record file."""
    filters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    (out / "r").mkdir(parents=True, exist_ok=True)
    (out / "c").mkdir(exist_ok=True)
    for start in range(0, len(docs), BLOCK):
        block = docs[start : start + BLOCK]
        names = sorted({d.unit for d in block})
        cards = [[d.url, d.title, names.index(d.unit), d.date] for d in block]
        (out / "c" / f"{start // BLOCK}.json").write_text(_json({"units": names, "cards": cards}), "utf-8")
    records, before = str(out / "r"), str(previous / "r") if previous is not None else ""
    written = []
    for rid, doc in enumerate(docs):
        for name, value in doc.filters.items():
            if value:
                filters[name][value] += 1
        target = os.path.join(records, f"{rid}.json")
        if rid in kept and rid < len(digests) and _link(os.path.join(before, f"{rid}.json"), target, digests[rid], taken, f"r/{rid}.json"):
            written.append(digests[rid])
            continue
        record = {"url": doc.url, "title": doc.title, "unit": doc.unit, "date": doc.date, "summary": doc.summary,
                  "text": doc.text[:TEXT_LIMIT]}
        if doc.also:
            record["also"] = doc.also[:TEXT_LIMIT]
        if len(doc.text) > TEXT_LIMIT:
            record["cut"] = True
        data = _json(record).encode("utf-8")
        with open(target, "wb") as f:
            f.write(data)
        written.append(hashlib.sha256(data).hexdigest())
    return filters, written


def _posting_keys(doc: SearchDocument) -> set[str]:
    """The keys whose postings hold this record: its text's keys and its filter values."""
    found = keys(f"{doc.text}\n{doc.also}" if doc.also else doc.text)
    found.update(filter_key(name, value) for name, value in doc.filters.items() if value)
    return found


def _heading_keys(doc: SearchDocument) -> set[str]:
    return keys(doc.heading or doc.title)


def _both_keys(doc: SearchDocument) -> tuple[set[str], set[str]]:
    return _posting_keys(doc), _heading_keys(doc)


def _bucket_count(total: int) -> int:
    # A power of two: a bucket holds BUCKET_BYTES at most and half that at least, so the count
    # changes (every key moves: write_bundle rewrites every bucket) only when the index doubles
    # or halves, not every few records as with total / BUCKET_BYTES.
    return 1 << (max(1, math.ceil(total / BUCKET_BYTES)) - 1).bit_length()


def _entry(k: str, ids: list[int], heading: list[int], varints: _Varints | None = None) -> bytes:
    raw = k.encode("utf-8")
    v = varints or _Varints(0)
    return b"".join((v[len(raw)], raw, encode_ids(ids, v), encode_ids(heading, v)))


def _write_buckets(docs: list[SearchDocument], out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every bucket from scratch; returns the figures and what the next build needs to update them."""
    count = len(docs)
    postings: dict[str, list[int]] = defaultdict(list)
    headings: dict[str, list[int]] = defaultdict(list)
    for rid, doc in enumerate(docs):
        for k in _posting_keys(doc):
            postings[k].append(rid)
        for k in _heading_keys(doc):
            headings[k].append(rid)
    varints = _Varints(max(256, 2 * count + 2))
    entries: dict[str, bytes] = {}
    empty: list[int] = []
    for k in sorted(postings):
        entries[k] = _entry(k, postings[k], headings.get(k, empty), varints)
    total = sum(map(len, entries.values()))
    buckets = _bucket_count(total)
    grouped: dict[int, list[bytes]] = defaultdict(list)
    for k, entry in entries.items():  # in key order, so every bucket is too
        grouped[bucket_of(k, buckets)].append(entry)
    (out / "t").mkdir(parents=True, exist_ok=True)
    written = 0
    digests = []
    for n in range(buckets):
        data = _varint(len(grouped[n])) + b"".join(grouped[n])
        written += len(data)
        digests.append(hashlib.sha256(data).hexdigest())
        (out / "t" / f"{n}.bin").write_bytes(data)
    npostings = sum(map(len, postings.values()))
    # A key in headings only has no entry; should a changed record put it in a text, the
    # entry needs these records too, and no bucket holds them.
    orphans = {k: ids for k, ids in sorted(headings.items()) if k not in postings}
    figures = {"records": count, "keys": len(entries), "postings": npostings, "buckets": buckets, "index_bytes": written}
    remembered = {"buckets": buckets, "total": total, "keys": len(entries), "postings": npostings, "written": written,
                  "digests": digests, "orphans": orphans}
    return figures, remembered


STATE_KIND = "search-index"
# Beyond this many changed records, updating bucket by bucket is no faster than from scratch.
MAX_CHANGED = 500


def state_path(root: Path, county_dir: Path) -> Path:
    """Where the build of this county folder remembers its search bundle (in the cache folder)."""
    return store.cache_root(root) / "search" / f"{store.digest(str(Path(county_dir).resolve()))[:16]}.json"


def _read_state(path: Path) -> dict[str, Any] | None:
    body = store.read_sealed(path, STATE_KIND, store.code_key())
    wanted = {"buckets": int, "total": int, "keys": int, "postings": int, "written": int, "digests": list,
              "orphans": dict, "files": list, "docs": list}
    if not isinstance(body, dict) or not all(isinstance(body.get(k), t) for k, t in wanted.items()):
        return None
    return body


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[pos]
        n |= (b & 0x7F) << shift
        shift += 7
        pos += 1
        if b < 0x80:
            return n, pos


def decode_ids(data: bytes, pos: int) -> tuple[list[int], int]:
    """The record ids encode_ids wrote at data[pos:], and where they end."""
    header, pos = _read_varint(data, pos)
    end = pos + (header >> 1)
    if header & 1:
        return [(i - pos) * 8 + bit for i in range(pos, end) for bit in range(8) if data[i] >> bit & 1], end
    ids, last = [], -1
    while pos < end:
        gap, pos = _read_varint(data, pos)
        last += gap
        ids.append(last)
    return ids, end


def _bucket_entries(data: bytes) -> dict[str, bytes]:
    """Key -> entry bytes of one bucket file, in the file's order."""
    entries = {}
    count, pos = _read_varint(data, 0)
    for _ in range(count):
        start = pos
        length, pos = _read_varint(data, pos)
        k = data[pos : pos + length].decode("utf-8")
        pos += length
        for _ids in range(2):  # the record ids, then the heading's
            header, pos = _read_varint(data, pos)
            pos += header >> 1
        entries[k] = data[start:pos]
    if pos != len(data):
        raise ValueError("trailing bytes")
    return entries


def _entry_ids(entry: bytes) -> tuple[list[int], list[int]]:
    length, pos = _read_varint(entry, 0)
    ids, pos = decode_ids(entry, pos + length)
    heading, _ = decode_ids(entry, pos)
    return ids, heading


def _update_buckets(
    docs: list[SearchDocument], old: dict[str, Any], changed: _Difference, previous: Path, out: Path,
    taken: list[str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The buckets of `previous` brought up to date for the records that changed, came or
    went, or None when that is not possible (too many of them, the bucket count changes, a
    file differs from what the state says it held)."""
    olds = old["docs"]
    count, buckets, digests = len(docs), old["buckets"], old["digests"]
    if len(changed) > MAX_CHANGED or len(digests) != buckets:
        return None
    add: dict[str, set[int]] = defaultdict(set)
    drop: dict[str, set[int]] = defaultdict(set)
    hadd: dict[str, set[int]] = defaultdict(set)
    hdrop: dict[str, set[int]] = defaultdict(set)
    nothing: set[str] = set()
    try:
        # (id, keys and heading keys before, after): an edited record's differences; a record
        # gone drops its keys from its old id, one come adds its keys at its new id.
        moves = [(rid, *_both_keys(SearchDocument(**olds[rid])), *_both_keys(docs[rid])) for rid in changed.edited]
        moves += [(rid, *_both_keys(SearchDocument(**olds[rid])), nothing, nothing) for rid in changed.gone]
        moves += [(rid, nothing, nothing, *_both_keys(docs[rid])) for rid in changed.came]
    except (TypeError, AttributeError):
        return None
    for rid, was, washead, now, nowhead in moves:
        for k in now - was:
            add[k].add(rid)
        for k in was - now:
            drop[k].add(rid)
        for k in nowhead - washead:
            hadd[k].add(rid)
        for k in washead - nowhead:
            hdrop[k].add(rid)
    touched: dict[int, list[str]] = defaultdict(list)
    for k in {*add, *drop, *hadd, *hdrop}:
        touched[bucket_of(k, buckets)].append(k)
    # Every bucket of `previous` must be the one the state describes, those kept as they are too.
    contents: dict[int, bytes] = {}
    for n in range(buckets):
        try:
            data = (previous / "t" / f"{n}.bin").read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != digests[n]:
            return None
        if n in touched:
            contents[n] = data
    orphans = dict(old["orphans"])
    total, nkeys, npostings, written = old["total"], old["keys"], old["postings"], old["written"]
    digests = list(digests)
    rewritten: dict[int, bytes] = {}
    varints = _Varints(max(256, 2 * count + 2))
    try:
        for n, ks in touched.items():
            entries = _bucket_entries(contents[n])
            for k in ks:
                entry = entries.get(k)
                ids, heading = _entry_ids(entry) if entry is not None else ([], orphans.get(k, []))
                new_ids = sorted(set(ids) - drop.get(k, set()) | add.get(k, set()))
                new_heading = sorted(set(heading) - hdrop.get(k, set()) | hadd.get(k, set()))
                npostings += len(new_ids) - len(ids)
                if entry is not None:
                    total -= len(entry)
                    nkeys -= 1
                    del entries[k]
                orphans.pop(k, None)
                if new_ids:
                    entries[k] = _entry(k, new_ids, new_heading, varints)
                    total += len(entries[k])
                    nkeys += 1
                elif new_heading:
                    orphans[k] = new_heading
            data = _varint(len(entries)) + b"".join(entries[k] for k in sorted(entries))
            written += len(data) - len(contents[n])
            digests[n] = hashlib.sha256(data).hexdigest()
            rewritten[n] = data
    except (ValueError, IndexError, TypeError, UnicodeDecodeError):
        return None  # a bucket the state vouched for does not read: take nothing from it
    if _bucket_count(total) != buckets:
        return None  # every key moves to another bucket
    (out / "t").mkdir(parents=True, exist_ok=True)
    for n in range(buckets):
        target = out / "t" / f"{n}.bin"
        if n in rewritten:
            target.write_bytes(rewritten[n])
            continue
        if taken is not None:  # its bytes were checked against the state above
            taken.append(f"t/{n}.bin")
            continue
        try:
            os.link(previous / "t" / f"{n}.bin", target)
        except OSError:
            shutil.copyfile(previous / "t" / f"{n}.bin", target)
    figures = {"records": count, "keys": nkeys, "postings": npostings, "buckets": buckets, "index_bytes": written,
               "changed": len(changed), "rewritten": len(rewritten)}
    remembered = {"buckets": buckets, "total": total, "keys": nkeys, "postings": npostings, "written": written,
                  "digests": digests, "orphans": dict(sorted(orphans.items()))}
    return figures, remembered


def write_columns(docs: list[SearchDocument], values: dict[str, list], path: Path) -> list[list]:
    """Write each filter's value for each record (filters.bin); returns [name, bytes per record]
    for each filter, in the file's order."""
    columns, data = [], bytearray()
    for name, pairs in values.items():
        number = {value: i + 1 for i, (value, _) in enumerate(pairs)}
        width = 1 if len(pairs) < 255 else 2
        for doc in docs:
            data += number.get(doc.filters.get(name, ""), 0).to_bytes(width, "little")
        columns.append([name, width])
    # mtime 0: two builds of the same records give the same bytes.
    path.write_bytes(gzip.compress(bytes(data), compresslevel=9, mtime=0))
    return columns


# Running it beside MkDocs -------------------------------------------------------------


def documents_text(documents: list[SearchDocument]) -> str:
    """The search documents as JSON: what the indexer reads, and what a build compares with
    the last one's (warm.documents_digest)."""
    # vars, not asdict: a document holds text and one flat dict, so the JSON is the same,
    # and asdict's deep copy of 10,000 documents took seconds (profiled). dumps, not dump:
    # only dumps uses the C encoder (dump runs the Python one, 4x slower).
    return json.dumps([vars(d) for d in documents], ensure_ascii=False)


class Indexing:
    """The indexer running in a separate process over the records' search documents.

    It needs only the records, not the built pages, so it runs while MkDocs renders (the
    two stages overlap on a 2-core machine); `finish` moves its bundle into the site.
    """

    def __init__(self, documents: list[SearchDocument], previous: Path | None = None, state: Path | None = None,
                 hand_over: bool = False, text: str | None = None):
        """`previous` and `state`: see write_bundle (without them, the bundle is written from scratch).
        `hand_over`: the files taken unchanged from `previous` are not linked into the bundle
        but named by finish(), for the caller to put in place (write_bundle's `taken`).
        `text`: documents_text(documents), when the caller has it already."""
        self.tmp = Path(tempfile.mkdtemp(prefix="gongkai-search-"))
        self.taken_list = self.tmp / "taken.json" if hand_over else None
        self.sha256: dict[str, str] = {}  # with hand_over: every file of the bundle (as a path inside the site) -> its SHA-256
        source = self.tmp / "documents.json"
        try:
            with source.open("w", encoding="utf-8") as f:
                f.write(documents_text(documents) if text is None else text)
        except BaseException:  # a full disk: leave nothing behind
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        package_root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gongkai.search", str(source), str(self.tmp / BUNDLE),
             *([str(previous), str(state), *([str(self.taken_list)] if self.taken_list else [])]
               if previous is not None and state is not None and store.active() else [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.seconds = 0.0
        self.output = ""
        self.stats: dict[str, Any] = {}
        # A thread reads the indexer's output as it comes (a full pipe would stall it) and
        # notes when it ended, so the benchmark can report the indexer's own time.
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        self.output, _ = self.proc.communicate()
        self.seconds = time.perf_counter() - self.started
        last = self.output.strip().rsplit("\n", 1)[-1]
        if self.proc.returncode == 0 and last.startswith("{"):
            self.stats = json.loads(last)

    def finish(self, site: Path) -> list[str]:
        """Wait for the indexer and put its bundle at site/search-index/; returns the files it
        took unchanged from the previous bundle and left for the caller to put in place, as
        paths inside `site` (always none without `hand_over`)."""
        try:
            self.reader.join()
            if self.proc.returncode != 0:
                raise failure(self.output)
            target = site / BUNDLE
            if target.exists():
                shutil.rmtree(target)
            shutil.move(str(self.tmp / BUNDLE), str(target))
            if self.taken_list is None or not self.taken_list.exists():
                return []
            handed = json.loads(self.taken_list.read_text("utf-8"))
            self.sha256 = {f"{BUNDLE}/{name}": digest for name, digest in handed["sha256"].items()}
            return [f"{BUNDLE}/{name}" for name in handed["taken"]]
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop the indexer if it still runs and remove the temporary files."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def failure(output: str) -> Exception:
    """The indexer's failure as an exception: its OSError again (a full disk is named as
    such by the build), else SearchIndexError with its output."""
    last = output.strip().rsplit("\n", 1)[-1]
    if last.startswith('{"oserror"'):
        reported = json.loads(last)
        code = int(reported["oserror"] or 0)
        return OSError(code, os.strerror(code), reported["filename"])
    return SearchIndexError(output)


def index(site: Path, documents: list[SearchDocument]) -> None:
    """Write site/search-index/ from the records' search documents (in the foreground)."""
    Indexing(documents).finish(site)


def main(argv: list[str]) -> int:
    """The indexer process: documents.json and an output folder (then, optionally, the
    previous bundle, the state file and the file to name the files taken from the previous
    bundle in, see Indexing's hand_over); prints figures as JSON."""
    source, out = Path(argv[0]), Path(argv[1])
    update: dict[str, Any] = {"previous": Path(argv[2]), "state": Path(argv[3])} if len(argv) >= 4 else {}
    if len(argv) >= 5:  # hand_over: name the files taken from the previous bundle, and every file's hash, in this file
        update["taken"], update["sha256"] = [], {}
    started = time.perf_counter()
    documents = [SearchDocument(**d) for d in json.loads(source.read_text("utf-8"))]
    try:
        stats = write_bundle(documents, out, **update)
        if len(argv) >= 5:
            Path(argv[4]).write_text(json.dumps({"taken": update["taken"], "sha256": update["sha256"]}), "utf-8")
    except OSError as exc:  # a full disk: the parent raises it again and says so in Chinese
        print(json.dumps({"oserror": exc.errno, "filename": str(exc.filename or out)}))
        return 3
    stats["seconds"] = round(time.perf_counter() - started, 2)
    stats["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
