"""A warm build (with the cache and the output of earlier builds) is byte-identical to a cold one.

One repository goes through edits, a rename, a withdrawal, a catalogue change, a code
change, an uncommitted edit and a tampered output folder. After each step it is built
twice at the same commit: warm (the cache folder and site folder of all earlier builds)
and cold (an empty cache folder, a new site folder); every file must be the same bytes
(sitemaps without their build date, as verify compares them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_history import CHANGED_LEDGER, commit
from test_indexno import git
from tinyrepo import BALANCED_LEDGER, BUREAU, buildable, make_repo, notice

from gongkai import history, manifest, search, site, spare, store, warm
from gongkai.site import build_all

REUSED = "沿用，未重新生成"  # nothing changed: the whole build is skipped
PARTIAL = "沿用上次生成的结果"  # some pages changed: only they are rendered


def files(site: Path) -> dict[str, bytes]:
    """Every file of a built site folder, as verify compares it."""
    out = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and not rel.startswith(".gongkai-build.lock"):
            out[rel] = manifest._comparable(rel, path.read_bytes())
    return out


class Builds:
    """Warm builds into one site folder with one cache, and cold builds to compare them with."""

    def __init__(self, root: Path, tmp: Path, monkeypatch):
        self.root, self.tmp, self.monkeypatch = root, tmp, monkeypatch
        self.site, self.cache = tmp / "warm-site", tmp / "warm-cache"
        self.colds = 0

    def _build(self, site: Path, cache: Path) -> int:
        self.monkeypatch.setenv("GONGKAI_CACHE", str(cache))
        history._log.cache_clear()
        return build_all(self.root, site)

    def warm(self, capsys) -> str:
        capsys.readouterr()
        assert self._build(self.site, self.cache) == 0
        return capsys.readouterr().err

    def cold(self) -> Path:
        self.colds += 1
        site = self.tmp / f"cold-site-{self.colds}"
        assert self._build(site, self.tmp / f"cold-cache-{self.colds}") == 0
        return site

    def same_as_cold(self, capsys) -> str:
        """Build warm, then cold, and insist on the same bytes; the warm build's log."""
        log = self.warm(capsys)
        warm_files, cold_files = files(self.site), files(self.cold())
        assert sorted(warm_files) == sorted(cold_files)
        assert [rel for rel in warm_files if warm_files[rel] != cold_files[rel]] == []
        return log


@pytest.fixture
def builds(tmp_path, monkeypatch):
    return make_builds(tmp_path, monkeypatch)


def make_builds(tmp_path, monkeypatch):
    """A small repository with one commit, and the Builds of it (the `builds` fixture)."""
    repo = buildable(make_repo(tmp_path / "repo"))
    git(repo.root, "init", "-q", "-b", "main")
    repo.record("ledger.md", BALANCED_LEDGER)
    repo.record("meeting.md", notice("关于召开村民代表会议的通知"))
    repo.record("rule.md", notice("关于村级公益事业一事一议的规定"))
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-06"), BUREAU)
    commit(repo.root, "首次公开", "2014-01-08")
    return repo, Builds(repo.root, tmp_path, monkeypatch)


def test_warm_builds_are_byte_identical_to_cold_ones_through_every_kind_of_change(builds, capsys, monkeypatch):
    repo, b = builds
    root = repo.root
    assert REUSED not in b.same_as_cold(capsys)
    page = b.site / "demo" / "index.html"
    before = page.stat().st_mtime_ns
    assert REUSED in b.same_as_cold(capsys)  # nothing changed: nothing rebuilt
    assert page.stat().st_mtime_ns == before

    repo.record("ledger.md", CHANGED_LEDGER)  # an edit with its change note
    commit(root, "更正12月账目", "2014-01-20")
    log = b.same_as_cold(capsys)
    assert REUSED not in log and PARTIAL in log  # the land notice's page, among others, was kept

    git(root, "mv", "content/village/demo/cun/meeting.md", "content/village/demo/cun/meeting-2014.md")
    commit(root, "改名", "2014-01-21")
    assert PARTIAL in b.same_as_cold(capsys)

    repo.record("rule.md", notice("关于村级公益事业一事一议的规定", extra="withdrawn: {date: 2014-02-10, reason: 已被新规定代替}\n"))
    commit(root, "撤回旧规定", "2014-02-10")
    assert PARTIAL in b.same_as_cold(capsys)

    repo.record("rule.md", notice("关于村级公益事业一事一议的规定", extra="withdrawn: {date: 2014-02-10, reason: 已被新规定代替}\n")
                .replace("正文。", "正文（有一处错字已改）。"))  # the body only: the search index changes, the record's listing entries do not
    commit(root, "改错字", "2014-02-10")
    indexed = []
    finish = search.Indexing.finish

    def noting(self, site):
        taken = finish(self, site)
        indexed.append(self.stats)
        return taken

    monkeypatch.setattr(search.Indexing, "finish", noting)
    assert PARTIAL in b.same_as_cold(capsys)
    # The warm build updated the published search bundle for the one record (the cold one wrote it whole).
    assert indexed[0]["changed"] == 1 and "changed" not in indexed[1]

    catalogue = root / "catalogues/village.yml"
    catalogue.write_text(catalogue.read_text("utf-8").replace("title: 期初余额", "title: 上期结余"), "utf-8")
    commit(root, "目录：改字段名", "2014-02-11")
    assert REUSED not in b.same_as_cold(capsys)
    assert "上期结余" in "".join(p.read_text("utf-8") for p in (b.site / "demo").rglob("*.html"))


def test_a_code_change_rebuilds_and_stays_byte_identical(builds, capsys, monkeypatch):
    repo, b = builds
    b.same_as_cold(capsys)
    store.code_key.cache_clear()
    monkeypatch.setattr(store, "code_key", lambda: "the next version of the code")
    assert REUSED not in b.same_as_cold(capsys)
    assert REUSED in b.same_as_cold(capsys)


def test_an_uncommitted_edit_is_built_not_taken_for_nothing_changed(builds, capsys):
    repo, b = builds
    b.same_as_cold(capsys)
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))  # not committed
    assert REUSED not in b.same_as_cold(capsys)
    assert "第二次村民代表会议" in "".join(p.read_text("utf-8") for p in (b.site / "demo").rglob("index.html"))
    repo.write("content/village/demo/cun/extra.md", notice("关于新增事项的通知"))  # untracked
    assert REUSED not in b.same_as_cold(capsys)
    assert REUSED in b.same_as_cold(capsys)


@pytest.mark.parametrize("tamper", ["edit", "remove", "add"])
def test_a_touched_output_folder_is_rebuilt(builds, capsys, tamper):
    repo, b = builds
    b.same_as_cold(capsys)
    page = b.site / "demo" / "index.html"
    if tamper == "edit":
        page.write_bytes(page.read_bytes().replace(b"</body>", b"<script>1</script></body>"))
    elif tamper == "remove":
        page.unlink()
    else:
        (b.site / "demo" / "extra.html").write_text("x", "utf-8")
    assert REUSED not in b.same_as_cold(capsys)


def test_a_corrupt_build_record_is_ignored(builds, capsys):
    repo, b = builds
    b.same_as_cold(capsys)
    for entry in (b.cache / "builds").glob("*.json"):
        entry.write_bytes(entry.read_bytes()[:-5])
    assert REUSED not in b.same_as_cold(capsys)
    b.monkeypatch.setenv("GONGKAI_CACHE", str(b.cache))
    key = warm.inputs_key(repo.root, None, {"search": True, "past": False, "previous": None})
    assert key is not None and warm.unchanged(repo.root, b.site, key)


KEPT_RECORDS = "条记录的页面数据与上次相同，取自缓存"


def test_record_pages_kept_by_content_follow_every_input_they_are_made_of(builds, capsys):
    """A record's page, search document and data files are taken from the cache when the
    record, its item, its history, the county file and site.yml are as they were; a change
    to any of them (not only to the record) makes them again, byte-identical to a cold build."""
    repo, b = builds
    root = repo.root
    b.same_as_cold(capsys)

    repo.record("ledger.md", CHANGED_LEDGER)
    commit(root, "更正12月账目", "2014-01-20")
    assert f"3 {KEPT_RECORDS}" in b.same_as_cold(capsys)  # all but the changed ledger

    county = root / "content/counties/demo.yml"
    county.write_text(county.read_text("utf-8").replace("name: 示范村村民委员会", "name: 示范村村民委员会\n    supervision_phone: 0374-1234567"), "utf-8")
    commit(root, "村委会监督电话", "2014-01-21")
    log = b.same_as_cold(capsys)
    assert KEPT_RECORDS not in log  # the county file is an input of every record page
    assert "0374-1234567" in (b.site / "demo/village/cun/meeting/index.html").read_text("utf-8")

    site = root / "content/site.yml"
    site.write_text(site.read_text("utf-8") + "base_url: https://gongkai.example/\n", "utf-8")
    commit(root, "门户地址", "2014-01-22")
    assert KEPT_RECORDS not in b.same_as_cold(capsys)  # the printed page's address and QR code
    assert "https://gongkai.example/demo/village/cun/meeting/" in (b.site / "demo/village/cun/meeting/index.html").read_text("utf-8")

    repo.record("rule.md", notice("关于村级公益事业一事一议的规定").replace("正文。", "正文（有一处错字已改）。"))
    commit(root, "改错字", "2014-01-23")
    assert f"3 {KEPT_RECORDS}" in b.same_as_cold(capsys)  # kept again under the new settings

    # Its history alone: edited and edited back between two builds, the file has the bytes
    # it had at the last build, yet its 修订记录 has two more revisions.
    repo.record("land.md", notice("关于土地整治项目的公告（草稿）", "2014-01-06"), BUREAU)
    commit(root, "误改标题", "2014-01-24")
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-06"), BUREAU)
    commit(root, "改回标题", "2014-01-25")
    assert f"3 {KEPT_RECORDS}" in b.same_as_cold(capsys)  # not its page: made again


def test_a_one_record_change_writes_again_only_the_kept_pages_file_of_that_record(builds, capsys):
    from gongkai.pages import memo

    repo, b = builds
    b.same_as_cold(capsys)
    before = {p: p.stat().st_mtime_ns for p in (b.cache / "pages").rglob("*.msgpack")}
    assert len(before) == len({memo._shard(p) for p in ("content/village/demo/cun/ledger.md", "content/village/demo/cun/meeting.md",
                                                         "content/village/demo/cun/rule.md", "content/government/demo/ju/land.md")})
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改标题", "2014-01-20")
    b.same_as_cold(capsys)
    after = {p: p.stat().st_mtime_ns for p in (b.cache / "pages").rglob("*.msgpack")}
    assert sorted(after) == sorted(before)
    assert [p.name for p in after if after[p] != before[p]] == [f"{memo._shard('content/village/demo/cun/meeting.md')}.msgpack"]


def test_a_damaged_record_pages_cache_is_made_again(builds, capsys):
    """A kept-pages file that is not intact is not used; the build is still byte-identical."""
    repo, b = builds
    b.same_as_cold(capsys)
    kept = list((b.cache / "pages").rglob("*.msgpack"))  # one county's files (memo.SHARDS)
    assert kept
    for path in kept:
        data = path.read_bytes()
        damaged = data.replace("关于召开村民代表会议的通知".encode(), "关于召开村民代表会议的通告".encode())
        path.write_bytes(damaged if damaged != data else data[:-1] + bytes([data[-1] ^ 1]))
    repo.record("ledger.md", CHANGED_LEDGER)
    commit(repo.root, "更正12月账目", "2014-01-20")
    log = b.same_as_cold(capsys)
    assert KEPT_RECORDS not in log
    assert "通告" not in "".join(p.read_text("utf-8") for p in (b.site / "demo").rglob("*.html"))


# What a warm build takes from the previous one besides the pages ---------------------------


def page_of(site: Path, source: str) -> Path:
    """The built page of the record whose source file is named `source`, by the site's manifest."""
    data = json.loads((site / "demo" / manifest.MANIFEST).read_text("utf-8"))
    (page,) = [r["page"] for r in data["records"] if r["path"].endswith(source)]
    return site / "demo" / page


def test_a_partial_build_hashes_only_what_it_wrote_and_its_manifest_is_a_cold_ones(builds, capsys, monkeypatch):
    repo, b = builds
    b.same_as_cold(capsys)
    land = page_of(b.site, "land.md")
    read: list[str] = []
    real = manifest._hash_file

    def counting(path: str) -> str:
        read.append(path)
        return real(path)

    monkeypatch.setattr(manifest, "_hash_file", counting)
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改标题", "2014-01-20")
    assert PARTIAL in b.same_as_cold(capsys)  # manifest.json included: byte-identical to the cold build's
    work = f"{b.site}/.build-demo/"
    warm_reads = [p[len(work):] for p in read if p.startswith(work)]
    assert "index.html" in warm_reads  # the home page lists the new title: written anew, hashed
    # The land notice's page was hard-linked from the previous build: its hash came from that
    # build's manifest, not from reading the file again.
    assert land.relative_to(b.site / "demo").as_posix() not in warm_reads


@pytest.mark.parametrize("tamper", ["page", "manifest"])
def test_a_kept_page_altered_in_the_previous_folder_does_not_pass_its_old_hash_on(builds, capsys, tamper):
    """The previous folder's fingerprint no longer matches: nothing is taken from it, every page is rendered and hashed."""
    repo, b = builds
    b.same_as_cold(capsys)
    land = page_of(b.site, "land.md")
    if tamper == "page":
        land.write_bytes(land.read_bytes().replace(b"</body>", b"<script>1</script></body>"))
    else:  # a forged hash in the manifest, same length: the manifest is part of the fingerprint too
        path = b.site / "demo" / manifest.MANIFEST
        data = path.read_text("utf-8")
        good = manifest.sha256(land.read_bytes())
        assert good in data
        path.write_text(data.replace(good, good[::-1]), "utf-8")
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改标题", "2014-01-20")
    log = b.same_as_cold(capsys)
    assert PARTIAL not in log and REUSED not in log
    data = json.loads((b.site / "demo" / manifest.MANIFEST).read_text("utf-8"))
    (entry,) = [r for r in data["records"] if r["path"].endswith("land.md")]
    assert entry["page_sha256"] == manifest.sha256(land.read_bytes())
    assert b"<script>1</script>" not in land.read_bytes()


@pytest.mark.parametrize("where", ["record page", "portal page"])
def test_a_touched_file_deep_in_the_output_folder_is_seen(builds, capsys, where):
    """The site's fingerprint is made of the folders' fingerprints as the build took them: they
    must be what a fresh walk gives (else nothing would ever be reused) and change with any file."""
    repo, b = builds
    b.same_as_cold(capsys)
    assert REUSED in b.same_as_cold(capsys)
    page = page_of(b.site, "land.md") if where == "record page" else b.site / "stats" / "index.html"
    page.write_bytes(page.read_bytes() + b"\n")
    assert REUSED not in b.same_as_cold(capsys)
    assert REUSED in b.same_as_cold(capsys)


def test_old_folders_are_gone_when_the_build_returns(builds, capsys):
    repo, b = builds
    b.same_as_cold(capsys)
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改标题", "2014-01-20")
    assert PARTIAL in b.same_as_cold(capsys)
    assert [p.name for p in b.site.iterdir() if p.name.startswith(".")] == [".gongkai-build.lock"]


def test_a_build_stopped_while_removing_the_old_folder_is_not_taken_for_done(builds, capsys, monkeypatch):
    """Stopped (Ctrl+C, SIGTERM) while the old county folder is still being removed: the
    build is not remembered, so the next one, with the same inputs, runs and clears the leftover.
    (The old folder is removed when it cannot be kept as the spare: no cache folder, or one on
    another file system.)"""
    repo, b = builds
    b.same_as_cold(capsys)
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改标题", "2014-01-20")
    with monkeypatch.context() as m:
        m.setattr(spare, "home", lambda root, final: None)  # no spare can be kept
        m.setattr(site.Run, "remove_later", lambda self, path: None)  # the removal never ran

        def stopped(self):
            raise KeyboardInterrupt

        m.setattr(site.Run, "finish", stopped)
        with pytest.raises(KeyboardInterrupt):
            b.warm(capsys)
    assert (b.site / ".old-demo").is_dir() and (b.site / "demo" / "index.html").is_file()
    log = b.same_as_cold(capsys)
    assert REUSED not in log
    assert not (b.site / ".old-demo").exists()
    assert REUSED in b.same_as_cold(capsys)


def test_a_warm_build_takes_the_unchanged_records_from_the_record_cache(builds, capsys):
    repo, b = builds
    b.same_as_cold(capsys)
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改通知", "2014-01-20")
    log = b.same_as_cold(capsys)  # the same bytes as a build that read and checked every record
    assert "其中 3 个记录文件自上次检查以来没有改动，沿用了上次的检查结果。" in log
    assert "第二次村民代表会议" in "".join(p.read_text("utf-8") for p in (b.site / "demo").rglob("index.html"))


def test_every_record_page_links_each_section_tab_to_that_section(builds, capsys):
    """Record pages share their tabs per depth and section (engine.cache_block): from a
    government record the 村务公开 tab must still lead to village/, and from a village record
    the 政务公开 tab to government/, cold and after a warm build that rendered one of them."""
    import posixpath
    import re

    repo, b = builds

    def check(site: Path) -> None:
        for page in ("village/cun/ledger", "government/ju/land"):
            html = (site / "demo" / page / "index.html").read_text("utf-8")
            tabs = re.findall(r'<a href="([^"]+)" class="md-tabs__link">\s*([^<\s]+)', html)
            assert tabs
            for href, label in tabs:
                target = posixpath.normpath(posixpath.join(page, href))
                section = {"村务公开": "village", "政务公开": "government", "首页": "."}.get(label)
                if section:
                    assert target == section, (page, label, href)

    b.same_as_cold(capsys)
    check(b.site)
    repo.record("land.md", notice("关于土地整治项目的公告", "2014-01-06").replace("正文。", "正文（更正）。"), BUREAU)
    commit(repo.root, "更正公告", "2014-01-20")
    b.same_as_cold(capsys)  # only the government record (and lists) rendered warm
    check(b.site)


def test_data_files_with_the_same_bytes_are_taken_from_the_previous_build(builds, capsys):
    """Attachments and data files whose bytes the previous manifest vouches for are hard links
    to the previous build's files, not copies made again; the ones that changed are written."""
    repo, b = builds
    b.same_as_cold(capsys)
    data = b.site / "demo" / "data"
    before = {p.relative_to(data).as_posix(): (p.stat().st_ino, p.read_bytes()) for p in data.rglob("*") if p.is_file()}
    assert any(rel.endswith(".csv") for rel in before) and any("ledger" in rel for rel in before)
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改标题", "2014-01-20")
    log = b.same_as_cold(capsys)
    assert "个数据文件沿用上次生成的结果" in log
    after = {p.relative_to(data).as_posix(): (p.stat().st_ino, p.read_bytes()) for p in data.rglob("*") if p.is_file()}
    kept = {rel for rel in before if rel in after and after[rel][0] == before[rel][0]}
    changed = {rel for rel in before if rel in after and after[rel][1] != before[rel][1]}
    assert any("ledger" in rel for rel in kept)  # the ledger's tables did not change
    assert changed and not changed & kept  # the lists naming the meeting did, and were written anew


def test_kept_record_pages_keep_their_qr_code(builds, capsys, monkeypatch):
    """With site.yml's base_url each record page prints a QR code of its address; a record
    page taken from the cache (pages/memo.py) was kept with its code, and comes back the same.
    The warm build draws codes only for the pages it made; the codes of the pages it kept stay
    in the code cache, so a later build that misses the page cache need not draw them all."""
    import gzip

    from tinyrepo import SITE_YML

    from gongkai import qr

    monkeypatch.setattr(qr, "FEW", 0)  # so few codes are drawn without the code cache: use it here
    repo, b = builds
    repo.write("content/site.yml", SITE_YML + "base_url: https://gongkai.example/\n")
    commit(repo.root, "网址", "2014-01-09")
    b.same_as_cold(capsys)
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改标题", "2014-01-20")
    log = b.same_as_cold(capsys)  # the kept pages' bytes are a cold build's, code included
    assert "条记录的页面数据与上次相同，取自缓存" in log
    kept = page_of(b.site, "land.md").read_text("utf-8")
    assert 'class="gk-print-qr"' in kept and "<svg" in kept
    cached = json.loads(gzip.decompress((b.cache / f"qr-{qr._KEY}-demo.json.gz").read_bytes()))
    assert len(cached) == 4 and all(u.startswith("https://gongkai.example/demo/") for u in cached)
    # Kept pages never reach MkDocs, and its sitemap would lose them: every record page is
    # listed all the same (and the bytes are a cold build's, above).
    sitemap = (b.site / "demo" / "sitemap.xml").read_text("utf-8")
    assert all(f"<loc>{u}</loc>" in sitemap for u in cached) and sitemap.count("<url>") > len(cached)


def test_a_kept_page_whose_data_cannot_be_read_fails_once_and_is_made_again(builds, capsys):
    """An entry of the record-pages cache written with a valid seal but unreadable data (by
    hand, or a bug): the build that renders it stops with a Chinese sentence and drops the
    file; the next build makes the pages of that file's records again, the same bytes as cold."""
    import hashlib

    import msgpack

    repo, b = builds
    b.same_as_cold(capsys)
    def land_in(path: Path) -> bool:
        return any(p.endswith("land.md") for p in msgpack.unpackb(path.read_bytes().split(b"\n", 1)[1], raw=False))

    (path,) = [p for p in (b.cache / "pages").rglob("*.msgpack") if land_in(p)]  # the file its record falls to
    header_line, body = path.read_bytes().split(b"\n", 1)
    entries = msgpack.unpackb(body, raw=False)
    record = next(p for p in entries if p.endswith("land.md"))
    entries[record][2] = "[{"  # the page data: not JSON
    entries[record][3] = "0" * 64  # and a hash no page has, so the page is rendered
    body = msgpack.packb(entries, use_bin_type=True)
    header = json.loads(header_line)
    header["sha256"] = hashlib.sha256(body).hexdigest()
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    repo.record("meeting.md", notice("关于召开第二次村民代表会议的通知"))
    commit(repo.root, "改标题", "2014-01-20")
    capsys.readouterr()
    assert b._build(b.site, b.cache) == 1
    err = capsys.readouterr().err
    assert "缓存中保存的记录页面数据已损坏" in err and "已删除这份缓存；请再生成一次" in err and "Traceback" not in err
    assert not path.exists()
    log = b.same_as_cold(capsys)
    # Only the file that held it was dropped: the land notice is made again, the other three
    # records (the meeting notice kept by the build that failed) are taken.
    assert "3 条记录的页面数据与上次相同" in log
    assert land_in(path)


def test_the_build_freezes_what_it_read_while_it_writes_and_thaws_it_after(builds, capsys, monkeypatch):
    import gc

    from gongkai import site as site_module

    repo, b = builds
    seen = []
    real = site_module._write_sites

    def write_sites(*args, **kwargs):
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(site_module, "_write_sites", write_sites)
    before = gc.get_freeze_count()
    b.warm(capsys)
    assert seen and seen[0] > before  # the project and histories are out of the collector's reach
    assert gc.get_freeze_count() == 0 and gc.isenabled()  # and given back: the test process goes on
    repo.record("extra.md", notice("关于另一事项的通知"))  # something to build
    monkeypatch.setattr(site_module, "_write_sites", lambda *args, **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        b.warm(capsys)
    assert gc.get_freeze_count() == 0


def test_scanning_in_a_forked_process_gives_what_a_scan_here_gives(tmp_path):
    """warm.Scanning scans folders beside the build; whatever happens to its process, each
    folder's listing is what warm.scan gives, and a folder that cannot be scanned raises as there."""
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, n in ((a, 3), (b, 5)):
        for i in range(n):
            (folder / f"d{i}" / "e").mkdir(parents=True)
            (folder / f"d{i}" / "e" / "index.html").write_text("x" * i, "utf-8")
        (folder / "manifest.json").write_text("{}", "utf-8")
    (b / "link").symlink_to("d0")

    def here(folder: Path) -> tuple[dict[str, warm.Stat], set[str]]:
        folders: set[str] = set()
        return warm.scan(folder, folders), folders

    scanning = warm.Scanning([a, None, b])
    folders: set[str] = set()
    assert (scanning.scan(b, folders), folders) == here(b)  # asked out of order
    assert scanning.scan(a) == here(a)[0]
    assert scanning.scan(a) == here(a)[0]  # asked again: scanned here
    scanning.stop()

    scanning = warm.Scanning([a, b])
    scanning.process.kill()  # the process died before it sent anything
    folders = set()
    assert (scanning.scan(b, folders), folders) == here(b)
    scanning.stop()

    scanning = warm.Scanning([tmp_path / "gone", a])
    with pytest.raises(FileNotFoundError):
        scanning.scan(tmp_path / "gone")
    assert scanning.scan(a) == here(a)[0]
    scanning.stop()


def test_feeds_whose_entries_did_not_change_are_taken_from_the_cache(builds, capsys, monkeypatch):
    """A one-record edit makes again the county's feed and its unit's, no other (feed.KeptFeeds);
    every feed is still what a cold build makes."""
    from gongkai import feed

    repo, b = builds
    b.same_as_cold(capsys)
    made = []
    atom = feed.atom

    def counting(project, county, entries, unit=None):
        made.append(unit.id if unit is not None else "county")
        return atom(project, county, entries, unit)

    monkeypatch.setattr(feed, "atom", counting)
    repo.record("ledger.md", CHANGED_LEDGER)
    commit(repo.root, "更正12月账目", "2014-01-20")
    b.warm(capsys)
    assert sorted(made) == ["county", "cun"]
    made.clear()
    b.same_as_cold(capsys)  # nothing new: the warm build makes none; the cold one all
    assert len(made) == len(list((b.site / "demo" / "units").glob("*/changes.xml"))) + 1


def test_a_build_killed_while_scanning_leaves_no_process_holding_the_site_lock(tmp_path):
    """warm.Scanning's process inherits the build's site lock. A listing is more than a pipe
    holds, so it waits for the build to read it; killed, the build never will. The process
    must then end (it meets a closed pipe), and free the lock, not wait for ever."""
    import fcntl
    import os
    import subprocess
    import sys
    import time

    from tinyrepo import MAIN

    folder, lock = tmp_path / "county", tmp_path / "lock"
    for i in range(40):
        (folder / f"unit-{i:02d}").mkdir(parents=True)
        for j in range(100):
            (folder / f"unit-{i:02d}" / f"record-with-a-long-name-{j:04d}.html").write_bytes(b"x")
    script = f"""
import fcntl, os, signal, sys, time
sys.path.insert(0, {str(MAIN)!r})
from pathlib import Path
from gongkai import warm
fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
scanning = warm.Scanning([Path({str(folder)!r}), Path({str(folder)!r})])
print(scanning.process.pid, flush=True)
time.sleep(2)  # scanned, and waiting to send
os.kill(os.getpid(), signal.SIGKILL)
"""
    child = int(subprocess.run([sys.executable, "-c", script], timeout=120, capture_output=True, text=True).stdout)
    fd = os.open(lock, os.O_RDWR)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, "the scanning process still holds the site lock"
                time.sleep(0.1)
    finally:
        os.close(fd)
        try:
            os.kill(child, 9)  # had it stayed, it would hold the lock of a test folder for ever
        except ProcessLookupError:
            pass
