"""A tiny repository built in a temporary folder, and helpers to put records in it.

The catalogues here are written for the tests (small, and stable while the real ones
change); only catalogues/_record.yml is the real one, because every record obeys it.
Test modules import from here (not from conftest: tests/browser has a conftest too).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gongkai import check
from gongkai.findings import Finding
from gongkai.load import Project

MAIN = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RECORDS = FIXTURES / "records"

SITE_YML = """\
title: 示范市党务政务公开平台
city: 示范市
"""

COUNTY_YML = """\
name: 示范县
code: "411099"
units:
  - id: cun
    name: 示范村村民委员会
    level: village
    code: "54411099MF0000101X"
    categories: [village]
  - id: ju
    name: 示范县国土资源局
    level: county
    code: "005799001"
    categories: [government]
"""

VILLAGE_YML = """\
category: village
name: 村务公开
items:
  - id: finance-ledger
    name: 村级财务收支公开
    period: month
    deadline_days: 10
    applies_to: [village]
    schema:
      type: object
      required: [opening_balance, income, income_total, expense, expense_total, closing_balance]
      properties:
        opening_balance: {title: 期初余额, type: number, x-unit: 元}
        income:
          title: 收入明细
          type: array
          items:
            type: object
            required: [subject, amount]
            additionalProperties: false
            properties:
              subject: {title: 收入项目, type: string, minLength: 2}
              amount: {title: 金额, type: number, minimum: 0, x-unit: 元, x-sum: true}
        income_total: {title: 收入合计, type: number, minimum: 0, x-unit: 元}
        expense:
          title: 支出明细
          type: array
          items:
            type: object
            required: [subject, amount]
            additionalProperties: false
            properties:
              subject: {title: 支出项目, type: string, minLength: 2}
              amount: {title: 金额, type: number, minimum: 0, x-unit: 元, x-sum: true}
        expense_total: {title: 支出合计, type: number, minimum: 0, x-unit: 元}
        closing_balance: {title: 期末余额, type: number, x-unit: 元}
        bookkeeper: {title: 村报账员, type: string}
    checks: [ledger_balances]

  - id: subsidy-list
    name: 惠农补贴发放名单
    period: year
    deadline_days: 60
    applies_to: [village]
    schema:
      type: object
      required: [recipients, total_amount]
      properties:
        recipients:
          title: 发放名单
          type: array
          items:
            type: object
            required: [name, amount]
            additionalProperties: false
            properties:
              name: {title: 姓名, type: string}
              amount: {title: 金额, type: number, minimum: 0, x-unit: 元, x-sum: true}
        total_amount: {title: 发放总额, type: number, minimum: 0, x-unit: 元}
        total_count: {title: 总人数, type: integer, minimum: 0, x-unit: 人}
    checks: [list_total]

  - id: notice
    name: 村务公告
    period: none
    schema:
      type: object
      properties:
        code: {title: 编码, type: string}
        vote: {title: 表决意见, enum: ["yes", "no", "abstain"]}
        contact: {title: 联系人, type: string}
"""

GOVERNMENT_YML = """\
category: government
name: 政务公开
items:
  - id: notice
    name: 通知公告
    period: none
    applies_to: [county]
    schema:
      type: object
      properties:
        contact: {title: 联系人, type: string}

  - id: power
    name: 行政权力运行流程
    period: none
    schema:
      type: object
      required: [steps]
      properties:
        steps:
          title: 权力运行流程
          type: array
          minItems: 2
          x-display: flowchart
          items:
            type: object
            required: ["no", name]
            additionalProperties: false
            properties:
              "no": {title: 序号, type: integer, minimum: 1}
              name: {title: 环节, type: string}
              actor: {title: 承办岗位, type: string}
              next: {title: 下一环节, type: array, items: {type: integer}}
    checks: [steps_numbered]

  - id: interaction
    name: 互动交流
    period: none
    schema:
      type: object
      required: [asked, replied]
      properties:
        asked: {title: 提问日期, type: string, format: date}
        replied: {title: 答复日期, type: string, format: date}
    checks: [dates_in_order]
"""

# Where the village committee's and the county bureau's records live.
VILLAGE = "content/village/demo/cun"
BUREAU = "content/government/demo/ju"

BALANCED_LEDGER = """\
---
catalogue: finance-ledger
title: 示范村2013年12月财务收支公开
published: 2014-01-08
period: 2013-12
opening_balance: 12000.00
income:
  - {subject: 上级转移支付, amount: 5000.00}
  - {subject: 集体土地承包费, amount: 1200.50}
income_total: 6200.50
expense:
  - {subject: 村干部误工补贴, amount: 3000.00}
  - {subject: 办公费, amount: 199.99}
expense_total: 3199.99
closing_balance: 15000.51
---
本月收支已经民主理财小组审核。
"""


def notice(title: str = "关于召开村民代表会议的通知", published: str = "2014-01-08", extra: str = "") -> str:
    """A small valid notice record (village or government), with extra front matter lines."""
    return f"---\ncatalogue: notice\ntitle: {title}\npublished: {published}\n{extra}---\n正文。\n"


def pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages carry these lines as text (Helvetica: digits and ASCII only)."""
    n = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {n} >>"]
    for i, lines in enumerate(pages):
        stream = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {3 + 2 * n} 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def is_chinese(text: str) -> bool:
    """A message written for a county clerk: it has Chinese in it."""
    return bool(re.search(r"[\u4e00-\u9fff]", text))


@dataclass
class Repo:
    """A repository in tmp_path: write files into it, then check it."""

    root: Path

    def write(self, relpath: str, content: str | bytes) -> Path:
        """Write a file (text as UTF-8, bytes as they are) under the repository."""
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def record(self, name: str, content: str | bytes, folder: str = VILLAGE) -> str:
        """Write one record file into a unit folder; return its path as findings show it."""
        self.write(f"{folder}/{name}", content)
        return f"{folder}/{name}"

    def fixture(self, fixture: str, folder: str = VILLAGE) -> str:
        """Copy tests/fixtures/records/<fixture> in as a record (underscores become hyphens)."""
        name = fixture.replace("_", "-")
        return self.record(name, (RECORDS / fixture).read_bytes(), folder)

    def check(self) -> Project:
        """Load and validate the repository, as `build.py check` does."""
        return check(self.root)

    def findings(self, file: str | None = None) -> list[Finding]:
        """The findings of a fresh check, only those about `file` when given."""
        found = self.check().findings
        return [f for f in found if file is None or f.file == file]


def buildable(repo: Repo) -> Repo:
    """The repository with the real mkdocs.yml and theme, so that sites can be built from it."""
    for name in ("mkdocs.yml", "theme"):
        src = MAIN / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, repo.root / name)
    return repo


def make_repo(root: Path) -> Repo:
    """A valid repository with one county, two units, two catalogues and no records."""
    r = Repo(root)
    r.write("content/site.yml", SITE_YML)
    r.write("content/counties/demo.yml", COUNTY_YML)
    r.write("catalogues/village.yml", VILLAGE_YML)
    r.write("catalogues/government.yml", GOVERNMENT_YML)
    shutil.copy(MAIN / "catalogues" / "_record.yml", r.root / "catalogues" / "_record.yml")
    return r


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A built site on a free localhost port, for as long as the block runs; its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
