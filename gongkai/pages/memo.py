"""Record pages kept from one build to the next, by what they are made of.

A record's page, its search document, its data files (pages/record.py) and its row in the
list downloads (pages/data.py) depend only on
the record (its path, its file's bytes, which give its fields and body, and its 索引号), its catalogue item, its history, the county
file (units, 监督电话), site.yml (the address on the printed page) and the code. Of a
10,000-record county one change touches one record, yet making every record's page again
was most of the page stage (Markdown, tables, CSV and JSON). So each record's products are
kept in the cache folder under a key made of all of those inputs, and a record whose key is
the same takes them from there. Any change to an input misses (a code change misses
everything, through store.code_key), and the byte-identity test of warm against cold builds
(tests/test_warm_build.py) holds the result to what a cold build makes.

They are kept in SHARDS sealed msgpack files per county, each record in the one its path
falls to: a build writes again only the files of the records it made anew (one file of
90 MB, written whole by every build, took a second at 10,000 records).

Only plain values are kept (JSON texts in sealed msgpack files, store.py): the places of the markup a page
may print unescaped (Markup: the sanitised body and build-time SVG) and of tuples (table
rows) are kept beside the values; anything else that JSON would not give back exactly (a set, a number as
a key, NaN, a str subclass) is refused, and then the record's products are not kept.
Records with attachments are not kept (their assets are files in the repository).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .. import cache, opendata, store
from ..changes import history_text
from ..model import Record
from ..search import SearchDocument
from . import Asset, Page

if TYPE_CHECKING:
    from . import CountySite

KIND = "record-pages"
SHARDS = 32


def _shard(path: str) -> int:
    """The file of the county's kept pages that a record's products are kept in."""
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % SHARDS


def _plain(value: Any) -> str:
    """Inputs as JSON; raises TypeError on anything but plain data (then nothing is kept)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_refuse)


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def _freeze(value: Any, path: list[Any], marks: dict[str, list[list[Any]]]) -> Any:
    """value as JSON-able data; the paths of its Markup strings and of its tuples go to marks."""
    if isinstance(value, Markup):
        marks["markup"].append(list(path))
        return str(value)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("a key that is not text")
        return {k: _freeze(v, [*path, k], marks) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if isinstance(value, tuple):
            marks["tuple"].append(list(path))
        return [_freeze(v, [*path, i], marks) for i, v in enumerate(value)]
    if value is None or type(value) in (str, int, bool, float):
        return value
    raise TypeError(type(value).__name__)


def _thaw(value: Any, marks: dict[str, list[list[Any]]]) -> Any:
    for path in marks["markup"]:
        _replace(value, path, Markup)
    for path in sorted(marks["tuple"], key=len, reverse=True):  # the innermost first: a tuple cannot be changed
        if path:
            _replace(value, path, tuple)
        else:
            value = tuple(value)
    return value


def _replace(value: Any, path: list[Any], kind: Any) -> None:
    holder = value
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = kind(holder[path[-1]])



class DamagedCache(ValueError):
    """A kept page's data could not be read back (the message is Chinese)."""


class KeptPage(Page):
    """A record page taken from the cache: its data is parsed only when something reads it.

    A warm build renders a handful of pages; parsing the data of the other ~10,000 only to
    hash it (warm.page_digests) was most of taking them (profiled: 3.8 s). The hash of the
    whole page as it was kept comes with it, and is given only while the data is unread: once
    read it may be changed, and is hashed again like any other page's."""

    def __init__(self, src: str, title: str, template: str, kind: str, meta: dict[str, Any], text: str, digest: str, path: Path | None = None):
        self._text: str | None = text
        self._digest: str | None = digest
        self._kept_in = path
        super().__init__(src, title, template, None, kind=kind, meta=meta)  # type: ignore[arg-type]

    @property  # type: ignore[override]
    def data(self) -> dict[str, Any]:
        if self._text is not None:
            try:
                data, marks = json.loads(self._text)
                self._data = _thaw(data, marks)
            except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
                # The file's checksum held, so someone wrote this entry on purpose or by a
                # bug: drop the file that held it (the next build makes its records' pages
                # afresh) and say so.
                if self._kept_in is not None:
                    self._kept_in.unlink(missing_ok=True)
                raise DamagedCache(f"缓存中保存的记录页面数据已损坏（{self.src}），已删除这份缓存；请再生成一次。") from exc
            self._text = self._digest = None
        return self._data

    @data.setter
    def data(self, value: dict[str, Any] | None) -> None:
        if value is not None:
            self._data, self._text, self._digest = value, None, None

    @property
    def kept_digest(self) -> str | None:
        """What warm.page_digests would make of this page, while its data is unread; else None."""
        return self._digest


class RecordPages:
    """The kept record products of one county site, read at the start of its page stage."""

    def __init__(self, site: CountySite):
        self.site = site
        project, county = site.project, site.county
        self.folder = store.cache_root(project.root) / "pages" / store.digest(county.id)[:16]
        try:
            self.env = store.digest(store.code_key(), _plain(asdict(project.site)), _plain(asdict(county)), str(site.site_name))
        except (TypeError, ValueError):
            self.env = None
        for earlier in (".json", ".msgpack"):  # the single file of earlier versions (90 MB)
            try:
                self.folder.with_suffix(earlier).unlink(missing_ok=True)
            except OSError:
                pass  # a cache folder that cannot be changed is only slower (store.py)
        self.shards: list[dict[str, Any]] = []  # as read, file by file
        self.old: dict[str, Any] = {}
        self.kept_in: dict[str, Path] = {}
        for n in range(SHARDS if self.env else 0):
            found = store.read_sealed(self._file(n), KIND, self.env, packed=True)
            self.shards.append(found if isinstance(found, dict) else {})
            self.old.update(self.shards[-1])
            self.kept_in.update(dict.fromkeys(self.shards[-1], self._file(n)))
        self.new: dict[str, Any] = {}
        self._made: dict[str, tuple[str, Page, SearchDocument, list[Asset]]] = {}  # encoded at save()
        self._items: dict[tuple[str, str], str] = {}
        self._blobs: dict[str, str] | None = None
        self.hits = 0
        # path -> the record's row in the list downloads (pages/data.list_row), kept with its
        # page: it is made of the same inputs.
        self.rows: dict[str, tuple[str, str]] = {}

    def _file(self, n: int) -> Path:
        return self.folder / f"{n}.msgpack"

    def key(self, r: Record) -> str | None:
        """The key of a record's products; None when they are not to be kept."""
        if self.env is None or r.item is None or r.meta.get("attachments"):
            return None
        item = (r.category, r.item.id)
        try:
            if item not in self._items:
                self._items[item] = _plain(asdict(r.item))
            h = self.site.histories.get(r.path)
            history = history_text(h) if h is not None else ""
            return store.digest(r.path, self._blob(r), r.index_no, self._items[item], history)
        except (TypeError, ValueError, OSError):
            return None

    def _blob(self, r: Record) -> str:
        """The record file's git blob id: its fields and body are what the code makes of those
        bytes with its item's schema (both in the key). Git's index names the files it has
        unchanged; any other is hashed here."""
        records = getattr(self.site.project, "cache", None)
        if records is not None:  # the check already asked git's index (cache.RecordCache)
            blob = records.blob(r.path)
        else:
            if self._blobs is None:
                self._blobs = cache.tracked_blobs(self.site.project.root)
            blob = self._blobs.get(r.path)
        if blob is None:
            blob = cache.blob_id((self.site.project.root / r.path).read_bytes())
        return blob

    def take(self, r: Record) -> bool:
        """Add the record's kept page, search document and data files to the site; False when there are none."""
        key = self.key(r)
        entry = self.old.get(r.path)
        if key is None or not isinstance(entry, list) or len(entry) != 6 or entry[0] != key or not all(isinstance(e, str) for e in entry):
            return False
        try:
            page, document, assets = _decode(json.loads(entry[1]), entry[2], entry[3], self.kept_in.get(r.path))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return False  # a damaged entry in an intact file: made again (its page data: KeptPage.data)
        self.site.pages.append(page)
        self.site.documents.append(document)
        self.site.assets.extend(assets)
        self.rows[r.path] = (entry[4], entry[5])
        self.new[r.path] = entry
        self.hits += 1
        return True

    @contextmanager
    def keeping(self, r: Record) -> Iterator[None]:
        """Around making a record's products: keep what was added to the site (encoded by save(),
        after the page stage has added what it adds to all record pages, the QR code)."""
        site = self.site
        pages, documents, assets = len(site.pages), len(site.documents), len(site.assets)
        yield
        key = self.key(r)
        made = site.pages[pages:], site.documents[documents:], site.assets[assets:]
        if key is not None and len(made[0]) == 1 and len(made[1]) == 1:
            self._made[r.path] = (key, made[0][0], made[1][0], made[2])
            self.rows[r.path] = list_row(site, r)

    def save(self) -> None:
        """Write the products of the records the site has now (only when something changed)."""
        from ..warm import page_digests

        for path, (key, page, document, assets) in self._made.items():
            row = self.rows[path]
            try:
                # _encode refuses anything JSON would not give back as it was (a str subclass,
                # a set, a number key, NaN, bytes that are not UTF-8), so what is kept comes back
                # exactly (tests/test_warm_build.py compares with cold builds).
                head, data = _encode(page, document, assets)
                digest = page_digests([page])[page.src]
                if digest is None:
                    continue
                text = json.dumps(head, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
                self.new[path] = [key, text, json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False), digest, *row]
            except (TypeError, ValueError, UnicodeDecodeError):
                continue
        self._made.clear()
        if self.env is None:
            return
        shards: list[dict[str, Any]] = [{} for _ in range(SHARDS)]
        for path, entry in self.new.items():
            shards[_shard(path)][path] = entry
        for n, (now, before) in enumerate(zip(shards, self.shards, strict=True)):
            if now == before:
                continue
            if now:
                store.write_sealed(self._file(n), KIND, self.env, now, packed=True)
            else:
                self._file(n).unlink(missing_ok=True)


def list_row(site: CountySite, r: Record) -> tuple[str, str]:
    """The record's row in the list downloads, as CSV and JSON (opendata.list_rows)."""
    from .data import record_entry

    return opendata.list_rows([record_entry(site, r)])[0]


def _encode(page: Page, document: SearchDocument, assets: list[Asset]) -> tuple[list[Any], list[Any]]:
    """What a page is taken with (its head, search document and files), and its data with the
    places of its Markup and tuples, as JSON-able values; TypeError for anything else."""
    marks: dict[str, list[list[Any]]] = {"markup": [], "tuple": []}
    data = _freeze(page.data, [], marks)
    meta = _freeze(page.meta, [], {"markup": [], "tuple": []})
    files = []
    for a in assets:
        if a.path is not None or a.content is None:
            raise TypeError("an asset that is a file")
        files.append([a.src, a.content.decode("utf-8")])
    return [[page.src, page.title, page.template, page.kind, meta], asdict(document), files], [data, marks]


def _decode(head: list[Any], data: str, digest: str, path: Path | None = None) -> tuple[Page, SearchDocument, list[Asset]]:
    (src, title, template, kind, meta), document, files = head
    if not isinstance(src, str) or not isinstance(meta, dict):
        raise TypeError("not a kept page")
    page = KeptPage(src, title, template, kind, meta, data, digest, path)
    return page, SearchDocument(**document), [Asset(s, content=c.encode("utf-8")) for s, c in files]
