"""A pull request to a published site, on a scripted repository, through the workflows' own commands.

The steps are read from .github/workflows/ and run as the forge runs them (bash, the job's
env, a failed step skipping the steps after it unless they run `if: !cancelled()`), with a
small stand-in for the forge's comment API. Only the set-up steps (checkout, Python, pip,
artifacts) are left to the forge.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, BUREAU, MAIN, VILLAGE, buildable, make_repo, notice, serve

from gongkai import owners
from gongkai.changes import SUMMARY_MARKER

WORKFLOWS = MAIN / ".github" / "workflows"
ID_NUMBER = "11010519491231002X"

OWNED_COUNTY_YML = """\
name: 示范县
code: "411099"
units:
  - id: cun
    name: 示范村村民委员会
    level: village
    code: "54411099MF0000101X"
    categories: [village]
    owners: ["@cun-clerk"]
  - id: ju
    name: 示范县国土资源局
    level: county
    code: "005799001"
    categories: [government]
    owners: ["@ju-clerk"]
"""

OTHER_COUNTY_YML = """\
name: 邻县
code: "411098"
units:
  - id: ju
    name: 邻县国土资源局
    level: county
    code: "005799002"
    categories: [government]
"""


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    data["on"] = data.pop(True)
    return data


class FakeForge(http.server.BaseHTTPRequestHandler):
    """The issue-comment endpoints both GitHub and Gitea serve, kept in memory."""

    comments: list[dict] = []
    calls: list[tuple[str, str, str]] = []

    def _reply(self, status: int, data) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.calls.append(("GET", self.path, self.headers["Authorization"]))
        page = int(self.path.rsplit("page=", 1)[1])
        self._reply(200, self.comments[(page - 1) * 50 : page * 50])

    def do_POST(self):  # noqa: N802
        self.calls.append(("POST", self.path, self.headers["Authorization"]))
        comment = {"id": len(self.comments) + 1, "body": self._body()["body"]}
        self.comments.append(comment)
        self._reply(201, comment)

    def do_PATCH(self):  # noqa: N802
        self.calls.append(("PATCH", self.path, self.headers["Authorization"]))
        number = int(self.path.rsplit("/", 1)[1])
        self.comments[number - 1]["body"] = self._body()["body"]
        self._reply(200, self.comments[number - 1])

    def log_message(self, *args):
        pass


@contextmanager
def forge() -> Iterator[str]:
    """The fake forge's API address, with earlier comments from other people on the pull request."""
    FakeForge.comments = [{"id": i + 1, "body": f"评论 {i}"} for i in range(60)]  # two pages
    FakeForge.calls = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeForge)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def published(tmp_path):
    """main: two counties, owners, the office, the code; one ledger and one notice published."""
    repo = buildable(make_repo(tmp_path / "repo"))
    root = repo.root
    repo.write("content/counties/demo.yml", OWNED_COUNTY_YML)
    repo.write("content/counties/other.yml", OTHER_COUNTY_YML)
    repo.write("content/site.yml", (root / "content/site.yml").read_text("utf-8") + 'owners: ["@office"]\n')
    owners.write_codeowners(root)
    repo.record("ledger-2013-12.md", BALANCED_LEDGER)
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-06"), BUREAU)
    repo.record("o.md", notice("邻县的公告", "2014-01-06"), "content/government/other/ju")
    shutil.copy(MAIN / "build.py", root / "build.py")
    (root / "gongkai").symlink_to(MAIN / "gongkai")
    repo.write(".gitignore", "site/\nsite-preview/\nsummary.md\n__pycache__/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "公开办：初始内容")
    git(root, "checkout", "-q", "-b", "pr")
    return repo


def run_job(root: Path, job: dict, env: dict[str, str]) -> tuple[bool, list[tuple[str, subprocess.CompletedProcess | None]]]:
    """Run a job's `run` steps as the forge would; (job passed, [(command, result or None when skipped)])."""
    bin_dir = root.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    unset = [k for k, v in (job.get("env") or {}).items() if "${{" in str(v) and k not in env]
    assert not unset, f"the test must give what the forge would: {unset}"
    full_env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **(job.get("env") or {}), **env}
    failed = False
    results: list[tuple[str, subprocess.CompletedProcess | None]] = []
    for step in job["steps"]:
        run = step.get("run")
        if run is None or run.startswith("python -m pip install"):
            continue  # set-up the forge does (checkout, Python, artifacts)
        if failed and "cancelled()" not in str(step.get("if", "")):
            results.append((run, None))
            continue
        step_env = {**full_env, **{k: v for k, v in (step.get("env") or {}).items() if "${{" not in str(v)}}
        for k, v in (step.get("env") or {}).items():  # expressions the forge fills in: the test gives them
            if "${{" in str(v) and "secrets." not in str(v):
                assert k in env, f"the test must give what the forge would: {k}"
        result = subprocess.run(["bash", "-e", "-c", run], cwd=root, env=step_env, capture_output=True, text=True)
        results.append((run, result))
        if result.returncode and not step.get("continue-on-error"):
            failed = True
    return not failed, results


def pull_request(repo, author: str, api: str) -> tuple[bool, list, str]:
    """The pull-request workflow's job on the branch checked out; (passed, steps, job summary)."""
    job = workflow("pull-request.yml")["jobs"]["check"]
    summary = repo.root.parent / "step-summary.md"
    summary.write_text("")
    env = {
        "AUTHOR": author, "BASE": "main", "PR": "7", "RUN_URL": "https://forge.example/runs/1",
        "GITHUB_STEP_SUMMARY": str(summary), "API_URL": api, "REPOSITORY": "xuchang/gongkai",
        "GITHUB_TOKEN": "test-token",
    }
    passed, steps = run_job(repo.root, job, env)
    return passed, steps, summary.read_text("utf-8")


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


CORRECTED_LEDGER = BALANCED_LEDGER.replace("opening_balance: 12000.00", "opening_balance: 12100.00").replace(
    "closing_balance: 15000.51", "closing_balance: 15100.51"
).replace("---\n本月", "changes:\n  - {date: 2014-01-20, note: 更正期初余额，上月结转数录入有误}\n---\n本月")


def test_a_clerks_change_to_their_own_unit_passes_with_a_chinese_summary_and_one_comment(published):
    root = published.root
    published.record("ledger-2013-12.md", CORRECTED_LEDGER)
    published.record("meeting.md", notice("关于召开村民代表会议的通知"))
    commit_all(root, "村务公开：更正12月账目，发布会议通知")
    with forge() as api:
        passed, steps, summary = pull_request(published, "cun-clerk", api)
        assert passed, [(cmd, r.stdout + r.stderr) for cmd, r in steps if r is not None and r.returncode]
        assert [c for c in FakeForge.calls if c[0] != "GET"] == [("POST", "/repos/xuchang/gongkai/issues/7/comments", "token test-token")]
        # A second push updates the same comment instead of adding one.
        published.record("meeting.md", notice("关于召开村民代表会议的通知（时间更正）"))
        commit_all(root, "村务公开：通知")
        passed, steps, summary = pull_request(published, "cun-clerk", api)
        assert passed
        assert [c[0] for c in FakeForge.calls if c[0] != "GET"] == ["POST", "PATCH"]
        mine = [c for c in FakeForge.comments if SUMMARY_MARKER in c["body"]]
        assert len(mine) == 1 and len(FakeForge.comments) == 61
    assert mine[0]["body"] == (root / "summary.md").read_text("utf-8") == summary
    assert "**检查通过**" in summary
    assert "本次修改涉及 2 条记录：新增 1 条，修改 1 条。" in summary
    assert "### 示范县（demo）" in summary and "#### 示范村村民委员会（cun）" in summary
    assert "- **修改** **示范村2013年12月财务收支公开**" in summary
    assert "| 期初余额 | 12000.0 | 12100.0 |" in summary and "| 期末余额 | 15000.51 | 15100.51 |" in summary
    assert "修订说明：更正期初余额，上月结转数录入有误" in summary
    assert "- **新增** **关于召开村民代表会议的通知（时间更正）**" in summary
    assert "`demo/village/cun/meeting/index.html`" in summary and "preview-7" in summary
    # The preview holds only the county the change touches.
    assert (root / "site-preview" / "demo" / "village" / "cun" / "meeting" / "index.html").exists()
    assert not (root / "site-preview" / "other").exists()


def test_touching_another_units_folder_fails_naming_the_file(published):
    root = published.root
    published.record("meeting.md", notice("本村的通知"))
    published.record("land.md", notice("关于土地整治项目的公告（改）", "2014-01-06", extra="changes:\n  - {date: 2014-01-20, note: 改标题}\n"), BUREAU)
    commit_all(root, "改了国土局的公告")
    with forge() as api:
        passed, steps, summary = pull_request(published, "cun-clerk", api)
    assert not passed
    check = steps[0][1]
    assert check.returncode == 1
    assert f"::error file={BUREAU}/land.md,title=unit-outside-folder::" in check.stdout
    assert "meeting.md" not in check.stdout
    assert "**检查未通过**" in summary and f"`{BUREAU}/land.md`" in summary and "unit-outside-folder" in summary
    assert [cmd.split()[2] for cmd, r in steps if r is None] == ["preview"]  # no preview of a failed change
    # The office's account may make the same change.
    with forge() as api:
        assert pull_request(published, "office", api)[0]


def test_a_commit_message_with_an_id_number_fails_without_repeating_it(published):
    root = published.root
    published.record("meeting.md", notice())
    commit_all(root, f"补登名单 张三 {ID_NUMBER}")
    with forge() as api:
        passed, steps, summary = pull_request(published, "cun-clerk", api)
    assert not passed
    out = steps[0][1].stdout
    assert "title=pii-id-number" in out and "提交说明中有未遮挡的身份证号码" in out
    assert ID_NUMBER not in out + summary + FakeForge.comments[-1]["body"]


def test_deleting_a_published_record_fails(published):
    root = published.root
    (root / VILLAGE / "ledger-2013-12.md").unlink()
    commit_all(root, "删除账目")
    with forge() as api:
        passed, steps, summary = pull_request(published, "cun-clerk", api)
    assert not passed
    assert f"::error file={VILLAGE}/ledger-2013-12.md,title=history-deleted::" in steps[0][1].stdout
    assert "- **删除** **示范村2013年12月财务收支公开**" in summary


def test_the_publish_jobs_build_each_county_and_the_portal_and_verify_passes(published, tmp_path):
    root = published.root
    git(root, "checkout", "-q", "main")
    jobs = workflow("publish.yml")["jobs"]
    passed, steps = run_job(root, jobs["counties"], {"GITHUB_OUTPUT": str(tmp_path / "output")})
    assert passed
    counties = json.loads((tmp_path / "output").read_text().split("=", 1)[1])
    assert counties == ["demo", "other"]
    merged = tmp_path / "merged"  # what download-artifact puts together from the matrix jobs' artifacts
    for county in counties:
        runner = tmp_path / f"runner-{county}"  # each matrix job is a fresh runner with its own checkout
        git(root, "worktree", "add", "-q", "--detach", str(runner), "main")
        (runner / "gongkai").unlink(missing_ok=True)
        (runner / "gongkai").symlink_to(MAIN / "gongkai")
        passed, steps = run_job(runner, jobs["county"], {"COUNTY": county, "LIVE_URL": ""})
        assert passed, [r.stderr for _, r in steps if r is not None]
        shutil.copytree(runner / "site" / county, merged / county)
        shutil.copy(runner / "site" / "index.html", merged / "index.html")
    shutil.rmtree(root / "site", ignore_errors=True)
    shutil.copytree(merged, root / "site")
    passed, steps = run_job(root, jobs["assemble"], {})
    assert passed, [r.stdout + r.stderr for _, r in steps if r is not None]
    assert [cmd for cmd, _ in steps] == ["python build.py portal --site-dir site"]
    portal = (root / "site" / "index.html").read_text("utf-8")
    assert 'href="demo/"' in portal and 'href="other/"' in portal
    # verify-live, one job per county, against the address the assembled site is served at.
    with serve(root / "site") as url:
        for county in counties:
            passed, steps = run_job(root, jobs["verify-live"], {"LIVE": url, "COUNTY": county})
            assert passed, [r.stdout + r.stderr for _, r in steps if r is not None]
            assert "已发布的网站与 git 中的内容一致" in steps[-1][1].stdout
        # A page changed on the server after deployment fails the check, naming it.
        page = root / "site" / "demo" / "village" / "cun" / "ledger-2013-12" / "index.html"
        page.write_text(page.read_text("utf-8").replace("12,000.00", "21,000.00"), "utf-8")
        passed, steps = run_job(root, jobs["verify-live"], {"LIVE": url, "COUNTY": "demo"})
    assert not passed and "village/cun/ledger-2013-12/" in steps[-1][1].stdout


def test_the_nightly_deadlines_job_writes_every_county_into_the_job_summary(published, tmp_path):
    root = published.root
    git(root, "checkout", "-q", "main")
    summary = tmp_path / "summary.md"
    passed, steps = run_job(root, workflow("nightly.yml")["jobs"]["deadlines"], {"GITHUB_STEP_SUMMARY": str(summary)})
    assert passed, [r.stderr for _, r in steps if r is not None]
    text = summary.read_text("utf-8")
    assert text.startswith("## 公开时限（按 ") and "### 示范县（demo）" in text and "### 邻县（other）" in text
    assert "示范村村民委员会" in text  # the ledger series that began in 2013-12 and stopped
