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
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import zlib
from pathlib import Path

import segno
from markupsafe import Markup

from . import store

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


def codes(urls: list[str], name: str = "site", keep: list[str] | None = None) -> dict[str, Markup]:
    """Each address's QR code as SVG markup: drawn here (or checked to be what draw() makes), so safe.

    `name` names the cache (one per county site); it keeps only these addresses and those
    of `keep` (pages whose code a warm build took with the page, pages/memo.py), so it does
    not grow with every record ever renamed, nor shrink to the few pages a warm build made.
    A build that needs a few codes (FEW) draws them and leaves the cache as it is: reading
    it (20 MB of SVG at 10,000 records) costs as much as drawing a hundred."""
    wanted = list(dict.fromkeys(urls))
    if len(wanted) <= FEW:
        drawn = {u: draw(u) for u in wanted}
        return {u: Markup(drawn[u]) for u in urls}
    path = _cache_file(name)
    try:
        cached = json.loads(gzip.decompress(store.read_file(path)))
        if not isinstance(cached, dict):
            cached = {}
    except (OSError, ValueError, EOFError, zlib.error):  # a damaged gzip stream raises zlib.error
        cached = {}
    missing = [u for u in wanted if not (isinstance(cached.get(u), str) and _SHAPE.fullmatch(cached[u]))]
    for url in missing:
        cached[url] = draw(url)
    asked = set(wanted)
    also = [u for u in dict.fromkeys(keep or []) if u not in asked and isinstance(cached.get(u), str) and _SHAPE.fullmatch(cached[u])]
    if missing or len(cached) != len(wanted) + len(also):
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
