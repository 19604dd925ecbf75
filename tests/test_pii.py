"""pii: unmasked identity, mobile and bank-card numbers are found, placed, and masked in place."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tinyrepo import BUREAU, FIXTURES, VILLAGE, notice

from gongkai import pii
from gongkai.findings import Findings
from gongkai.load import load
from gongkai.yamltext import parse

LABELLED = yaml.safe_load((FIXTURES / "pii_labelled.yml").read_text("utf-8"))
KINDS = ("id18", "id15", "mobile", "bankcard")

# One valid number of each kind, used throughout (synthetic; check digits computed).
ID = "410102199001011234"
ID_X = "11010519491231002X"
ID15 = "410102850101123"
MOBILE = "13803741234"
CARD = "6222021234567890128"  # passes Luhn


# The labelled set ------------------------------------------------------------------------


def _score() -> tuple[Counter, Counter, Counter, list[str]]:
    found, missed, extra = Counter(), Counter(), Counter()
    wrong = []
    for entry in LABELLED:
        expected = Counter(entry["kinds"])
        got = Counter(m.kind for m in pii.find(entry["text"]))
        found.update(expected & got)
        missed.update(expected - got)
        extra.update(got - expected)
        if expected != got:
            wrong.append(f"{entry['group']}: {entry['text']!r} expected {entry['kinds']}, got {sorted(got.elements())}")
    return found, missed, extra, wrong


def test_labelled_set_recall_and_false_positives(capsys):
    found, missed, extra, wrong = _score()
    total = sum(found.values()) + sum(missed.values())
    recall = sum(found.values()) / total
    clean = sum(1 for e in LABELLED if not e["kinds"])
    lines = [f"\npii labelled set: {len(LABELLED)} strings ({clean} with nothing to find), {total} numbers to find"]
    for kind in KINDS:
        n = found[kind] + missed[kind]
        lines.append(f"  {kind:<9} recall {found[kind]}/{n} = {found[kind] / n:.3f}   false positives {extra[kind]}")
    lines.append(f"  overall   recall {sum(found.values())}/{total} = {recall:.3f}   false positives {sum(extra.values())}")
    with capsys.disabled():
        print("\n".join(lines + wrong))
    assert len(LABELLED) >= 200
    assert recall == 1.0, wrong
    assert sum(extra.values()) == 0, wrong


def test_labelled_set_covers_every_situation_the_issue_names():
    groups = Counter(e["group"] for e in LABELLED)
    for group in ("id18", "id15", "mobile", "bankcard", "masked", "near-id", "embedded", "codes", "amounts", "dates", "office",
                  "hotline", "postal", "not-card", "numerals", "numerals-negative"):
        assert groups[group] >= 5, group
    assert min(Counter(k for e in LABELLED for k in e["kinds"])[k] for k in KINDS) >= 15


# Every character the issue names as a gap stands inside a number of the set, and around
# text that must stay clean (issue 9 item 6).
GAPS = {
    "space": " ", "hyphen": "-", "dot": ".", "full-width space": "\u3000", "NBSP": "\u00a0", "thin space": "\u2009",
    "full-width hyphen": "\uff0d", "full-width dot": "\uff0e", "middle dot": "\u00b7", "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c", "zero-width joiner": "\u200d", "soft hyphen": "\u00ad", "BOM": "\ufeff",
    "word joiner": "\u2060", "left-to-right mark": "\u200e", "right-to-left mark": "\u200f", "bidi override": "\u202d",
    "line separator": "\u2028", "paragraph separator": "\u2029", "two spaces": "  ",
    "hyphen between spaces": " - ", "two full-width spaces": "\u3000\u3000",
}


@pytest.mark.parametrize("name", GAPS)
def test_labelled_set_holds_numbers_split_by_every_gap(name):
    gap = GAPS[name]
    assert any(gap in e["text"] for e in LABELLED if e["group"] == "gap"), name


def test_labelled_set_holds_every_grouping_and_mixed_widths():
    texts = [e["text"] for e in LABELLED if e["group"] == "gap"]
    for shape in (r"^\d{6} \d{4} \d{4} \d{4}$", r"^\d{3}-\d{3}-\d{4}-\d{4}-\d{4}$", r"^\d{6}\.\d{8}\.\d{3}[\dX]$",
                  r"^\d{3}\.\d{4}\.\d{4}$", r"^\+86 \d{3} \d{4} \d{4}$", r"^1[０-９]+\d+$"):
        assert any(re.match(shape, t) for t in texts), shape
    assert Counter(e["group"] for e in LABELLED)["gap-negative"] >= 30


@pytest.mark.parametrize("entry", [e for e in LABELLED if e["kinds"]], ids=lambda e: e["text"][:24])
def test_masking_a_labelled_text_leaves_nothing_to_find(entry):
    masked = pii.mask_text(entry["text"])
    assert pii.find(masked) == []
    assert pii.mask_text(masked) == masked


# Every valid identity number is found, whatever stands around it -------------------------

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _check_digit(first17: str) -> str:
    """GB 11643 check digit, written out the long way (pii.py uses a shortcut)."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


@st.composite
def identity_numbers(draw) -> str:
    province = draw(st.sampled_from(sorted(pii.PROVINCES)))
    county = f"{draw(st.integers(1, 99)):02d}{draw(st.integers(1, 99)):02d}"
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date.today()))
    first17 = province + county + born.strftime("%Y%m%d") + f"{draw(st.integers(0, 999)):03d}"
    return first17 + _check_digit(first17)


NOT_DIGITS = st.text(st.characters(blacklist_categories=["Nd"], blacklist_characters="Xx"), max_size=12)


@settings(max_examples=500, deadline=None)
@given(number=identity_numbers(), before=NOT_DIGITS, after=NOT_DIGITS)
def test_no_unmasked_identity_number_passes(number, before, after):
    text = before + number + after
    matches = [m for m in pii.find(text) if m.kind == "id18"]
    assert [(m.start, m.end, m.masked) for m in matches] == [(len(before), len(before) + 18, number[:6] + "********" + number[-4:])]


@settings(max_examples=300, deadline=None)
@given(number=identity_numbers(), wrong=st.sampled_from("0123456789X"))
def test_an_identity_number_with_a_wrong_check_digit_is_not_flagged(number, wrong):
    if wrong != number[-1]:
        assert pii.find(number[:-1] + wrong) == []


NUMERALS = ("〇零", "一幺壹", "二贰", "三叁", "四肆", "五伍", "六陆", "七柒", "八捌", "九玖")


@settings(max_examples=300, deadline=None)
@given(number=identity_numbers(), data=st.data())
def test_an_identity_number_in_chinese_numerals_is_found_and_masked_in_its_own_script(number, data):
    written = "".join(data.draw(st.sampled_from(NUMERALS[int(d)])) if d.isdigit() else d for d in number)
    text = f"身份证号：{written}。"
    assert [(m.kind, m.start, m.end) for m in pii.find(text)] == [("id18", 5, 23)]
    assert pii.mask_text(text) == f"身份证号：{written[:6]}********{written[-4:]}。"
    wrong = written[:-1] + ("一" if number[-1] != "1" else "二")
    assert pii.find(wrong) == []  # the check digit is checked as for digits


@settings(max_examples=300, deadline=None)
@given(number=st.from_regex(r"\A1[3-9][0-9]{9}\Z"), before=NOT_DIGITS, after=NOT_DIGITS)
def test_every_mobile_number_is_found(number, before, after):
    if before.endswith("."):
        before += " "  # 1.13803741234 is a decimal number
    if after.startswith("."):
        after = " " + after
    assert [(m.kind, m.start, m.masked) for m in pii.find(before + number + after)] == [
        ("mobile", len(before), number[:3] + "****" + number[-4:])
    ]


@st.composite
def bank_cards(draw) -> str:
    head = draw(st.sampled_from(["62", "60", "4", "5", "35", "9"]))
    body = head + draw(st.from_regex(rf"\A[0-9]{{{draw(st.sampled_from([16, 19])) - len(head) - 1}}}\Z"))
    return next(body + d for d in "0123456789" if pii.luhn(body + d))


@settings(max_examples=300, deadline=None)
@given(number=bank_cards(), spaced=st.booleans())
def test_every_bank_card_is_found(number, spaced):
    text = " ".join(number[i : i + 4] for i in range(0, len(number), 4)) if spaced else number
    assert [(m.kind, m.masked) for m in pii.find(f"卡号：{text}。")] == [("bankcard", "*" * (len(number) - 4) + number[-4:])]


@settings(max_examples=300, deadline=None)
@given(area=st.from_regex(r"\A0[1-9][0-9]{1,2}\Z"), local=st.from_regex(r"\A[2-9][0-9]{6,7}\Z"),
       ext=st.from_regex(r"\A[0-9]{0,4}\Z"), sep=st.sampled_from(["-", " ", "", "－"]))
def test_office_numbers_are_not_personal_data(area, local, ext, sep):
    text = f"电话：{area}{sep}{local}" + (f"-{ext}" if ext else "")
    assert pii.find(text) == []


# find and mask_text ----------------------------------------------------------------------

MASKS = [
    (ID, "410102********1234"),
    (ID_X, "110105********002X"),
    (ID_X.lower(), "110105********002x"),
    (ID15, "410102******123"),
    (MOBILE, "138****1234"),
    ("+86 138 0374 1234", "+86 138****1234"),
    ("8613803741234", "86138****1234"),
    (CARD, "***************0128"),
    ("6222 0212 3456 7890 128", "***************0128"),
    ("卡号：6222-0212-3456-7890-128。", "卡号：***************0128。"),
    ("４１０１０２１９９００１０１１２３４", "４１０１０２********１２３４"),
    (f"户主王保全（{ID}），电话{MOBILE}，办公室0374-3312000", "户主王保全（410102********1234），电话138****1234，办公室0374-3312000"),
]


@pytest.mark.parametrize(("text", "masked"), MASKS)
def test_mask_text(text, masked):
    assert pii.mask_text(text) == masked


def test_find_reports_kind_place_text_and_mask():
    text = f"身份证{ID}，手机 138 0374 1234"
    assert pii.find(text) == [
        pii.Match("id18", 3, 21, ID, "410102********1234"),
        pii.Match("mobile", 25, 38, "138 0374 1234", "138****1234"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "410102********1234", "138****5678", "************1234", "0374-3312000-8001", "12345", "461000",
        "005723040/2013-00008", "11411025005632110X", "12000.00", "2013-07-22", "1" + ID, ID + "0", MOBILE + ".00",
        "410102199013011234",  # month 13
    ],
)
def test_not_personal_data(text):
    assert pii.find(text) == []


def test_an_identity_number_that_also_passes_luhn_is_one_identity_number():
    number = next(
        n for n in (f"4101021990{d:04d}123" + c for d in range(101, 1232) for c in "0123456789") if pii.is_id18(n) and pii.luhn(n)
    )
    assert [m.kind for m in pii.find(number)] == ["id18"]


def test_protect_masks_escapes_stars_for_markdown():
    text = "联系人 138****5678 和 139****1234；卡号 ************0128；注 * 与 ** 不变"
    assert pii.protect_masks(text) == (
        "联系人 138\\*\\*\\*\\*5678 和 139\\*\\*\\*\\*1234；卡号 \\*\\*\\*\\*\\*\\*\\*\\*\\*\\*\\*\\*0128；注 * 与 ** 不变"
    )


# scan_value ------------------------------------------------------------------------------


def test_scan_value_walks_fields_and_reads_integers_as_numbers():
    meta = {
        "title": "名单",
        "recipients": [{"name": "王保全", "id_number": int(ID), "amount": 73.14}, {"name": "王金锁", "phone": MOBILE}],
        "flag": True,
        "total": 13803741234.5,
    }
    hits = [(path, m.kind, m.masked) for path, m in pii.scan_value(meta)]
    assert hits == [
        (("recipients", 0, "id_number"), "id18", "410102********1234"),
        (("recipients", 1, "phone"), "mobile", "138****1234"),
    ]


def test_scan_value_of_a_lone_string_or_integer():
    assert [(p, m.kind) for p, m in pii.scan_value(CARD, ("card",))] == [(("card",), "bankcard")]
    assert [(p, m.kind) for p, m in pii.scan_value(int(MOBILE))] == [((), "mobile")]
    assert list(pii.scan_value(True)) == list(pii.scan_value(12345)) == []


def test_scan_value_reads_an_integer_as_it_was_typed():
    doc = parse(f"a: 0{MOBILE}\nb: {MOBILE}\n")
    assert doc.data == {"a": int(MOBILE), "b": int(MOBILE)}  # YAML drops the leading zero
    assert [p for p, m in pii.scan_value(doc.data, (), doc.raw)] == [("b",)]


def test_scan_value_finds_a_number_in_a_key():
    assert [(p, m.kind) for p, m in pii.scan_value({"名单": {ID: "王保全"}})] == [(("名单", ID), "id18")]


# scan_record -----------------------------------------------------------------------------

SUBSIDY = f"""\
---
catalogue: notice
title: 2013年低保对象公示
published: 2014-01-08
recipients:
  - {{name: 王保全, id_number: 411023********1845, amount: 73.14}}
  - {{name: 王金锁, id_number: {ID}, amount: 104.88}}
  - name: 王桂兰
    id_number: "{ID_X}"
    phone: {MOBILE}
---
公示期七天。

如有异议，请联系村委会 0374-3312000，或王会计 {MOBILE}。
"""


def _scan(repo, path: str) -> list:
    """Load the repository (no validation) and scan one record."""
    (record,) = [r for r in load(repo.root).records if r.path == path]
    findings = Findings()
    pii.scan_record(record, repo.root, findings)
    return findings


def test_scan_record_places_fields_table_cells_and_body_lines(repo):
    path = repo.record("dibao.md", SUBSIDY)
    found = [(f.code, f.file, f.line, f.column, f.field) for f in _scan(repo, path)]
    assert found == [
        ("pii-id-number", path, 7, 28, "recipients[1].id_number"),
        ("pii-id-number", path, 9, 17, "recipients[2].id_number"),
        ("pii-mobile", path, 10, 12, "recipients[2].phone"),
        ("pii-mobile", path, 14, 31, ""),
    ]


def test_finding_wording_hides_the_number_and_shows_the_mask(repo):
    path = repo.record("dibao.md", SUBSIDY)
    findings = _scan(repo, path)
    first = findings[0]
    assert (first.severity, first.message, first.hint) == (
        "error",
        "发现未遮挡的身份证号码 4101…（已隐去）",
        f"请改为 410102********1234，或运行 python build.py fix --mask {path}",
    )
    assert [f.message for f in findings[2:]] == ["发现未遮挡的手机号码 138…（已隐去）"] * 2
    for f in findings:
        assert ID not in f.message + f.hint and ID_X not in f.message + f.hint and MOBILE not in f.message + f.hint


def test_bank_card_finding(repo):
    path = repo.record("card.md", notice(extra=f"contact: 王会计，一卡通 {CARD}\n"))
    (f,) = _scan(repo, path)
    assert (f.code, f.line, f.field, f.message, f.hint) == (
        "pii-bank-card",
        5,
        "contact",
        "发现未遮挡的银行卡号 6222…（已隐去）",
        f"请改为 ***************0128，或运行 python build.py fix --mask {path}",
    )


def test_masked_record_has_no_findings(repo):
    path = repo.record("masked.md", pii.mask_text(SUBSIDY))
    assert _scan(repo, path) == []


HIDDEN_BY_MARKUP = f"""\
---
catalogue: notice
title: 2013年低保对象公示
published: 2014-01-08
---
王桂兰 {"".join(f"&#{ord(c)};" for c in ID)}
王会计 138<!-- -->0013<!-- -->8000
{ID[:6]}&nbsp;{ID[6:14]}&nbsp;{ID[14:]}
{ID[:6]}**{ID[6:14]}**{ID[14:]}
电话 <b>138</b>0013<i>8000</i>，另见 `{MOBILE}`
已遮挡：{ID[:6]}********{ID[-4:]}，138\\*\\*\\*\\*8000，**{ID[:6]}********{ID[-4:]}**
"""


def test_numbers_the_page_shows_whole_though_markup_splits_them_in_the_file(repo):
    """The body is Markdown: a character reference, an HTML comment or tag, or bold inside
    a number hides it from a reader of the file, not from a reader of the page."""
    path = repo.record("hidden.md", HIDDEN_BY_MARKUP)
    found = [(f.code, f.line, f.column) for f in _scan(repo, path)]
    assert found == [
        ("pii-mobile", 10, 34),  # the code span: found in the file as it is
        ("pii-id-number", 6, 1),
        ("pii-mobile", 7, 1),
        ("pii-id-number", 8, 1),
        ("pii-id-number", 9, 1),
        ("pii-mobile", 10, 1),
    ]  # and nothing in the masks of line 11
    hidden = [f for f in _scan(repo, path) if f.column == 1]
    assert all("在网页上会显示成完整号码" in f.message and ID not in f.message + f.hint for f in hidden)
    assert hidden[0].hint.startswith("请删去号码中的标记，直接写成遮挡形式：410102********1234")


def test_a_backslash_escape_inside_a_number_hides_it_from_the_file_only():
    """Markdown shows 138\\-0374\\-1234 as 138-0374-1234."""
    found = list(pii._hidden_by_markup("联系电话 138\\-0374\\-1234，身份证 411023\\-19800101\\-1237"))
    assert [(m.kind, m.masked) for m, _ in found] == [("mobile", "138****1234"), ("id18", "411023********1237")]
    assert list(pii._hidden_by_markup("第1\\.2\\.3条 \\*注\\*")) == []


def test_yaml_record_body_lines_point_inside_the_block(repo):
    text = f"catalogue: notice\ntitle: 通知\npublished: 2014-01-08\nbody: |\n  第一段。\n\n  联系人 {MOBILE}。\n"
    path = repo.record("notice.yml", text)
    assert [(f.code, f.line, f.column, f.field) for f in _scan(repo, path)] == [("pii-mobile", 7, 7, "body")]


def test_csv_attachment_is_scanned_with_its_own_path_and_line(repo):
    csv = f"姓名,身份证号,金额\n王保全,411023********1845,73.14\n王金锁,{ID},104.88\n"
    repo.write(f"{VILLAGE}/list.csv", csv)
    repo.write(f"{VILLAGE}/list-gbk.csv", csv.replace(ID, ID_X).encode("gbk"))
    extra = "attachments:\n  - {file: list.csv, title: 名单}\n  - {file: list-gbk.csv, title: 名单}\n"
    path = repo.record("a.md", notice(extra=extra))
    found = [(f.code, f.file, f.line, f.column, f.hint) for f in _scan(repo, path)]
    assert found == [
        ("pii-id-number", f"{VILLAGE}/list.csv", 3, 5, f"请改为 410102********1234，或运行 python build.py fix --mask {VILLAGE}/list.csv"),
        ("pii-id-number", f"{VILLAGE}/list-gbk.csv", 3, 5,
         f"请改为 110105********002X，或运行 python build.py fix --mask {VILLAGE}/list-gbk.csv"),
    ]


def test_attachment_outside_the_unit_folder_is_not_read(repo):
    repo.write(f"{BUREAU}/list.csv", f"王金锁,{ID}\n")
    path = repo.record("a.md", notice(extra="attachments:\n  - {file: ../../../../government/demo/ju/list.csv, title: 名单}\n"))
    assert _scan(repo, path) == []


def test_attachment_listed_by_two_records_is_reported_once(repo):
    repo.write(f"{VILLAGE}/list.csv", f"王金锁,{ID}\n")
    extra = "attachments:\n  - {file: list.csv, title: 名单}\n"
    repo.record("a.md", notice(extra=extra))
    repo.record("b.md", notice(title="关于第二次会议的通知", extra=extra))
    findings = Findings()
    for record in load(repo.root).records:
        pii.scan_record(record, repo.root, findings)
    assert [(f.file, f.line) for f in findings] == [(f"{VILLAGE}/list.csv", 1)]


# fix_files -------------------------------------------------------------------------------


def test_fix_masks_a_record_and_changes_nothing_else(repo, capsys):
    text = SUBSIDY.replace("title: 2013年低保对象公示", "title: '2013年低保对象公示'  # 注释 " + MOBILE)
    raw = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    path = repo.record("dibao.md", raw)
    assert pii.fix_files(repo.root, [Path(path)]) == 5
    expected = raw
    for number, mask in ((ID, "410102********1234"), (ID_X, "110105********002X"), (MOBILE, "138****1234")):
        expected = expected.replace(number.encode(), mask.encode())
    assert (repo.root / path).read_bytes() == expected
    assert capsys.readouterr().err == f"{path}：已遮挡 手机号码 3 处、身份证号码 2 处\n"
    assert _scan(repo, path) == []
    assert pii.fix_files(repo.root, [Path(path)]) == 0
    assert (repo.root / path).read_bytes() == expected
    assert capsys.readouterr().err == f"{path}：没有发现未遮挡的号码\n"


def test_fix_quotes_a_bank_card_that_starts_a_yaml_value(repo):
    text = f"catalogue: notice\ntitle: 通知\npublished: 2014-01-08\ncontact: {CARD}\ncodes: [{CARD}, x]\nbody: 卡号 {CARD}\n"
    path = repo.record("card.yml", text)
    assert pii.fix_files(repo.root, [repo.root / path]) == 3
    after = (repo.root / path).read_text("utf-8")
    assert after == (
        "catalogue: notice\ntitle: 通知\npublished: 2014-01-08\ncontact: '***************0128'\n"
        "codes: ['***************0128', x]\nbody: 卡号 ***************0128\n"
    )
    assert parse(after).data["contact"] == "***************0128"


def test_fix_leaves_a_number_that_is_no_match_as_typed(repo):
    text = f"catalogue: notice\ntitle: 通知\npublished: 2014-01-08\ncontact: 0{MOBILE}\ncode: \"{ID}\"\n"
    path = repo.record("zero.yml", text)
    assert [f.field for f in _scan(repo, path)] == ["code"]
    assert pii.fix_files(repo.root, [Path(path)]) == 1
    assert (repo.root / path).read_text("utf-8") == text.replace(ID, "410102********1234")


def test_fix_keeps_an_attachment_in_its_encoding(repo):
    csv = f"姓名,身份证号\r\n王金锁,{ID}\r\n王桂兰,{ID_X}\r\n"
    repo.write(f"{VILLAGE}/list.csv", csv.encode("gbk"))
    assert pii.fix_files(repo.root, [Path(VILLAGE) / "list.csv"]) == 2
    assert (repo.root / VILLAGE / "list.csv").read_bytes() == pii.mask_text(csv).encode("gbk")


def test_fix_walks_a_folder(repo, capsys):
    a = repo.record("a.md", notice(extra=f"contact: {MOBILE}\n"))
    b = repo.record("b.md", notice(extra="contact: 王会计\n"))
    repo.write(f"{VILLAGE}/list.csv", f"王金锁,{ID}\n")
    assert pii.fix_files(repo.root, [Path(VILLAGE)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{a}：已遮挡 手机号码 1 处",
        f"{b}：没有发现未遮挡的号码",
        f"{VILLAGE}/list.csv：已遮挡 身份证号码 1 处",
    ]


def test_fix_refuses_when_the_yaml_would_read_differently(repo, capsys):
    # A plain value folded over two lines: the card is one number only once YAML joins the lines.
    text = "catalogue: notice\ntitle: 通知\npublished: 2014-01-08\ncontact: 卡号 6222 0212 3456\n  7890 128\n"
    path = repo.record("folded.yml", text)
    assert [f.code for f in _scan(repo, path)] == ["pii-bank-card"]
    refused = []
    assert pii.fix_files(repo.root, [Path(path)], refused) == 0
    assert (repo.root / path).read_text("utf-8") == text
    assert "没有修改" in capsys.readouterr().err
    assert refused == [path]
    # The command says so by its exit status too, as the check's hint sends clerks to it.
    from gongkai.cli import main

    assert main(["--root", str(repo.root), "fix", "--mask", path]) == 1
    assert "请手工遮挡" in capsys.readouterr().err.splitlines()[-1]
    a = repo.record("a.md", notice(extra=f"contact: {MOBILE}\n"))
    assert main(["--root", str(repo.root), "fix", "--mask", a]) == 0


@pytest.mark.parametrize(
    "where",
    [f"attachments:\n  - {{file: 名单-李国强{MOBILE}.csv, title: 名单}}\n", None],
    ids=["attachment", "link in the body"],
)
def test_fix_refuses_to_mask_a_file_name_the_record_gives(repo, capsys, where):
    """A number in a file's name is masked by renaming the file: fix rewrote the record's
    file: (or the link), and the record then named a file that is not there."""
    repo.write(f"{VILLAGE}/名单-李国强{MOBILE}.csv", "项目,金额\n修路,100\n")
    text = notice(extra=where) if where else notice().replace("正文。", f"见[名单](名单-李国强{MOBILE}.csv)。")
    path = repo.record("a.md", text)
    refused = []
    assert pii.fix_files(repo.root, [Path(path)], refused) == 0
    assert (repo.root / path).read_text("utf-8") == text and refused == [path]
    err = capsys.readouterr().err
    assert "改名" in err and "没有修改" in err and MOBILE not in err


def test_fix_leaves_other_files_alone(repo, capsys):
    repo.write(f"{VILLAGE}/scan.pdf", f"%PDF-1.4 {ID}".encode())
    assert pii.fix_files(repo.root, [Path(VILLAGE) / "scan.pdf", Path(VILLAGE) / "missing.md"]) == 0
    assert (repo.root / VILLAGE / "scan.pdf").read_bytes() == f"%PDF-1.4 {ID}".encode()
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{VILLAGE}/scan.pdf：只能处理记录和文本附件")
    assert err[1] == f"{VILLAGE}/missing.md：找不到这个文件（或它是符号链接），没有修改"


# Numbers split by separators and invisible characters (issue 9 item 6) --------------------

INVISIBLES = "\u200b\u200c\u200d\u00ad\ufeff\u2060\u200e\u200f\u202a\u202c\u2066\u2069\u2028\u2029\u180e\U000e0020"


@settings(max_examples=300, deadline=None)
@given(number=identity_numbers(), data=st.data())
def test_an_identity_number_split_by_invisible_characters_is_found_and_masked(number, data):
    cuts = data.draw(st.lists(st.tuples(st.integers(1, 17), st.sampled_from(INVISIBLES)), min_size=1, max_size=4))
    text = number
    for at, char in sorted(cuts, reverse=True):
        text = text[:at] + char + text[at:]
    text = "身份证号：" + text + "，"
    (m,) = pii.find(text)
    assert (m.kind, m.masked) == ("id18", number[:6] + "********" + number[-4:])
    assert pii.mask_text(text) == "身份证号：" + m.masked + "，"


@settings(max_examples=200, deadline=None)
@given(
    number=identity_numbers(),
    sizes=st.sampled_from([(6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4), (6, 12), (3, 3, 3, 3, 3, 3), (4, 4, 4, 4, 2)]),
    sep=st.sampled_from([" ", "-", ".", "\u3000", "\u00a0", "\uff0d", "\uff0e", "\u00b7", "\u2009"]),
    wide=st.booleans(),
)
def test_an_identity_number_in_any_common_grouping_is_found(number, sizes, sep, wide):
    groups, i = [], 0
    for n in sizes:
        groups.append(number[i : i + n])
        i += n
    text = sep.join(groups)
    if wide:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert [m.kind for m in pii.find(f"王保全 {text} 73.14")] == ["id18"]
    assert pii.find(pii.mask_text(text)) == []


@pytest.mark.parametrize(
    "text",
    ["138.0013.8000", "+86 138 0013 8000", "1３８00138000", "138\u200b0013\u200b8000", "+86\u00a0138\u00a00013\u00a08000",
     "１３８\u3000００１３\u3000８０００", "138－0013－8000", "1380013\u20608000"],
)
def test_a_mobile_number_in_any_common_form_is_found(text):
    assert [m.kind for m in pii.find(text)] == ["mobile"]


def test_every_decimal_digit_and_invisible_character_is_normalised():
    from gongkai import chars

    for code in range(0x80, 0x110000):
        c = chr(code)
        category = unicodedata.category(c)
        if category == "Nd" or category in ("Cf", "Zl", "Zp"):
            assert pii._MAYBE_ODD.match(c), f"U+{code:04X}"
        if category in ("Cf", "Zl", "Zp"):
            assert chars.INVISIBLE_RE.match(c), f"U+{code:04X}"


def test_the_finding_names_the_invisible_character(repo):
    path = repo.record("zw.md", notice(extra='contact: "王会计 4110\u200b23198001011237"\n'))
    (f,) = _scan(repo, path)
    assert (f.code, f.line, f.field) == ("pii-id-number", 5, "contact")
    assert f.message == "发现未遮挡的身份证号码 4110…（已隐去），含不可见字符 U+200B（零宽空格）"
    assert "411023198001011237" not in f.message + f.hint


def test_table_cells_and_the_body_are_normalised_too(repo):
    text = (
        "---\ncatalogue: notice\ntitle: 名单\npublished: 2014-01-08\nrecipients:\n"
        "  - {name: 王保全, id_number: 411023 1980 0101 1237, phone: 138.0013.8000}\n"
        "  - {name: 王金锁, id_number: \"410102\u00a01990\u00a00101\u00a01234\", phone: 138\u30000374\u30001234}\n"
        "---\n户主 4110\u00ad23\u00a01980\u00a00101\u00a01237，电话 +86 138 0013 8000。\n"
    )
    path = repo.record("cells.md", text)
    found = [(f.code, f.line, f.field) for f in _scan(repo, path)]
    assert found == [
        ("pii-id-number", 6, "recipients[0].id_number"),
        ("pii-mobile", 6, "recipients[0].phone"),
        ("pii-id-number", 7, "recipients[1].id_number"),
        ("pii-mobile", 7, "recipients[1].phone"),
        ("pii-id-number", 9, ""),
        ("pii-mobile", 9, ""),
    ]


def test_fix_masks_numbers_split_by_gaps(repo):
    text = (
        "catalogue: notice\ntitle: 名单\npublished: 2014-01-08\n"
        "a: 411023 1980 0101 1237\nb: \"4110\u200b23198001011237\"\nc: 138.0013.8000\nd: 1３８00138000\n"
        "e: 6222\u00a00212\u00a03456\u00a07890\u00a0128\n"
    )
    path = repo.record("gaps.yml", text)
    assert pii.fix_files(repo.root, [Path(path)]) == 5
    after = (repo.root / path).read_text("utf-8")
    assert after == (
        "catalogue: notice\ntitle: 名单\npublished: 2014-01-08\n"
        "a: 411023********1237\nb: \"411023********1237\"\nc: 138****8000\nd: 1３８****8000\n"
        "e: '***************0128'\n"
    )
    assert _scan(repo, path) == []


def test_wide_gaps_and_chinese_numerals_are_found_in_fields_and_body_and_fixed(repo):
    # (A tab is no gap: it parts the cells of a pasted row; the labelled set holds such rows.)
    text = (
        "---\ncatalogue: notice\ntitle: 名单\npublished: 2014-01-08\n"
        "a: \"411023\u3000\u300019800101\u3000\u30001237\"\nb: 合计  156  2300  4500\nc: 幺三八〇三七四幺二三四\n"
        "---\n户主 411023 - 1980 - 0101 - 1237，身份证号肆壹零壹零贰壹玖玖零零壹零壹壹贰叁肆。\n"
    )
    path = repo.record("wide.md", text)
    found = [(f.code, f.line, f.field) for f in _scan(repo, path)]
    assert found == [
        ("pii-id-number", 5, "a"),
        ("pii-mobile", 7, "c"),  # b: columns aligned with spaces, no phone number
        ("pii-id-number", 9, ""),
        ("pii-id-number", 9, ""),
    ]
    assert pii.fix_files(repo.root, [Path(path)]) == 4
    assert (repo.root / path).read_text("utf-8") == (
        "---\ncatalogue: notice\ntitle: 名单\npublished: 2014-01-08\n"
        "a: \"411023********1237\"\nb: 合计  156  2300  4500\nc: 幺三八****幺二三四\n"
        "---\n户主 411023********1237，身份证号肆壹零壹零贰********壹贰叁肆。\n"
    )
    assert _scan(repo, path) == []


def test_a_number_in_a_yaml_comment_is_reported_on_its_line_and_fixed(repo):
    text = (
        "---\ncatalogue: notice\ntitle: \"名单 # 不是注释 13803741234\"\npublished: 2014-01-08  # 经办人 139 0374 1234\n"
        "# 户主身份证 411023198001011237\nnote: |\n  # 标题 13603741234\n---\n正文\n"
    )
    path = repo.record("comment.md", text)
    found = [(f.code, f.line, f.column, f.field, "注释" in f.message) for f in _scan(repo, path)]
    assert found == [
        ("pii-mobile", 3, 19, "title", False),
        ("pii-mobile", 7, 8, "note", False),
        ("pii-mobile", 4, 30, "", True),
        ("pii-id-number", 5, 9, "", True),
    ]
    assert pii.fix_files(repo.root, [Path(path)]) == 4
    assert _scan(repo, path) == []
    assert "# 户主身份证 411023********1237\n" in (repo.root / path).read_text("utf-8")


def test_a_field_whose_only_number_is_grouped_by_unusual_spaces_is_looked_at():
    for value in ("王金锁 410102\u00a01990\u00a00101\u00a01234", "电话 138\u30000374\u30001234", "410102·1990·0101·1234"):
        assert [p for p, m in pii.scan_value({"rows": [{"note": value}]})] == [("rows", 0, "note")], value


@pytest.mark.parametrize("cut", [10, 12, 14, 15, 16, 17])
def test_an_identity_number_split_after_a_long_first_group_is_found(cut):
    # 41010219900101 1234: the first group alone looks like no number, and the split used to
    # be looked at only from a group of fewer than 11 digits that began near the shape.
    for sep in (" ", "-", "\u3000", "\u00a0"):
        text = f"身份证号 {ID[:cut]}{sep}{ID[cut:]}，请核对"
        found = pii.find(text)
        assert [(m.kind, m.masked) for m in found] == [("id18", ID[:6] + "********" + ID[-4:])], repr(text)
        assert text[found[0].start:found[0].end] == f"{ID[:cut]}{sep}{ID[cut:]}"


@pytest.mark.parametrize("text", ["1 " * 4000, "１　" * 4000, "12 " * 3000, "1-1 " * 2000])
def test_a_long_line_of_spaced_digits_holds_no_number_at_its_tail(text):
    """Digits spaced one by one are a number only as a whole run: the last fifteen of
    thousands (111111 111111 111 is a valid old identity number) are not one."""
    assert pii.find(text) == []


def test_grouped_runs_are_looked_at_a_bounded_way_ahead():
    """Each digit of a long spaced line starts a candidate; reading the run to its end from
    each made the scan quadratic (8,000 characters: 4 s; 60,000: minutes). The look-ahead
    stops after _MOST_GROUPS groups, which still holds every number (at most 19 digits)."""
    line = "1 " * 4000
    longest = max(len(m.group("groups") or "") for m in pii._CANDIDATE.finditer(line))
    assert longest <= 2 * (pii._MOST_GROUPS + 1)
    rest = pii._GROUPS_AT.match("12345678901 " * 500)
    assert rest is not None and len(rest.group()) <= 12 * (pii._MOST_GROUPS + 1)
    # What the groups are looked at for is still found: an identity number in its first
    # groups however many follow, a card number spaced one by one.
    assert [m.kind for m in pii.find("411023 19800101 1237 " + "5 " * 100)] == [pii.ID18]
    assert [m.kind for m in pii.find("卡号 6 2 2 2 0 2 1 2 3 4 5 6 7 8 9 0 1 2 8")] == [pii.BANKCARD]


@pytest.mark.parametrize("text", ["总投资13500000000元", "项目总额 15320130001 元", "共计13800000000万", "13900000000亿元"])
def test_eleven_digits_before_a_currency_unit_are_a_sum_not_a_mobile(text):
    assert pii.find(text) == []
    assert pii.mask_text(text) == text


def test_a_mobile_next_to_other_text_is_still_found():
    assert [m.kind for m in pii.find("王会计13803741234，元旦后联系")] == [pii.MOBILE]
    assert [m.kind for m in pii.find("电话：13803741234 元宝村")] == [pii.MOBILE]


@pytest.mark.parametrize("text", ["一卡通账号6228480012345670", "银行卡号：6228 4800 1234 5670", "存折号 123456789012",
                                  "一卡通为 62284800123456789012345", "社保卡号: 1234567890123456789"])
def test_a_number_named_a_persons_card_or_passbook_is_one_luhn_or_not(text):
    (m,) = pii.find(text)
    assert m.kind == pii.BANKCARD and m.masked.endswith(m.text[-4:]) and set(m.masked[:-4]) == {"*"}


@pytest.mark.parametrize("text", ["项目编号6228480012345670", "卡号 1234567", "文号 123456789012345678901",
                                  "对公账号 41001500510050201234", "非税收入账户：4100 1500 5100 5020 1234"])
def test_other_long_numbers_stay_unflagged(text):
    assert pii.find(text) == []


@pytest.mark.parametrize("text, kind", [
    ("电话 0374-3312000 4 1 1 0 2 3 5 8 0 9 0 6 0 2 4（已核实）", pii.ID15),  # spaced one by one after another number
    ("编号 12 3 2 0 1 0 2 6 4 0 5 2 4 8 2 2", pii.ID15),
    ("联系人 18213374855万先生", pii.MOBILE),  # 万 the surname, not the unit
    ("卡号：8612345678901", pii.BANKCARD),  # named a card: not a +86 mobile number
    ("社保卡号 1 2 3 4 5 6 7 8 9 0 1 2 3", pii.BANKCARD),
])
def test_numbers_the_rules_of_this_stop_must_not_lose(text, kind):
    assert [m.kind for m in pii.find(text)] == [kind]


@pytest.mark.parametrize("line", [
    "<table><tr><td>13</td><td>500</td><td>600</td><td>200</td></tr></table>",  # cells stay apart
    "https://www.example.gov.cn/art/2023/5/6/art_1545_4828903.html",  # an underscore inside a word is no emphasis
    "[原文](https://x.gov.cn/art_1545_4828903.html)",
    "文件 ZF_1380_0138000_v2.pdf",
    "资金规模300000000~400000000元",  # no strikethrough extension: ~ shows as typed
    "138<br>0013<br>8000",
])
def test_markup_that_shows_no_whole_number_is_no_finding(line):
    assert list(pii._hidden_by_markup(line)) == []


def test_fix_masks_what_it_can_and_says_what_markup_hides(repo, capsys):
    from gongkai.cli import main

    path = repo.record("hidden.md", HIDDEN_BY_MARKUP.replace("王会计 138", f"王会计 {MOBILE}，138"))
    assert main(["--root", str(repo.root), "fix", "--mask", path]) == 1
    err = capsys.readouterr().err
    assert "已遮挡 手机号码" in err and "处号码被 HTML 字符、注释或加粗等标记隔开" in err
    assert MOBILE not in (repo.root / path).read_text("utf-8")


# Account columns: a table column named for a person's card or account ---------------------

ACCOUNT = "41050100123456789"  # 17 digits, fails Luhn: no card number by its digits alone


def test_a_number_in_an_account_column_of_a_markdown_table_is_one_luhn_or_not():
    table = (
        "| 序号 | 姓名 | 银行账号 | 金额（元） |\n|---|---|:---:|---:|\n"
        f"| 1 | 王*英 | 6217 0000 1234 5678 901 | 1,200.00 |\n| 2 | 李*强 | {ACCOUNT} | 800.00 |\n"
        "| 3 | 张*三 | ***************8901 | 800.00 |\n| 4 | 赵*四 | 410501001234567890123 | 2013 |\n"
        "\n| 户主 | 编号 |\n|---|---|\n| 王 | 410501001234567890123 |\n"
        f"\n| 账号 | 开户行 |\n|---|---|\n| {ACCOUNT} | 农业银行 |\n"
    )
    found = pii.find_in(table, "md")
    assert [(m.kind, m.text, m.masked) for m in found] == [
        ("bankcard", "6217 0000 1234 5678 901", "***************8901"),
        ("bankcard", ACCOUNT, "*************6789"),
        ("bankcard", "410501001234567890123", "*****************0123"),
    ]
    assert pii.find(table) == []  # without the column's name, none of them is a card
    masked = pii._apply(table, found)
    assert pii.find_in(masked, "md") == []
    assert "| 1,200.00 |" in masked and "| 2013 |" in masked


@pytest.mark.parametrize("header", ["银行卡号", "存折号", "一卡通账号", "社保卡号", "账户", "Account No.", "帐号"])
def test_every_name_of_an_account_column_is_read(header):
    assert [m.kind for m in pii.find_in(f"姓名,{header}\n王*英,{ACCOUNT}\n", "csv")] == ["bankcard"]


@pytest.mark.parametrize("text", [
    f"姓名,金额,编号\n王*英,100,{ACCOUNT}\n",  # no account column
    "姓名,银行账号\n王*英,6217\n",  # too short to be an account
    "姓名,银行账号\n王*英,工商银行许昌分行\n",
    "姓名,银行账号\n王*英,*************6789\n",  # masked
    f"单位账号：{ACCOUNT}\n",  # a unit's account for payments: no table
    f"账户,开户行,余额\n{ACCOUNT},农业银行,2013.00\n",  # a table of the unit's accounts, not of people
])
def test_other_cells_and_a_lone_account_stay_unflagged(text):
    assert pii.find_in(text, "csv") == [] and pii.find_in(text, "md") == []


def test_account_columns_in_a_body_and_a_csv_attachment_are_found_and_fixed(repo):
    repo.write(f"{VILLAGE}/list.csv", f"序号,姓名,存折号,金额\r\n1,王*英,\"{ACCOUNT}\",100\r\n")
    body = f"| 姓名 | 银行卡号 |\n|---|---|\n| 王*英 | {ACCOUNT} |\n"
    path = repo.record("accounts.md", notice(extra="attachments:\n  - {file: list.csv, title: 名单}\n") + body)
    found = [(f.code, f.file, f.column) for f in _scan(repo, path)]
    assert found == [("pii-bank-card", path, 9), ("pii-bank-card", f"{VILLAGE}/list.csv", 8)]
    assert pii.fix_files(repo.root, [Path(path), Path(VILLAGE) / "list.csv"]) == 2
    assert (repo.root / VILLAGE / "list.csv").read_bytes().decode("utf-8") == "序号,姓名,存折号,金额\r\n1,王*英,\"*************6789\",100\r\n"
    assert "| 王*英 | *************6789 |" in (repo.root / path).read_text("utf-8")
    assert _scan(repo, path) == []


def test_a_table_of_account_holders_is_read_but_not_the_rows_of_organisations():
    table = (
        "| 户名 | 卡号 | 金额 |\n|---|---|---|\n"
        f"| 张*三 | {ACCOUNT} | 100 |\n| 许昌县某某村民委员会 | {ACCOUNT} | 100 |\n| 某某专业合作社 | {ACCOUNT} | 100 |\n"
    )
    assert [(m.kind, table[: m.start].count("\n")) for m in pii.find_in(table, "md")] == [("bankcard", 2)]


A_UNIT = "41001500510052914177"  # a unit's account, 20 digits


@pytest.mark.parametrize("table, kind, read", [
    # A treasury payment list: the payee is named in a 全称 column, an organisation.
    (f"| 支付日期 | 收款人全称 | 收款人账号 | 收款人开户行 | 金额 |\n|---|---|---|---|---|\n| 2024-03-05 | 建安区五女店镇人民政府 | {A_UNIT} | 农行建安支行 | 120000.00 |\n", "md", 0),
    # Rows held by units (a strong word, a weak ending in four characters or more) are not read;
    # 王建社 and 赵新村 are people.
    (f"| 序号 | 户名 | 开户行 | 账号 |\n|---|---|---|---|\n| 1 | 许庄村第三村民小组 | 农行 | {A_UNIT} |\n| 2 | 鑫源五金店 | 农行 | {A_UNIT} |\n"
     f"| 3 | 中国移动 | 农行 | {A_UNIT} |\n| 4 | 王建社 | 农行 | {ACCOUNT} |\n| 5 | 赵新村 | 农行 | {ACCOUNT} |\n", "md", 2),
    (f"| 日期 | 摘要 | 对方单位 | 对方账号 | 金额 | 经办人员 |\n|---|---|---|---|---|---|\n| 2024-03-05 | 电费 | 国网建安供电公司 | {A_UNIT} | 1200 | 王会计 |\n", "md", 0),
    (f"| 单位 | 联系人姓名 | 账号 |\n|---|---|---|\n| 县住建局 | 王会计 | {A_UNIT} |\n", "md", 0),
    ("| 姓名 | 职务 | 账号 | 办公电话 |\n|---|---|---|---|\n| 王建国 | 镇长 | 0371-65432100 |\n", "md", 0),
    ("| 人员 | 设备 | SIM卡号 |\n|---|---|---|\n| 网格员 | 执法记录仪 | 89860412345678901234 |\n", "md", 0),
    ("| 乡镇 | 救助对象人数 | 一卡通开户数 | 发放金额 |\n|---|---|---|---|\n| 合计 | 12345 | 123456789012 | |\n", "md", 0),
    # What the third probe found missed: a bank or village name column, names of people that
    # end like a unit's, dotted names, other words for the holder and the card, remarks.
    (f"| 序号 | 开户银行名称 | 村名称 | 姓名 | 一卡通账号 | 金额 |\n|---|---|---|---|---|---|\n| 1 | 农商行 | 许庄村 | 王*英 | {ACCOUNT} | 100 |\n", "md", 1),
    (f"收款人名称,收款人账号,金额\n王*英,{ACCOUNT},100\n", "csv", 1),
    (f"姓名,一卡通账号,金额\n王建社,{ACCOUNT},100\n李卫生,{ACCOUNT},100\n王*社,{ACCOUNT},100\n", "csv", 3),
    (f"姓名,一卡通账号\n阿卜杜热合曼・买买提,{ACCOUNT}\n阿卜杜热合曼 买买提,{ACCOUNT}\n", "csv", 2),
    (f"| 序号 | 受益人 | 社会保障卡 | 金额 |\n|---|---|---|---|\n| 1 | 王*英 | {ACCOUNT} | 100 |\n", "md", 1),
    (f"| 序号 | 姓名（联系电话） | 一卡通账号 |\n|---|---|---|\n| 1 | 王*英 | {ACCOUNT} |\n", "md", 1),
    (f"姓名,一卡通账号\n王*英、李*华,{ACCOUNT}\n王*英（已故）由子代领,{ACCOUNT}\n", "csv", 2),
    (f"| Unnamed: 0 | Unnamed: 1 | Unnamed: 2 |\n|---|---|---|\n| 序号 | 姓名 | 一卡通账号 |\n| 1 | 王*英 | {ACCOUNT} |\n", "md", 1),
    # An HTML table in a body (pasted from Word or a web page).
    (f"<table><tr><th>姓名</th><th>一卡通账号</th></tr><tr><td>王*英</td><td><span>{ACCOUNT}</span></td></tr>"
     f"<tr><td>许昌县某某村民委员会</td><td>{A_UNIT}</td></tr></table>\n", "md", 1),
    (f"| 合作社名称 | 法定代表人姓名 | 开户行 | 账号 |\n|---|---|---|---|\n| 建安区丰源种植专业合作社 | 李建国 | 农商行 | {A_UNIT} |\n", "md", 0),
    (f"收款人名称,收款人账号,收款人开户银行\n许昌县财政局,{A_UNIT},农行\n", "csv", 0),
    # Headers spaced out, other names of a person or an account, text around the number.
    (f"| 序号 | 姓  名 | 卡\u3000号 | 金额 |\n|---|---|---|---|\n| 1 | 王*英 | {ACCOUNT} | 1200 |\n", "md", 1),
    (f"| 序号 | 农户 | 一折通账号 | 金额 |\n|---|---|---|---|\n| 1 | 王*英 | {ACCOUNT} | 1200 |\n", "md", 1),
    (f"| 序号 | 姓名 | 银行帐户 |\n|---|---|---|\n| 1 | 王*英 | 农行{ACCOUNT} |\n| 2 | 李*华（村委代领） | {ACCOUNT}（农商行） |\n", "md", 2),
    # A title line above the header; a float export; Excel's ways to keep digits as text.
    (f"XX镇2024年耕地地力保护补贴发放表,,,\n序号,姓名,一卡通账号,金额\n1,王*英,{ACCOUNT},1200\n", "csv", 1),
    (f"序号,姓名,一折通账号\n1.0,王*英,{ACCOUNT}.0\n2.0,李*华,\n", "csv", 1),
    (f"序号,姓名,卡号\n1,王*英,=\"{ACCOUNT}\"\n2,李*华,'{ACCOUNT}\n", "csv", 2),
])
def test_account_columns_are_read_in_tables_of_people_only(table, kind, read):
    found = pii.find_in(table, kind)
    assert [m.kind for m in found] == ["bankcard"] * read
    assert all(m.text.replace(" ", "") in (ACCOUNT, A_UNIT) for m in found)


def _md(header, *rows):
    return "| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n" + "".join("| " + " | ".join(r) + " |\n" for r in rows)


@pytest.mark.parametrize("table, kinds", [
    # Codes that pass Luhn, read as old identity numbers, or have an ID's shape (a fourth probe).
    (_md(["承包方代表", "地块编码", "确权面积（亩）"], ["王*英", "4110232002010500006", "1.35"]), []),
    (_md(["承包方代表", "承包方编码", "家庭成员数"], ["王*英", "411023200201050003", "4"]), []),
    (_md(["序号", "养殖户", "耳标号", "理赔金额"], ["1", "王*英", "141102310512345", "1500"]), []),
    (_md(["项目编号", "项目名称"], ["4110232024000125", "道路硬化工程"]), []),
    # A person's numbers beside a code column, or in a column that is no code's, are still found.
    (_md(["序号", "姓名", "编号", "身份证号"], ["1", "王*英", "4110232024000125", "411023198001011237"]), ["id18"]),
    (_md(["序号", "编号", "姓名", "联系电话"], ["1", "411023198001011237", "王*英", "13803741234"]), ["id18", "mobile"]),
])
def test_codes_in_a_code_column_are_codes(table, kinds):
    assert [m.kind for m in pii.find_in(table, "md")] == kinds
    assert pii.find(table) != []  # without its columns, each of these reads as a person's number


@pytest.mark.parametrize("text", [
    "姓名,一卡通账号\n王*英,128006014 14205719440\n",  # a phone number ends the cell: its mask leaves 12 digits
    f"姓名,一卡通账号\n3674638471674057,{ACCOUNT}\n",  # a card where the name should be
])
def test_fixing_an_account_table_once_leaves_nothing_to_find(text):
    once = pii._apply(text, pii.find_in(text, "csv"))
    assert pii.find_in(once, "csv") == []


@pytest.mark.parametrize(
    ("table", "kinds"),
    [
        ("| 补贴对象 | 一折通账号 |\n|---|---|\n| 李国强 | 71234567890123456 |", ["bankcard"]),
        ("| 发放对象 | 存折号 | 金额 |\n|---|---|---|\n| 王秀英 | 712345678901234 | 100 |", ["bankcard"]),
        ("| 低保户 | 卡号 |\n|---|---|\n| 王秀英 | 712345678901234 |", ["bankcard"]),
        ("| 姓名 | 银行信息 |\n|---|---|\n| 李国强 | 71234567890123456 |", ["bankcard"]),
        ("| 户主 | 收款信息 |\n|---|---|\n| 李国强 | 农商行 71234567890123456 |", ["bankcard"]),
        ("| 补贴对象 | 一折通账号 |\n|---|---|\n| 李庄村村民委员会 | 71234567890123456 |", []),
    ],
)
def test_a_subsidy_lists_name_column_and_bank_columns_however_headed(table, kinds):
    """The 对象 of a subsidy list is its name column, and 银行信息 or 收款信息 heads an
    account column: such tables were never read as accounts of people."""
    assert [m.kind for m in pii.find_in(table, "md")] == kinds


@pytest.mark.parametrize(
    ("table", "kinds"),
    [
        ("| 项目 | 金额（元） |\n|---|---|\n| 一般公共预算收入 | 13803741234 |", []),
        ("指标,2013年（元）\n地区生产总值,15012345678\n", []),
        ("| 项目 | 面积（平方米） |\n|---|---|\n| 总面积 | 13803741234 |", []),
        # a phone column beside an amount column is read as before
        ("| 姓名 | 联系电话 | 金额（元） |\n|---|---|---|\n| 王秀英 | 13803741234 | 100 |", ["mobile"]),
        ("| 姓名 | 金额（元） |\n|---|---|\n| 王秀英 | 411023198001011237 |", ["id18"]),
    ],
)
def test_an_eleven_digit_figure_in_a_column_of_sums_is_money(table, kinds):
    """A budget of 13,803,741,234 元 in a column headed in 元 was a mobile number to the
    scan, and fix masked the figure away."""
    assert [m.kind for m in pii.find_in(table, "csv" if "," in table else "md")] == kinds


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("| 姓名 | 资金使用负责人 |\n|---|---|\n| 王秀英 | 李四13803741234 |", ["mobile"]),  # 资金 … 负责人 is a person
        ("| 项目 | 预算单位 |\n|---|---|\n| 修路 | 电话13803741234 |", ["mobile"]),
        ("| 项目 | 金额（元） |\n|---|---|\n| 修路 | 138 0374 1234 |", ["mobile"]),  # grouped: no sum
        ("| 补贴对象 | 金额 | 资金专户账号 |\n|---|---|---|\n| 种粮农户 | 100 | 41050161380800000123 |", []),
    ],
)
def test_amount_and_account_columns_are_what_their_headers_say(text, kinds):
    assert [m.kind for m in pii.find_in(text, "md")] == kinds


def test_a_tab_separated_text_file_is_read_as_a_table():
    text = "姓名\t一折通账号\n张三\t71020123456789012\n"
    assert pii.tables_of("list.txt", text) == "tsv" and pii.tables_of("list.txt", "无制表符") is None
    assert [m.kind for m in pii.find_in(text, pii.tables_of("list.txt", text))] == ["bankcard"]


def test_a_links_text_joined_to_what_follows_is_read_as_shown():
    found = list(pii._hidden_by_markup("电话[138](a.html)03741234"))
    assert [(m.kind, m.masked) for m, _ in found] == [("mobile", "138****1234")]


def test_a_number_in_a_records_file_name_is_reported(repo):
    """The file's name is the page's address: zz-13803741280.md published the number in
    every link to the page."""
    path = repo.record(f"zz-{MOBILE}.md", notice())
    found = [f for f in _scan(repo, path) if f.code == "pii-mobile"]
    assert len(found) == 1 and "文件名" in found[0].message and MOBILE not in found[0].message + found[0].hint


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("项目,金额（元）\n上级补助,5000\n\n姓名,联系电话\n张三,13803741299\n", ["mobile"]),
        ("地块编码,面积（亩）\n4110230010010001,2.5\n,,\n承包方身份证号,姓名\n411023198001011237,张三\n", ["id18"]),
    ],
)
def test_an_empty_row_ends_a_table_and_the_next_has_its_own_header(text, kinds):
    """A summary block above a list took the list's columns over (an amount or code column)."""
    assert [m.kind for m in pii.find_in(text, "csv")] == kinds


def test_a_number_in_the_county_settings_is_a_warning_for_the_reviewer(repo):
    """What the county file says shows on every page; a 监督电话 there may rightly be a
    village supervisor's mobile, so it is a warning, not an error."""
    county = repo.root / "content" / "counties" / "demo.yml"
    county.write_text(county.read_text("utf-8").replace("name: 示范县", f"name: 示范县\ncontact: 值班手机{MOBILE}", 1), "utf-8")
    found = [f for f in repo.check().findings if f.file == "content/counties/demo.yml"]
    assert [(f.code, f.severity) for f in found] == [("pii-mobile", "warning")]
    assert MOBILE not in found[0].message + found[0].hint and found[0].line > 0
