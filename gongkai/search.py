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

Record ids follow publication date, newest first, so results come newest first; records
whose title, 文号 or 索引号 contain the query come before the others. Each filter value
(类别=村务公开) is a key of its own, so a filter is one more lookup.
`theme/assets/gongkai-search.js` does the same cutting on the query; tests pin the two.
"""

from __future__ import annotations

import gzip
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
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
BUNDLE = "search-index"
COLUMNS = "filters.bin"
# Han characters: the unified blocks, their extensions and the compatibility block, and 〇.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_UNIT = re.compile(f"[{HAN}]|[^\\W_{HAN}]+")
_SEPARATORS = re.compile(r"[\W_]+")
_HAN_SPACE = re.compile(f"(?<=[{HAN}]) | (?=[{HAN}])")
_HAN_CHAR = re.compile(f"[{HAN}]")
# Aim for buckets of about this many bytes, so a lookup downloads little.
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


def keys(text: str) -> set[str]:
    """Every key the index holds for a text: all runs of one, two and three units."""
    canon = canonical(text)
    spans = [m.span() for m in _UNIT.finditer(canon)]
    starts = [a for a, _ in spans]
    ends = [b for _, b in spans]
    found = {canon[a:b] for a, b in spans}
    found.update(canon[a:b] for a, b in zip(starts, ends[1:], strict=False))
    found.update(canon[a:b] for a, b in zip(starts, ends[2:], strict=False))
    # Runs of two and three units that end with a number or word, cut inside that word.
    for i, (a, b) in enumerate(spans):
        if _HAN_CHAR.match(canon, a):
            continue
        for first in (i - 1, i - 2):
            if first >= 0:
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


def flatten(value: Any) -> Iterable[str]:
    """Every scalar inside a record's fields, as text (ledger numbers, names, places)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from flatten(v)
    elif isinstance(value, list):
        for v in value:
            yield from flatten(v)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


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


def encode_ids(ids: list[int], count: int, varints: _Varints | None = None) -> bytes:
    """Sorted record ids after a varint header: a bitmap when dense (header = bytes * 2 + 1),
    else the gaps between ids as varints (header = bytes * 2)."""
    v = varints or _Varints(0)
    if not ids:
        return b"\0"
    if len(ids) * 8 > count:
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
    # Newest first; the address breaks ties so two builds give the same ids.
    by_url = sorted(documents, key=lambda d: d.url)
    return sorted(by_url, key=lambda d: d.date, reverse=True)


def write_bundle(documents: list[SearchDocument], out: Path) -> dict[str, Any]:
    """Write the search bundle for these records into `out`; returns figures about it."""
    docs = _order(documents)
    count = len(docs)
    postings: dict[str, list[int]] = defaultdict(list)
    headings: dict[str, list[int]] = defaultdict(list)
    filters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    (out / "r").mkdir(parents=True, exist_ok=True)
    (out / "c").mkdir(exist_ok=True)
    for start in range(0, count, BLOCK):
        block = docs[start : start + BLOCK]
        names = sorted({d.unit for d in block})
        cards = [[d.url, d.title, names.index(d.unit), d.date] for d in block]
        (out / "c" / f"{start // BLOCK}.json").write_text(_json({"units": names, "cards": cards}), "utf-8")
    for rid, doc in enumerate(docs):
        for k in keys(doc.text):
            postings[k].append(rid)
        for k in keys(doc.heading or doc.title):
            headings[k].append(rid)
        for name, value in doc.filters.items():
            if value:
                postings[filter_key(name, value)].append(rid)
                filters[name][value] += 1
        record = {"url": doc.url, "title": doc.title, "unit": doc.unit, "date": doc.date, "summary": doc.summary,
                  "text": doc.text[:TEXT_LIMIT]}
        if len(doc.text) > TEXT_LIMIT:
            record["cut"] = True
        (out / "r" / f"{rid}.json").write_text(_json(record), "utf-8")
    varints = _Varints(max(256, 2 * count + 2))
    entries: dict[str, bytes] = {}
    empty: list[int] = []
    for k in sorted(postings):
        raw = k.encode("utf-8")
        entries[k] = b"".join((varints[len(raw)], raw, encode_ids(postings[k], count, varints),
                               encode_ids(headings.get(k, empty), count, varints)))
    total = sum(map(len, entries.values()))
    buckets = max(1, math.ceil(total / BUCKET_BYTES))
    grouped: dict[int, list[bytes]] = defaultdict(list)
    for k, entry in entries.items():  # in key order, so every bucket is too
        grouped[bucket_of(k, buckets)].append(entry)
    (out / "t").mkdir(exist_ok=True)
    written = 0
    for n in range(buckets):
        data = _varint(len(grouped[n])) + b"".join(grouped[n])
        written += len(data)
        (out / "t" / f"{n}.bin").write_bytes(data)
    meta = {
        "format": FORMAT,
        "records": count,
        "buckets": buckets,
        "block": BLOCK,
        "filters": {name: sorted(values.items()) for name, values in sorted(filters.items())},
    }
    meta["columns"] = write_columns(docs, meta["filters"], out / COLUMNS)
    (out / "meta.json").write_text(_json(meta), "utf-8")
    return {"records": count, "keys": len(entries), "postings": sum(map(len, postings.values())),
            "buckets": buckets, "index_bytes": written}


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


class Indexing:
    """The indexer running in a separate process over the records' search documents.

    It needs only the records, not the built pages, so it runs while MkDocs renders (the
    two stages overlap on a 2-core machine); `finish` moves its bundle into the site.
    """

    def __init__(self, documents: list[SearchDocument]):
        self.tmp = Path(tempfile.mkdtemp(prefix="gongkai-search-"))
        source = self.tmp / "documents.json"
        try:
            with source.open("w", encoding="utf-8") as f:
                json.dump([asdict(d) for d in documents], f, ensure_ascii=False)
        except BaseException:  # a full disk: leave nothing behind
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        package_root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gongkai.search", str(source), str(self.tmp / BUNDLE)],
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

    def finish(self, site: Path) -> None:
        """Wait for the indexer and put its bundle at site/search-index/."""
        try:
            self.reader.join()
            if self.proc.returncode != 0:
                raise failure(self.output)
            target = site / BUNDLE
            if target.exists():
                shutil.rmtree(target)
            shutil.move(str(self.tmp / BUNDLE), str(target))
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
    """The indexer process: documents.json and an output folder; prints figures as JSON."""
    source, out = Path(argv[0]), Path(argv[1])
    started = time.perf_counter()
    documents = [SearchDocument(**d) for d in json.loads(source.read_text("utf-8"))]
    try:
        stats = write_bundle(documents, out)
    except OSError as exc:  # a full disk: the parent raises it again and says so in Chinese
        print(json.dumps({"oserror": exc.errno, "filename": str(exc.filename or out)}))
        return 3
    stats["seconds"] = round(time.perf_counter() - started, 2)
    stats["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
