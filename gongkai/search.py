"""Pagefind over a built county site.

Pagefind's extended build segments Chinese at index time and loads the index in small
chunks, so a reader's first result does not wait for the whole index (Material's own
search made every reader download tens of MB). Only record pages carry
data-pagefind-body, so results are disclosures, not index pages.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class SearchIndexError(RuntimeError):
    """Pagefind failed; the message carries its output."""


def index(site: Path) -> None:
    """Write site/pagefind/ (index and UI) for one built site."""
    proc = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--quiet"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SearchIndexError(proc.stdout + proc.stderr)
