"""Nothing lost while building: a killed or failed build leaves the published county site as it was."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tinyrepo import MAIN, VILLAGE, Repo, buildable, make_repo, notice

# Enough records that the MkDocs stage lasts long enough to be killed in the middle of it.
RECORDS = 100


def build(root: Path, site: Path, *args: str) -> subprocess.Popen:
    """Start `python build.py build` for the tiny repository in its own process group.

    Its temporary files go beside the repository: a killed build cannot remove them.
    """
    tmp = root.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(MAIN / "build.py"), "--root", str(root), "build", "--site-dir", str(site), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so the kill takes the search indexer, its child, along: a power cut, not a polite stop
        env=dict(os.environ, TMPDIR=str(tmp)),
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under a folder with the SHA-256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def published(tmp_path) -> tuple[Repo, Path]:
    """A tiny repository with RECORDS records, and its site built once (search included)."""
    repo = make_repo(tmp_path / "repo")
    buildable(repo)
    for i in range(RECORDS):
        repo.record(f"n{i:03d}.md", notice(f"关于第{i}次村民代表会议的通知", published=f"2014-01-{i % 28 + 1:02d}"))
    site = tmp_path / "site"
    proc = build(repo.root, site)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert (site / "demo" / "village" / "cun" / "n000" / "index.html").exists()
    return repo, site


def test_killed_build_leaves_the_published_site_intact_and_the_next_build_cleans_up(published):
    repo, site = published
    before = snapshot(site / "demo")
    repo.record("n000.md", notice("关于第0次村民代表会议的通知（更正）"))
    repo.record("new.md", notice("新的通知"))
    work = site / ".build-demo"

    proc = build(repo.root, site)
    deadline = time.monotonic() + 120
    while not work.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    assert proc.poll() is None, "the build ended before it could be killed: raise RECORDS"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert snapshot(site / "demo") == before
    assert work.exists()  # the half-built folder is left behind, beside the published one

    proc = build(repo.root, site)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert not work.exists() and not (site / ".old-demo").exists()
    after = snapshot(site / "demo")
    assert "village/cun/new/index.html" in after
    assert after["village/cun/n000/index.html"] != before["village/cun/n000/index.html"]


def test_build_whose_mkdocs_fails_leaves_the_published_site_intact(published):
    repo, site = published
    before = snapshot(site / "demo")
    repo.record("new.md", notice("新的通知"))
    main_html = repo.root / "theme" / "main.html"
    good = main_html.read_text("utf-8")
    main_html.write_text(good.replace("{% endblock %}", "{% endblok %}", 1), "utf-8")  # a template MkDocs cannot load

    proc = build(repo.root, site, "--no-search")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode != 0
    assert "endblok" in err
    assert snapshot(site / "demo") == before
    assert not (site / "demo" / "village" / "cun" / "new").exists()

    main_html.write_text(good, "utf-8")
    proc = build(repo.root, site, "--no-search")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert (site / "demo" / "village" / "cun" / "new" / "index.html").exists()
    assert not (site / ".build-demo").exists()


def test_invalid_content_builds_nothing(published):
    repo, site = published
    before = snapshot(site / "demo")
    repo.record("bad.md", notice(published="2014-1-8"))
    proc = build(repo.root, site, "--no-search")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert "有错误，未生成网站；已发布的网站保持不变。" in err
    assert snapshot(site / "demo") == before
    assert not (site / ".build-demo").exists()
    assert VILLAGE in err


def test_build_killed_between_the_two_renames_gets_its_site_back(published):
    repo, site = published
    before = snapshot(site / "demo")
    (site / "demo").rename(site / ".old-demo")  # what a kill between replace_dir's two renames leaves
    main_html = repo.root / "theme" / "main.html"
    main_html.write_text(main_html.read_text("utf-8").replace("{% endblock %}", "{% endblok %}", 1), "utf-8")
    proc = build(repo.root, site, "--no-search")
    proc.communicate(timeout=300)
    assert proc.returncode != 0
    assert (site / "demo").is_dir() and snapshot(site / "demo") == before
