"""What git knows about the content: when each record first landed.

The whole history is read in one `git log` pass (one process, streamed), never one
command per file, so a county with thousands of records stays fast.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def first_landed(root: Path) -> dict[str, int]:
    """Repository path -> commit time (epoch seconds) of the commit that added it.

    Empty when the folder is not a git checkout (a tarball build): callers then fall back
    to the publication date, which is stable as long as nothing is back-dated.
    """
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "-c", "core.quotepath=off", "log", "--reverse", "--diff-filter=A", "--no-renames",
             "--name-only", "--format=%x00%ct", "--", "content"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return {}
    out: dict[str, int] = {}
    when = 0
    for line in proc.stdout.splitlines():
        if line.startswith("\x00"):
            when = int(line[1:] or 0)
        elif line and line not in out:
            out[line] = when
    return out
