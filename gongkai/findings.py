"""Findings: every problem the build sees, as a value with a place.

A finding carries a stable code, a severity, the file, line and column, the field path,
a message a county clerk understands (Chinese) and a hint how to fix it. Nothing here
raises: callers collect findings and decide at the end.
"""

from __future__ import annotations

import dataclasses
import json
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

SEVERITY_ZH = {ERROR: "错误", WARNING: "提醒"}


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place."""

    file: str
    line: int
    column: int
    code: str
    severity: str
    field: str
    message: str
    hint: str = ""
    # The field as the form editor and the site label it (发放对象·第1行·身份证号码), when
    # the catalogue names it; `field` keeps the key path a YAML editor sees.
    label: str = ""

    @property
    def is_error(self) -> bool:
        """True when the finding blocks publishing."""
        return self.severity == ERROR


def field_text(f: Finding) -> str:
    """How a finding names its field: 「label」（key path）, or 「key path」 when nothing labels it."""
    if not f.field or f"（{f.field}）" in f.message:
        return ""  # the message names it already (the schema's 「发布日期（published）」…)
    if f.label and f.label != f.field:
        return f"「{f.label}」（{f.field}）"
    return f"「{f.field}」"


class Findings(list):
    """A list of findings with the helpers every stage needs."""

    def add(
        self,
        code: str,
        file: str,
        message: str,
        *,
        line: int = 0,
        column: int = 0,
        field: str = "",
        hint: str = "",
        severity: str = ERROR,
    ) -> Finding:
        """Record one finding and return it.

        A message, hint or place that quotes what a record holds (a value that breaks a pattern, a
        duplicate, a title) is masked as pii.fix would mask the record: findings are printed
        in the public logs of a pull request's checks, and a number a clerk must not publish
        must not be published there either."""
        f = Finding(file, line, column, code, severity, _masked(field), _masked(message), _masked(hint))
        self.append(f)
        return f

    @property
    def errors(self) -> list[Finding]:
        """The findings that block publishing."""
        return [f for f in self if f.is_error]

    def for_file(self, file: str) -> list[Finding]:
        """The findings about one file."""
        return [f for f in self if f.file == file]


def _masked(text: str) -> str:
    from .pii import mask_text  # pii reports its findings through this module

    return mask_text(text) if text else text


# Finding's own order (its fields in turn), as one tuple per finding: the dataclass's __lt__
# builds two tuples per comparison (a quarter of a second for 66,000 findings).
_ORDER = operator.attrgetter(*(f.name for f in dataclasses.fields(Finding)))


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """The findings in their reports' order: by file, line, column, code and the rest."""
    return sorted(findings, key=_ORDER)


def _location(f: Finding) -> str:
    if f.line:
        return f"第{f.line}行" + (f"第{f.column}列" if f.column else "")
    return ""


def render_terminal(findings: Iterable[Finding], *, per_file: int = 20) -> str:
    """Findings grouped by file, long lists capped, with a count at the end."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.file].append(f)
    out: list[str] = []
    for file in sorted(by_file):
        items = sorted(by_file[file], key=lambda f: (f.line, f.column, f.code))
        out.append(file)
        for f in items[:per_file]:
            where = _location(f)
            out.append(f"  {where:<10} {SEVERITY_ZH[f.severity]} [{f.code}] {field_text(f)}{f.message}")
            if f.hint:
                out.append(f"  {'':<10} 提示：{f.hint}")
        if len(items) > per_file:
            out.append(f"  …… 另有 {len(items) - per_file} 条")
        out.append("")
    all_items = [f for group in by_file.values() for f in group]
    n_err = sum(f.is_error for f in all_items)
    n_warn = len(all_items) - n_err
    if all_items:
        out.append(f"共 {len(by_file)} 个文件有问题：{n_err} 个错误，{n_warn} 个提醒。")
    else:
        out.append("检查通过，没有发现问题。")
    return "\n".join(out)


def render_json(findings: Iterable[Finding]) -> str:
    """Findings as a JSON list, one object a line, for tools (and for grep and diff)."""
    # vars(), not asdict(): the fields are text and numbers, and asdict's deep copy of each
    # of 60,000 findings took seconds. One dumps per finding without indent: only then does
    # json use its C encoder (indent=2 ran the Python one: 2.3 s for 66,000 findings).
    # One encoder for all: json.dumps with an option makes a new one per call.
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = [encode(vars(f)) for f in ordered(findings)]
    return "[\n" + ",\n".join(lines) + "\n]" if lines else "[]"


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_escape(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Iterable[Finding]) -> str:
    """Findings as GitHub workflow commands, so they show on the pull request's diff."""
    lines = []
    for f in ordered(findings):
        kind = "error" if f.is_error else "warning"
        props = [f"file={_gh_prop(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={_gh_prop(f.code)}")
        text = field_text(f) + f.message
        if f.hint:
            text += f"\n提示：{f.hint}"
        lines.append(f"::{kind} {','.join(props)}::{_gh_escape(text)}")
    return "\n".join(lines)


RENDERERS = {"terminal": render_terminal, "json": render_json, "github": render_github}
