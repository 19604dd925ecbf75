"""The text inside attached documents (Excel, Word, PDF, OFD), for the personal-data scan.

Subsidy and 低保 lists are attached as Excel sheets and PDFs at least as often as they are
typed into a record, and that is where full 身份证号码 leak: a hidden sheet or column, a
cell that "looks masked" because the column is narrow, a deletion kept as a tracked
change, text under a redaction box in a PDF. So the scan reads what the file holds, not
what a viewer shows: hidden sheets, every cell, tracked deletions, headers and footers,
and every page's text layer.

`pieces(path, kind)` yields (where, text): `where` says in a clerk's words where the text
stands in the file (工作表“花名册”C7, 第 3 页, 正文第 12 段). A file that cannot be read
raises `Unreadable` with the reason in Chinese; the caller turns it into a warning, since
what cannot be read cannot be cleared either.

Libraries do the reading where a good one exists (openpyxl for .xlsx, xlrd for .xls,
pypdf for PDF). Word (.docx) and OFD are zip files of XML whose text is in known
elements; reading those elements directly (with defusedxml) also finds text that
python-docx's paragraph API skips, such as text boxes and tracked deletions.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# A 20 MB attachment may unpack to far more: a zip bomb must stop here, not fill memory.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PDF_PAGES = 2000
MAX_CELLS = 5_000_000  # about half a second of openpyxl's reading

# Formats whose text can be read. .doc (Word 97-2003) has no well-kept reader; images
# would need OCR. Those get a warning from the caller instead.
READABLE = {"xlsx", "xls", "docx", "pdf", "ofd"}


class Unreadable(Exception):
    """The file's text cannot be read; str() is the reason, in Chinese."""


def pieces(path: Path, kind: str) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text in the document; kind as validate.sniff says."""
    reader = {"xlsx": _xlsx, "xls": _xls, "docx": _docx, "pdf": _pdf, "ofd": _ofd}.get(kind)
    if reader is None:
        raise Unreadable("这种格式的文件无法自动读取，其中的个人信息没有检查")
    try:
        yield from reader(path)
    except (Unreadable, ImportError):
        raise  # ImportError: an installation problem, not the file's; it must not be cached as one
    except Exception as exc:  # a damaged file is the clerk's problem to fix, not a crash
        raise Unreadable(f"文件已损坏或格式不规范（{type(exc).__name__}），读不出其中的文字，个人信息没有检查") from exc


def _column(n: int) -> str:
    """Excel's column letters for a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _cell_text(value: Any) -> str | None:
    """A cell as the digits a reader would see: 13812345678.0 is 13812345678."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:  # beyond that Excel has lost digits anyway
            return str(int(value))
        return repr(value)
    if isinstance(value, (int, str)):
        return str(value)
    return None  # dates, errors, images


# A cell of a column named for a card or account in a sheet of people (pii.AccountColumns):
# its place ends with this, and the scan reads any 12 to 25 digits in it as an account
# number, Luhn or not.
ACCOUNT_COLUMN = "（账号列）"


# A cell of a column of codes (pii.CodeColumns: 项目编号, 地块编码 …): the scan does not read
# a code there as a card or an old identity number (nor, in a land code column, as an
# identity number).
CODE_COLUMN = "（编码列）"
LAND_CODE_COLUMN = "（地块、承包方编码列）"
# A cell of a column of sums or counts (pii: 金额, 收入（元）…): an 11-digit figure is no mobile.
AMOUNT_COLUMN = "（金额列）"


class _Columns:
    """pii.TableColumns, its marks as the places of findings end (ACCOUNT_COLUMN …)."""

    def __init__(self) -> None:
        from . import pii

        self.table = pii.TableColumns()
        self.words = {pii.ACCOUNT: ACCOUNT_COLUMN, pii.CODE: CODE_COLUMN, pii.LAND_CODE: LAND_CODE_COLUMN, pii.AMOUNT: AMOUNT_COLUMN}

    def marks(self, row: list[tuple[int, str | None]]) -> dict[int, str]:
        return {c: self.words[mark] for c, mark in self.table.marks(row).items()}


def _zip_guard(path: Path) -> zipfile.ZipFile:
    z = zipfile.ZipFile(path)
    if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED_BYTES:
        z.close()
        raise Unreadable(f"文件解压后超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB，为安全起见没有打开，其中的个人信息没有检查")
    return z


def _xlsx(path: Path) -> Iterator[tuple[str, str]]:
    import openpyxl

    _zip_guard(path).close()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = 0
    try:
        for ws in wb.worksheets:
            hidden = "（隐藏的工作表）" if ws.sheet_state != "visible" else ""
            ws.reset_dimensions()  # the file's own stated size may be wrong: read every row
            columns = _Columns()
            for row in ws.iter_rows():
                # A row is padded with empty cells up to its last one: a cell in column XFD on
                # each of a million rows is a small file and billions of cells. Stop in time.
                cells += len(row)
                if cells > MAX_CELLS:
                    raise Unreadable(f"表格超过 {MAX_CELLS // 10000} 万个单元格，没有全部检查，其中的个人信息可能没有发现")
                texts = [(getattr(cell, "column", 0), _cell_text(getattr(cell, "value", None))) for cell in row]
                if not any(text for _, text in texts):
                    columns = _Columns()  # an empty row ends a table: what follows has its own header
                    continue
                marks = columns.marks(texts)
                for cell, (column, text) in zip(row, texts, strict=True):
                    if text:
                        yield f"工作表“{ws.title}”{hidden} {_column(column)}{cell.row} 单元格{marks.get(column, '')}", text
        # A sheet's tab shows its name; a printout its header and footer. Both are read
        # like cells (a tab named 李国强13803741234 was never looked at).
        for ws in wb.worksheets:
            yield "工作表名称", ws.title
    finally:
        wb.close()
    yield from _xlsx_comments(path)
    yield from _xlsx_headers_footers(path)


_XLSX_SHEET = re.compile(r"xl/worksheets/sheet[0-9]+\.xml")
_HEADER_FOOTER = ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter")
# Excel's codes in a header or footer: &L &C &R (where), &P &N &D &T &A &F (page, date, sheet,
# file), &"font,style", &12 (size), &B &I &U &S &X &Y &K…: what prints is the text between.
_HF_CODE = re.compile(r'&(?:"[^"]*"|[0-9]+|K[0-9A-Fa-f]{6}|[LCRPNDTAFZGBIUSEXYH&+-])')


def _xlsx_headers_footers(path: Path) -> Iterator[tuple[str, str]]:
    from defusedxml import ElementTree

    with _zip_guard(path) as z:
        for name in sorted(n for n in z.namelist() if _XLSX_SHEET.fullmatch(n)):
            data = z.read(name)
            if b"headerFooter" not in data:
                continue
            for element in ElementTree.fromstring(data).iter():
                if element.tag.rsplit("}", 1)[-1] in _HEADER_FOOTER and element.text:
                    text = _HF_CODE.sub(" ", element.text).strip()
                    if text:
                        yield f"页眉页脚（{name.rsplit('/', 1)[-1]}）", text


# Notes on cells (批注) live in parts of their own, which openpyxl's fast reader skips; they
# are published with the file and are where a clerk jots a number down.
_XLSX_COMMENTS = re.compile(r"xl/(?:comments[^/]*|comments/[^/]+|threadedComments/[^/]+)\.xml")


def _xlsx_comments(path: Path) -> Iterator[tuple[str, str]]:
    from defusedxml import ElementTree

    with _zip_guard(path) as z:
        for name in sorted(n for n in z.namelist() if _XLSX_COMMENTS.fullmatch(n)):
            root = ElementTree.fromstring(z.read(name))
            for element in root.iter():
                if element.tag.rsplit("}", 1)[-1] in ("comment", "threadedComment"):
                    text = "".join(t.text or "" for t in element.iter() if t.tag.rsplit("}", 1)[-1] in ("t", "text"))
                    if text.strip():
                        yield f"批注（{element.get('ref', '')} 单元格）", text


def _xls(path: Path) -> Iterator[tuple[str, str]]:
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            hidden = "（隐藏的工作表）" if sheet.visibility else ""
            columns = _Columns()
            for r in range(sheet.nrows):
                texts = [(c + 1, _cell_text(value)) for c, value in enumerate(sheet.row_values(r))]
                if not any(text for _, text in texts):
                    columns = _Columns()  # an empty row ends a table (as in _xlsx)
                    continue
                marks = columns.marks(texts)
                for column, text in texts:
                    if text:
                        yield f"工作表“{sheet.name}”{hidden} {_column(column)}{r + 1} 单元格{marks.get(column, '')}", text
            book.unload_sheet(index)
    finally:
        book.release_resources()


# WordprocessingML: paragraphs hold runs of text; text boxes nest paragraphs inside them.
# A paragraph with tracked changes is given twice: as it reads, then (its place with this
# suffix) as it read before the changes; the piece before it is always the same paragraph.
BEFORE_CHANGES = "（修订前的文字，仍保存在文件中）"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_WORD_PARTS = [
    (re.compile(r"word/document\.xml"), "正文"),
    (re.compile(r"word/header\d*\.xml"), "页眉"),
    (re.compile(r"word/footer\d*\.xml"), "页脚"),
    (re.compile(r"word/footnotes\.xml"), "脚注"),
    (re.compile(r"word/endnotes\.xml"), "尾注"),
    (re.compile(r"word/comments\.xml"), "批注"),
]


def _paragraphs(element: Any) -> Iterator[tuple[str, str, str]]:
    """(text now, text before tracked changes, mark) of each paragraph under element, in
    order; a paragraph nested in another (a text box) is its own. The mark is ACCOUNT_COLUMN
    for a paragraph in a table cell of an account column (pii.AccountColumns)."""
    for child in element:
        if child.tag == f"{_W}p":
            for now, before in _paragraph(child):
                yield now, before, ""
        elif child.tag == f"{_W}tbl":
            yield from _table(child)
        else:
            yield from _paragraphs(child)


def _table(table: Any) -> Iterator[tuple[str, str, str]]:
    """The paragraphs of a Word table, row by row, those of its account and code columns marked."""
    columns = _Columns()
    for child in table:
        if child.tag != f"{_W}tr":
            yield from _paragraphs(child)
            continue
        cells = [tc for tc in child if tc.tag == f"{_W}tc"]
        texts = ["".join(now for now, _, _ in _paragraphs(tc)).strip() for tc in cells]
        marks = columns.marks(list(enumerate(texts)))
        for j, tc in enumerate(cells):
            for now, before, mark in _paragraphs(tc):
                yield now, before, mark or marks.get(j, "")


def _paragraph(p: Any) -> Iterator[tuple[str, str]]:
    # Read twice: as it reads now, and as it read before its tracked changes. A number
    # deleted and a masked one inserted in its place must not hide each other in one run
    # of digits (41010219900101********1234); the deleted one is still in the file.
    now: list[str] = []
    before: list[str] = []
    nested: list[Any] = []

    def walk(element: Any, inserted: bool) -> None:
        for child in element:
            tag = child.tag
            if tag in (f"{_W}t", f"{_W}instrText"):
                now.append(child.text or "")
                if not inserted:
                    before.append(child.text or "")
            elif tag == f"{_W}delText":
                before.append(child.text or "")
            elif tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
                mark = "\t" if tag == f"{_W}tab" else "\n"
                now.append(mark)
                before.append(mark)
            elif tag == f"{_W}p":
                nested.append(child)
            else:
                walk(child, inserted or tag == f"{_W}ins")

    walk(p, False)
    yield "".join(now), "".join(before)
    for n in nested:
        yield from _paragraph(n)


def _docx(path: Path) -> Iterator[tuple[str, str]]:
    from defusedxml import ElementTree

    with _zip_guard(path) as z:
        names = z.namelist()
        for pattern, label in _WORD_PARTS:
            for name in sorted(n for n in names if pattern.fullmatch(n)):
                root = ElementTree.fromstring(z.read(name))
                for i, (now, before, mark) in enumerate(_paragraphs(root), start=1):
                    where = f"{label}第 {i} 段" if label == "正文" else label
                    if now.strip() or before != now:
                        yield where + mark, now
                    if before != now and before.strip():
                        yield where + BEFORE_CHANGES, before
        # A sheet pasted into the document (Insert > Object) shows in it as a table.
        for name in sorted(n for n in names if _EMBEDDED_SHEET.fullmatch(n)):
            inner = io.BytesIO(z.read(name))
            for where, text in _xlsx(inner):  # type: ignore[arg-type]  # zipfile and openpyxl read a file object
                yield f"嵌入的表格（{name.rsplit('/', 1)[-1]}）{where}", text


_EMBEDDED_SHEET = re.compile(r"word/embeddings/[^/]+\.xlsx", re.IGNORECASE)


def pdf_problem(path: Path) -> str | None:
    """Why a file that starts like a PDF is not one a reader can open (in Chinese), or None.

    A header and nothing behind it, a truncated file or a program with a PDF header in
    it must not be published as a PDF: pypdf reads the cross-reference table, the trailer
    and the page tree as any reader would, leniently, and finds at least one page.
    """
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            return "PDF 文件设置了打开密码，公众无法打开"
        if len(reader.pages) < 1:
            return "PDF 文件中没有任何页面"
        active = _pdf_active_content(reader)
        if active:
            return f"PDF 文件中含有{active}，打开时可能运行程序"
    except Exception as exc:  # every way a damaged file fails is the clerk's problem, not a crash
        return f"PDF 文件已损坏或不完整，无法打开（{type(exc).__name__}）"
    return None


# What in a PDF runs or carries something when it is opened: scripts, launching a program,
# embedded files (an .exe rides along as an attachment), Flash-era rich media.
_PDF_ACTIVE = {"/JS": "脚本（JavaScript）", "/JavaScript": "脚本（JavaScript）", "/Launch": "启动程序的动作",
               "/EmbeddedFile": "嵌入的文件", "/EmbeddedFiles": "嵌入的文件", "/RichMedia": "多媒体插件内容"}
_PDF_OBJECTS = 200_000


def _pdf_active_content(reader: Any) -> str | None:
    """The first active content (in Chinese) reachable from the PDF's trailer, or None."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    steps = 0
    while stack and steps < _PDF_OBJECTS:
        steps += 1
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for k, v in obj.items():
                if k in _PDF_ACTIVE:
                    return _PDF_ACTIVE[k]
                if k in ("/S", "/Subtype", "/Type") and isinstance(v, NameObject) and v in _PDF_ACTIVE:
                    return _PDF_ACTIVE[v]
                if k != "/Parent":
                    stack.append(v)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def _pdf(path: Path) -> Iterator[tuple[str, str]]:
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about odd files are not the clerk's
    reader = pypdf.PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise Unreadable("PDF 文件设置了打开密码，读不出其中的文字，个人信息没有检查")
    found = False
    for i, page in enumerate(reader.pages):
        if i >= MAX_PDF_PAGES:
            raise Unreadable(f"PDF 超过 {MAX_PDF_PAGES} 页，只检查了前 {MAX_PDF_PAGES} 页，其余页面中的个人信息没有检查")
        text = page.extract_text() or ""
        if text.strip():
            found = True
            yield f"第 {i + 1} 页", text
        # A note (shown as a pop-up) and what a form field shows are on the page too, but
        # not in its text layer.
        for annotation in _objects(page.get("/Annots")):
            contents = annotation.get("/Contents") if hasattr(annotation, "get") else None
            if isinstance(contents, str) and contents.strip():
                yield f"第 {i + 1} 页批注", contents
    for name, value in (reader.get_fields() or {}).items():
        shown = value.get("/V") if hasattr(value, "get") else None
        if isinstance(shown, str) and shown.strip():
            yield f"表单字段“{name}”", shown
    if not found:
        raise Unreadable("PDF 中没有可读取的文字（可能是扫描件），其中的个人信息无法自动检查")


def _objects(value: Any) -> list[Any]:
    """A PDF array's objects, each resolved (an annotation list may be an indirect object)."""
    value = value.get_object() if hasattr(value, "get_object") else value
    return [v.get_object() if hasattr(v, "get_object") else v for v in value] if isinstance(value, list) else []


_OFD_PAGE = re.compile(r"(?:.*/)?Pages/Page_(\d+)/Content\.xml")


def _ofd(path: Path) -> Iterator[tuple[str, str]]:
    """OFD (GB/T 33190): each page's Content.xml holds TextObject elements of TextCode runs."""
    from defusedxml import ElementTree

    with _zip_guard(path) as z:
        pages = sorted(
            ((n, _OFD_PAGE.fullmatch(n)) for n in z.namelist()),
            key=lambda item: (item[0].split("/Pages/")[0], int(item[1].group(1)) if item[1] else 0),
        )
        number = 0
        for name, m in pages:
            if not m:
                continue
            number += 1
            root = ElementTree.fromstring(z.read(name))
            objects = [el for el in root.iter() if el.tag.endswith("TextObject")]
            lines = ["".join(code.text or "" for code in obj.iter() if code.tag.endswith("TextCode")) for obj in objects]
            text = "\n".join(line for line in lines if line)
            if text.strip():
                yield f"第 {number} 页", text
