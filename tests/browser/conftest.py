"""Fixtures for tests of the built sites: one build of the bundled content, served on
localhost, and a real headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tinyrepo import serve

from gongkai import check
from gongkai.site import build_all

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium tries to reach Google's hosts at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def project():
    """The bundled content, validated."""
    return check(REPO)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, project) -> Path:
    """The bundled content built once for the whole session."""
    site = tmp_path_factory.mktemp("site")
    assert build_all(REPO, site) == 0
    return site


@pytest.fixture(scope="session")
def server(built_site) -> str:
    """The built site on a free localhost port; yields its base URL."""
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium; fails (never skips) when it is not installed."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required: apt-get install chromium (make test does it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser page that records every request it makes."""
    context = browser.new_context(locale="zh-CN")
    pg = context.new_page()
    pg.requests_seen = []
    pg.on("request", lambda req: pg.requests_seen.append(req.url))
    yield pg
    context.close()
