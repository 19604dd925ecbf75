"""The benchmark's own promises: its edits are valid records, and a failed build is no figure."""

import subprocess

import pytest

from gongkai import bench, check


def test_edits_stay_valid_after_earlier_runs_changed_the_repository(tmp_path):
    # Earlier runs on the same repository (--repo) leave added records whose names sort before
    # the generated ones, published today: a correction must never land on one with an
    # earlier date (the run of 2026-12-04 timed builds that had stopped at that error).
    bench.make_history_repo(tmp_path, 30, 3)
    for _ in range(2):
        bench.add_record(tmp_path)
        bench.correct_record(tmp_path, 0)
        bench.correct_record(tmp_path, 1)
        project = check(tmp_path)
        assert not project.findings.errors, [f.message for f in project.findings.errors]
    assert "added-" in str(bench.add_record(tmp_path).name)
    notices = [p.name for p in bench._notices(tmp_path)]
    assert notices and all(n.startswith("notice-") for n in notices)


def test_a_build_that_stops_gives_no_figure(tmp_path):
    # A repository without the county the bench builds: build_all says so and returns 2.
    bench.write_county(tmp_path, 3)
    (tmp_path / "content" / "counties" / "bench.yml").rename(tmp_path / "content" / "counties" / "other.yml")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    with pytest.raises(SystemExit, match="no figure"):
        bench._build_in_child(tmp_path, tmp_path / "site")
