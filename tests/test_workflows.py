"""The forge workflows (.github/workflows/): lint-clean, and the properties publishing depends on."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tinyrepo import MAIN

from gongkai import forge

WORKFLOWS = sorted((MAIN / ".github" / "workflows").glob("*.yml"))
# An action pinned to a full commit id, with the release it is in a comment: uses: owner/repo@<40 hex>  # vX.Y.Z
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text("utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict):
    """(job id, job, step) for every step of every job."""
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, job, step


def test_there_are_pull_request_publish_and_nightly_workflows():
    triggers = {p.name: set(load(p)["on"]) for p in WORKFLOWS}
    assert triggers["pull-request.yml"] == {"pull_request"}
    assert triggers["publish.yml"] == {"push", "workflow_dispatch"}
    assert triggers["nightly.yml"] == {"schedule", "workflow_dispatch"}


def test_actionlint_finds_nothing():
    actionlint = Path(sys.executable).parent / "actionlint"
    assert actionlint.exists(), "actionlint is installed by requirements-dev.txt (make test)"
    result = subprocess.run(
        [str(actionlint), "-no-color", *map(str, WORKFLOWS)], cwd=MAIN, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_is_not_a_rubber_stamp(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n")
    actionlint = Path(sys.executable).parent / "actionlint"
    result = subprocess.run([str(actionlint), "-no-color", str(broken)], capture_output=True, text=True)
    assert result.returncode == 1 and "nope" in result.stdout


def test_every_action_is_pinned_to_a_commit_with_its_release_named():
    for path in WORKFLOWS:
        text = path.read_text("utf-8")
        for job_id, _, step in steps(load(path)):
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{path.name} {job_id}: {step['uses']} is not pinned to a commit"
        for line in text.splitlines():
            if "uses:" in line:
                assert re.search(r"@[0-9a-f]{40}\s+#\s*v\d+\.\d+\.\d+\s*$", line), line


def test_every_job_that_reads_history_checks_out_all_of_it():
    reads_history = re.compile(r"build\.py (check|diff|build|preview|verify|portal|deadlines)\b")
    for path in WORKFLOWS:
        for job_id, job in load(path)["jobs"].items():
            runs = " ".join(s.get("run", "") for s in job.get("steps", []))
            if not reads_history.search(runs):
                continue
            checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
            assert checkouts, f"{path.name} {job_id} runs build.py without a checkout"
            assert all(s.get("with", {}).get("fetch-depth") == 0 for s in checkouts), f"{path.name} {job_id}: fetch-depth: 0"


def test_python_comes_with_the_pip_cache_from_the_pinned_requirements():
    for path in WORKFLOWS:
        for job_id, _job, step in steps(load(path)):
            if step.get("uses", "").startswith("actions/setup-python@"):
                w = step["with"]
                assert w["cache"] == "pip" and set(w["cache-dependency-path"].split()) == {"requirements.txt", "constraints.txt"}
            if "pip install" in step.get("run", ""):
                assert step["run"].endswith("-r requirements.txt -c constraints.txt"), f"{path.name} {job_id}"


def test_the_matrix_is_exactly_the_counties_in_content_counties():
    publish = load(MAIN / ".github" / "workflows" / "publish.yml")
    matrix = publish["jobs"]["county"]["strategy"]["matrix"]
    assert matrix == {"county": "${{ fromJSON(needs.counties.outputs.counties) }}"}
    [listing] = [s for s in publish["jobs"]["counties"]["steps"] if s.get("id") == "list"]
    assert listing["run"] == 'python build.py counties --format output >> "$GITHUB_OUTPUT"'
    out = subprocess.run(
        [sys.executable, "build.py", "counties", "--format", "output"], cwd=MAIN, capture_output=True, text=True, check=True
    ).stdout
    files = sorted(p.stem for p in (MAIN / "content" / "counties").iterdir())
    assert out == "counties=" + str(files).replace("'", '"') + "\n"


def test_the_matrix_follows_a_new_county_file(repo):
    assert forge.county_ids(repo.root) == ["demo"]
    repo.write("content/counties/aaa.yml", (repo.root / "content/counties/demo.yml").read_text("utf-8"))
    assert forge.county_ids(repo.root) == ["aaa", "demo"]


def test_no_secret_is_ever_printed():
    for path in WORKFLOWS:
        text = path.read_text("utf-8")
        workflow = load(path)
        secret_vars = set()
        for job in workflow["jobs"].values():
            for name, value in (job.get("env") or {}).items():
                if "secrets." in str(value):
                    secret_vars.add(name)
        for job_id, _job, step in steps(workflow):
            for name, value in (step.get("env") or {}).items():
                if "secrets." in str(value):
                    secret_vars.add(name)
            run = step.get("run", "")
            assert "secrets." not in run, f"{path.name} {job_id}: a secret expanded into a script"
            assert "set -x" not in run
            for name in secret_vars:
                for line in run.splitlines():
                    if f"${name}" in line or f"${{{name}}}" in line:
                        # Only written to a file, never to the log.
                        assert re.fullmatch(rf"printf '%s\\n' \"\${name}\" > \"\$RUNNER_TEMP/[\w.]+\"", line.strip()), line
        # Secrets appear only as the values of env entries.
        for line in text.splitlines():
            if "secrets." in line:
                assert re.fullmatch(r"\s+\w+: \$\{\{ secrets\.\w+ \}\}", line), line


def test_pull_request_steps_are_single_commands_the_tests_run():
    pr = load(MAIN / ".github" / "workflows" / "pull-request.yml")
    runs = [s["run"] for _, _, s in steps(pr) if "run" in s]
    commands = [r.split()[2] for r in runs if r.startswith("python build.py")]
    assert commands == ["check", "diff", "comment", "preview"]
    assert all(r.startswith(("python build.py", "python -m pip install")) for r in runs)
    check = next(r for r in runs if r.startswith("python build.py check"))
    assert '--base "$BASE"' in check and '--owner "@$AUTHOR"' in check and "--format github" in check
    env = pr["jobs"]["check"]["env"]
    assert env["AUTHOR"] == "${{ github.event.pull_request.user.login }}"
    assert env["BASE"] == "origin/${{ github.base_ref }}"


@pytest.mark.parametrize("name", ["publish.yml", "nightly.yml"])
def test_publishing_and_nightly_verify_the_live_site(name):
    workflow = load(MAIN / ".github" / "workflows" / name)
    verifying = [job for job in workflow["jobs"].values() if any("build.py verify" in s.get("run", "") for s in job["steps"])]
    assert verifying
    for job in verifying:  # one job per county, over the same list as the publishing matrix
        assert job["strategy"]["matrix"] == {"county": "${{ fromJSON(needs.counties.outputs.counties) }}"}
        [run] = [s["run"] for s in job["steps"] if "build.py verify" in s.get("run", "")]
        assert run.startswith("python build.py verify ") and run.endswith('--county "$COUNTY"')


def test_build_outputs_are_ignored_so_git_add_all_commits_no_site(tmp_path):
    shutil.copy(MAIN / ".gitignore", tmp_path / ".gitignore")
    outputs = [
        "site/index.html", "site-as-of-2014-01-10/demo/index.html", "site-as-of-2014-01-20T10-00/index.html",
        "site-preview/demo/index.html", "site/.build-demo/x.html", ".build-demo/x.html", "node_modules/x/package.json",
        "summary.md", "gongkai/__pycache__/x.pyc", ".gongkai-cache/v1/x/shard.bin",
    ]
    for path in outputs:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text("x")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    staged = subprocess.run(["git", "-C", str(tmp_path), "diff", "--cached", "--name-only"], capture_output=True, text=True, check=True)
    assert staged.stdout.split() == [".gitignore", "content/a.md"]


def test_pull_request_check_restores_and_saves_the_record_cache_by_branch_and_commit():
    for name, branch in (("pull-request.yml", "${{ github.head_ref }}"), ("publish.yml", "${{ github.ref_name }}")):
        workflow = load(MAIN / ".github" / "workflows" / name)
        [(job_id, _, cache)] = [(j, i, s) for j, i, s in steps(workflow) if s.get("uses", "").startswith("actions/cache@")]
        assert cache["with"]["path"] == ".gongkai-cache"
        assert cache["with"]["key"] == f"gongkai-check-${{{{ runner.os }}}}-{branch}-${{{{ github.sha }}}}"
        assert f"gongkai-check-${{{{ runner.os }}}}-{branch}-" in cache["with"]["restore-keys"].splitlines()
        job = workflow["jobs"][job_id]["steps"]
        checking = [k for k, s in enumerate(job) if s.get("run", "").startswith("python build.py check")]
        assert checking and job.index(cache) < checking[0], f"{name}: the cache is restored before the check"
