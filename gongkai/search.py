"""Chinese search: Pagefind over a shadow copy of the records, written as character bigrams.

Why not let Pagefind index the pages as they are: it segments Chinese pages with its own
dictionary at index time, while the browser segments the query with Intl.Segmenter, so
the two disagree on names and compounds (许振华 → 许|振|华 finds nothing). Measured here
(shared/reference/search-measurements.md), indexing every run of Han characters as
overlapping bigrams and sending the query transformed the same way, as an exact phrase,
finds every record that contains the query, names and cross-word substrings included.
Each pair is written as one Latin-looking token (k + the two code points): Pagefind
breaks Han text into single characters inside a quoted phrase, but leaves such tokens
whole, so the phrase really means "these pairs, side by side".

So for each record a small HTML document is written into a shadow tree that mirrors the
site's URLs; the Pagefind CLI indexes that tree (not the visible pages, which stay clean)
and writes its bundle into the site. The original title, unit, date and a summary travel
as Pagefind metadata, so results show readable text. `static/gongkai-search.js` applies
the same transform to the query; the two must stay in step (tests pin both).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{HAN}]+")
# Pagefind treats these as word breaks too; cutting there keeps index and query in step.
_SPACE = re.compile(r"\s+")
# Punctuation becomes a space on both sides (pages and queries), so 005723040/2013-00008
# and 许政〔2013〕12号 are the same run of words in the index and in the query.
_PUNCT = re.compile(r"[^\w]+")


class SearchIndexError(RuntimeError):
    """Pagefind failed; the message carries its output."""


def _code(run: str) -> str:
    # Pagefind splits Han text into single characters inside quoted phrases, but not
    # Latin words: so each pair is written as a Latin token of its code points, and
    # phrase search then requires the pairs to stand side by side, as in the record.
    return "k" + "".join(f"{ord(c):05d}" for c in run)


def bigrams(text: str) -> str:
    """Han runs as overlapping character pairs, each one token; other text as it is.

    涉农补贴 → the tokens for 涉农, 农补, 补贴 (a lone character is a token of its own).
    """

    def pairs(m: re.Match[str]) -> str:
        run = m.group(0)
        if len(run) == 1:
            return f" {_code(run)} "
        return " " + " ".join(_code(run[i : i + 2]) for i in range(len(run) - 1)) + " "

    return _SPACE.sub(" ", _RUN.sub(pairs, _PUNCT.sub(" ", text))).strip()


def characters(text: str) -> str:
    """Every distinct Han character once, so a one-character query finds every record."""
    seen = dict.fromkeys(c for run in _RUN.findall(text) for c in run)
    return " ".join(_code(c) for c in seen)


@dataclass
class SearchDocument:
    """What the index knows of one record."""

    url: str  # inside the county site, e.g. government/guotu/power-caikuang/
    title: str
    unit: str
    date: str
    summary: str
    filters: dict[str, str]
    text: str  # everything searchable, as plain text


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


def shadow_html(doc: SearchDocument) -> str:
    """The document Pagefind indexes for one record (never shown to readers)."""
    meta = "".join(
        f'<span data-pagefind-meta="{escape(k)}:{escape(v)}"></span>'
        for k, v in (("title", doc.title), ("unit", doc.unit), ("date", doc.date), ("summary", doc.summary))
    )
    filters = "".join(f'<span data-pagefind-filter="{escape(k)}:{escape(v)}"></span>' for k, v in doc.filters.items())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body><main data-pagefind-body>'
        f"{meta}{filters}"
        f'<h1>{escape(bigrams(doc.title))}</h1>'
        f"<p>{escape(bigrams(doc.text))}</p>"
        f"<p>{escape(characters(doc.title + doc.text))}</p>"
        f'<span data-pagefind-sort="date:{escape(doc.date)}"></span>'
        "</main></body></html>"
    )


class Indexing:
    """Pagefind running in the background over the shadow documents.

    It needs only the records, not the built pages, so it runs while MkDocs renders
    (the two stages overlap on a 2-core machine); `finish` moves its bundle into the site.
    """

    def __init__(self, documents: list[SearchDocument]):
        self.tmp = Path(tempfile.mkdtemp(prefix="gongkai-search-"))
        shadow = self.tmp / "shadow"
        for doc in documents:
            path = shadow / doc.url / "index.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(shadow_html(doc), "utf-8")
        shadow.mkdir(exist_ok=True)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pagefind", "--site", str(shadow), "--output-path", str(self.tmp / "bundle"), "--quiet"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.seconds = 0.0
        self.output = ""
        # A thread reads Pagefind's output as it comes (a full pipe would stall it) and
        # notes when it ended, so the benchmark can report Pagefind's own time.
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        self.output, _ = self.proc.communicate()
        self.seconds = time.perf_counter() - self.started

    def finish(self, site: Path) -> None:
        """Wait for Pagefind and put its bundle at site/pagefind/."""
        try:
            self.reader.join()
            if self.proc.returncode != 0:
                raise SearchIndexError(self.output)
            target = site / "pagefind"
            if target.exists():
                shutil.rmtree(target)
            shutil.move(str(self.tmp / "bundle"), str(target))
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop Pagefind if it still runs and remove the temporary files."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def index(site: Path, documents: list[SearchDocument]) -> None:
    """Write site/pagefind/ from the records' shadow documents (in the foreground)."""
    Indexing(documents).finish(site)
