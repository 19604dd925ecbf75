"""Personal data inside attached Excel, Word, PDF and OFD files is found and placed.

The files are made here, as the offices' tools would save them (openpyxl for .xlsx, a
zip of WordprocessingML for .docx, a PDF with a text layer, an OFD package); the .xls
fixture was saved once with xlwt. Every number below is synthetic with a valid check.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from tinyrepo import FIXTURES, VILLAGE, notice, pdf

from gongkai import documents, pii
from gongkai.findings import Findings
from gongkai.load import load

ID = "410102199001011234"
ID_X = "11010519491231002X"
MOBILE = "13803741234"
CARD = "6222021234567890128"


def _attach(repo, name: str, data: bytes) -> list:
    """Attach one file to a new record and scan that record; the findings."""
    repo.write(f"{VILLAGE}/{name}", data)
    path = repo.record("a.md", notice(extra=f"attachments:\n  - {{file: {name}, title: 名单}}\n"))
    (record,) = [r for r in load(repo.root).records if r.path == path]
    findings = Findings()
    pii.scan_record(record, repo.root, findings)
    return list(findings)


def _xlsx(build) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _zip(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def _docx(body: str, header: str = "") -> bytes:
    files = {
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>',
    }
    if header:
        files["word/header1.xml"] = f'<?xml version="1.0"?><w:hdr {W}>{header}</w:hdr>'
    return _zip(files)


def _ofd(pages: list[list[str]]) -> bytes:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    files = {"OFD.xml": f'<?xml version="1.0"?><ofd:OFD {ns}><ofd:DocBody/></ofd:OFD>'}
    for i, lines in enumerate(pages):
        objects = "".join(
            f'<ofd:TextObject ID="{k}"><ofd:TextCode X="0" Y="0">{line}</ofd:TextCode></ofd:TextObject>'
            for k, line in enumerate(lines)
        )
        files[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            f'<?xml version="1.0"?><ofd:Page {ns}><ofd:Content><ofd:Layer>{objects}</ofd:Layer></ofd:Content></ofd:Page>'
        )
    return _zip(files)


def _placed(findings) -> list[tuple[str, str, str]]:
    return [(f.code, f.file.rsplit("/", 1)[1], f.field) for f in findings]


def test_every_cell_of_every_sheet_is_read_hidden_ones_too(repo):
    def build(wb):
        ws = wb.active
        ws.title = "花名册"
        ws.append(["姓名", "身份证号", "联系电话", "金额"])
        ws.append(["王保全", "411023********1845", "138****5678", 73.14])  # masked: nothing to find
        ws.append(["王金锁", ID, int(MOBILE), 104.88])  # a phone typed as a number is still a phone
        raw = wb.create_sheet("原始数据")
        raw.sheet_state = "hidden"  # the classic leak: the full list kept in a hidden sheet
        raw["F40"] = CARD

    found = _attach(repo, "list.xlsx", _xlsx(build))
    assert _placed(found) == [
        ("pii-id-number", "list.xlsx", "工作表“花名册” B3 单元格"),
        ("pii-mobile", "list.xlsx", "工作表“花名册” C3 单元格"),
        ("pii-bank-card", "list.xlsx", "工作表“原始数据”（隐藏的工作表） F40 单元格"),
    ]
    assert all(f.is_error and ID not in f.message + f.hint for f in found)
    assert "410102********1234" in found[0].hint and "重新导出" in found[0].hint


def test_excel_97_sheets_are_read_too(repo):
    found = _attach(repo, "list.xls", (FIXTURES / "attachments" / "low-income.xls").read_bytes())
    assert _placed(found) == [
        ("pii-id-number", "list.xls", "工作表“低保名单” B3 单元格"),
        ("pii-mobile", "list.xls", "工作表“低保名单” C3 单元格"),
        ("pii-bank-card", "list.xls", "工作表“原始数据”（隐藏的工作表） A2 单元格"),
    ]


def test_word_text_split_into_runs_in_text_boxes_headers_and_tracked_deletions_is_read(repo):
    half, rest = ID[:9], ID[9:]
    body = (
        "<w:p><w:r><w:t>低保对象名单</w:t></w:r></w:p>"
        # Word splits text into runs wherever formatting or spell-checking changes.
        f"<w:p><w:r><w:t>王金锁 {half}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>{rest}</w:t></w:r></w:p>"
        # A deletion kept as a tracked change is still in the file.
        f"<w:p><w:del><w:r><w:delText>{ID_X}</w:delText></w:r></w:del><w:r><w:t>110105********002X</w:t></w:r></w:p>"
        # A text box: a paragraph inside a paragraph.
        "<w:p><w:r><w:t>见右侧</w:t></w:r><w:r><w:pict><w:txbxContent>"
        f"<w:p><w:r><w:t>开户账号 {CARD}</w:t></w:r></w:p></w:txbxContent></w:pict></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>联系电话</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>138****1234</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    header = f"<w:p><w:r><w:t>联系人手机 {MOBILE}</w:t></w:r></w:p>"
    found = _attach(repo, "list.docx", _docx(body, header))
    assert _placed(found) == [
        ("pii-id-number", "list.docx", "正文第 2 段"),
        ("pii-id-number", "list.docx", "正文第 3 段（修订前的文字，仍保存在文件中）"),
        ("pii-bank-card", "list.docx", "正文第 5 段"),
        ("pii-mobile", "list.docx", "页眉"),
    ]


def test_every_page_of_a_pdf_is_read(repo):
    data = pdf([["Village subsidy list", "Wang 411023********1845"], [f"Wang {ID}", f"Tel {MOBILE}"]])
    found = _attach(repo, "list.pdf", data)
    assert _placed(found) == [("pii-id-number", "list.pdf", "第 2 页"), ("pii-mobile", "list.pdf", "第 2 页")]


def test_an_ofd_file_is_read_page_by_page(repo):
    found = _attach(repo, "list.ofd", _ofd([["低保对象", "王保全 411023********1845"], [f"王金锁 {ID_X}"]]))
    assert _placed(found) == [("pii-id-number", "list.ofd", "第 2 页")]


def test_masked_documents_pass(repo):
    def build(wb):
        wb.active.append(["王保全", "411023********1845", "138****5678"])

    assert _attach(repo, "list.xlsx", _xlsx(build)) == []


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("scan.pdf", pdf([[]]), "扫描件"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, ".doc"),
        ("broken.xlsx", _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": "<not-a-workbook"}), "损坏"),
        ("broken.docx", _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document"}), "损坏"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "损坏"),
        ("list.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "图片"),  # a photographed list: no OCR here
        ("list.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64, "图片"),
    ],
)
def test_a_document_that_cannot_be_read_is_a_warning_not_a_pass_or_a_crash(repo, name, data, says):
    found = _attach(repo, name, data)
    assert [(f.code, f.severity) for f in found] == [("pii-attachment-unchecked", "warning")]
    assert says in found[0].message and "个人信息" in found[0].message and "检查" in found[0].message and found[0].hint


def test_a_zip_that_would_unpack_too_large_is_not_unpacked(repo, monkeypatch):
    monkeypatch.setattr(documents, "MAX_UNPACKED_BYTES", 10_000)
    body = "".join(f"<w:p><w:r><w:t>第{k}行 {ID}</w:t></w:r></w:p>" for k in range(500))
    found = _attach(repo, "big.docx", _docx(body))
    assert [f.code for f in found] == ["pii-attachment-unchecked"] and "解压后超过" in found[0].message


def test_check_blocks_a_record_whose_spreadsheet_holds_an_id(repo):
    def build(wb):
        wb.active.append(["王金锁", ID])

    repo.write(f"{VILLAGE}/list.xlsx", _xlsx(build))
    repo.record("a.md", notice(extra="attachments:\n  - {file: list.xlsx, title: 名单}\n"))
    errors = [f for f in repo.check().findings.errors if f.code.startswith("pii-")]
    assert [(f.file, f.field) for f in errors] == [(f"{VILLAGE}/list.xlsx", "工作表“Sheet” B1 单元格")]



def test_the_same_bytes_are_read_once_and_other_bytes_again(repo, monkeypatch, tmp_path):
    monkeypatch.setenv("GONGKAI_CACHE", str(tmp_path / "cache"))

    def with_id(value):
        return _xlsx(lambda wb: wb.active.append(["王金锁", value]))

    data = with_id(ID)
    first = _placed(_attach(repo, "list.xlsx", data))
    assert first == [("pii-id-number", "list.xlsx", "工作表“Sheet” B1 单元格")]

    def unread(*args):
        raise AssertionError("read again although the bytes are the same")

    with monkeypatch.context() as m:
        m.setattr(documents, "pieces", unread)
        assert _placed(_attach(repo, "list.xlsx", data)) == first
    # Masked: other bytes, so it is read again, and passes.
    assert _attach(repo, "list.xlsx", with_id("410102********1234")) == []
    assert len(list((tmp_path / "cache" / "documents").rglob("*.json"))) == 2


def test_a_number_replaced_by_its_mask_under_tracked_changes_is_still_found(repo):
    # Deleted digits and the inserted mask side by side would read as one long number
    # (41010219900101********1234) and hide each other; each reading is scanned on its own.
    body = (
        f"<w:p><w:r><w:t>王金锁 {ID[:6]}</w:t></w:r><w:del><w:r><w:delText>{ID[6:14]}</w:delText></w:r></w:del>"
        f"<w:ins><w:r><w:t>********</w:t></w:r></w:ins><w:r><w:t>{ID[14:]}</w:t></w:r></w:p>"
        f"<w:p><w:del><w:r><w:delText>{MOBILE}</w:delText></w:r></w:del><w:ins><w:r><w:t>138****1234</w:t></w:r></w:ins></w:p>"
        # A number the paragraph still shows is reported once, though the paragraph has changes.
        f"<w:p><w:r><w:t>王保全 {ID}</w:t></w:r><w:del><w:r><w:delText>（误）</w:delText></w:r></w:del></w:p>"
    )
    found = _attach(repo, "list.docx", _docx(body))
    assert _placed(found) == [
        ("pii-id-number", "list.docx", "正文第 1 段（修订前的文字，仍保存在文件中）"),
        ("pii-mobile", "list.docx", "正文第 2 段（修订前的文字，仍保存在文件中）"),
        ("pii-id-number", "list.docx", "正文第 3 段"),
    ]


def test_a_sheet_padded_to_billions_of_cells_is_stopped_in_time(repo, monkeypatch):
    monkeypatch.setattr(documents, "MAX_CELLS", 50_000)

    def build(wb):
        for r in range(1, 40):
            wb.active.cell(row=r, column=16384, value="x")  # column XFD: each row reads as 16,384 cells

    found = _attach(repo, "wide.xlsx", _xlsx(build))
    assert [f.code for f in found] == ["pii-attachment-unchecked"] and "单元格" in found[0].message


def test_numbers_split_by_gaps_are_found_in_cells_paragraphs_and_pages(repo):
    def build(wb):
        ws = wb.active
        ws.append(["王保全", "4101\u200b02 1990 0101 1234", "138.0374.1234"])

    found = _attach(repo, "list.xlsx", _xlsx(build))
    assert _placed(found) == [("pii-id-number", "list.xlsx", "工作表“Sheet” B1 单元格"), ("pii-mobile", "list.xlsx", "工作表“Sheet” C1 单元格")]
    assert found[0].message == "发现未遮挡的身份证号码 4101…（已隐去），含不可见字符 U+200B（零宽空格）"
    docx = _docx("<w:p><w:r><w:t>王金锁 4101</w:t></w:r><w:r><w:t>02\u00a01990\u00a00101\u00a01234</w:t></w:r></w:p>")
    assert _placed(_attach(repo, "list.docx", docx)) == [("pii-id-number", "list.docx", "正文第 1 段")]
    assert _placed(_attach(repo, "list.pdf", pdf([["Wang 410102.1990.0101.1234"]]))) == [("pii-id-number", "list.pdf", "第 1 页")]


def test_a_note_on_a_spreadsheet_cell_is_read(repo):
    # 批注 are published inside the file; openpyxl's fast reader does not give them.
    def build(wb):
        ws = wb.active
        ws["A1"] = "王金锁"
        ws["B7"].comment = openpyxl.comments.Comment(f"本人身份证 {ID}，电话 {MOBILE}", "村会计")

    found = _attach(repo, "list.xlsx", _xlsx(build))
    assert _placed(found) == [("pii-id-number", "list.xlsx", "批注（B7 单元格）"), ("pii-mobile", "list.xlsx", "批注（B7 单元格）")]


def test_an_account_column_of_a_sheet_of_people_is_read_as_accounts(repo):
    account = "41050100123456789"  # fails Luhn: no card number by its digits alone

    def build(wb):
        ws = wb.active
        ws.title = "花名册"
        ws.append(["2013年低保金发放名单"])  # a title row above the header
        ws.append(["序号", "户主姓名", "银行账号", "金额", "备注"])
        ws.append([1, "王*英", account, 73.14, account])  # the same number outside the column: not read
        ws.append([2, "李*强", "*************6789", 73.14, None])
        accounts = wb.create_sheet("单位账户")  # the unit's own accounts: no person column
        accounts.append(["账号", "开户行"])
        accounts.append([account, "农业银行"])

    found = _attach(repo, "list.xlsx", _xlsx(build))
    assert _placed(found) == [("pii-bank-card", "list.xlsx", "工作表“花名册” C3 单元格（账号列）")]
    assert "*************6789" in found[0].hint and account not in found[0].message + found[0].hint


def test_the_unit_rows_of_a_sheet_of_account_holders_are_not_read_as_people(repo):
    account = "41050100123456789"

    def build(wb):
        ws = wb.active
        ws.title = "发放明细"
        ws.append(["户名", "一折通账号"])
        ws.append(["许昌县某某村民委员会", account])
        ws.append(["张*三", account])

    assert _placed(_attach(repo, "list.xlsx", _xlsx(build))) == [("pii-bank-card", "list.xlsx", "工作表“发放明细” B3 单元格（账号列）")]


def test_a_two_row_header_and_a_title_naming_both_are_understood(repo):
    account = "24157954220587915"

    def build(wb):
        ws = wb.active
        ws.title = "名单"
        ws.append(["XX镇2024年低保对象一卡通发放明细表"])  # one cell: a title, not the header
        ws.append(["序号", "姓名", "补贴发放信息", None])  # a merged heading over two columns
        ws.append([None, None, "一卡通账号", "金额"])
        ws.append([1, "王*全", account, 73.14])

    assert _placed(_attach(repo, "list.xlsx", _xlsx(build))) == [("pii-bank-card", "list.xlsx", "工作表“名单” C4 单元格（账号列）")]


def test_an_account_column_of_a_word_table_is_read_as_accounts(repo):
    account = "24157954220587915"

    def row(*cells):
        return "<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in cells) + "</w:tr>"

    body = "<w:p><w:r><w:t>耕地地力保护补贴发放名单</w:t></w:r></w:p><w:tbl>" + row("序号", "姓名", "一折通账号") + row("1", "王*英", account) + "</w:tbl>"
    found = _attach(repo, "list.docx", _docx(body))
    assert _placed(found) == [("pii-bank-card", "list.docx", "正文第 7 段（账号列）")]


def test_a_land_code_column_of_a_sheet_holds_codes_not_numbers_of_people(repo):
    def build(wb):
        ws = wb.active
        ws.title = "确权"
        ws.append(["承包方代表", "承包方编码", "地块编码", "联系电话"])
        ws.append(["王*英", "411023200201050003", "4110232002010500006", "13803741234"])

    assert _placed(_attach(repo, "land.xlsx", _xlsx(build))) == [("pii-mobile", "land.xlsx", "工作表“确权” D2 单元格")]


def test_an_eleven_digit_figure_in_a_sheets_column_of_sums_is_money(repo):
    def build(wb):
        ws = wb.active
        ws.append(["项目", "预算数（元）", "联系电话"])
        ws.append(["一般公共预算收入", 13803741234, "13903741234"])

    found = _attach(repo, "budget.xlsx", _xlsx(build))
    assert [f.code for f in found] == ["pii-mobile"] and "C2" in found[0].field


def test_a_sheets_name_and_its_printed_header_and_footer_are_read(repo):
    """A tab named after a person with a phone number, and a header printed on every page:
    neither was read, and the tab's name went unmasked into every finding's place."""

    def build(wb):
        ws = wb.active
        ws.title = "李国强13803741234"
        ws.append(["姓名", "金额"])
        ws.append(["李国强", 100])
        ws.oddHeader.center.text = "经办人 王秀英 411023198001011237"
        ws.oddFooter.right.text = "联系电话 13903741234 第&P页"

    found = _attach(repo, "list.xlsx", _xlsx(build))
    assert sorted(f.code for f in found) == ["pii-id-number", "pii-mobile", "pii-mobile"]
    assert not any("13803741234" in f.field + f.message for f in found)


def test_a_pdfs_notes_and_form_values_are_read(repo):
    """A note (a pop-up on the page) and a filled-in form field show on screen, outside the
    text layer that was read."""
    import pypdf
    from pypdf.annotations import Text
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    reader = pypdf.PdfReader(io.BytesIO(pdf([["Subsidy list 2013"]])))
    writer = pypdf.PdfWriter()
    writer.append(reader)
    writer.add_annotation(page_number=0, annotation=Text(text="13803741234", rect=(50, 550, 200, 650)))
    field = DictionaryObject({NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject("id"),
                              NameObject("/V"): TextStringObject("411023198001011237")})
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([writer._add_object(field)])})
    out = io.BytesIO()
    writer.write(out)
    found = _attach(repo, "list.pdf", out.getvalue())
    assert sorted((f.code, f.field) for f in found) == [("pii-id-number", "表单字段“id”"), ("pii-mobile", "第 1 页批注")]


def test_a_sheet_embedded_in_a_word_document_is_read(repo):
    sheet = _xlsx(lambda wb: (wb.active.append(["姓名", "身份证号"]), wb.active.append(["李国强", "411023198001011237"])))
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                   "<w:body><w:p><w:r><w:t>见附表</w:t></w:r></w:p></w:body></w:document>")
        z.writestr("word/embeddings/Microsoft_Excel_Worksheet.xlsx", sheet)
    found = _attach(repo, "notice.docx", docx.getvalue())
    assert [f.code for f in found] == ["pii-id-number"] and "嵌入的表格" in found[0].field


def test_an_empty_row_in_a_sheet_ends_a_table(repo):
    def build(wb):
        ws = wb.active
        ws.append(["项目", "金额（元）"])
        ws.append(["上级补助", 5000])
        ws.append([])
        ws.append(["姓名", "联系电话"])
        ws.append(["张三", 13803741299])

    assert [f.code for f in _attach(repo, "list.xlsx", _xlsx(build))] == ["pii-mobile"]
