"""What the forge's workflows ask of the repository, one command each (.github/workflows/).

GitHub Actions and Gitea/Forgejo Actions run the same workflow files; this module keeps
what they need out of shell snippets so that the tests can run it: the list of counties
for the publishing matrix, the counties a change touches (for the preview), and the one
pull-request comment that carries the reviewer's summary, found again by a hidden marker
and updated on each push. Both forges serve the same REST shape for issue comments
(`/repos/{owner}/{repo}/issues/{n}/comments`, `/repos/{owner}/{repo}/issues/comments/{id}`).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .changes import SUMMARY_MARKER
from .owners import changed_files

# What a forge accepts in one comment (GitHub: 65,536 characters); the job summary keeps it all.
MAX_COMMENT = 60_000
# Files every county site is built from: a change to any of them touches every county.
SHARED_PREFIXES = ("catalogues/", "content/site.yml", "theme/", "mkdocs.yml", "gongkai/", "build.py", "requirements")


class ForgeError(Exception):
    """The forge's API refused or could not be reached; the message says so in Chinese."""


def county_ids(root: Path) -> list[str]:
    """The counties in content/counties/, one per file, sorted: the publishing matrix."""
    folder = root / "content" / "counties"
    if not folder.is_dir():
        return []
    return sorted({p.stem for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file()})


def touched_counties(root: Path, base: str) -> list[str] | None:
    """The counties whose sites a change since `base` alters (all of them for shared files); None: unknown base."""
    paths = changed_files(root, base)
    if paths is None:
        return None
    every = county_ids(root)
    touched: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if path.startswith(SHARED_PREFIXES):
            return every
        if parts[0] == "content" and len(parts) >= 3 and parts[1] == "counties":
            touched.add(parts[2].rsplit(".", 1)[0])
        elif parts[0] == "content" and len(parts) >= 4:
            touched.add(parts[2])
    return [c for c in every if c in touched]


def fit(body: str, note: str = "\n\n……摘要过长，其余部分见本次检查的作业摘要（Job summary）。\n") -> str:
    """The summary cut to what one comment may hold, saying where the rest is."""
    if len(body) <= MAX_COMMENT:
        return body
    cut = body.rfind("\n", 0, MAX_COMMENT - len(note))
    return body[: cut if cut > 0 else MAX_COMMENT - len(note)] + note


def _call(method: str, url: str, token: str, data: dict[str, Any] | None = None) -> Any:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"token {token}")
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        raise ForgeError(f"代码托管平台拒绝了请求（{method} {url}：HTTP {exc.code}）；请检查工作流的权限（pull-requests: write）") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ForgeError(f"无法连接代码托管平台（{url}：{exc}）") from None
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        raise ForgeError(f"代码托管平台的回复不是 JSON（{method} {url}）：GITHUB_API_URL 是否指向其 API 地址？") from None


def post_summary(api: str, repository: str, number: int, token: str, body: str) -> str:
    """Create the pull request's summary comment, or update the one already there; 'created' or 'updated'."""
    api = api.rstrip("/")
    body = fit(body if SUMMARY_MARKER in body else f"{SUMMARY_MARKER}\n{body}")
    comments = f"{api}/repos/{repository}/issues/{number}/comments"
    page = 1
    while True:
        # GitHub pages with per_page, Gitea and Forgejo with limit; each ignores the other's.
        batch = _call("GET", f"{comments}?per_page=50&limit=50&page={page}", token) or []
        for comment in batch:
            if SUMMARY_MARKER in (comment.get("body") or ""):
                _call("PATCH", f"{api}/repos/{repository}/issues/comments/{comment['id']}", token, {"body": body})
                return "updated"
        if len(batch) < 50:
            break
        page += 1
    _call("POST", comments, token, {"body": body})
    return "created"


def post_summary_from_env(body_file: Path, number: int, api: str | None = None, repository: str | None = None) -> str:
    """post_summary with the API address and repository given (else the job's environment) and the token from GITHUB_TOKEN."""
    api = api or os.environ.get("GITHUB_API_URL") or ""
    repository = repository or os.environ.get("GITHUB_REPOSITORY") or ""
    token = os.environ.get("GITHUB_TOKEN") or ""
    missing = [name for name, value in (("GITHUB_API_URL", api), ("GITHUB_REPOSITORY", repository), ("GITHUB_TOKEN", token)) if not value]
    if missing:
        raise ForgeError("缺少环境变量：" + "、".join(missing) + "（在工作流中由代码托管平台提供，GITHUB_TOKEN 需在 env 中传入）")
    return post_summary(api, repository, number, token, body_file.read_text(encoding="utf-8"))
