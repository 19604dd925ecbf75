"""The command line: `python build.py check` exit codes and output formats."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tinyrepo import BALANCED_LEDGER, MAIN

from gongkai.cli import main


def run_build(*args: str) -> subprocess.CompletedProcess:
    """`python build.py ...` in a fresh interpreter, as CI runs it."""
    return subprocess.run([sys.executable, str(MAIN / "build.py"), *args], capture_output=True, text=True, cwd=MAIN)


def test_clean_content_exits_0(repo, capsys):
    repo.record("2013-12-ledger.md", BALANCED_LEDGER)
    assert main(["--root", str(repo.root), "check"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "检查通过，没有发现问题。"
    assert captured.err.strip() == "共 1 条记录。"


def test_errors_exit_1_and_are_listed_by_file(repo, capsys):
    path = repo.record("2013-12-ledger.md", BALANCED_LEDGER.replace("15000.51", "15000.50"))
    assert main(["--root", str(repo.root), "check"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == path
    assert "[check-ledger-balances]" in out


def test_warnings_pass_unless_strict(repo, capsys):
    repo.fixture("record_published_late.md")
    assert main(["--root", str(repo.root), "check"]) == 0
    assert main(["--root", str(repo.root), "check", "--strict"]) == 1


def test_json_output_parses(repo, capsys):
    path = repo.fixture("record_with_bad_date.md")
    assert main(["--root", str(repo.root), "check", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [(f["file"], f["line"], f["code"], f["field"]) for f in found] == [(path, 4, "record-format", "published")]


def test_github_output(repo, capsys):
    path = repo.fixture("record_with_bad_date.md")
    assert main(["--root", str(repo.root), "check", "--format", "github"]) == 1
    assert capsys.readouterr().out.startswith(f"::error file={path},line=4,col=1,title=record-format::")


def test_build_py_check_with_errors_exits_1(repo):
    repo.fixture("record_with_unbalanced_ledger.md")
    result = run_build("--root", str(repo.root), "check", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert [f["code"] for f in json.loads(result.stdout)] == ["check-ledger-balances"]


@pytest.mark.parametrize("good", [True, False])
def test_build_py_check_accepts_root_after_the_command(repo, good):
    repo.record("2013-12-ledger.md", BALANCED_LEDGER if good else BALANCED_LEDGER.replace("15000.51", "0"))
    result = run_build("check", "--root", str(repo.root))
    assert result.returncode == (0 if good else 1), result.stderr


def test_bundled_content_passes_check():
    result = run_build("--root", str(MAIN), "check", "--format", "json")
    assert result.returncode == 0, result.stdout[:3000]
    assert [f for f in json.loads(result.stdout or "[]") if f["severity"] == "error"] == []


def _latin_words(text: str) -> list[str]:
    """English words of three or more letters in a help text, less option names, metavars and ids."""
    import re

    text = re.sub(r"(?<![\w-])--?[\w-]+|\{[^}]*\}|\$\w+|https?://\S+|[\w.-]+/[\w./<>-]+|\[[^\]]*\]", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if not w.isupper()]


def test_help_of_every_command_is_chinese():
    """Clerks and inspectors run these commands: their help, argparse's own words included, is Chinese."""
    from gongkai.cli import parser

    p = parser()
    commands = p._subparsers._group_actions[0].choices  # the registered commands
    allowed = {"build", "check", "fix", "verify", "codeowners", "diff", "deadlines", "counties", "preview", "portal",
               "comment", "new", "query", "stats", "inspect", "serve", "edit", "markdown", "json", "output", "decap",
               "server", "Gongkai", "usage", "origin", "main", "HEAD", "finance", "ledger", "xiangcheng", "liuzhuang",
               "dongguan", "xuchangxian", "steps", "risk", "period", "category", "government", "power", "item", "county",
               "github", "terminal", "table", "csv", "html", "text", "site", "api", "example", "CODEOWNERS",
               "owners", "http"}
    texts = {"build.py": p.format_help()} | {name: sub.format_help() for name, sub in commands.items()}
    for name, text in texts.items():
        english = [w for w in _latin_words(text) if w not in allowed]
        assert not english, f"{name}: English words in help: {english}"
        assert "用法：" in text and "usage:" not in text


def test_argparse_mistakes_are_chinese():
    result = run_build("check", "--format", "xml")
    assert result.returncode == 2
    assert "出错" in result.stderr and "不是可选的值" in result.stderr and "terminal" in result.stderr
    result = run_build("new")
    assert "缺少必需的参数" in result.stderr
    result = run_build("build", "--lock-timeout", "abc")
    assert "不是有效的数字" in result.stderr
