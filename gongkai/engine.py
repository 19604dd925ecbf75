"""MkDocs + Material: the only module that knows which static-site engine is used.

Each county is built from the shared mkdocs.yml with per-county overrides. The pages
come from gongkai/pages as virtual files added in `on_files` (the blog plugin's pattern),
so the docs folder is empty and nothing is written but the site. Each page names its
theme/ template in its `template` meta (MkDocs' convention), and the template draws the
page's data, given to it as `gk`. Replacing the engine
(Material's maintainers name Zensical as its successor) means replacing this module.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
from html import escape
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urljoin, urlsplit

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkDocsPage
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_build_date

from . import store
from .model import CATEGORIES
from .pages import Asset, Page, autoescape


class DrawnPage(MkDocsPage):
    """A page its theme/ template draws from data: there is no Markdown to convert.

    MkDocs builds a Markdown parser for every page, even an empty one (profiled: about a
    tenth of the MkDocs stage); a plugin may give a file its own Page (File.page), as here."""

    def render(self, config: Any, files: Any) -> None:
        """Nothing to convert: the template draws the page."""
        self.content = ""
        self.toc = get_toc([])

    def _set_canonical_url(self, base: str | None) -> None:
        """MkDocs' own (urljoin and urlsplit per page) was most of on_files for ~11,000 pages;
        for a plain relative url under a plain http(s) base both come down to joining strings.
        Anything else goes MkDocs' way (tests/test_engine.py compares the two)."""
        self.canonical_url, self.abs_url = page_urls(base, self.url)


def page_urls(base: str | None, url: str) -> tuple[str | None, str | None]:
    """(canonical_url, abs_url) of a page at `url` under site_url `base`, as MkDocs' Page sets them."""
    if not base:
        return None, None
    prefix = _plain_base(base)
    if prefix is None or not _plain_url(url):
        canonical = urljoin(base if base.endswith("/") else base + "/", url)  # MkDocs' way
        return canonical, urlsplit(canonical).path
    origin, path = prefix
    return f"{origin}{path}{url}", f"{path}{url}"


class GongkaiPages(BasePlugin):
    """Adds the generated pages and attachments, and gives each page its meta."""

    def __init__(
        self,
        pages: list[Page],
        assets: list[Asset],
        kept: set[str] | None = None,
        previous: Path | None = None,
        kept_files: set[str] | None = None,
        templates_cache: Path | None = None,
        previous_files: Any = None,
    ):
        super().__init__()
        self.templates_cache = templates_cache
        # The files of `previous` when the caller has listed them (a scan), else None: each is looked for there.
        self.previous_files = previous_files
        self.pages = pages
        self.assets = assets
        self.by_src = {p.src: p for p in pages}
        self._blocks: dict[tuple[str, str, str], str] = {}
        self._section = ""  # the first segment of the address of the page being rendered
        # Pages whose output is taken from the previous build (previous/<dest>) instead of rendered.
        self.kept = kept or set()
        self.previous = previous
        self.kept_dests: list[str] = []
        # Attachments and data files whose bytes are those of the same file at `previous`: taken
        # from there after the build (spare.assemble), not handed to MkDocs (which copied ~17,000 of them each time).
        self.kept_files = kept_files or set()
        # Every page's address for sitemap.xml, in the order of a full build: kept pages are
        # not handed to MkDocs, so its own sitemap would leave them out.
        self.sitemap: list[str] = []

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        """Give templates `gongkai_cache` (theme/main.html, for record pages), and escape
        what Gongkai's own templates print (Material's do their own escaping)."""
        env.globals["gongkai_cache"] = self.cache_block
        env.autoescape = autoescape
        if self.templates_cache is not None:
            # Compiling the ~40 templates (Material's and theme/) was a tenth of a one-record
            # build. Jinja keeps their compiled code by name and checks it against a hash of the
            # template's source, so a changed template is compiled again.
            key = store.signing_key(self.templates_cache.parent.parent)  # the cache folder
            if key is not None:
                try:
                    self.templates_cache.mkdir(parents=True, exist_ok=True)
                    env.bytecode_cache = SignedBytecodeCache(self.templates_cache, key)
                except OSError:
                    pass  # compiled as without it
        return env

    def cache_block(self, name: str, base_url: str, caller: Any) -> str:
        """Render a template block once per (block, depth, top-level section) and reuse it.

        Record pages are not in the navigation, so their sidebar, tabs and footer are the
        same for every record at the same depth under the same top-level section; rendering
        them once instead of 10,000 times halves the MkDocs stage (measured: block_site_nav
        alone was a third of it). The section belongs in the key: MkDocs writes the link to
        a section relative to the page, so from affairs/u/r/ the 事务公开 tab is ../../ and
        the 政务公开 tab ../../../government/; keyed by depth alone, the first record page
        rendered set the tabs of all, and every other section's record pages linked their
        own section's tab to the wrong place (and a warm build, rendering another record
        first, gave other bytes than a cold one).
        """
        key = (name, base_url, self._section)
        if key not in self._blocks:
            self._blocks[key] = caller()
        return self._blocks[key]

    def on_files(self, files: Files, *, config: Any) -> Files:
        """Attach every generated page and every attachment as a virtual file."""
        in_nav = {src for entry in config.nav or [] for src in entry.values()}
        previous = os.fspath(self.previous) if self.previous is not None else None
        base = config.site_url
        for page in self.pages:
            # The template draws the page; Markdown only sees a stub, because parsing raw
            # HTML blocks was half of the build time (measured: 7.5 of 16.7 s). Pages outside
            # the navigation skip Markdown altogether; those in it keep the nav's title.
            keep = page.src in self.kept and page.src not in in_nav and previous is not None
            # A kept page needs only its place: worked out as MkDocs does, without a File
            # (making ~11,000 Files only to read their places was most of this event).
            place = page_place(page.src) if keep else None
            file = None if place is not None else File.generated(config, page.src, content="")
            dest, url = place or (file.dest_uri, file.url)  # type: ignore[union-attr]
            canonical, _ = page_urls(base, url)
            if canonical:  # no site_url: MkDocs' sitemap lists nothing either
                self.sitemap.append(canonical)
            # Plain strings: pathlib for ~11,000 kept pages was a visible part of this event.
            if keep and (dest in self.previous_files if self.previous_files is not None else os.path.isfile(os.path.join(previous, dest))):
                # Taken from the previous build as it is: MkDocs never sees the page (its File
                # and Page objects for ~11,000 kept pages were half of a one-record build's
                # MkDocs stage). Pages in the navigation are always rendered: their titles,
                # read as they render, show in every page's tabs.
                self.kept_dests.append(dest)
                continue
            if file is None:
                file = File.generated(config, page.src, content="")
            files.append(file)
            if page.src not in in_nav:
                DrawnPage(None, file, config)
        known = files.src_uris  # get_file_from_path builds a PurePath per call: ~17,000 attachments
        for asset in self.assets:
            dest = _posix(asset.src)
            if dest in known:
                continue
            if dest in self.kept_files and previous is not None and (
                dest in self.previous_files if self.previous_files is not None else os.path.isfile(os.path.join(previous, dest))
            ):
                self.kept_dests.append(dest)
                continue
            if asset.content is not None:
                files.append(File.generated(config, asset.src, content=asset.content))
            else:
                files.append(File.generated(config, asset.src, abs_src_path=str(asset.path)))
        return files

    def on_template_context(self, context: Any, *, template_name: str, config: Any) -> Any:
        """sitemap.xml (theme/sitemap.xml) lists every page, the kept ones too, with the build date."""
        if template_name == "sitemap.xml":
            context["gk_sitemap"] = self.sitemap
            context["gk_build_date"] = get_build_date()
        return context

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        """Title (escaped: Material's templates print it unescaped), template and layout."""
        p = self.by_src.get(page.file.src_uri)
        if p is not None:
            page.meta["title"] = escape(p.title)
            page.meta["template"] = p.template
            page.meta["gongkai_kind"] = p.kind
            page.meta.update(p.meta)
            if p.kind == "record":
                # A lean record page: no navigation sidebar (measured: it halves build time).
                page.meta["hide"] = ["navigation", "toc"]
            elif p.kind == "search":
                page.meta["hide"] = ["toc"]
        return markdown

    def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        """The page's data for its template, as `gk`, and its title unescaped, as `gk_title`."""
        p = self.by_src.get(page.file.src_uri)
        if p is not None:
            context["gk"] = p.data
            context["gk_title"] = p.title
        self._section = page.file.url.split("/", 1)[0]  # pages render one at a time, after this event
        return context


_PLAIN_SOURCE = re.compile(r"(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*/)*index\.md")


def page_place(src: str) -> tuple[str, str] | None:
    """(dest_uri, url) MkDocs gives the page at `src` with directory urls, for a plain
    `…/index.md` source (ASCII letters, digits and . _ ~ -, no segment starting with a dot);
    None for any other, which is left to MkDocs' File (tests/test_engine.py compares them)."""
    if not _PLAIN_SOURCE.fullmatch(src):
        return None
    return src[:-3] + ".html", src[:-8] or "./"


@functools.lru_cache(maxsize=8)
def _plain_base(base: str) -> tuple[str, str] | None:
    """(scheme://host, path ending in /) of a site_url that urljoin leaves as it is; else None."""
    if not base.endswith("/"):
        base += "/"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or ";" in parts.path:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    if f"{origin}{parts.path}" != base or not parts.path.startswith("/") or not _plain_url(parts.path[1:]):
        return None
    return origin, parts.path


def _plain_url(url: str) -> bool:
    """True for a relative url that urljoin appends to a folder unchanged: no scheme, query,
    fragment or parameters, no empty, '.' or '..' segments, nothing urlsplit strips."""
    if url.startswith("/") or any(c in "?#;:\\" or c <= " " for c in url):
        return False
    segments = url.split("/")
    return all(s not in ("", ".", "..") for s in segments[:-1]) and segments[-1] not in (".", "..")


def _posix(src: str) -> str:
    """src as MkDocs keys its files (PurePath(src).as_posix()), without a PurePath when it is one already."""
    if not src or "//" in src or src.endswith("/") or "." in src.split("/"):
        return PurePath(src).as_posix()
    return src


class _QuietDirty(logging.Filter):
    """MkDocs warns that a dirty build may leave stale navigation; here the navigation is the
    same and its pages are always rendered, so only pages whose data is unchanged are skipped
    (taken from the previous build, never handed to MkDocs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "dirty" not in str(record.msg)


class SignedBytecodeCache(BytecodeCache):
    """Jinja's compiled templates kept between builds, each file signed (HMAC-SHA256) with
    this machine's key (store.signing_key).

    Jinja's own FileSystemBytecodeCache loads whatever its files hold with marshal, which is
    code: a cache folder restored in CI from another branch could have run its own code in
    the build and written its own pages. A file whose signature does not hold (made on
    another machine, damaged, forged) is ignored and the template compiled again."""

    def __init__(self, folder: Path, key: bytes):
        self.folder = folder
        self.key = key

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.signed"

    def _signature(self, body: bytes) -> bytes:
        import hashlib
        import hmac

        return hmac.new(self.key, body, hashlib.sha256).digest()

    def load_bytecode(self, bucket: Bucket) -> None:
        import hmac

        try:
            data = store.read_file(self._path(bucket), 16 << 20)
        except OSError:
            return
        signature, body = data[:32], data[32:]
        if len(signature) == 32 and hmac.compare_digest(signature, self._signature(body)):
            bucket.bytecode_from_string(body)

    def dump_bytecode(self, bucket: Bucket) -> None:
        body = bucket.bytecode_to_string()
        path = self._path(bucket)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(self._signature(body) + body)
            tmp.replace(path)
        except OSError:
            tmp.unlink(missing_ok=True)  # compiled again next time


def _templates_cache(root: Path) -> Path | None:
    """Where compiled templates are kept: one folder per version of the code and of mkdocs.yml
    (Jinja's own key is the template and its source, not the settings it was compiled with)."""
    if not store.active():
        return None
    try:
        settings = (root / "mkdocs.yml").read_bytes()
    except OSError:
        return None
    return store.cache_root(root) / "templates" / store.digest(store.code_key(), settings)[:16]


def _nav() -> list[dict[str, str]]:
    nav = [{"首页": "index.md"}]
    nav += [{name: f"{category}/index.md"} for category, name in CATEGORIES.items()]
    nav += [{"公开单位": "units/index.md"}, {"公开目录": "catalogue/index.md"}, {"变更记录": "changes/index.md"}, {"公开时限": "deadlines/index.md"}]
    nav += [{"统计": "stats/index.md"}]
    nav += [{"搜索": "search/index.md"}]
    return nav


def build_site(
    root: Path,
    out: Path,
    *,
    site_name: str,
    site_url: str,
    footer: dict[str, str],
    pages: list[Page],
    assets: list[Asset],
    nav: list[dict[str, str]] | None = None,
    repo_url: str = "",
    kept: set[str] | None = None,
    previous: Path | None = None,
    kept_files: set[str] | None = None,
    previous_files: Any = None,
) -> list[str]:
    """Build one site into `out` with the shared mkdocs.yml; raises if MkDocs fails.

    `kept`: sources of pages whose data is the same as in the build at `previous` (a folder
    of its complete output): those are not rendered, everything else (other pages, theme
    files, sitemap) is written as in a full build. `kept_files`: the attachments and data
    files (by dest) whose bytes are the same at `previous`. Returns the files to take from
    `previous` (dests), which the caller puts in place (spare.assemble): `out` holds only
    what was written. `previous_files`: the files `previous` holds, when already listed (a
    container of paths relative to it)."""
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="gongkai-docs-") as docs:
        overrides: dict[str, Any] = {
            "site_name": site_name,
            "docs_dir": docs,
            "site_dir": str(out),
            "nav": nav if nav is not None else _nav(),
            "extra": {"generator": False, "gongkai": footer},
        }
        if site_url:
            overrides["site_url"] = site_url
        if repo_url:
            overrides["repo_url"] = repo_url
            overrides["repo_name"] = "公开数据仓库"
        config = load_config(str(root / "mkdocs.yml"), **overrides)
        plugin = GongkaiPages(pages, assets, kept, previous, kept_files, _templates_cache(root), previous_files)
        config.plugins["gongkai"] = plugin
        quiet = _QuietDirty()
        build_log = logging.getLogger("mkdocs.commands.build")
        build_log.addFilter(quiet)
        try:
            mkdocs_build(config, dirty=bool(kept or kept_files) and previous is not None)
        finally:
            build_log.removeFilter(quiet)
        return plugin.kept_dests if previous is not None else []
