"""The commit messages a change brings: checked like content, because git keeps them forever.

A commit message is read by inspectors in `diff`, in the feed's metadata and on the forge,
and once merged it cannot be taken back without rewriting history. So `check --base` reads
every commit the change adds (base..HEAD) and reports personal numbers (pii.find) and
markup that could run script (validate.markup_in) in its subject and body, at the line of
the message where they stand, never echoing the number itself.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from . import pii
from .findings import Findings
from .validate import markup_in

HINT = (
    "提交说明会永久留在修订历史中。请改写这个提交的说明：最近一个提交用 git commit --amend，"
    "更早的用 git rebase -i {base}；然后 git push --force-with-lease 更新本分支。"
)


def new_commits(root: Path, base: str) -> list[tuple[str, str]] | None:
    """(sha, full message) of every commit reachable from HEAD and not from base, oldest first."""
    try:
        out = subprocess.run(
            # Merge commits too: their message is kept as long as any other (and heads main's
            # first-parent history when a branch is fast-forwarded).
            ["git", "-C", str(root), "log", "--reverse", "--format=%x1e%H%x1f%B", f"{base}..HEAD", "--"],
            capture_output=True, text=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    commits = []
    for chunk in out.split("\x1e")[1:]:
        sha, _, message = chunk.partition("\x1f")
        commits.append((sha, message.rstrip("\n")))
    return commits


# A commit id in a message ("Merge 3f2a… into …", "This reverts commit …") is hex, and a run of
# its digits can look like a mobile number: ids are blanked out, character for character,
# before the scan. A hex word is an id when it is long (20 characters or more: no personal
# number with a few letters glued on) or names an object of the repository; else
# "13812345678abc" would hide a mobile number.
_COMMIT_ID = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,64}\b")


def _known_ids(root: Path, words: set[str]) -> set[str]:
    """The words that name an object of the repository (or could: an ambiguous short id)."""
    short = sorted(w for w in words if len(w) < 20)
    known = words - set(short)
    if not short:
        return known
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "cat-file", "--batch-check=%(objectname)"],
            input="".join(f"{w}\n" for w in short), capture_output=True, text=True, check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return known
    return known | {w for w, answer in zip(short, out, strict=False) if not answer.endswith(" missing")}


def _without_commit_ids(text: str, root: Path | None = None) -> str:
    words = {m.group() for m in _COMMIT_ID.finditer(text)}
    ids = _known_ids(root, words) if root is not None and words else {w for w in words if len(w) >= 20}
    return _COMMIT_ID.sub(lambda m: " " * len(m.group()) if m.group() in ids else m.group(), text)


def where(sha: str) -> str:
    """How a finding names a commit (there is no file to point at)."""
    return f"提交 {sha[:10]}"


def check_messages(root: Path, base: str) -> Findings:
    """One finding per personal number and per line of unsafe markup in the new commit messages."""
    findings = Findings()
    commits = new_commits(root, base)
    if commits is None:
        return findings  # an unknown base is reported once by the change checks
    for sha, message in commits:
        place = where(sha)
        for m in pii.find(_without_commit_ids(message, root)):
            line = message.count("\n", 0, m.start) + 1
            findings.add(
                pii.CODES[m.kind],
                place,
                f"提交说明中有未遮挡的{pii.KIND_ZH[m.kind]}（已隐去，应写作 {m.masked}）",
                line=line,
                field="提交说明",
                hint=HINT.format(base=base),
            )
        lines: dict[int, list[str]] = {}
        for m in markup_in(message):
            lines.setdefault(m.line, []).append(m.what)
        for line, whats in sorted(lines.items()):
            findings.add(
                "unsafe-markup",
                place,
                f"提交说明中含有网页代码：{'、'.join(whats)}",
                line=line,
                field="提交说明",
                hint=HINT.format(base=base),
            )
    return findings
