"""Cache files are data from elsewhere: what is not a file of ours is passed over, never
waited on, read whole into memory or believed (store.read_file, store.read_sealed)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from gongkai import manifest, pii, store
from gongkai.cache import RecordCache


def odd_files(tmp_path: Path) -> dict[str, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # reading it would wait for a writer for ever
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")  # reading it would fill the memory
    folder = tmp_path / "folder"
    folder.mkdir()
    return {"pipe": fifo, "device": zero, "folder": folder}


@pytest.mark.parametrize("kind", ["pipe", "device", "folder"])
def test_read_file_refuses_what_is_no_regular_file(tmp_path, kind):
    with pytest.raises(OSError):
        store.read_file(odd_files(tmp_path)[kind])
    assert store.read_sealed(odd_files_again(tmp_path, kind), "k", "key") is None


def odd_files_again(tmp_path: Path, kind: str) -> Path:
    return odd_files(tmp_path / f"again-{kind}")[kind]


def test_read_file_refuses_a_file_over_its_limit(tmp_path):
    big = tmp_path / "big"
    with open(big, "wb") as f:
        f.truncate(2048)  # sparse: its size is what counts
    with pytest.raises(OSError):
        store.read_file(big, 1024)
    assert store.read_file(big, 4096) == b"\0" * 2048


@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_the_record_cache_rewrites_a_shard_that_is_no_file(tmp_path, kind):
    cache = RecordCache(tmp_path / "records")
    path = odd_files(tmp_path)[kind]
    assert cache._read_file("shard", path) is False
    assert cache.ignored and cache.ignored[-1].startswith(path.name)


def test_verify_compares_a_damaged_gzip_sitemap_as_it_is():
    data = bytearray(gzip.compress(b"<urlset>" + b"<url><loc>https://example.org/a/</loc></url>" * 200 + b"</urlset>"))
    data[len(data) // 2] ^= 1  # inside the deflate stream: zlib.error, not OSError
    rel = next(r for r in manifest.SITEMAPS if r.endswith(".gz"))
    assert manifest._comparable(rel, bytes(data)) == bytes(data)


def test_a_forged_scan_of_an_attachment_is_not_believed(tmp_path, monkeypatch):
    """The scan of an attachment is kept by its bytes' hash; an entry that says it holds no
    numbers, written there by someone else, must not let its numbers through."""
    from openpyxl import Workbook

    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))
    book = Workbook()
    book.active.append(["王金锁", "410102199001011234"])
    sheet = tmp_path / "list.xlsx"
    book.save(sheet)
    assert [row[1] for row in pii._document_cache(sheet, "xlsx")["found"]] == [pii.ID18]
    (entry,) = (tmp_path / "cache" / "documents").rglob("*.json")
    entry.write_text(json.dumps({"found": []}), "utf-8")  # the old, unsealed format
    assert [row[1] for row in pii._document_cache(sheet, "xlsx")["found"]] == [pii.ID18]


def test_read_file_asks_for_no_more_memory_than_the_file_holds(tmp_path):
    import resource

    small = tmp_path / "small"
    small.write_bytes(b"x" * 100)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, hard))  # less than the 1 GiB default limit and the interpreter
    try:
        assert store.read_file(small) == b"x" * 100
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize("content", [b"", b"short", b"k" * 33, b"k" * 5000])
def test_a_key_file_of_any_wrong_length_is_made_anew(tmp_path, monkeypatch, content):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "config" / "gongkai").mkdir(parents=True)
    (tmp_path / "config" / "gongkai" / "cache-signing-key").write_bytes(content)
    key = store.signing_key(tmp_path / "cache")
    assert key is not None and len(key) == 32 and store.signing_key(tmp_path / "cache") == key


def test_a_relative_config_folder_is_ignored(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", "rel")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store.signing_key(tmp_path / "cache") is not None
    assert not (tmp_path / "rel").exists() and (tmp_path / "home" / ".config" / "gongkai" / "cache-signing-key").exists()


def _built(tmp_path: Path, name: str, monkeypatch, cache: Path) -> dict[str, bytes]:
    from tinyrepo import buildable, make_repo, notice

    from gongkai.site import build_all

    repo = tmp_path / "repo"
    if not repo.exists():
        r = buildable(make_repo(repo))
        for i in range(3):
            r.record(f"n{i}.md", notice(f"关于第{i}次会议的通知"))
    monkeypatch.setenv("GONGKAI_CACHE", str(cache))
    site = tmp_path / name
    assert build_all(repo, site, search=False) == 0
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file() and "sitemap" not in p.name}


@pytest.mark.parametrize("what", ["the cache folder", "pages", "history", "records", "spare", "sources", "templates", "feeds"])
def test_a_cache_folder_that_is_a_file_only_makes_the_build_slower(tmp_path, monkeypatch, what):
    """'A cache folder that cannot be written never fails a build': not when it, or a folder
    in it, is a file either (the build stopped with NotADirectoryError)."""
    clean = _built(tmp_path, "clean", monkeypatch, tmp_path / "fresh")
    cache = tmp_path / "cache"
    if what == "the cache folder":
        cache.write_text("x")
    else:
        _built(tmp_path, "first", monkeypatch, cache)
        store_path = cache / what
        if store_path.is_dir():
            import shutil

            shutil.rmtree(store_path)
        store_path.write_text("x")
    assert _built(tmp_path, "again", monkeypatch, cache) == clean
