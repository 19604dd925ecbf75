"""The open data files are published files like pages: the manifest lists them and verify
finds one that was altered or removed (a tampered amount in a CSV matters as much as on a page)."""

from __future__ import annotations

import json

from test_indexno import git
from test_manifest import commit, publish
from tinyrepo import BALANCED_LEDGER, SITE_YML, buildable, make_repo

from gongkai import manifest
from gongkai.manifest import CHANGED, MISSING

CSV = "data/records/village/cun/ledger/income.csv"


def test_verify_vouches_for_every_download_and_finds_a_tampered_one(tmp_path):
    repo = make_repo(tmp_path / "repo")
    repo.write("content/site.yml", SITE_YML + "base_url: https://gongkai.example/\n")
    buildable(repo)
    git(repo.root, "init", "-q", "-b", "main")
    repo.record("ledger.md", BALANCED_LEDGER)
    commit(repo.root, "村务公开：2013年12月", "2014-01-08")
    site = publish(repo.root, tmp_path / "site")
    listed = json.loads((site / "demo" / manifest.MANIFEST).read_text("utf-8"))
    for name in (CSV, "data/records/village/cun/ledger.json", "data/records.csv", "data/units/cun.json"):
        assert name in listed["files"], name
    assert "data/index.html" in listed["pages"]
    assert manifest.verify(repo.root, str(site)) == []

    data = (site / "demo" / CSV).read_bytes()
    (site / "demo" / CSV).write_bytes(data.replace(b"5000.0", b"500.0"))
    (site / "demo" / "data" / "units" / "cun.json").unlink()
    found = manifest.verify(repo.root, str(site))
    assert [(d.kind, d.path) for d in found] == [(CHANGED, CSV), (MISSING, "data/units/cun.json")]
