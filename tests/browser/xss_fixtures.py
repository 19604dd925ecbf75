"""A tiny county whose records carry cross-site scripting payloads in every place a unit
writes text, built into a site and served on localhost (for test_xss.py).

The validator reports every payload (unsafe-markup), which would stop `build.py`; here
those findings are expected, and the records are published anyway, because the point is
the second line of defence: the pages themselves must neither run nor show the markup.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from tinyrepo import BUREAU, FIXTURES, MAIN, make_repo, pdf, serve

from gongkai import indexno
from gongkai.load import Project, load
from gongkai.site import build_county
from gongkai.validate import validate


def _lines(name: str) -> list[str]:
    text = (FIXTURES / "xss" / name).read_text("utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


PAYLOADS = _lines("payloads.txt")
INERT = _lines("inert.txt")

CATALOGUE = """\
category: government
name: 政务公开
items:
  - id: notice
    name: 通知公告
    period: none
    schema:
      type: object
      properties:
        contact: {title: 联系人, type: string}
        note: {title: 说明, type: string}
        rows:
          title: 明细表
          type: array
          items:
            type: object
            properties:
              name: {title: 名称, type: string}
              amount: {title: 金额, type: number, x-unit: 元, x-sum: true}
        steps:
          title: 办理流程
          type: array
          x-display: flowchart
          items:
            type: object
            properties:
              "no": {title: 序号, type: integer}
              name: {title: 环节, type: string}
              actor: {title: 承办岗位, type: string}
"""

# Where each payload goes in a record, as the validator names the field.
PLACEMENTS = [
    "title",
    "keywords[0]",
    "attachments[0].title",
    "contact",
    "note",
    "rows[0].name",
    "steps[0].name",
    "steps[0].actor",
    "body",
]


def record_text(title: str, text: str) -> str:
    """A record with `text` in every placement (the title starts with `title`)."""
    meta = {
        "catalogue": "notice",
        "title": f"{title} {text}",
        "published": "2014-01-08",
        "keywords": [text, "测试"],
        "attachments": [{"file": "minutes.pdf", "title": text}],
        "contact": text,
        "note": f"说明第一行\n{text}\n",
        "rows": [{"name": text, "amount": 1}, {"name": "办公费", "amount": 2}],
        "steps": [{"no": 1, "name": text, "actor": text}, {"no": 2, "name": "审查", "actor": "股长"}],
    }
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n{text}\n"


@dataclass
class XssSite:
    """The payload county: its project (with findings), built site, and what is where."""

    project: Project
    site: Path
    payload_ids: dict[str, str]  # record id -> payload
    inert_ids: dict[str, str]
    reference_id: str  # a record with plain text in every placement


@pytest.fixture(scope="session")
def xss_site(tmp_path_factory) -> XssSite:
    """Build the payload county once for the session (search index included)."""
    repo = make_repo(tmp_path_factory.mktemp("xss") / "repo")
    shutil.copy(MAIN / "mkdocs.yml", repo.root / "mkdocs.yml")
    shutil.copytree(MAIN / "theme", repo.root / "theme")
    repo.write("catalogues/government.yml", CATALOGUE)
    repo.write(f"{BUREAU}/minutes.pdf", pdf([["Minutes"]]))  # a PDF must open (validate)
    payload_ids = {f"payload-{i:02d}": p for i, p in enumerate(PAYLOADS, start=1)}
    inert_ids = {f"inert-{i:02d}": p for i, p in enumerate(INERT, start=1)}
    for rid, text in {**payload_ids, **inert_ids}.items():
        repo.record(f"{rid}.md", record_text(f"载荷{rid[-2:]}", text), BUREAU)
    repo.record("reference.md", record_text("普通记录", "普通文字"), BUREAU)
    project = load(repo.root)
    validate(project)
    for r in project.records:
        r.valid = r.item is not None and all(f.code == "unsafe-markup" for f in project.findings.for_file(r.path))
    indexno.assign(project, {})
    site = tmp_path_factory.mktemp("xss-site")
    build_county(project, project.counties["demo"], site)
    return XssSite(project, site / "demo", payload_ids, inert_ids, "reference")


@pytest.fixture(scope="session")
def xss_server(xss_site) -> str:
    """The payload county on a free localhost port; yields its base URL."""
    with serve(xss_site.site) as url:
        yield url
