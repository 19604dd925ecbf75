"""Whether an address in a record's body would make the reader's browser reach another host.

Judged as a browser reads an address (the WHATWG URL standard), not as it is written: the
C0 control characters and spaces at either end are dropped, tabs and line breaks anywhere
are removed, and in an http(s) page a backslash is a slash. So `/\\evil.example/a.png`,
`\\\\evil.example/a.png`, ` //evil.example/a.png` and `&#9;//evil.example/a.png` all load
from evil.example, although none starts with `http:` or `//` as written.
"""

from __future__ import annotations

import re

_ENDS = "".join(chr(c) for c in range(0x21))  # C0 controls and the space
_INSIDE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:")


def as_browser_reads(url: str) -> str:
    """The address as a browser parses it in an http(s) page (lower case)."""
    return _INSIDE.sub("", url.strip(_ENDS)).replace("\\", "/").lower()


def leaves_site(url: str) -> bool:
    """True when the address names another host or a scheme of its own (`https:`, `//host`,
    `ftp:` …); False for a path inside the site and for inline `data:` images."""
    u = as_browser_reads(url)
    if u.startswith("//"):
        return True
    return bool(_SCHEME.match(u)) and not u.startswith("data:")
