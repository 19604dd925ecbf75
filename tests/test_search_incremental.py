"""The search bundle updated from the previous one (write_bundle with `previous` and `state`)
holds the same bytes as the bundle written from scratch, whatever changed; what it takes from
the previous bundle or the cache is checked, never trusted."""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path

import pytest

from gongkai import search, store
from gongkai.search import SearchDocument, write_bundle

WORDS = ["许振华", "护林员", "村务监督委员会", "惠农补贴", "一卡通", "耕地地力保护补贴", "许政〔2013〕12号", "第3村民小组",
         "4558.55元", "公示", "低保", "危房改造", "合作医疗", "王振国", "张家寨", "2014", "54411099MF", "道路硬化"]


def _corpus(n: int = 150, seed: int = 3) -> list[SearchDocument]:
    """Records enough for a few hundred buckets, with dates that repeat (the address breaks ties)."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        title = f"{rng.choice(WORDS)}{rng.choice(WORDS)}公示第{i}号"
        text = title + "\n" + " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(15))
        docs.append(SearchDocument(
            url=f"village/cun/r{i:04d}/", title=title, unit=f"第{i % 7}村民委员会", date=f"2014-{i % 12 + 1:02d}-{i % 27 + 1:02d}",
            summary=text[:30], filters={"类别": rng.choice(["村务公开", "财务公开", "政务公开"]), "单位": f"第{i % 7}村民委员会"},
            text=text, heading=f"{title}\n许政〔2014〕{i}号",
        ))
    return docs


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_same_as_from_scratch(docs: list[SearchDocument], updated: Path, scratch: Path) -> dict:
    figures = write_bundle(copy.deepcopy(docs), scratch)
    got, want = _files(updated), _files(scratch)
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []
    return figures


def _nth(docs: list[SearchDocument], url: str) -> SearchDocument:
    return next(d for d in docs if d.url == url)


def _edits(docs: list[SearchDocument]):
    """(name, documents, whether every record keeps its id) for changes one after another."""
    docs = copy.deepcopy(docs)
    _nth(docs, "village/cun/r0005/").text += "\n补充说明：护林员补贴已发放"
    yield "a text edited", copy.deepcopy(docs), True
    _nth(docs, "village/cun/r0017/").filters["类别"] = "党务公开"  # a filter value no record had
    yield "a filter value changed", copy.deepcopy(docs), True
    heading = _nth(docs, "village/cun/r0030/").heading.rsplit("许政", 1)[1]
    assert not any("2014 30号" in search.keys(d.text) for d in docs)  # a key of record 30's heading, and of no text
    _nth(docs, "village/cun/r0031/").text += f"\n依据许政{heading}"  # a key only a heading held enters a text
    yield "a heading's key enters a text", copy.deepcopy(docs), True
    _nth(docs, "village/cun/r0031/").text = _nth(docs, "village/cun/r0031/").title  # most of its keys go
    yield "a text cut short", copy.deepcopy(docs), True
    new = copy.deepcopy(docs[0])
    new.url, new.date, new.text = "village/cun/r9999/", "2015-01-01", new.title + "\n新记录 护林员"
    docs.append(new)  # the newest record: it takes the next id, no other moves
    yield "a record added", copy.deepcopy(docs), True
    older = copy.deepcopy(docs[1])
    older.url, older.date = "village/cun/r9998/", "2014-12-20"  # among the newest: a few ids move
    docs.append(older)
    yield "a record added among the newest", copy.deepcopy(docs), False
    docs = [d for d in docs if d.url != "village/cun/r0100/"]
    yield "a record deleted", copy.deepcopy(docs), False
    _nth(docs, "village/cun/r0040/").date = "2013-01-01"  # moves to the end
    yield "a record's date changed", copy.deepcopy(docs), False
    yield "nothing changed", copy.deepcopy(docs), True


def test_an_updated_bundle_is_byte_identical_to_one_from_scratch_through_every_kind_of_change(tmp_path):
    docs = _corpus()
    state = tmp_path / "cache" / "search.json"
    previous = tmp_path / "b0"
    first = write_bundle(copy.deepcopy(docs), previous, state=state)
    assert first["buckets"] > 20 and "rewritten" not in first
    updated, buckets = [], first["buckets"]
    for n, (name, changed, ids_kept) in enumerate(_edits(docs), 1):
        out = tmp_path / f"b{n}"
        figures = write_bundle(changed, out, previous=previous, state=state)
        scratch = _assert_same_as_from_scratch(changed, out, tmp_path / f"scratch{n}")
        assert {k: figures[k] for k in scratch} == scratch, name
        if "rewritten" in figures:
            updated.append(name)
            # Only the buckets of keys that came or went: the filter's two keys, none at all.
            assert figures["rewritten"] <= {"a filter value changed": 2, "nothing changed": 0}.get(name, figures["buckets"]), name
            # The buckets and record files not rewritten are the previous ones, hard-linked.
            same = [p for p in (out / "t").iterdir() if p.stat().st_ino == (previous / "t" / p.name).stat().st_ino]
            assert len(same) == figures["buckets"] - figures["rewritten"], name
            if ids_kept:  # and a record file too, when its record kept its id
                assert (out / "r" / "120.json").stat().st_ino == (previous / "r" / "120.json").stat().st_ino
        else:  # shifted ids, or the bucket of every key changes: rewritten from scratch
            assert not ids_kept or figures["buckets"] != buckets, name
        previous, buckets = out, figures["buckets"]
    assert {"a text edited", "a filter value changed", "a record added", "a record added among the newest", "nothing changed"} <= set(updated)


def _bundle_and_edit(tmp_path: Path) -> tuple[Path, Path, list[SearchDocument]]:
    docs = _corpus()
    state = tmp_path / "cache" / "search.json"
    write_bundle(copy.deepcopy(docs), tmp_path / "before", state=state)
    _nth(docs, "village/cun/r0005/").text += "\n补充说明：护林员补贴已发放"
    return tmp_path / "before", state, docs


@pytest.mark.parametrize("damage", ["cut", "foreign", "other key", "edited body"])
def test_a_corrupt_or_foreign_state_is_ignored(tmp_path, damage):
    previous, state, docs = _bundle_and_edit(tmp_path)
    data = state.read_bytes()
    header, body = data.split(b"\n", 1)
    if damage == "cut":
        state.write_bytes(data[: len(data) // 2])
    elif damage == "foreign":
        state.write_text('{"not": "ours"}\n{}', "utf-8")
    elif damage == "other key":
        fields = json.loads(header)
        fields["key"] = "0" * 64
        state.write_bytes(json.dumps(fields).encode() + b"\n" + body)
    else:  # a valid seal over a body that says the buckets are others
        remembered = json.loads(body)
        remembered["digests"][0] = "0" * 64
        store.write_sealed(state, search.STATE_KIND, store.code_key(), remembered)
    figures = write_bundle(docs, tmp_path / "after", previous=previous, state=state)
    assert "rewritten" not in figures  # from scratch
    _assert_same_as_from_scratch(docs, tmp_path / "after", tmp_path / "scratch")
    assert search._read_state(state) is not None  # and remembered afresh


@pytest.mark.parametrize("where", ["t", "r"])
def test_a_tampered_previous_bundle_is_not_copied(tmp_path, where):
    previous, state, docs = _bundle_and_edit(tmp_path)
    victim = previous / where / ("3.bin" if where == "t" else "120.json")
    victim.write_bytes(victim.read_bytes()[:-1] + b"#")
    (previous / where / ("4.bin" if where == "t" else "121.json")).unlink()
    write_bundle(docs, tmp_path / "after", previous=previous, state=state)
    _assert_same_as_from_scratch(docs, tmp_path / "after", tmp_path / "scratch")


def test_without_the_previous_bundle_it_is_written_from_scratch(tmp_path):
    previous, state, docs = _bundle_and_edit(tmp_path)
    figures = write_bundle(docs, tmp_path / "after", previous=tmp_path / "nowhere", state=state)
    assert "rewritten" not in figures
    _assert_same_as_from_scratch(docs, tmp_path / "after", tmp_path / "scratch")


def test_the_indexer_process_updates_the_previous_bundle(tmp_path):
    docs = _corpus()
    state = tmp_path / "cache" / "search.json"
    search.Indexing(copy.deepcopy(docs), tmp_path / "site" / search.BUNDLE, state).finish(tmp_path / "site")
    _nth(docs, "village/cun/r0005/").text += "\n补充说明：护林员补贴已发放"
    indexing = search.Indexing(copy.deepcopy(docs), tmp_path / "site" / search.BUNDLE, state)
    indexing.finish(tmp_path / "next")
    assert indexing.stats["changed"] == 1 and indexing.stats["rewritten"] < indexing.stats["buckets"]
    _assert_same_as_from_scratch(docs, tmp_path / "next" / search.BUNDLE, tmp_path / "scratch")
    with store.disabled():  # check --no-cache: the indexer neither reads nor writes the state
        os.remove(state)
        search.Indexing(copy.deepcopy(docs), tmp_path / "next" / search.BUNDLE, state).finish(tmp_path / "third")
        assert not state.exists()


def test_record_ids_decode_as_they_were_encoded():
    for ids in ([], [0], [7], [1, 2, 3, 200, 70000], list(range(0, 900, 2))):
        data = b"xy" + search.encode_ids(ids)
        assert search.decode_ids(data, 2) == (ids, len(data))
