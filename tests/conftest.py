"""Fixtures shared by the tests of the gongkai package (the browser tests have their own)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tinyrepo import Repo, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A valid repository with one county, two units, two catalogues and no records."""
    return make_repo(tmp_path / "repo")


@pytest.fixture(autouse=True, scope="session")
def _fresh_document_cache(tmp_path_factory):
    """Each test run starts with an empty cache of attachment scans (pii._document_cache)."""
    import os

    os.environ["GONGKAI_CACHE"] = str(tmp_path_factory.mktemp("gongkai-cache"))


@pytest.fixture(autouse=True, scope="session")
def _own_config_folder(tmp_path_factory):
    """The machine's cache-signing key (store.signing_key) is made in a folder of the run's own."""
    import os

    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
