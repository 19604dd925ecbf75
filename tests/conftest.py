"""Fixtures shared by the tests of the gongkai package (the browser tests have their own)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tinyrepo import Repo, make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A valid repository with one county, two units, two catalogues and no records."""
    return make_repo(tmp_path / "repo")
