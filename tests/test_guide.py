"""docs/填报指南.md and README.md: every example in them works (records pass check, commands run)."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from test_indexno import git
from tinyrepo import MAIN

from gongkai import check
from gongkai.changes import check_against
from gongkai.cli import parser
from gongkai.load import load
from gongkai.scaffold import scaffold

GUIDE = (MAIN / "docs" / "填报指南.md").read_text("utf-8")
README = (MAIN / "README.md").read_text("utf-8")
BLOCK = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.M | re.S)


def blocks(text: str, language: str) -> list[str]:
    """The fenced examples of one language, unindented."""
    out = []
    for indent, lang, body in BLOCK.findall(text):
        if lang == language:
            out.append("".join(line[len(indent):] + "\n" for line in body.splitlines()))
    return out


def test_every_example_block_says_what_it_is():
    assert all(lang for _, lang, _ in BLOCK.findall(GUIDE)), "an untagged block would escape these tests"
    assert {lang for _, lang, _ in BLOCK.findall(GUIDE)} <= {"markdown", "yaml", "sh", "text"}


@pytest.fixture
def village(repo):
    shutil.copy(MAIN / "catalogues" / "village.yml", repo.root / "catalogues" / "village.yml")
    return repo


def errors(repo) -> list[str]:
    return [f"{f.file}:{f.line} {f.code} {f.message}" for f in check(repo.root).findings if f.is_error]


def test_every_record_example_passes_check(village):
    records = blocks(GUIDE, "markdown")
    assert records and all(r.startswith("---\n") for r in records)
    for n, text in enumerate(records):
        village.record(f"example-{n}.md", text)
    assert errors(village) == []


def with_front_matter(record: str, fragment: str) -> str:
    head, body = record[4:].split("\n---\n", 1)
    return f"---\n{head}\n{fragment.rstrip()}\n---\n{body}"


def test_every_correction_example_passes_check_base(village):
    ledger = blocks(GUIDE, "markdown")[0]
    village.record("ledger.md", ledger)
    git(village.root, "init", "-q", "-b", "main")
    git(village.root, "add", "-A")
    git(village.root, "commit", "-q", "-m", "公开")
    fragments = blocks(GUIDE, "yaml")
    assert [f.split(":")[0] for f in fragments] == ["changes", "withdrawn", "removed"]
    corrected = ledger.replace("opening_balance: 12000.00", "opening_balance: 12100.00").replace(
        "closing_balance: 16200.00", "closing_balance: 16300.00"
    )
    # Without the note the correction is refused; with the guide's note it passes.
    village.record("ledger.md", corrected)
    assert [f.code for f in check_against(check(village.root), "main")] == ["history-change-note-missing"]
    for fragment in fragments:
        village.record("ledger.md", with_front_matter(corrected if fragment.startswith("changes") else ledger, fragment))
        project = check(village.root)
        assert errors(village) == [] and list(check_against(project, "main")) == [], fragment


def commands(text: str) -> list[list[str]]:
    """Every `python build.py …` command in a text's sh blocks and inline code."""
    found = [line for block in blocks(text, "sh") for line in block.splitlines()]
    found += re.findall(r"`(python build\.py [^`]*)`", text)
    out = []
    for line in found:
        line = line.split("#", 1)[0].strip()
        if line.startswith("python build.py"):
            out.append(shlex.split(line)[2:])
    return out


@pytest.mark.parametrize("text", [GUIDE, README], ids=["guide", "readme"])
def test_every_command_in_the_docs_is_one_the_tool_accepts(text, capsys):
    found = commands(text)
    assert found
    for argv in found:
        try:
            parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"build.py rejects: {' '.join(argv)}\n{capsys.readouterr().err}")


def test_the_guides_new_and_check_commands_name_real_units_and_items():
    project = load(MAIN)
    for argv in commands(GUIDE):
        args = parser().parse_args(argv)
        if args.command == "new":
            made = scaffold(project, args.unit, args.item, args.period)
            assert made.path.startswith(f"content/village/{args.unit}/")
        if args.command == "check" and args.unit:
            county, unit = args.unit[0].split("/")
            assert unit in project.counties[county].units
