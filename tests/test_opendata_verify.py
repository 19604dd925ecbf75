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


def test_lists_made_from_rows_are_the_bytes_of_the_whole_list():
    """list_files joins rows encoded once (list_rows); it must give what list_csv and
    json_bytes give for the whole list, whatever the rows hold."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from gongkai import opendata

    value = st.one_of(st.text(alphabet=st.sampled_from(['a', '公', '"', ',', '\n', '\r', ' ', '1', '\\']), max_size=5),
                      st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False))
    entry = st.dictionaries(st.sampled_from([k for k, _ in opendata.LIST_COLUMNS] + ["other"]), value)

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=4), st.lists(entry, max_size=6))
    def same(title, entries):
        csv_data, json_data = opendata.list_files(title, opendata.list_rows(entries))
        assert csv_data == opendata.list_csv(entries)
        assert json_data == opendata.json_bytes({"title": title, "count": len(entries), "records": entries})

    same()
