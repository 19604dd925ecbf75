"""QR codes of record addresses, drawn at build time as inline SVG (segno), for the printed page.

A villager holding the 公开栏 printout scans it to reach the page; nothing is fetched from
another service, at build time or when the page is printed.

Encoding is pure Python and costs milliseconds per code (measured: 5.5 ms of CPU with the
mask fixed, about three times that when segno tries all eight masks), which for 10,000
records would be most of a build. So the mask is fixed (a decoder reads it from the code's
format information; any of the eight is valid), and codes are kept in a cache in the
user's cache folder, as the attachment scan does (pii.py): one file per county site,
holding only its current addresses. A record's address does not change, so a second
build draws only the new records' codes. The cache is keyed by segno's version and these
settings; a cache that cannot be read or written is only slower, never wrong, and an
entry that is not exactly what draw() makes is drawn again.

A cold build still draws every code: 12 s of one core at 10,000 records, while the other
sat idle. So when many are to be drawn a forked process starts on them as the page stage
starts (Drawing), and the build joins in when it needs them: both take chunks of the
addresses from a shared counter, so neither waits for the other's last code.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import zlib
from pathlib import Path
from typing import Any

import segno
from markupsafe import Markup

from . import store
from .changes import Forked

ERROR, MASK, BORDER = "m", 2, 2
_KEY = f"segno-{segno.__version__}-{ERROR}-{MASK}-{BORDER}"
# What draw() makes and nothing else: a cached entry that is not exactly this shape (a
# tampered or damaged cache) is drawn again, so the cache can never put markup in a page.
_SHAPE = re.compile(
    r'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \d+ \d+" class="gk-qr-code">'
    r'<path stroke="#000" d="[Mmhv0-9 .-]+"/></svg>'
)


# Up to this many codes are drawn without the cache (1.5 ms each; reading the cache of a
# 10,000-record county takes 0.2 s).
FEW = 50


def draw(url: str) -> str:
    """One address as an SVG QR code (no XML declaration, no size: CSS sizes it)."""
    code = segno.make_qr(url, error=ERROR, mask=MASK, boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgns=True, border=BORDER, omitsize=True, svgclass="gk-qr-code", lineclass=None)
    return out.getvalue().decode("ascii").strip()


def _cache_file(name: str) -> Path:
    base = os.environ.get("GONGKAI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gongkai"
    )
    return Path(base) / f"qr-{_KEY}-{name}.json.gz"


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        cached = json.loads(gzip.decompress(store.read_file(path)))
    except (OSError, ValueError, EOFError, zlib.error):  # a damaged gzip stream raises zlib.error
        return {}
    return cached if isinstance(cached, dict) else {}


def _valid(code: Any) -> bool:
    """True when a cached or sent code is exactly of the shape draw() makes."""
    return isinstance(code, str) and _SHAPE.fullmatch(code) is not None


# Addresses taken at a time from the shared counter: big enough that the lock costs nothing,
# small enough that the last chunk leaves neither process waiting long (64 codes: 0.08 s).
CHUNK = 64


class Drawing(Forked):
    """The codes of many addresses, drawn by a forked process while the build goes on.

    Started with every address a county's record pages may show, before the pages are made;
    codes() finishes it: the build draws the chunks the process has not taken yet, then takes
    the codes the process drew. Addresses the cache holds are not drawn. A process that
    cannot be started, fails or dies costs only time: codes() draws whatever is missing."""

    def __init__(self, urls: list[str], name: str = "site"):
        import multiprocessing

        self.urls = list(dict.fromkeys(urls))
        if len(self.urls) > FEW and "fork" in multiprocessing.get_all_start_methods():
            self.counter = multiprocessing.get_context("fork").Value("q", 0)
            self.start(_draw_forked, self.urls, _cache_file(name), self.counter)  # no process: codes() draws them all

    def finish(self, cached: dict[str, Any]) -> dict[str, str]:
        """Draw the chunks the process has not taken (skipping what `cached` holds), then add
        what the process drew; {address: code}."""
        if self.process is None:
            return {}
        drawn = _draw_chunks(self.urls, self.counter, cached)
        try:
            got = self.reader.recv()
        except (EOFError, OSError):  # the process ended without sending: codes() draws its part
            got = {}
        self.stop()
        if isinstance(got, dict):
            drawn.update({u: c for u, c in got.items() if isinstance(u, str) and _valid(c)})
        return drawn


def _draw_chunks(urls: list[str], counter: Any, cached: dict[str, Any]) -> dict[str, str]:
    """Draw chunk after chunk of urls, as the shared counter hands them out, until none is left."""
    drawn: dict[str, str] = {}
    while True:
        with counter.get_lock():
            start = counter.value
            counter.value = start + CHUNK
        if start >= len(urls):
            return drawn
        for url in urls[start:start + CHUNK]:
            if not _valid(cached.get(url)):
                drawn[url] = draw(url)


def _draw_forked(urls: list[str], path: Path, counter: Any, writer: Any, reader: Any) -> None:
    # Its own copy of the read end closed: when the build is gone, send() meets a closed pipe
    # and this process ends, rather than waiting for ever.
    reader.close()
    writer.send(_draw_chunks(urls, counter, _read_cache(path)))


def codes(urls: list[str], name: str = "site", keep: list[str] | None = None, drawing: Drawing | None = None) -> dict[str, Markup]:
    """Each address's QR code as SVG markup: drawn here (or checked to be what draw() makes), so safe.

    `name` names the cache (one per county site); it keeps only these addresses and those
    of `keep` (pages whose code a warm build took with the page, pages/memo.py), so it does
    not grow with every record ever renamed, nor shrink to the few pages a warm build made.
    A build that needs a few codes (FEW) draws them and leaves the cache as it is: reading
    it (20 MB of SVG at 10,000 records) costs as much as drawing a hundred.

    `drawing`: the process started on these addresses (Drawing); it is finished or stopped here."""
    wanted = list(dict.fromkeys(urls))
    if len(wanted) <= FEW:
        if drawing is not None:
            drawing.stop()
        drawn = {u: draw(u) for u in wanted}
        return {u: Markup(drawn[u]) for u in urls}
    path = _cache_file(name)
    cached = _read_cache(path)
    fresh = drawing.finish(cached) if drawing is not None else {}
    cached.update(fresh)
    missing = [u for u in wanted if not _valid(cached.get(u))]
    for url in missing:
        cached[url] = draw(url)
    asked = set(wanted)
    also = [u for u in dict.fromkeys(keep or []) if u not in asked and _valid(cached.get(u))]
    if missing or fresh or len(cached) != len(wanted) + len(also):
        cached = {u: cached[u] for u in [*wanted, *also]}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            # Level 1: at 10,000 records the codes are 20 MB of SVG, and gzip's default (9) took
            # 3.6 s for each new record's code (0.1 s at level 1, for a file of 3 MB, not 1).
            tmp.write_bytes(gzip.compress(json.dumps(cached, ensure_ascii=True).encode("ascii"), compresslevel=1, mtime=0))
            tmp.replace(path)
        except OSError:
            pass  # no cache folder: the next build draws the codes again
    return {u: Markup(cached[u]) for u in urls}
