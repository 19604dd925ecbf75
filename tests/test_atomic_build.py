"""Nothing lost while building: a killed or failed build leaves the published county site as it was."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tinyrepo import MAIN, VILLAGE, Repo, buildable, make_repo, notice

from gongkai import engine, manifest
from gongkai.site import LOCK, PORTAL_WORK, build_all

# Enough records that the MkDocs stage lasts long enough to be killed in the middle of it.
RECORDS = 100


def build(root: Path, site: Path, *args: str, cache: Path | None = None) -> subprocess.Popen:
    """Start `python build.py build` for the tiny repository in its own process group.

    Its temporary files go beside the repository: a killed build cannot remove them.
    `cache`: the cache folder to use (GONGKAI_CACHE) instead of the repository's.
    """
    tmp = root.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(MAIN / "build.py"), "--root", str(root), "build", "--site-dir", str(site), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so the kill takes the search indexer, its child, along: a power cut, not a polite stop
        env=dict(os.environ, TMPDIR=str(tmp), **({"GONGKAI_CACHE": str(cache)} if cache is not None else {})),
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


# One writer per site folder ---------------------------------------------------------------


def whole(site: Path, county: str = "demo") -> None:
    """The county site is complete and consistent: every file its manifest lists is there with that hash."""
    folder = site / county
    m = json.loads((folder / "manifest.json").read_text("utf-8"))
    listed = {**m["pages"], **m["files"], **{r["page"]: r["page_sha256"] for r in m["records"]}}
    assert len(listed) > RECORDS
    assert {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel in listed} == listed
    assert not [p.name for p in site.iterdir() if p.name.startswith((".build-", ".old-"))]


def start_when_writing(repo: Repo, site: Path, *args: str, cache: Path | None = None) -> subprocess.Popen:
    """Start a build and return once it is writing the site (it holds the folder's lock then)."""
    proc = build(repo.root, site, *args, cache=cache)
    deadline = time.monotonic() + 120
    while not (site / ".build-demo").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    assert proc.poll() is None, "the build ended before the second one started: raise RECORDS"
    return proc


def test_a_second_build_waits_for_the_first_and_the_site_stays_whole(published):
    repo, site = published
    repo.record("new.md", notice("新的通知"))
    # Without a cache the first renders every page after it began writing (a warm one might be
    # done before it is seen writing).
    first = start_when_writing(repo, site, cache=repo.root.parent / "empty-cache")
    # It is held still while it writes, until the second says it waits: the second
    # meets the lock however fast the first would have been.
    os.killpg(first.pid, signal.SIGSTOP)
    try:
        second = build(repo.root, site)
        said = []
        for line in second.stderr:  # ends early only if the second ends without waiting
            said.append(line)
            if "另一个生成正在写入" in line:
                break
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    _, err1 = first.communicate(timeout=300)
    _, err2 = second.communicate(timeout=300)
    err2 = "".join(said) + err2
    assert (first.returncode, second.returncode) == (0, 0), err1 + err2
    assert f"另一个生成正在写入 {site}，等它结束（最多等 900 秒" in err2
    whole(site)
    assert (site / "demo" / "village" / "cun" / "new" / "index.html").exists()
    assert (site / "index.html").exists() and (site / "manifest.json").exists()


@contextmanager
def locked(site: Path) -> Iterator[None]:
    """Hold the site folder's build lock from this process, as another build would."""
    fd = os.open(site / LOCK, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(fd)


@pytest.mark.parametrize("command", ["build", "serve", "as-of"])
def test_every_writer_of_a_site_folder_refuses_while_another_writes(published, command):
    repo, site = published
    before = snapshot(site)
    if command == "as-of":
        subprocess.run(["git", "init", "-q"], cwd=repo.root, check=True)
        subprocess.run(["git", "add", "-A"], cwd=repo.root, check=True)
        subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "x"], cwd=repo.root, check=True)
    args = {
        "build": ["build", "--site-dir", str(site)],
        "serve": ["serve", "demo", "--site-dir", str(site), "--port", "1"],  # refused before it would bind the port
        "as-of": ["build", "--as-of", "HEAD", "--site-dir", str(site)],
    }[command]
    with locked(site):
        result = subprocess.run(
            [sys.executable, str(MAIN / "build.py"), "--root", str(repo.root), *args, "--lock-timeout", "0"],
            capture_output=True, text=True, timeout=300,
        )
    assert result.returncode == 2, result.stderr
    assert f"另一个生成正在写入 {site}；本次未生成网站，已发布的网站保持不变。" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(site) == before


@pytest.mark.parametrize("target", ["portal", "county"])
def test_verify_does_not_read_a_folder_while_a_build_writes_it(published, target):
    repo, site = published
    folder = site if target == "portal" else site / "demo"
    with locked(site):
        result = run_cli(repo.root, "verify", str(folder), "--lock-timeout", "0")
    assert result.returncode == 2, result.stderr
    assert f"另一个生成正在写入 {site}；未核对：正在生成的网站核对不出结果，请等它结束后再核对。" in result.stderr
    assert result.stdout == ""


def test_a_build_gives_up_after_its_lock_timeout(published, capsys):
    repo, site = published
    with locked(site):
        assert build_all(repo.root, site, search=False, lock_wait=0.5) == 2
    err = capsys.readouterr().err
    assert "最多等 0.5 秒" in err and "（已等 0.5 秒）；本次未生成网站" in err
    assert build_all(repo.root, site, search=False, lock_wait=0) == 0  # the lock is free again


def test_a_killed_build_leaves_no_lock_behind(published):
    repo, site = published
    proc = start_when_writing(repo, site)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    proc = build(repo.root, site, "--lock-timeout", "0", "--no-search")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "另一个生成" not in err


# Unusable output folders, a full disk, a stopped build -------------------------------------


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MAIN / "build.py"), "--root", str(root), *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("command", ["build", "serve", "as-of"])
def test_an_output_folder_blocked_by_a_file_is_a_message_not_a_traceback(repo, tmp_path, command):
    buildable(repo)
    blocker = tmp_path / "blocker"
    blocker.write_text("x", "utf-8")
    for site in (blocker, blocker / "x"):  # a file in the way (FileExistsError), a file as a parent (NotADirectoryError)
        args = {
            "build": ["build", "--site-dir", str(site)],
            "serve": ["serve", "demo", "--site-dir", str(site)],
            "as-of": ["build", "--as-of", "HEAD", "--site-dir", str(site)],
        }[command]
        result = run_cli(repo.root, *args)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert f"输出文件夹 {site} 无法使用：{blocker} 是一个文件，不是文件夹。" in result.stderr
        assert blocker.read_text("utf-8") == "x"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (errno.EACCES, "没有权限写入"),
        (errno.EPERM, "没有权限写入"),
        (errno.EROFS, "在只读的文件系统上"),
        (errno.ENOSPC, "磁盘已满"),
        (errno.EDQUOT, "磁盘已满"),
        (errno.EIO, "无法写入输出文件夹"),
    ],
    ids=lambda v: errno.errorcode.get(v, "") if isinstance(v, int) else "",
)
def test_an_output_folder_that_cannot_be_created_is_a_message(repo, tmp_path, monkeypatch, capsys, code, message):
    """Root passes every permission check, so the refusal comes from the operating system's answer."""
    buildable(repo)
    site = tmp_path / "site"
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if self == site:
            raise OSError(code, os.strerror(code), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert build_all(repo.root, site, search=False) == 2
    assert message in capsys.readouterr().err
    assert not site.exists()


def test_an_output_folder_on_a_read_only_file_system_is_refused_before_validation(repo, tmp_path, monkeypatch, capsys):
    buildable(repo)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    monkeypatch.setattr(os, "statvfs", lambda path: type("S", (), {"f_flag": os.ST_RDONLY})())
    assert build_all(repo.root, tmp_path / "site", search=False) == 2
    err = capsys.readouterr().err
    assert f"输出文件夹 {tmp_path / 'site'} 在只读的文件系统上（{tmp_path}），无法写入。" in err
    assert "读取并检查" not in err  # said before the content is read


def fill_disk_after(monkeypatch, writes: int) -> None:
    """MkDocs' writes fail with ENOSPC once `writes` files were written (the disk fills up mid-build)."""
    import mkdocs.utils

    real = mkdocs.utils.write_file
    done = [0]

    def write_file(content: bytes, output_path: str) -> None:
        done[0] += 1
        if done[0] > writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), output_path)
        real(content, output_path)

    monkeypatch.setattr(mkdocs.utils, "write_file", write_file)


@pytest.mark.parametrize("where", ["county pages", "county manifest", "portal"])
def test_a_full_disk_leaves_nothing_behind_and_the_published_site_unchanged(published, tmp_path, monkeypatch, capsys, where):
    repo, site = published
    before = snapshot(site)
    repo.record("new.md", notice("新的通知"))
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    if where == "county pages":
        fill_disk_after(monkeypatch, 30)
    elif where == "county manifest":
        def full(project, county, folder, lost=None, **reuse):
            (folder / "manifest.json").write_text("{", "utf-8")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "manifest.json"))

        monkeypatch.setattr(manifest, "write_manifest", full)
    else:
        real = engine.build_site

        def full_in_portal(root, out, **kwargs):
            if out.name == PORTAL_WORK:
                out.mkdir()
                (out / "index.html").write_text("half", "utf-8")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "index.html"))
            return real(root, out, **kwargs)

        monkeypatch.setattr(engine, "build_site", full_in_portal)
    assert build_all(repo.root, site) == 2
    err = capsys.readouterr().err
    assert "磁盘已满（或超出配额），无法写入" in err and "已清除本次写入的部分，已发布的网站保持不变" in err
    assert [p.name for p in site.iterdir() if p.name.startswith((".build-", ".old-"))] == []
    after = snapshot(site)
    if where == "portal":  # the county was complete and swapped in; the portal is as it was
        assert {k: v for k, v in after.items() if not k.startswith("demo/")} == {
            k: v for k, v in before.items() if not k.startswith("demo/")
        }
    else:
        assert after == before
    assert list(temp.iterdir()) == []  # no temporary files of MkDocs or the search indexer either


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_stopped_build_removes_what_it_wrote(published, stop):
    repo, site = published
    before = snapshot(site)
    repo.record("new.md", notice("新的通知"))
    proc = start_when_writing(repo, site)
    proc.send_signal(stop)  # the build only: it must stop its search indexer itself
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "已中断；未完成的部分已清除，已发布的网站保持不变。" in err
    assert "Traceback" not in err
    assert snapshot(site) == before
    assert list((repo.root.parent / "tmp").iterdir()) == []


def test_a_full_disk_in_the_search_indexer_is_named_like_any_other(tmp_path, monkeypatch, capsys):
    """The indexer runs in its own process: its OSError crosses over as one JSON line."""
    from gongkai import search

    def full(documents, out):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "k" / "0.json"))

    source = tmp_path / "documents.json"
    source.write_text("[]", "utf-8")
    monkeypatch.setattr(search, "write_bundle", full)
    assert search.main([str(source), str(tmp_path / "out")]) == 3
    exc = search.failure("some progress\n" + capsys.readouterr().out)
    assert isinstance(exc, OSError) and exc.errno == errno.ENOSPC and exc.filename == str(tmp_path / "out" / "k" / "0.json")
    assert isinstance(search.failure("Traceback ...\nValueError: x"), search.SearchIndexError)


@pytest.mark.parametrize("name", ["demo", ".build-demo", ".old-demo"])
def test_a_file_where_a_build_puts_a_folder_is_replaced_not_a_traceback(published, name):
    repo, site = published
    if (site / name).is_dir():  # the published county itself
        shutil.rmtree(site / name)
    (site / name).write_text("x", "utf-8")
    proc = build(repo.root, site, "--no-search")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    whole(site)


@pytest.mark.parametrize("where", ["temporary folder", "checkout"])
def test_as_of_on_a_full_disk_is_a_message_and_leaves_no_checkout(repo, tmp_path, monkeypatch, capsys, where):
    from gongkai import cli, history

    buildable(repo)
    repo.record("n.md", notice())
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=repo.root, check=True)
    if where == "temporary folder":
        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/tmp/gongkai-as-of-x")

        monkeypatch.setattr(tempfile, "mkdtemp", full)
        expected = "磁盘已满（或超出配额），无法写入 /tmp/gongkai-as-of-x"
    else:
        real = history.git

        def no_space(root, *args, **kwargs):
            if args[:2] == ("worktree", "add"):
                raise subprocess.CalledProcessError(128, ["git", *args], "", "fatal: No space left on device\n")
            return real(root, *args, **kwargs)

        monkeypatch.setattr(history, "git", no_space)
        expected = "时的内容：fatal: No space left on device"
    site = tmp_path / "as-of"
    assert cli.main(["--root", str(repo.root), "build", "--as-of", "HEAD", "--site-dir", str(site)]) == 2
    assert expected in capsys.readouterr().err
    assert not site.exists()
    worktrees = subprocess.run(["git", "-C", str(repo.root), "worktree", "list"], capture_output=True, text=True).stdout
    assert len(worktrees.splitlines()) == 1


@pytest.mark.parametrize("where", ["", ".", "..", "content", "content/village", "content/village/demo", ".git", "theme/x"])
def test_an_output_folder_over_the_repository_is_refused(repo, where, capsys):
    """A county folder built into content/village/ would replace the county's records with pages."""
    buildable(repo)
    repo.record("n.md", notice())
    before = snapshot(repo.root)
    assert build_all(repo.root, (repo.root / where).resolve(), search=False) == 2
    assert "不能是仓库本身、仓库的上级文件夹或 content/" in capsys.readouterr().err
    assert snapshot(repo.root) == before


@pytest.mark.parametrize("with_rm", [True, False])
def test_old_folders_removed_in_the_background_are_gone_after_finish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_rm: bool):
    """site.Run removes old folders beside the build (the system's rm, or a thread without
    one); finish() returns only when they are gone, hard links and odd names included."""
    from gongkai import site

    if not with_rm:
        monkeypatch.setattr(site.shutil, "which", lambda name: None)
    run = site.Run()
    kept = tmp_path / "kept.html"
    kept.write_text("same bytes", "utf-8")
    folders = []
    for name in (".old-demo", "-rf", "名 字"):
        folder = tmp_path / name
        (folder / "a" / "b").mkdir(parents=True)
        (folder / "a" / "b" / "index.html").write_text("x", "utf-8")
        os.link(kept, folder / "a" / "linked.html")
        (folder / "link").symlink_to(kept)
        run.remove_later(folder)
        folders.append(folder)
    run.remove_later(tmp_path / "absent")
    run.finish()
    assert not any(f.exists() or f.is_symlink() for f in folders)
    assert kept.read_text("utf-8") == "same bytes"  # a link or a symlink to it removed, not it


def test_a_portal_that_fails_beside_the_counties_is_named_and_leaves_the_published_portal(published, monkeypatch, capsys):
    """The portal is made in a forked process while the counties are built (site._write_sites):
    its failure comes back as a plain sentence, its half-built folder is removed, and the
    published portal stays as it was; the county, complete, is in place."""
    repo, site = published
    before = snapshot(site)
    repo.record("new.md", notice("新的通知"))
    real = engine.build_site

    def broken_portal(root, out, **kwargs):
        if out.name == PORTAL_WORK:
            out.mkdir()
            (out / "index.html").write_text("half", "utf-8")
            raise RuntimeError("模板出错")
        return real(root, out, **kwargs)

    monkeypatch.setattr(engine, "build_site", broken_portal)
    assert build_all(repo.root, site) == 1
    err = capsys.readouterr().err
    assert "生成门户时出错（RuntimeError: 模板出错）；已发布的门户保持不变。" in err and "Traceback" not in err
    assert [p.name for p in site.iterdir() if p.name.startswith((".build-", ".old-"))] == []
    after = snapshot(site)
    assert {k: v for k, v in after.items() if not k.startswith("demo/")} == {k: v for k, v in before.items() if not k.startswith("demo/")}
    assert "新的通知" in "".join(p.read_text("utf-8") for p in (site / "demo").rglob("index.html"))


class _Unpicklable(Exception):
    def __init__(self, a, b):  # pickling gives Exception.args back to one argument: it cannot be rebuilt
        super().__init__(f"{a}{b}")


@pytest.mark.parametrize("how", ["killed", "unpicklable"])
def test_a_portal_process_that_dies_or_fails_oddly_does_not_hang_the_build(published, monkeypatch, capsys, how):
    """The portal's process may be killed (the out-of-memory killer) or fail with an exception
    pickle cannot rebuild: the build says so and ends, it does not wait for ever."""
    from gongkai import site as site_module

    repo, site = published
    before = snapshot(site)

    def dies(project, work, histories=None):
        if how == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        raise _Unpicklable("模板", "出错")

    monkeypatch.setattr(site_module, "make_portal", dies)

    def too_long(signum, frame):
        raise TimeoutError("the build hung")

    old = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(240)
    try:
        assert build_all(repo.root, site) == 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    err = capsys.readouterr().err
    expected = "生成门户的进程意外结束，退出码 -9" if how == "killed" else "（_Unpicklable: 模板出错）"
    assert expected in err and "已发布的门户保持不变" in err and "Traceback" not in err
    assert [p.name for p in site.iterdir() if p.name.startswith((".build-", ".old-"))] == []
    after = snapshot(site)
    assert {k: v for k, v in after.items() if not k.startswith("demo/")} == {k: v for k, v in before.items() if not k.startswith("demo/")}


def test_a_county_named_portal_is_built_beside_the_portal(tmp_path):
    """The portal's work folder is not a county's: a county with the id "portal" and the
    portal, now built at the same time, do not write into one folder."""
    from tinyrepo import COUNTY_YML

    repo = buildable(make_repo(tmp_path / "repo"))
    repo.write("content/counties/portal.yml", COUNTY_YML.replace("name: 示范县", "name: 门户县").replace("411099", "411098"))
    repo.record("n.md", notice("通知"))
    repo.write("content/village/portal/cun/n.md", notice("门户县的通知"))
    assert build_all(repo.root, tmp_path / "site", search=False) == 0
    assert "门户县的通知" in "".join(p.read_text("utf-8") for p in (tmp_path / "site" / "portal").rglob("index.html"))
    portal = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "门户县" in portal and "示范县" in portal


def test_a_record_whose_page_cannot_be_made_is_named(tmp_path, monkeypatch, capsys):
    """Whatever fails in a record's page (a defect the check did not foresee), the clerk of
    a county of thousands of records is told which one."""
    from gongkai.pages import record
    from gongkai.site import build_all

    repo = buildable(make_repo(tmp_path / "repo"))
    repo.record("a.md", notice("关于第一次会议的通知"))
    bad = repo.record("b.md", notice("关于第二次会议的通知"))
    real = record.build

    def failing(site, r):
        if r.path == bad:
            raise ValueError("something went wrong")
        return real(site, r)

    monkeypatch.setattr(record, "build", failing)
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))
    assert build_all(repo.root, tmp_path / "site", search=False) == 1
    err = capsys.readouterr().err
    assert f"记录 {bad} 的页面无法生成（ValueError: something went wrong）" in err
    assert "已发布的网站保持不变" in err and "build.py check" in err
    assert not (tmp_path / "site" / "demo").exists()
