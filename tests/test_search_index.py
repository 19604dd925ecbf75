"""The search index: how text is cut into units and keys, the bundle, and the page's copy
of the same cutting in JavaScript (run in node, or in Chromium where node is missing)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai import search
from gongkai.search import SearchDocument, canonical, keys, query_keys, units, write_bundle
from gongkai.searchbench import query_terms, relevant

MAIN = Path(__file__).resolve().parent.parent
SCRIPT = MAIN / "theme" / "assets" / "gongkai-search.js"

UNITS = [
    ("许振华", ["许", "振", "华"]),
    ("耕地地力保护补贴", ["耕", "地", "地", "力", "保", "护", "补", "贴"]),
    # Punctuation only separates: any brackets, no space between a Han character and a number.
    ("许政〔2013〕12号", ["许", "政", "2013", "12", "号"]),
    ("许政[2013]12号", ["许", "政", "2013", "12", "号"]),
    ("许政 2013 12 号", ["许", "政", "2013", "12", "号"]),
    ("005734076/2014-00001", ["005734076", "2014", "00001"]),
    ("54411099MF0000030X", ["54411099mf0000030x"]),
    ("4,558.55元", ["4", "558", "55", "元"]),
    ("ＡＢＣ１２３号", ["abc123", "号"]),  # full-width letters and digits (NFKC)
    ("二〇一三年", ["二", "〇", "一", "三", "年"]),
    ("𠮷野家", ["𠮷", "野", "家"]),  # a character outside the Basic Multilingual Plane
    ("a_b—c", ["a", "b", "c"]),
    ("“行政许可”。", ["行", "政", "许", "可"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), UNITS)
def test_text_is_cut_into_han_characters_and_words(text, expected):
    assert units(text) == expected


def test_the_index_holds_every_run_of_one_to_three_units():
    assert keys("许振华") == {"许", "振", "华", "许振", "振华", "许振华"}
    whole = {k for k in keys("2013年12号") if not k.endswith(search.MORE)}
    assert whole == {"2013", "年", "12", "号", "2013年", "年12", "12号", "2013年12", "年12号"}
    assert "2013 12" in keys("〔2013〕12号")  # two numbers keep a space between them


def test_a_short_query_is_one_key_and_a_long_one_is_its_three_unit_runs():
    assert query_keys("许") == ["许"]
    assert query_keys("护林员") == ["护林员"]
    assert query_keys("“行政许可”") == ["行政许", "政许可"]
    assert query_keys("村务监督委员会") == ["村务监", "务监督", "监督委", "督委员", "委员会"]
    assert query_keys("陈化店镇张家寨村村民委员会") == ["陈化店", "店镇张", "张家寨", "寨村村", "村民委", "委员会"]
    assert query_keys("许政〔2013〕12号") == ["许政2013", "政2013 12", "2013 12号"]
    assert query_keys("。，") == []
    pasted = query_keys("根据上级有关文件精神，经村民代表会议讨论通过，现将有关情况公示如下。公示期间如有异议，请反映。")
    assert len(pasted) == search.MAX_KEYS and pasted[0] == "根据上" and pasted[-1] == "请反映"


def test_a_number_that_ends_a_term_is_found_by_its_beginning():
    # Runs of two and three units ending in a number are also held cut inside that number.
    assert {"政2013 1*", "政2013 12*", "2013 1*", "许政2013*", "许政2*"} <= keys("许政〔2013〕12号")
    assert "2*" not in keys("2013")  # a number alone is not cut: 2013 is not the start of 201312
    assert query_keys("许政〔2013〕1", prefix=True) == ["许政2013", "政2013 1*"]
    assert query_keys("机关党委20", prefix=True) == ["机关党", "关党委", "党委20*"]
    assert query_keys("党委201", prefix=True) == ["党委201*"]
    # Beyond PREFIX characters the first PREFIX are looked up, and the text decides.
    assert query_keys("党委201312", prefix=True) == ["党委2013*"]
    assert search.query_is_exact("党委2013", prefix=True) and not search.query_is_exact("党委20131", prefix=True)
    assert query_keys("2013", prefix=True) == ["2013"] and query_keys("许政〔2013〕12号", prefix=True)[-1] == "2013 12号"
    for number in ("许政〔2013〕12号", "许政〔2013〕121号", "许政〔2013〕1号"):
        assert set(query_keys("许政〔2013〕1", prefix=True)) <= keys(number)
        assert relevant(number, "许政〔2013〕1")
    assert not relevant("许政〔2013〕31号", "许政〔2013〕1") and not relevant("许政〔2013〕121号", '"许政〔2013〕1"')
    assert relevant("市民政局机关党委2013年第四季度", "机关党委20") and not relevant("机关党委2013年", "机关党委3")
    assert query_terms('许政〔2013〕1 "许政〔2013〕1" 2013') == [("许政2013 1", True), ("许政2013 1", False), ("2013", False)]


@pytest.mark.parametrize(
    ("near_miss", "query"),
    [("许政〔2013〕121号", "许政〔2013〕12号"), ("许政办〔2013〕12号", "许政〔2013〕12号"), ("许振国 王振华", "许振华"),
     ("14558.55", "4558.55")],
)
def test_a_near_miss_does_not_hold_every_key_of_the_query(near_miss, query):
    assert not set(query_keys(query)) <= keys(near_miss)
    assert not relevant(near_miss, query)


HAN_TEXT = st.text(alphabet="许振华国政村务监督委员会补贴农一卡通，。〔〕0123456789号 ", max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=HAN_TEXT, start=st.integers(0, 40), length=st.integers(1, 12))
def test_every_piece_of_a_text_is_found_by_its_keys(text, start, length):
    # A piece of one segment: no key runs across sentence punctuation (search.segments).
    parts = search.segments(text)
    us = units(parts[start % len(parts)])
    piece = search.key(us[start : start + length]) if us[start : start + length] else ""
    assert set(query_keys(piece)) <= keys(text)
    if piece:
        assert relevant(text, piece)
    # A piece whose last number is cut short is found by its beginning.
    run = us[start : start + length]
    if len(run) >= 2 and run[-1].isdigit():
        cut = search.key([*run[:-1], run[-1][:1]])
        assert set(query_keys(cut, prefix=True)) <= keys(text)
        assert relevant(text, cut.replace(" ", "/"))  # typed as one term (a space would make two)


def _ids(data: bytes, pos: int) -> tuple[list[int], int]:
    """Decode one posting (the format JavaScript reads), to check the encoder."""
    header, pos = _varint(data, pos)
    end = pos + header // 2
    if header % 2:
        return [(i - pos) * 8 + bit for i in range(pos, end) for bit in range(8) if data[i] >> bit & 1], end
    out, last = [], -1
    while pos < end:
        gap, pos = _varint(data, pos)
        last += gap
        out.append(last)
    return out, end


@pytest.mark.parametrize("ids", [[], [0], [5], [3, 4, 200, 70000], list(range(0, 1000, 3)), list(range(900))])
def test_record_ids_round_trip_as_gaps_or_a_bitmap(ids):
    data = search.encode_ids(ids)
    assert _ids(data, 0) == (ids, len(data))


def _document(i: int, title: str, text: str, **extra) -> SearchDocument:
    return SearchDocument(
        url=f"village/cun/r{i}/", title=title, unit="示范村村民委员会", date=f"2013-0{i % 9 + 1}-01",
        summary=text[:20], filters={"类别": "村务公开", "单位": "示范村村民委员会", "年份": "2013"},
        text=title + "\n" + text, heading=extra.get("heading", title),
    )


DOCUMENTS = [
    _document(1, "示范村2013年农机购置补贴公示", "许振华 第3村民小组 4558.55 惠农补贴一卡通"),
    _document(2, "关于转发许政〔2013〕12号文件的通知", "根据许政〔2013〕12号文件精神", heading="关于转发许政〔2013〕12号文件的通知\n许政〔2013〕31号"),
    _document(3, "许昌市人民政府关于行政许可的决定", "许政〔2013〕121号 行政许可事项 许振国 王振华"),
]


def test_the_bundle_holds_records_oldest_first_and_every_key(tmp_path):
    figures = write_bundle(DOCUMENTS, tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text("utf-8"))
    assert meta["records"] == figures["records"] == 3
    assert meta["filters"]["类别"] == [["村务公开", 3]]
    block = json.loads((tmp_path / "c" / "0.json").read_text("utf-8"))
    assert block["units"] == ["示范村村民委员会"]
    # Oldest first: a new record takes the next id (the page shows the highest first).
    assert [card[0] for card in block["cards"]] == ["village/cun/r1/", "village/cun/r2/", "village/cun/r3/"]
    assert block["cards"][0] == ["village/cun/r1/", DOCUMENTS[0].title, 0, DOCUMENTS[0].date]
    assert json.loads((tmp_path / "r" / "0.json").read_text("utf-8")) == {
        "url": "village/cun/r1/", "title": DOCUMENTS[0].title, "unit": "示范村村民委员会", "date": DOCUMENTS[0].date,
        "summary": DOCUMENTS[0].summary, "text": DOCUMENTS[0].text}
    postings = _read_bundle(tmp_path, meta)
    assert postings["许振华"] == ([0], [])
    assert postings["2013 12号"] == ([1], [1])  # in record 1's heading too: it ranks first
    assert postings["单位=示范村村民委员会"] == ([0, 1, 2], [])
    assert "许政〔2013〕12号" not in postings


def test_the_bundle_holds_each_records_filter_values_for_the_counts(tmp_path):
    import gzip

    docs = [*DOCUMENTS, _document(4, "不属于任何年份的记录", "正文")]
    docs[-1].filters = {"类别": "政务公开", "单位": "示范村村民委员会"}
    write_bundle(docs, tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text("utf-8"))
    assert meta["columns"] == [["单位", 1], ["年份", 1], ["类别", 1]]
    data = gzip.decompress((tmp_path / search.COLUMNS).read_bytes())
    n = meta["records"]
    cards = [c for b in sorted((tmp_path / "c").iterdir()) for c in json.loads(b.read_text("utf-8"))["cards"]]
    by_url = {d.url: d for d in docs}
    for k, (name, _) in enumerate(meta["columns"]):
        for rid, card in enumerate(cards):
            value = by_url[card[0]].filters.get(name)
            number = data[k * n + rid]
            assert (meta["filters"][name][number - 1][0] if number else None) == value
    # Wide enough for a county of many units: two bytes per record.
    many = [_document(100 + i, f"第{i}号", "正文") for i in range(300)]
    for i, d in enumerate(many):
        d.filters = {"单位": f"单位{i:03d}"}
    meta2 = write_bundle(many, tmp_path / "wide") and json.loads((tmp_path / "wide" / "meta.json").read_text("utf-8"))
    assert meta2["columns"] == [["单位", 2]]
    wide = gzip.decompress((tmp_path / "wide" / search.COLUMNS).read_bytes())
    first = json.loads((tmp_path / "wide" / "c" / "0.json").read_text("utf-8"))["cards"][0][0]
    assert meta2["filters"]["单位"][int.from_bytes(wide[:2], "little") - 1][0] == by_url.get(first, {d.url: d for d in many}[first]).filters["单位"]


def _read_bundle(folder: Path, meta: dict) -> dict[str, tuple[list[int], list[int]]]:
    out = {}
    for n in range(meta["buckets"]):
        data = (folder / "t" / f"{n}.bin").read_bytes()
        count, pos = _varint(data, 0)
        for _ in range(count):
            length, pos = _varint(data, pos)
            k = data[pos : pos + length].decode("utf-8")
            assert search.bucket_of(k, meta["buckets"]) == n
            all_ids, pos = _ids(data, pos + length)
            heading, pos = _ids(data, pos)
            out[k] = (all_ids, heading)
        assert pos == len(data)
    return out


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[pos]
        n |= (b & 0x7F) << shift
        shift += 7
        pos += 1
        if not b & 0x80:
            return n, pos


def test_two_builds_of_the_bundle_are_byte_identical(tmp_path):
    """Another process with another hash seed writes the same files."""
    write_bundle(DOCUMENTS, tmp_path / "a")
    source = tmp_path / "documents.json"
    source.write_text(json.dumps([d.__dict__ for d in DOCUMENTS], ensure_ascii=False), "utf-8")
    env = {**os.environ, "PYTHONHASHSEED": "4321", "PYTHONPATH": str(MAIN)}
    subprocess.run([sys.executable, "-m", "gongkai.search", str(source), str(tmp_path / "b")], check=True, env=env,
                   capture_output=True)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert [f for f in files if (tmp_path / "a" / f).read_bytes() != (tmp_path / "b" / f).read_bytes()] == []


def test_indexing_runs_beside_the_build_and_moves_its_bundle_into_the_site(tmp_path):
    indexing = search.Indexing(DOCUMENTS)
    indexing.finish(tmp_path)
    assert json.loads((tmp_path / search.BUNDLE / "meta.json").read_text("utf-8"))["records"] == 3
    assert indexing.stats["keys"] > 20 and indexing.seconds > 0
    assert not indexing.tmp.exists()


def test_a_failing_indexer_reports_its_output(tmp_path):
    bad = SearchDocument(url="x/", title="t", unit="u", date="2013-01-01", summary="", filters={}, text="t")
    indexing = search.Indexing([bad])
    indexing.proc.kill()  # as if it had crashed
    with pytest.raises(search.SearchIndexError):
        indexing.finish(tmp_path)
    assert not (tmp_path / search.BUNDLE).exists()


# The page's JavaScript gives the same units, keys and buckets ----------------------------

PARITY = [text for text, _ in UNITS] + [
    "城关镇张家寨村村民委员会", "村务监督委员会", "“村务监督委员会”", "护林员 2015", "Ⅻ号", "①②", "ﬁle", "İstanbul", "Σίσυφος",
    "한국어 テスト", "٣٤٥ arabic", "1,234,567.89", "第3村民小组", "𠀀𪜀𫝀", "\u3000全角空格\u00a0", "tab\tnew\nline",
    "根据上级有关文件精神，经村民代表会议讨论通过，现将有关情况公示如下。公示期间如有异议，请向乡镇人民政府反映。",
]


# Runs one call: [function, ...arguments]; "bucket" reads a key from a bucket's bytes and
# "meet" intersects the postings of keys, each given as [bucket bytes, key].
CALL = """(api, [fn, ...args]) => {
  const posting = ([bytes, k]) => api.parseBucket(Uint8Array.from(bytes)).get(k);
  if (fn === 'bucket') { const p = posting(args); return p && [Array.from(api.idsOf(p.all)), Array.from(api.idsOf(p.heading))]; }
  if (fn === 'meet') return Array.from(api.idsOf(args.map(a => posting(a).all).reduce((a, b) => api.intersect(a, b))));
  if (fn === 'ids') { const [name, ...rest] = args; return Array.from(api[name](...rest)); }
  return api[fn](...args);
}"""


def _javascript(calls: list[list]) -> list:
    """Call functions of gongkai-search.js with arguments, in node, or in Chromium."""
    node = shutil.which("node")
    if node:
        program = f"const api = require(process.argv[1]); const call = {CALL};" \
                  "console.log(JSON.stringify(JSON.parse(require('fs').readFileSync(0, 'utf8')).map(c => call(api, c))));"
        done = subprocess.run([node, "-e", program, str(SCRIPT)], input=json.dumps(calls), capture_output=True, text=True, check=True)
        return json.loads(done.stdout)
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).exists(), "node or Debian's chromium is needed to run the page's JavaScript"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.add_script_tag(content=SCRIPT.read_text("utf-8"))
        out = page.evaluate(f"calls => {{ const call = {CALL}; return calls.map(c => call(window.gongkaiSearch, c)); }}", calls)
        browser.close()
        return out


def test_javascript_cuts_text_as_python_does():
    calls = [[fn, t] for t in PARITY for fn in ("canonical", "units", "queryKeys")]
    calls += [[fn, t, True] for t in PARITY for fn in ("queryKeys", "queryIsExact")]
    calls += [["bucketOf", t, n] for t in PARITY for n in (1, 7, 4501)]
    expected = [f(t) for t in PARITY for f in (canonical, units, query_keys)]
    expected += [f(t, prefix=True) for t in PARITY for f in (query_keys, search.query_is_exact)]
    expected += [search.bucket_of(t, n) for t in PARITY for n in (1, 7, 4501)]
    assert _javascript(calls) == expected


# Enough records that some keys are in a few of them (gaps) and others in most (bitmaps).
MANY = DOCUMENTS + [_document(10 + i, f"第{i}号通知", "许振华 护林员" * (i % 3 == 0) + f"编号{i} 公示" * (i % 2)) for i in range(60)]


def test_javascript_reads_and_intersects_the_postings_python_writes(tmp_path):
    write_bundle(MANY, tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text("utf-8"))
    postings = _read_bundle(tmp_path, meta)

    def entry(k: str) -> list:
        return [list((tmp_path / "t" / f"{search.bucket_of(k, meta['buckets'])}.bin").read_bytes()), k]

    wanted = ["许振华", "护林员", "公示", "编号7", "2013 12号", "单位=示范村村民委员会", "通知", "没有这个词"]
    meets = [["通知", "公示"], ["许振华", "护林员", "公示"], ["编号7", "公示"], ["编号7", "许振华"], ["单位=示范村村民委员会", "护林员"]]
    assert {len(postings[k][0]) * 8 > len(MANY) for k in wanted[:-1]} == {True, False}  # bitmaps and gaps both
    got = _javascript([["bucket", *entry(k)] for k in wanted] + [["meet", *map(entry, ks)] for ks in meets])
    assert got[: len(wanted)] == [list(map(list, postings[k])) if k in postings else None for k in wanted]
    assert got[len(wanted) :] == [sorted(set.intersection(*(set(postings[k][0]) for k in ks))) for ks in meets]


def test_javascript_checks_a_result_and_reads_a_query_as_python_does():
    pairs = [("许政2013 121号", "许政2013 12号"), ("许政2013 12号文件", "许政2013 12号"), ("14558 55", "4558 55"),
             ("王振华许振国", "许振华"), ("村务监督委员会", "监督委"), ("许政2013 121号", "许政〔2013〕1"), ("许政2013 31号", "许政〔2013〕1"),
             ("机关党委2013年", "机关党委20"), ("2013 1", "2013/12"), ("abc123", "abc1"), ("x abc123", "x/abc1")]
    calls = [["contains", canonical(text), canonical(term), query_terms(term)[0][1]] for text, term in pairs]
    calls += [["terms", q] for q in ('"行政许可" 许振华', "  护林员　2015 ", "“村务 监督”", '"', '许政〔2013〕1 "许政〔2013〕1"',
                                     "财务收支，王秀梅", "“经讨论通过，现将”")]
    got = _javascript(calls)
    assert got[: len(pairs)] == [relevant(text, term) for text, term in pairs]
    assert got[len(pairs) :] == [[["行政许可", False], ["许振华", False]], [["护林员", False], ["2015", False]],
                                 [["村务 监督", False]], [], [["许政〔2013〕1", True], ["许政〔2013〕1", False]],
                                 [["财务收支", False], ["王秀梅", False]], [["经讨论通过", False], ["现将", False]]]
    assert [[list(t) for t in query_terms(q)] for q in ("财务收支，王秀梅", "“经讨论通过，现将”")] == got[-2:]
    # Half-width punctuation ends a term too, but not inside a number.
    typed = ["完备,同意", "建议.为方", "4,063.90", "2013.06.21", "许政[2013]12号", "v1.2版,共3页",
             "2013年06月21日", "2013年6月21号", "2013/6/21 2013-6-21", "2013-06-21", "２０１３．０６．０１", "2013年06月", "2013年13月1日", "2013.6", "2013/06-21", "2013/6", "2013-6", "2013-06", "2013.13"]
    got_js = [[[canonical(t), prefix] for t, prefix in terms] for terms in _javascript([["terms", q] for q in typed])]
    assert got_js == [[[canonical(t), prefix] for t, prefix in query_terms(q)] for q in typed]
    assert [t for t, _ in query_terms("完备,同意 4,063.90")] == ["完备", "同意", "4 063 90"]
    # A whole date in another spelling is looked up as 2013年6月21日, the form the index holds.
    assert [t for t, _ in query_terms("2013年06月21日 2013/6/21 2013.06.21 2013-06-21 2013.6")] == (
        ["2013年6月21日"] * 3 + ["2013 06 21", "2013年6月"])
    # A month so too, but not the ISO month the pages show, nor what is no month.
    assert [t for t, _ in query_terms("2013/6 2013-6 2013-06 2013.13")] == ["2013年6月", "2013年6月", "2013 06", "2013 13"]


def test_javascript_shows_the_newest_first_in_bundles_of_either_format():
    """Format 2 numbers records oldest first (a new record takes the next id); format 1, left
    by a county not rebuilt since, newest first. The page shows the newest first in both."""
    two, one = {"meta": {"format": 2, "records": 4}}, {"meta": {"format": 1, "records": 4}}
    assert search.FORMAT == 2
    assert _javascript([["ids", "newestFirst", two, [0, 2, 3]], ["ids", "allIds", two],
                        ["ids", "newestFirst", one, [0, 2, 3]], ["ids", "allIds", one]]) == [[3, 2, 0], [3, 2, 1, 0], [0, 2, 3], [0, 1, 2, 3]]



def test_no_key_runs_across_a_line_or_sentence_punctuation():
    """有限公司，法人 held 司法 and 杨某、某财产 held 杨某某: records without the text were found,
    one ranked first as a title match. A record's fields go in on lines of their own."""
    text = "马某某与杨某、某财产保险公司纠纷\n某有限公司\n法人或其他组织"
    found = keys(text)
    assert "杨某某" not in found and "司法" not in found and "公司" in found and "杨某" in found
    assert not relevant(text, "杨某某") and not relevant(text, "司法") and relevant(text, "保险公司 法人")
    assert relevant(text, "杨某、某财产") and all(k in found for t, p in query_terms("杨某、某财产") for k in query_keys(t, p))
