"""The engine's shortcuts around MkDocs give what MkDocs itself would."""

from __future__ import annotations

from pathlib import PurePath

import pytest
from mkdocs.structure.pages import Page as MkDocsPage

from gongkai import engine

BASES = ["https://gk.example.org/", "https://gk.example.org/bench", "http://h:8080/a/b/", "https://h/a/./b/", "https://h/a//b/",
         "https://h/a/?q=1", "https://h/#x", "HTTPS://h/", "ftp://h/", "//h/", "site/", "https://h/a;p/", "https://h/../x/"]
URLS = ["./", "government/ju/land/", "village/cun/n000/", "a/b/index.html", "a//b/", "a/./b/", "a/../b/", "../x/", "/abs/",
        "a:b/", "a?b", "a#b", "a;b/", "%E5%85%AC%E5%BC%80/", "a b/", ".", "..", "a/.", "a/..", "x\\y/", "\ta/"]


class Url:
    def __init__(self, url: str):
        self.url = url


@pytest.mark.parametrize("base", BASES)
def test_canonical_urls_are_mkdocs_own(base):
    for url in URLS:
        ours, theirs = engine.DrawnPage.__new__(engine.DrawnPage), MkDocsPage.__new__(MkDocsPage)
        for page in (ours, theirs):
            page.file = Url(url)  # type: ignore[assignment]  # Page.url reads file.url
        engine.DrawnPage._set_canonical_url(ours, base)
        MkDocsPage._set_canonical_url(theirs, base)
        assert (ours.canonical_url, ours.abs_url) == (theirs.canonical_url, theirs.abs_url), url


@pytest.mark.parametrize("src", ["a/b.pdf", "a//b", "./a", "a/./b", "a/", "a/.", "a/../b", ".hidden/x", "a/b..pdf", "", "/a", "//a"])
def test_attachment_sources_are_keyed_as_mkdocs_keys_them(src):
    assert engine._posix(src) == PurePath(src).as_posix()


def test_the_usual_site_url_and_page_urls_take_the_shortcut():
    assert engine._plain_base("https://gk.example.org/bench") == ("https://gk.example.org", "/bench/")
    assert engine._plain_url("government/ju/land/") and engine._plain_url("")


SOURCES = ["index.md", "government/ju/land/index.md", "changes/page/12/index.md", "a-b_c~d.e/index.md", "a/b.md", "a/index.html",
           "a/README.md", "a/Index.md", "a//index.md", "./index.md", "a/./index.md", "a/../index.md", ".hidden/index.md", "a/.x/index.md",
           "/a/index.md", "公开/index.md", "a b/index.md", "a%20b/index.md", "a#b/index.md", "a?b/index.md", "a\\b/index.md",
           "aindex.md", "a/xindex.md", "index.md/index.md", "-/index.md", "a./index.md"]


@pytest.mark.parametrize("src", SOURCES)
def test_kept_pages_are_placed_where_mkdocs_places_them(src):
    from mkdocs.structure.files import File

    place = engine.page_place(src)
    file = File(src, src_dir=None, dest_dir="/site", use_directory_urls=True)
    if place is not None:
        assert place == (file.dest_uri, file.url)


def test_the_pages_of_a_county_take_the_shortcut():
    assert engine.page_place("village/cun/meeting/index.md") == ("village/cun/meeting/index.html", "village/cun/meeting/")
    assert engine.page_place("index.md") == ("index.html", "./")
