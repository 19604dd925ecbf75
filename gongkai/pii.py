"""Personal data (个人信息) in records: find it before it is published, and mask it.

Subsidy and 低保 lists published with full 身份证号码, phone and bank-card numbers are the
leak that keeps recurring on government sites; the 2018 政务公开要点 require 去标识化. `find`
spots those numbers in text, `scan_record` turns them into findings for `check`, and
`fix_files` rewrites files with the masks applied and nothing else changed.

Detection is strict so that ordinary long numbers pass: 18 digits are an identity number
only with a real province, a real birth date and the ISO 7064 MOD 11-2 check digit; a
bank card must pass Luhn; a number inside a longer run of digits is never a match.
Masked forms (410102********1234, 138****5678, ************1234) have no long digit
run left, so they pass by construction.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from . import store
from .chars import INVISIBLE, INVISIBLE_BMP, invisible_note
from .findings import ERROR, WARNING, Findings
from .load import line_ends
from .model import Record
from .schema import field_path
from .yamltext import YamlProblem, parse

ID18 = "id18"
ID15 = "id15"
MOBILE = "mobile"
BANKCARD = "bankcard"

KIND_ZH = {ID18: "身份证号码", ID15: "身份证号码", MOBILE: "手机号码", BANKCARD: "银行卡号"}
CODES = {ID18: "pii-id-number", ID15: "pii-id-number", MOBILE: "pii-mobile", BANKCARD: "pii-bank-card"}

# Attachments that are text and therefore scanned (and masked by fix_files).
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".md", ".json", ".xml", ".html", ".htm")
RECORD_SUFFIXES = (".md", ".yml", ".yaml")
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024

# GB/T 2260 province codes (71 台湾, 81 香港, 82 澳门, 83 台湾居民居住证).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_THIS_YEAR = dt.date.today().year
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Match(NamedTuple):
    """One unmasked number: its kind, where it stands in the text, and the mask to use."""

    kind: str
    start: int
    end: int
    text: str
    masked: str


# --- number rules ------------------------------------------------------------------------


def _real_date(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month]:
        return False
    return not (month == 2 and day == 29 and (year % 4 or (year % 100 == 0 and year % 400)))


def _birth18(d: str) -> bool:
    year = int(d[6:10])
    return 1900 <= year <= _THIS_YEAR and _real_date(year, int(d[10:12]), int(d[12:14]))


def is_id18(d: str) -> bool:
    """18 characters: province, real birth date (1900 to this year), MOD 11-2 check digit."""
    if len(d) != 18 or d[:2] not in PROVINCES or not d[:17].isdigit() or not _birth18(d):
        return False
    # Σ dᵢ·2^(17-i) mod 11 is int(d, 13) mod 11 (13 ≡ 2 mod 11): the check digit in C speed.
    check = (1 - 2 * int(d[:17], 13)) % 11
    return d[17] in "Xx" if check == 10 else d[17] == str(check)


def is_id15(d: str) -> bool:
    """15 digits of a pre-1999 identity number: county code, a real 19yymmdd, 3 digits."""
    return (
        len(d) == 15
        and d[:2] in PROVINCES
        and d[2:4] != "00"
        and d[4:6] != "00"  # a county, not a whole province or city
        and _real_date(1900 + int(d[6:8]), int(d[8:10]), int(d[10:12]))
    )


def luhn(d: str) -> bool:
    """The Luhn check every bank card number passes."""
    rev = d[::-1]
    total = sum(map(int, rev[0::2]))
    for c in rev[1::2]:
        v = 2 * int(c)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _is_numeric_credit_code(d: str) -> bool:
    """An all-digit 统一社会信用代码 (GB 32100): a registration authority (1-9), an organisation
    type (1-5, 9), a division, the check character."""
    if d[0] == "0" or d[1] not in "123459" or d[2:4] not in PROVINCES:
        return False
    return _credit_check(d)


def _credit_check(d: str) -> bool:
    """The GB 32100 check character of 17 digits and a last character (a digit or a letter)."""
    total = sum(w * int(c) for w, c in zip(_USCC_WEIGHTS, d[:17], strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == d[17]


def _credit_code_at(t: str, start: int, end: int) -> bool:
    """True when 17 digits at start..end and the letter after them are a 统一社会信用代码
    (93411025300836900C): a code, whatever Luhn says of its digits."""
    return (
        end - start == 17
        and end < len(t)
        and t[end] in _USCC_CHARS[10:]
        and t[start] in "123456789"
        and t[start + 2 : start + 4] in PROVINCES
        and _credit_check(t[start : end + 1])
        and not (t[end + 1 : end + 2].isalnum() and t[end + 1 : end + 2].isascii())
    )


def _classify_long(d: str) -> str | None:
    """16 to 19 plain digits: an identity number, a bank card, or nothing."""
    if len(d) == 18 and is_id18(d):
        return ID18
    if len(d) in (17, 18) and d[:2] in PROVINCES and _birth18(d):
        return None  # an identity number mistyped or cut short, not a card
    if len(d) == 18 and _is_numeric_credit_code(d):
        return None
    return BANKCARD if d[0] in "34569" and luhn(d) else None


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# ".0" after eleven digits, as a spreadsheet or pandas writes a number column out (".00" is money).
_FLOAT_EXPORT = re.compile(r"\.0(?![0-9])")
# A currency unit after a number: a sum of money, not a phone number. After a space only
# as a word of its own (13803741234 元宝村 is a phone number and a village).
_AMOUNT_AFTER = re.compile(r"(?:元|万元|亿元|美元|港元|[万亿](?![\u3400-\u9fff]))| (?:元|万元|亿元|美元|港元)(?![\u3400-\u9fff])")

# --- finding numbers in text --------------------------------------------------------------

# Text is matched after a normalisation that keeps what a reader sees: every decimal digit
# (full-width ０-９ and those of other scripts) becomes its ASCII digit, every space, hyphen
# and dot a reader reads past becomes " ", "-" or ".", and invisible characters
# (chars.INVISIBLE: zero-width space, soft hyphen, BOM, bidi marks, U+2028 …) are taken
# out, so 4110\u200b23\u00a01980 0101 1237 is read as the number it shows. Offsets are
# mapped back, so a match and its mask cover the original characters.
_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# The em dash and horizontal bar too: a Chinese input method types —— for the hyphen key.
_HYPHENS = "\u2010-\u2015\u2212\ufe58\ufe63\uff0d"
_DOTS = "\u00b7\u2027\u30fb\uff0e\uff65"
# A quick look for what needs normalising: the decimal digits of the Basic Multilingual
# Plane other than ASCII (tests check the list against unicodedata), its invisible
# characters, the full-width X, and any character beyond it; and separators only where
# they touch a digit (Chinese text is full of ideographic spaces and middle dots). One
# character class within the BMP is a bitmap to sre and scans Chinese text fast; the
# exact pattern (_ODD) runs only after a hit.
_BMP_DIGITS = (
    "\u0660-\u0669\u06f0-\u06f9\u07c0-\u07c9\u0966-\u096f\u09e6-\u09ef\u0a66-\u0a6f\u0ae6-\u0aef\u0b66-\u0b6f"
    "\u0be6-\u0bef\u0c66-\u0c6f\u0ce6-\u0cef\u0d66-\u0d6f\u0de6-\u0def\u0e50-\u0e59\u0ed0-\u0ed9\u0f20-\u0f29"
    "\u1040-\u1049\u1090-\u1099\u17e0-\u17e9\u1810-\u1819\u1946-\u194f\u19d0-\u19d9\u1a80-\u1a89\u1a90-\u1a99"
    "\u1b50-\u1b59\u1bb0-\u1bb9\u1c40-\u1c49\u1c50-\u1c59\ua620-\ua629\ua8d0-\ua8d9\ua900-\ua909\ua9d0-\ua9d9"
    "\ua9f0-\ua9f9\uaa50-\uaa59\uabf0-\uabf9\uff10-\uff19"
)
# What a check digit X is typed as besides X: full-width Ｘ, the multiplication sign, the
# Roman numeral ten, Cyrillic х.
_X_LIKE = "Ｘｘ×ⅩⅹХх"
# Digits written small or in a circle (¹³⁸, ①③⑧, ❶, ➀): a reader reads each as its digit, and
# the search index (NFKC) holds the first kinds as digits too. Not ⑴ or ⒈, read as (1) and 1.
_OTHER_DIGITS = "\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792"
_OTHER_DIGIT_SET = frozenset(re.findall(f"[{_OTHER_DIGITS}]", "".join(map(chr, range(0xB2, 0x2793)))))
_MAYBE_ODD = re.compile(f"[{_BMP_DIGITS}{_OTHER_DIGITS}{INVISIBLE_BMP}{_X_LIKE}\U00010000-\U0010ffff]")
_ODD_SEPARATOR = f"[{_SPACES}{_HYPHENS}{_DOTS}]"
_SEPARATOR_BY_DIGIT = re.compile(f"{_ODD_SEPARATOR}(?:(?=[0-9])|(?<=[0-9].))")  # starts with a class: scans fast
_ODD = re.compile(
    rf"(?P<digit>[^\D0-9]|[{_OTHER_DIGITS}])|(?P<gone>[{INVISIBLE}])|(?P<x>[{_X_LIKE}])"
    rf"|(?P<space>[{_SPACES}])|(?P<hyphen>[{_HYPHENS}])|(?P<dot>[{_DOTS}])"
)
_CANON = {"x": "X", "space": " ", "hyphen": "-", "dot": "."}
# A wider gap between two digits than one separator: spaces in a row, a hyphen or dot with
# spaces around it (138  0013  8000, 411023 - 19800101 - 1237). A page shows runs of spaces
# as one, so the reader sees the number whole; the gap is read as one space (not as its
# hyphen or dot: "3. 411023…" is a list item, not a decimal number). Not a tab: it parts
# the columns of a pasted spreadsheet row or a TSV file (合计\t156\t2300\t4500 is no phone).
_WS = f" {_SPACES}"
_SEPS = f"\\-.{_HYPHENS}{_DOTS}"
# A line break is such a gap too (4110231980⏎01011237): a Markdown paragraph shows it as a
# space, and a narrow table cell of a PDF or Word file wraps a number there.
_GAP = rf"[{_WS}]*\r?\n[{_WS}]*|[{_WS}]+(?:[{_SEPS}][{_WS}]*)?|[{_SEPS}][{_WS}]+"
_MAYBE_GAP = re.compile(r"[0-9](?:[ \-.] | [\-.]| *\r?\n) *[0-9]")  # a quick look, ASCII digits
# Chinese numerals written for digits (身份证号四一一〇二三…, 电话幺三八…, 肆壹壹零…; ○, the
# circle typed for 〇, too): read as digits where eleven or more of them stand in a row
# (with gaps as above), the shortest number; years (二〇一三年) and counts (一、二、三) stay text.
_CN_DIGITS = {
    **dict.fromkeys("〇零○", 0), **dict.fromkeys("一幺壹", 1), **dict.fromkeys("二贰貳", 2),
    **dict.fromkeys("三叁參叄", 3), **dict.fromkeys("四肆", 4), **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆陸", 6), **dict.fromkeys("七柒", 7), **dict.fromkeys("八捌", 8), **dict.fromkeys("九玖", 9),
}
_CN = "".join(_CN_DIGITS)
# (幺三八-零三七四-幺二三五: a single hyphen or dot between groups as well as a gap.)
_CN_RUN = re.compile(rf"[{_CN}](?:(?:{_GAP}|[{_SEPS}])?[{_CN}]){{10,}}")
_CN_GAP = re.compile(rf"{_GAP}|[{_SEPS}]")
_IS_DOT = re.compile(f"[.{_DOTS}]")
_IS_HYPHEN = re.compile(f"[\\-{_HYPHENS}]")
# Everything _normalise rewrites, in one pass (a single ASCII separator is left as it is).
# The Chinese dash —— (two em dashes, or two bars) between digits is one hyphen.
_ODD_ALL = re.compile(
    rf"(?P<gap>(?<=\d)(?![ \-.]\d)(?:{_GAP})(?=\d))|(?P<dash2>(?<=\d)(?:——|――)(?=\d))|(?P<cn>{_CN_RUN.pattern})|{_ODD.pattern}"
)
_MOST_GROUPS = 24
_S = r"[ \-.]"  # separators inside a grouped number (after normalisation)
# Not the continuation of a grouped number: no digit and hyphen or dot, no 4-digit group and
# space before it ("0374-3312000 138 0013 8000" still holds a mobile number).
_ALONE = r"(?<![0-9])(?<![0-9][\-.])(?<!(?<![0-9])[0-9]{4} )"
_END = rf"(?![0-9])(?!{_S}[0-9])"
_CANDIDATE = re.compile(
    r"(?<![0-9])(?P<run>[0-9]{11,}[Xx]?)"
    rf"|{_ALONE}(?:(?:\+?86|0086){_S}?)?(?P<mobile>1[3-9][0-9]{_S}[0-9]{{4}}{_S}[0-9]{{4}}|1[3-9][0-9]{{2}}{_S}[0-9]{{4}}{_S}[0-9]{{3}}|1[3-9][0-9]{_S}[0-9]{{8}}){_END}"
    rf"|{_ALONE}(?P<fours>[0-9]{{4}}(?:{_S}[0-9]{{4}}){{3}}(?:{_S}[0-9]{{1,4}}[Xx]?)?)(?![Xx]){_END}"
    rf"|{_ALONE}(?P<id684>[0-9]{{6}}{_S}[0-9]{{8}}{_S}[0-9]{{3}}[0-9Xx]"
    rf"|[0-9]{{6}}{_S}[0-9]{{4}}{_S}[0-9]{{4}}{_S}[0-9]{{3}}[0-9Xx]"
    rf"|[0-9]{{3}}{_S}[0-9]{{3}}{_S}[0-9]{{4}}{_S}[0-9]{{4}}{_S}[0-9]{{3}}[0-9Xx]){_END}"
    # Any other split of an identity number (6-12, 3-3-3-3-3-3, 4-4-4-4-2, 2-2-…, digits
    # spaced one by one), also when more groups follow: the strict check decides; a
    # card number only when its digits are spaced one by one. Only looked
    # at (zero width), so a run that is no identity number is not used up: a card or a
    # mobile number later in it is still found.
    # The groups are looked at up to _MOST_GROUPS (a number has at most 19 digits): a line of
    # thousands of spaced digits would otherwise be read to its end from each of its digits.
    rf"|{_ALONE}(?=(?P<groups>[0-9]+(?:{_S}[0-9]+){{1,{_MOST_GROUPS}}}[Xx]?)(?![0-9]))"
)
_GROUP = re.compile(r"[0-9]+[Xx]?")
# A run of 11 or more digits that goes on after a separator (41102319800101 1237): the
# candidate pattern takes the run whole, so the split it may be part of is looked at here.
_GROUPS_AT = re.compile(rf"[0-9]+(?:{_S}[0-9]+){{1,{_MOST_GROUPS}}}[Xx]?(?![0-9])")
_SPACED = re.compile(rf"[0-9](?:{_S}[0-9])+[Xx]?")
# What is not a digit of the number in a match's original text: separators and invisibles.
_NOT_NUMBER = re.compile(rf"[ \-.{_SPACES}{_HYPHENS}{_DOTS}{INVISIBLE}]")
_NOT_DIGIT = re.compile(r"[^0-9Xx]")
# Every candidate holds one of these shapes (11 digits, 3-4-, 4-4-, 4-4-4, 6-8, 3-8, 6-4-4,
# 3-3-3, 6-6-, 2-2-2-2, digits spaced one by one), office numbers such as 0374-3312000 do not: searching for the shape first is what
# keeps ordinary text fast, and the candidate pattern only runs around the shapes it finds.
# (The first three digits are spelt out: sre skips text faster that way than with {3}.)
_D = "[0-9]"
_SHAPE = re.compile(
    rf"{_D}(?:{_D}{_D}(?:{_D}{{8}}|{_S}{_D}{{4}}{_S}|{_D}{_S}{_D}{{4}}{_S}|{_D}{{3}}{_S}{_D}{{4}}{_S}|{_S}{_D}{{8}}|{_S}{_D}{{3}}{_S}{_D}{{3}}|{_D}{{3}}{_S}{_D}{{6}}{_S})"
    rf"|{_D}{_S}{_D}{_D}{_S}{_D}{_D}{_S}{_D}{_D}|{_S}{_D}{_S}{_D}{_S}{_D}{_S}{_D})"
)
_TAIL = re.compile(rf"(?:[0-9Xx]|{_S})*")
_BIG = 10**10
_ASCII_DIGITS = frozenset("0123456789")


def _normalise(text: str) -> tuple[str, list[int], list[int], list[int]]:
    """The text as matched (see _ODD, _GAP and _CN_RUN above) and how to map its
    offsets back.

    The first two lists are breakpoints: from normalised offset cuts[i] on, the original
    offset is larger by shifts[i] (the characters taken out before it). The third holds the
    normalised offsets of the spaces that stand for a wide gap.
    """
    if not _needs_normalising(text):
        return text, [], [], []
    parts: list[str] = []
    cuts: list[int] = []
    shifts: list[int] = []
    pos = removed = 0

    def drop(i: int) -> None:  # the character at original offset i is taken out
        nonlocal removed
        removed += 1
        cuts.append(i - removed + 1)
        shifts.append(removed)

    wide: list[int] = []

    def gap(i: int, chars: str) -> None:  # the gap at original offset i: one space
        wide.append(i - removed)
        parts.append(" ")
        for k in range(1, len(chars)):
            drop(i + k)

    for m in _ODD_ALL.finditer(text):
        i = m.start()  # (a hit of _MAYBE_ODD beyond the BMP may be no digit and visible)
        parts.append(text[pos:i])
        kind = m.lastgroup
        if kind == "dash2":
            parts.append("-")
            drop(i + 1)
        elif kind == "gap":
            if len(m.group()) == 1 and m.group() != "\n":
                parts.append(_separator(m.group()))
            else:
                gap(i, m.group())
        elif kind == "cn":
            at = i
            for g in _CN_GAP.finditer(m.group()):
                parts.append("".join(str(_CN_DIGITS[c]) for c in text[at : i + g.start()]))
                if len(g.group()) == 1:
                    parts.append(_separator(g.group()))
                else:
                    gap(i + g.start(), g.group())
                at = i + g.end()
            parts.append("".join(str(_CN_DIGITS[c]) for c in text[at : m.end()]))
        elif kind == "gone":
            drop(i)
        elif kind == "digit":
            c = m.group()
            if c in _OTHER_DIGIT_SET and (text[i - 1 : i] in _ASCII_DIGITS or text[i + 1 : i + 2] in _ASCII_DIGITS):
                parts.append(c)  # a footnote's or a power's mark after a number (…0002¹, 10²): not one of its digits
            else:
                parts.append(str(unicodedata.digit(c)))
        else:  # an X-like letter (a check digit), or a separator
            parts.append(_CANON[kind or "space"])
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts), cuts, shifts, wide


def _needs_normalising(text: str) -> bool:
    if text.isascii():
        return _MAYBE_GAP.search(text) is not None
    return bool(_MAYBE_ODD.search(text) or _SEPARATOR_BY_DIGIT.search(text) or _MAYBE_GAP.search(text) or _CN_RUN.search(text))


def _separator(c: str) -> str:
    """One separator character as matched: a space, "-" or "."."""
    if _IS_DOT.match(c):
        return "."
    return "-" if _IS_HYPHEN.match(c) else " "


def _original(offset: int, cuts: list[int], shifts: list[int]) -> int:
    i = bisect.bisect_right(cuts, offset)
    return offset + (shifts[i - 1] if i else 0)


def _decimal_next_to(t: str, start: int, end: int) -> bool:
    """True when the digits are part of a decimal number such as 13800138000.00."""
    return (t[end : end + 1] == "." and t[end + 1 : end + 2] in _ASCII_DIGITS) or (
        start >= 2 and t[start - 1] == "." and t[start - 2] in _ASCII_DIGITS
    )


def _mask(kind: str, digits: str) -> str:
    if kind == ID18:
        return digits[:6] + "********" + digits[-4:]
    if kind == ID15:
        return digits[:6] + "******" + digits[-3:]
    if kind == MOBILE:
        return digits[:3] + "****" + digits[-4:]
    return "*" * (len(digits) - 4) + digits[-4:]


def _classify(t: str, m: re.Match[str]) -> tuple[str, int, int] | None:
    """The kind and span of one candidate (t is the text with ASCII digits)."""
    group = m.lastgroup or ""
    start, end = m.span(group)
    if group == "run":
        run = m.group()
        n = len(run)
        if run[-1] in "Xx":
            if n == 18 and is_id18(run):
                return ID18, start, end
            if n == 18:
                return None  # shaped like an identity number, but the check digit is wrong
            run, n, end = run[:-1], n - 1, end - 1  # a letter after the digits, not a check digit
        if n == 15 and is_id15(run):
            return None if _code_before(t, start) else (ID15, start, end)  # 纳税人识别号：511323790404796
        if n == 18 and is_id18(run):
            return ID18, start, end  # identity numbers are checked strictly enough to ignore a decimal point
        if n == 17 and t[end : end + 1] in ("*", "＊") and run[:2] in PROVINCES and _birth18(run):
            return ID18, start, end + 1  # the check digit starred: the other 17 give it away
        if _credit_code_at(t, start, end):
            return None
        if 12 <= n <= 25 and _account_before(t, start):
            return BANKCARD, start, end  # named a card: 卡号：8612345678901 is no mobile number either
        if n == 11 and _FLOAT_EXPORT.match(t, end) and _MOBILE.fullmatch(run) and not _AMOUNT_AFTER.match(t, end + 2):
            return MOBILE, start, end  # 13803741234.0: a phone number a spreadsheet saved as a number
        if _decimal_next_to(t, start, end):
            return None
        if n == 11:
            # 13500000000元 is an amount (fix would otherwise mask the sum away).
            return (MOBILE, start, end) if _MOBILE.fullmatch(run) and not _AMOUNT_AFTER.match(t, end) else None
        if (n == 13 and run.startswith("86")) or (n == 15 and run.startswith("0086")):
            return (MOBILE, end - 11, end) if _MOBILE.fullmatch(run, n - 11) else None
        if 16 <= n <= 19:
            kind = _classify_long(run)
            if kind == BANKCARD and (_in_code(t, start, end) or _code_before(t, start)):
                return None
            return (kind, start, end) if kind else None
        return None
    if group == "groups":
        return _grouped(m.group(group), start, _run_begins(t, start), _account_before(t, start))
    digits = _NOT_DIGIT.sub("", m.group(group))
    if group == "mobile":
        return MOBILE, start, end
    if group == "id684":
        return (ID18, start, end) if is_id18(digits) else None
    if digits[-1] in "Xx":
        return (ID18, start, end) if is_id18(digits) else None
    kind = _classify_long(digits) if 16 <= len(digits) <= 19 else None
    if kind is None and digits.isdigit() and _account_before(t, start):
        kind = BANKCARD
    return (kind, start, end) if kind else None


# What names the number after it a person's card or passbook: then any 12 to 25 digits are
# one, Luhn or not (一卡通 and passbook numbers are often no card numbers; the 2025
# subsidy-list case leaked them). Not 账号/账户 alone: a unit's account is published on
# purpose, for payments (the labelled set holds one).
# A card's own name (一卡通, 存折 …) names its number only with 号/账号 or a colon after it
# (通过惠农一卡通 202401150001 批次发放 is a batch); 卡号 names one by itself, except a
# card that is no bank's (加油卡号, 会员卡号).
_CARD = r"[“\"]?(?:一卡通|一折通|惠农卡|存折|折子|银行卡|社保卡)[”\"]?"
_BRACKETS = r"(?:（[^（）\n]{1,12}）|\([^()\n]{1,12}\))?"
_ACCOUNT_BEFORE = re.compile(
    rf"(?:{_CARD}(?:账号|帐号|卡号|号码?)|卡号码?|折号|折子号){_BRACKETS}(?:为|是)?[：: \t\u3000]*$"
    rf"|{_CARD}{_BRACKETS}(?:[：:]|为|是)[ \t\u3000]*$"
)


# What names the number after it a code, not a person's: a tax or registration number, an
# order, contract, batch or project number.
_CODE_BEFORE = re.compile(r"(?:识别号|税号|代码|编码|编号|注册号|登记号|批次号?|订单号|合同号|流水号)[：:\s]*$")


def _code_before(t: str, start: int) -> bool:
    return _CODE_BEFORE.search(t, max(0, start - 12), start) is not None


def _in_code(t: str, start: int, end: int) -> bool:
    """True when letters touch the digits: part of a code (N3411023838614914W), not a card."""
    return (start > 0 and t[start - 1].isascii() and t[start - 1].isalpha()) or (end < len(t) and t[end].isascii() and t[end].isalpha())


def _account_before(t: str, start: int) -> bool:
    m = _ACCOUNT_BEFORE.search(t, max(0, start - 30), start)
    return m is not None and not _NOT_BANK_BEFORE.search(t, max(0, m.start() - 4), m.start())


def _run_begins(t: str, start: int) -> bool:
    """False when start is inside a run of digits spaced one by one (a single digit and a
    separator just before it); a longer group before it (0374-3312000 4 1 1 0 …) is
    another number, and the run starts here."""
    return not (
        start >= 2 and t[start - 1] in " -." and t[start - 2] in _ASCII_DIGITS and (start < 3 or t[start - 3] not in _ASCII_DIGITS)
    )


# Digits spaced out one by one: at most 19 of them, one separator between two.
_MOST_SPACED = 2 * 19


def _grouped(run: str, start: int, begins: bool = True, account: bool = False) -> tuple[str, int, int] | None:
    """The number a grouped run holds: an identity number made of its first groups, or an
    old identity number or a card number whose digits are spaced out one by one (6 2 2 2 …),
    the whole run (begins: nothing of it before start; the run is cut at _MOST_GROUPS, so a
    longer one is no such number) and not the tail of a longer one. `account`: the text
    names a card just before it (_account_before): the whole run, 12 to 25 digits, is one."""
    digits = ""
    for g in _GROUP.finditer(run):
        digits += g.group()
        if len(digits) >= 18 or not g.group()[-1].isdigit():
            if len(digits) == 18 and is_id18(digits):
                return ID18, start, start + g.end()
            break
    if begins and _GROUP.match(run).end() == 6:
        # An old identity number after its six-digit county code (410102 800101 123).
        digits = _NOT_DIGIT.sub("", run)
        if len(digits) == 15 and is_id15(digits):
            return ID15, start, start + len(run)
    if account and begins:
        digits = _NOT_DIGIT.sub("", run)
        if digits.isdigit() and 12 <= len(digits) <= 25:
            # A card number its first groups make, when the run goes on into the next column
            # (卡号 6222 0212 3456 7890 128 1200): the mask keeps the card's own last digits.
            prefix = ""
            for g in _GROUP.finditer(run):
                prefix += g.group()
                if 16 <= len(prefix) <= 19 and g.end() < len(run) and luhn(prefix):
                    return BANKCARD, start, start + g.end()
            return BANKCARD, start, start + len(run)
    if begins and len(run) <= _MOST_SPACED and _SPACED.fullmatch(run):
        # Not a mobile number: eleven single digits in a row of counts start 13… too often.
        digits = _NOT_DIGIT.sub("", run)
        if len(digits) == 15 and is_id15(digits):
            return ID15, start, start + len(run)
        kind = _classify_long(digits) if 16 <= len(digits) <= 19 and digits.isdigit() else None
        if kind:
            return kind, start, start + len(run)
    return None


def find(text: str) -> list[Match]:
    """Every unmasked identity, mobile and bank-card number in the text, in order."""
    if len(text) < 11:
        return []  # the shortest number, a mobile, has 11 digits (a spreadsheet has many short cells)
    t, cuts, shifts, wide = _normalise(text)
    hit = _SHAPE.search(t)
    out: list[Match] = []
    done = 0  # where the last match ended: a grouped run is looked at from several places
    while hit is not None:
        # The run of digits and separators around the shape holds every candidate in it;
        # a +86 before a mobile number starts at most 5 characters before the shape, and
        # two characters past the run let the pattern see what follows it.
        end = _TAIL.match(t, hit.end()).end()
        # The shape may be found inside a longer group (the 3-8 of 4110231980 01011237):
        # the run starts where its digits and separators start.
        begin = hit.start()
        while begin > 0 and hit.start() - begin < 24 and (t[begin - 1] in _ASCII_DIGITS or t[begin - 1] in " -."):
            begin -= 1
        for m in _CANDIDATE.finditer(t, max(0, begin - 6), end + 2):
            found = _classify(t, m)
            if found is None and m.lastgroup == "run":
                rest = _GROUPS_AT.match(t, m.start("run"))
                found = _grouped(rest.group(), rest.start(), _run_begins(t, rest.start()), _account_before(t, rest.start())) if rest else None
            if found is None:
                continue
            kind, start, stop = found
            if start < done:
                continue
            if wide and kind != ID18 and bisect.bisect_left(wide, start) < bisect.bisect_left(wide, stop) and not (
                kind == BANKCARD and _account_before(t, start)
            ):
                # Columns aligned with runs of spaces (合计      156      2300      4500) look like
                # a grouped phone or card number: across a wide gap only what is checked
                # strictly (an identity number's check digit, a number named a card) counts.
                continue
            done = stop
            if cuts:
                start, stop = _original(start, cuts, shifts), _original(stop - 1, cuts, shifts) + 1
            original = text[start:stop]
            out.append(Match(kind, start, stop, original, _mask(kind, _NOT_NUMBER.sub("", original))))
        hit = _SHAPE.search(t, end)
    if _MASK_HINT.search(t):
        out = _half_masked(text, t, cuts, shifts, out)
    return out


# An identity number masked in part only, so that some of the birth date shows
# (41102319800101****, 4110231980****1237): the date, digits 7 to 14, must be hidden at least.
# Masked with * or ＊, or with X, x or × (the normaliser makes × an X) where at least two stand
# before the check digit's place: one X at the end is a check digit.
_MASK_HINT = re.compile(r"[*＊]|[Xx]{2}")
_HALF_MASKED = re.compile(r"(?<![0-9A-Za-z*＊])([0-9]{6})([0-9*＊Xx]{8})([0-9*＊Xx]{3}[0-9Xx*＊])(?![0-9A-Za-z*＊])")


def _half_masked(text: str, t: str, cuts: list[int], shifts: list[int], out: list[Match]) -> list[Match]:
    found = list(out)
    for m in _HALF_MASKED.finditer(t):
        first, birth, last = m.groups()
        inner = m.group()[6:17]
        stars = sum(c in "*＊" for c in inner)
        if m.group()[:2] not in PROVINCES or not any(c.isdigit() for c in birth) or not (stars or sum(c in "Xx" for c in inner) >= 2):
            continue
        # What shows of the date must be one: a year 1900 on, a month, a day.
        year, month, day = birth[:4], birth[4:6], birth[6:]
        if (year.isdigit() and not 1900 <= int(year) <= _THIS_YEAR) or (month.isdigit() and not 1 <= int(month) <= 12) or (
            day.isdigit() and not 1 <= int(day) <= 31
        ):
            continue
        start, stop = m.span()
        if any(o.start < stop and start < o.end for o in out):
            continue
        if cuts:
            start, stop = _original(start, cuts, shifts), _original(stop - 1, cuts, shifts) + 1
        original = text[start:stop]
        # The mask keeps the clerk's script (full-width digits stay full-width).
        masked = original[:6] + "********" + original[-4:] if len(original) == 18 else first + "********" + last
        found.append(Match(ID18, start, stop, original, masked))
    return sorted(found, key=lambda x: x.start)


# --- account columns -------------------------------------------------------------------------

# A column named for a card, passbook or account in a table of people (a column names a
# person: 姓名, 户主, 领取人 …): every number of 12 to 25 digits in it is one, Luhn or not (a
# subsidy list's 银行账号 column is the leak the 2025 case was about). A unit's own accounts,
# for payments, stand alone in a field (账号：…), in a table of accounts, or in a row held by
# an organisation (a 单位/企业 column filled in, or a holder named as one), and are not read
# this way. The balance leans to reading: a unit's account read as a person's is an error a
# clerk sees and can take up with the office; a person's read as a unit's is published.
_ACCOUNT_WORDS = "一本通|银行信息|收款信息|card|account|acct|passbook"
_ACCOUNT_HEADER = re.compile(f"卡|折|账|帐|帳|{_ACCOUNT_WORDS}", re.IGNORECASE)
# Cards that are no bank's (资产卡号, SIM卡号, 门禁卡号, 加油卡号, 燃气卡号, 医保卡号 …), and
# columns of counts, sums, codes or ledgers (卡片编号, 建档立卡, 记账凭证号, 一卡通账户（户）).
_NOT_BANK = (
    r"资产|物联网|SIM|IC|门禁|就餐|饭|借书|读者|充值|油|会员|购物|公交|校园|电话|手机|流量|上网|储值|礼品|消费|折合|折扣|折旧"
    r"|智能|有线|电视|燃气|电费|电卡|水费|气费|医保|就诊|优待|ETC|税控"
)
_NOT_BANK_BEFORE = re.compile(f"(?:{_NOT_BANK})$", re.IGNORECASE)
_NOT_ACCOUNT_HEADER = re.compile(
    # 资金专户, 对公账户: a unit's account by name, whatever the 对象 column beside it holds
    f"{_NOT_BANK}|数$|数量|率$|额$|金额|日期|时间|卡片|立卡|记账|账面|账目|凭证|编号|编码|代码|批次|项目|流水|专户|对公|单位账|集体账", re.IGNORECASE
)
_MEASURE = re.compile(r"[（(](?:户|元|人|个|万元|亿元|张|次|%|％)[）)]")  # 一卡通账户（户）: a count
# Words for the holder of a person's account. Also the 对象 of a subsidy list (补贴对象,
# 发放对象 …) and the kinds of household that are people (低保户, 五保户 …): real lists head
# their name column so, beside a 一折通账号 column (the 2025 leak). A row whose cell names an
# organisation is still a unit's (AccountColumns.row). Not 缴费人员 or 村民 alone.
_PERSON_HEADER = re.compile(
    r"姓名|名字|人名|户主|户名|开户名|农户|领取人|领款人|收款人|申请人|申领人|签领人|代领人|持卡人|持折人|开户人|受助人|救助人"
    r"|受益人|补助人|享受人|监护人|养殖户|种植户|家庭成员"
    r"|(?:补贴|补助|发放|享受|救助|保障|资助|帮扶|供养|慰问|五保|优抚)对象|低保户|五保户|贫困户|脱贫户|监测户|特困户"
)
# Columns that name someone other than the account's holder, or no one: the clerk, a contact
# of a unit, a bank, a village group, a count.
_NOT_PERSON_HEADER = re.compile(
    r"开户行|开户银行|银行名|行号|地址|经办|审核|复核|制表|填表|记账|出纳|会计|联系人|负责人|法定代表人|法人|代表人"
    r"|项目经理|小组|村组|组别|数$|数量"
)
# A column naming the unit that holds the account (对方单位, 收款单位, 企业名称 …); 工作单位 and
# 所在单位 name a person's employer.
_UNIT_HEADER = re.compile(r"(?<!工作)(?<!所在)(?<!所属)(?<!计量)单位|企业|公司|供应商|商户|机构名称|法人名称")
# What names an organisation, not a person. Strong words anywhere; weak endings (店, 村, 社 …)
# only in names of four characters or more (王建社 and 赵新村 are people); a name of seven
# characters or more is one too, unless it has a dot or a space (阿卜杜热合曼・买买提); a
# masked name (王*英) is a person's.
_ORGANISATION = re.compile(
    r"委员会|村委|居委|政府|办事处|公司|集团|有限|合作社|联合社|经济联合|经济合作|股份|银行|信用社|农商|农信|邮政|国库"
    r"|学校|小学|中学|大学|幼儿园|医院|卫生院|卫生室|敬老院|福利院|支部|党委|团委|共青团|财政|法院|检察院|武装部"
    r"|协会|学会|商会|总会|红十字|图书馆|文化馆|博物馆|纪念馆|超市|门市|商店|饭店|酒店|宾馆|物业|集体|社区|村民小组"
    r"|移动|联通|电信|电网|供电|自来水|水务|燃气|保险|人寿|电视台|办公室|管理处|服务站|专户"
    r"|工会|妇联|残联|科协|县委|两委|慈善|建材|农资|印刷|电器|五金|家电|商贸|贸易|加工|门诊|诊所|药店|药房"
    r"|^[县镇乡市].{2}"  # 县残联, 镇财政所: no surname is 县, 镇, 乡 or 市
)
_WEAK_ENDING = re.compile(r"(?:部|店|厂|场|所|站|队|处|院|馆|社|村|组|局|办|中心|行|科)$")
_SHORT_ENDING = re.compile(r"[局委]$")  # 民政局, 团县委: no one's given name ends so
_CODE_HINT = re.compile(r"[码号次证水标块]")  # a quick look for a code column's header
# A quick look for an account column's header: _ACCOUNT_HEADER's words, its characters as one
# class (a copy of the words had lacked 银行信息 and 收款信息: such tables were never read).
_ACCOUNT_HINT = re.compile(f"[卡折账帐帳]|{_ACCOUNT_WORDS}", re.IGNORECASE)
_REMARK = re.compile(r"（[^（）]*）|\([^()]*\)")
_DATA_CELL = re.compile(r"\s*[0-9][0-9.,:：/\- ]*\s*")  # a number, a sum, a date: a row of data
_NAME_DOTS = re.compile(r"[·•・．.‧\-\s]")


def _header_kind(cell: str) -> tuple[bool, bool, bool]:
    """(names the holder as a person, names an account, names the holder as a unit) for a
    header cell; spaces inside it (姓  名, 卡\u3000号) and remarks in brackets do not count."""
    whole = "".join(cell.split())
    c = _REMARK.sub("", whole) or whole
    account = bool(_ACCOUNT_HEADER.search(c.replace("持卡人", "").replace("持折人", ""))) and not (
        _NOT_ACCOUNT_HEADER.search(c) or _MEASURE.search(whole)
    )
    unit = bool(_UNIT_HEADER.search(c)) and not account
    person = bool(_PERSON_HEADER.search(c)) and not (account or unit or _NOT_PERSON_HEADER.search(c))
    return person, account, unit


def _is_organisation(name: str) -> bool:
    name = _REMARK.sub("", name).strip()  # 李*华（村委代领） is 李*华
    if not name or "*" in name or "＊" in name or not any(c.isalpha() for c in name):
        return False  # a masked name is a person's; digits alone name no one (and must not flip once masked)
    plain = _NAME_DOTS.sub("", name)
    return bool(
        _ORGANISATION.search(plain)
        or (len(plain) >= 4 and _WEAK_ENDING.search(plain))
        or (len(plain) >= 3 and _SHORT_ENDING.search(plain))
        or (len(plain) >= 7 and not _NAME_DOTS.search(name))
    )


class AccountColumns:
    """The account columns of one table, read row by row (Markdown, CSV, TSV, a sheet).

    The header is the first row of two cells or more that names a person and an account in
    different cells (a title row, or pandas' Unnamed: 0 row, above it is common), or two
    rows together when a merged heading stands over them (姓名 | 补贴发放信息 over
    一卡通账号). A row is a unit's when a unit column of it is filled in, or when every
    person cell of it names an organisation."""

    def __init__(self) -> None:
        self.accounts: set[int] | None = None
        self.people: set[int] = set()
        self.units: set[int] = set()
        self._above: tuple[set[int], set[int], set[int]] | None = None

    def row(self, cells: list[tuple[int, str]]) -> set[int]:
        """A row's (column, text) cells that are not empty; the columns of this row to read as accounts."""
        if self.accounts is not None:
            if any(column in self.units for column, _ in cells):
                return set()
            names = [text for column, text in cells if column in self.people]
            return set() if names and all(_is_organisation(n) for n in names) else self.accounts
        if len(cells) < 2 or any(_DATA_CELL.fullmatch(text) for _, text in cells):
            self._above = None  # a data row, not a header (its 银行转账 names no column)
            return set()
        kinds = {column: _header_kind(text) for column, text in cells}
        people = {c for c, k in kinds.items() if k[0]}
        named = {c for c, k in kinds.items() if k[1]}
        units = {c for c, k in kinds.items() if k[2]}
        if self._above is not None and not (people and named):
            above_people, above_named, above_units = self._above
            people, named, units = people | above_people, named | above_named, units | above_units
        if people and named:
            self.accounts, self.people, self.units = named, people, units
            return set()
        self._above = (people, named, units)
        return set()


# Columns of codes (地块编码, 项目编号, 耳标号 …): a code of 16 to 19 digits passes Luhn one
# time in ten, and one of 15 reads as an old identity number one time in twenty, so in such
# a column neither is a person's; nor is an 18-digit one in a column of land or contract
# codes (承包方编码 is a county code, a date-like number and a check digit).
_CODE_HEADER = re.compile(r"编码|编号|代码|批次|凭证|流水|耳标|合同号|项目号|订单号|单元号|宗地|地块|序列号|条码")
_NOT_CODE_HEADER = re.compile(r"身份|证件|证号|公民|卡|账|帐|折|电话|手机|联系|号码")
_LAND_CODE = re.compile(r"承包|发包|地块|宗地|不动产")


# Columns of sums and counts (一般公共预算收入（元）, 地区生产总值, 面积): an 11-digit figure
# there that starts 13 to 19 is money, not a mobile number (fix had masked the budget away).
_AMOUNT_HEADER = re.compile(r"[（(](?:万?元|亿元|平方米|亩|人|户|个)[）)]|金额|收入|支出|预算|决算|合计|总计|小计|产值|总值|余额|面积|人口|资金|费用|价格")
_NOT_AMOUNT_HEADER = re.compile(r"电话|手机|联系|号码|身份|证|卡|账|帐|折|编码|编号|代码|人|单位|名称|姓名|负责|对象")
AMOUNT = "amount"


class CodeColumns:
    """The code and amount columns of one table, read row by row like AccountColumns: column
    -> CODE or LAND_CODE (an 18-digit number in it is a land or contract code too) or AMOUNT."""

    def __init__(self) -> None:
        self.codes: dict[int, str] | None = None

    def row(self, cells: list[tuple[int, str]]) -> dict[int, str]:
        if self.codes is not None:
            return self.codes
        if len(cells) >= 2 and not any(_DATA_CELL.fullmatch(text) for _, text in cells):
            codes = {c: LAND_CODE if _LAND_CODE.search(t) else CODE for c, t in cells if _CODE_HEADER.search(t) and not _NOT_CODE_HEADER.search(t)}
            codes.update({c: AMOUNT for c, t in cells if c not in codes and _AMOUNT_HEADER.search(t) and not _NOT_AMOUNT_HEADER.search(t)})
            if codes:
                self.codes = codes
        return {}


def _a_sum(m: Match) -> bool:
    """True when a match in an amount column is that column's figure, not a mobile number:
    a plain run of digits (138 0374 1234 is grouped as no sum ever is)."""
    return m.kind == MOBILE and m.text.isdigit()


def _a_code(m: Match, land: bool) -> bool:
    """True when a match in a code column is that column's code, not a person's number."""
    return m.kind in (BANKCARD, ID15) or (land and m.kind == ID18)


_CELL_NUMBER = re.compile(r"[0-9]+(?:[ \-][0-9]+)*")
# A float's exponent: the sheet kept no account number there.
_FLOAT_REPR = re.compile(r"[0-9][eE][+-]?[0-9]+\s*$")
_MD_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_MD_CELL = re.compile(r"(?:\\.|`[^`]*`|[^|\\`])+|(?<=\|)(?=\|)")
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.IGNORECASE | re.DOTALL)
_HTML_ROW = re.compile(r"<tr\b.*?(?:</tr\s*>|(?=<tr\b)|(?=</table))", re.IGNORECASE | re.DOTALL)
_HTML_CELL = re.compile(r"<t[dh]\b[^>]*>(.*?)(?:</t[dh]\s*>|(?=<t[dh]\b)|(?=</tr))", re.IGNORECASE | re.DOTALL)
_CSV_CELL = re.compile(r'"(?:[^"]|"")*"|[^,\n]*')
_TSV_CELL = re.compile(r"[^\t\n]*")


def _account_cell(text: str, start: int, end: int) -> Match | None:
    """The number a cell of an account column holds, 12 to 25 digits, as a bank card match:
    the one long run of digits in it, whatever stands around it (农行24157954220587915,
    '24157954220587915, ="…", …（农商行）, a float export's .0)."""
    cell = text[start:end]
    if _FLOAT_REPR.search(cell):
        return None  # 7.10100123456789e+16: the sheet lost the digits, and shows none of them
    t, cuts, shifts, _ = _normalise(cell)
    runs = [m for m in _CELL_NUMBER.finditer(t) if len(_NOT_DIGIT.sub("", m.group())) >= 12]
    if len(runs) != 1 or len(_NOT_DIGIT.sub("", runs[0].group())) > 25 or "-" in runs[0].group():
        return None  # (hyphens make dates and office numbers: 2024-01-05 2024-02-05, 0371-65432100)
    a, b = runs[0].span()
    if t[b : b + 1] in ("*", "＊") or (a > 0 and t[a - 1] in "*＊"):
        return None  # the digits a mask left (2468 0399****7761 after a mobile in it was masked)
    if cuts:
        a, b = _original(a, cuts, shifts), _original(b - 1, cuts, shifts) + 1
    number = cell[a:b]
    return Match(BANKCARD, start + a, start + b, number, _mask(BANKCARD, _NOT_NUMBER.sub("", number)))


Span = tuple[int, int]


def _tables(text: str, kind: str) -> Iterator[list[list[Span]]]:
    """Each table of the text as its rows of cells, spans of the text (AccountColumns finds
    the header among them). kind: "md" (HTML tables, and pipe tables: a header row, a
    delimiter row, rows) or "csv"/"tsv" (the whole file)."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)

    def cells(i: int) -> list[Span]:
        line, base = lines[i], offsets[i]
        if kind == "md":
            body = line.strip()
            lead = len(line) - len(line.lstrip())
            first = lead + (1 if body.startswith("|") else 0)
            last = lead + len(body) - (1 if body.endswith("|") and len(body) > 1 else 0)
            return [(base + first + m.start(), base + first + m.end()) for m in _MD_CELL.finditer(line[first:last])]
        pattern = _CSV_CELL if kind == "csv" else _TSV_CELL
        spans: list[Span] = []
        pos = 0
        while pos <= len(line):
            m = pattern.match(line, pos)
            spans.append((base + m.start(), base + m.end()))
            pos = m.end() + 1
        return spans

    if kind != "md":
        # An empty row ends a table: a summary block above a list has headers of its own
        # (项目, 金额 over 姓名, 联系电话), which must not stand for the list's.
        table: list[list[Span]] = []
        for i, line in enumerate(lines):
            if line.strip(" \t,;\"\r"):
                table.append(cells(i))
            elif table:
                yield table
                table = []
        if table:
            yield table
        return
    # HTML tables, as a body pasted from Word or a web page holds them.
    for table in _HTML_TABLE.finditer(text):
        rows = [[m.span(1) for m in _HTML_CELL.finditer(text, *row.span())] for row in _HTML_ROW.finditer(text, *table.span())]
        yield [r for r in rows if r]
    i = 0
    while i + 1 < len(lines):
        if "|" in lines[i] and "-" in lines[i + 1] and _MD_DELIMITER.match(lines[i + 1]):
            rows = [cells(i)]
            i += 2
            while i < len(lines) and "|" in lines[i]:
                rows.append(cells(i))
                i += 1
            yield rows
        else:
            i += 1


ACCOUNT, CODE, LAND_CODE = "account", "code", "land code"


class TableColumns:
    """The account and code columns of one table, sheet or Word table, read row by row:
    what each cell of a row is (ACCOUNT, CODE or LAND_CODE), for find_in and documents."""

    def __init__(self) -> None:
        self.accounts, self.codes = AccountColumns(), CodeColumns()

    def marks(self, row: list[tuple[int, str | None]]) -> dict[int, str]:
        filled = [(c, t) for c, t in row if t]
        marks = dict(self.codes.row(filled))
        marks.update(dict.fromkeys(self.accounts.row(filled), ACCOUNT))
        return marks


def find_in(text: str, tables: str | None) -> list[Match]:
    """find(text), and with tables ("md", "csv", "tsv") the numbers of its account columns,
    less the codes of its code columns."""
    found = find(text)
    if tables is None or not (_ACCOUNT_HINT.search(text) or (found and (_CODE_HINT.search(text) or _AMOUNT_HEADER.search(text)))):
        return found
    accounts: list[Match] = []
    codes: list[tuple[int, int, bool]] = []
    amounts: list[Span] = []
    for rows in _tables(text, tables):
        columns = TableColumns()
        for row in rows:
            marks = columns.marks([(j, text[a:b].strip().strip('"')) for j, (a, b) in enumerate(row)])
            for j, mark in sorted(marks.items()):
                if j >= len(row):
                    continue
                if mark == ACCOUNT:
                    m = _account_cell(text, *row[j])
                    if m is not None:
                        accounts.append(m)
                elif mark == AMOUNT:
                    amounts.append(row[j])
                else:
                    codes.append((*row[j], mark == LAND_CODE))
    if codes:
        found = [m for m in found if not any(a <= m.start and m.end <= b and _a_code(m, land) for a, b, land in codes)]
    if amounts:
        found = [m for m in found if not (_a_sum(m) and any(a <= m.start and m.end <= b for a, b in amounts))]
    extra = [m for m in accounts if not any(f.start < m.end and m.start < f.end for f in found)]
    return sorted(found + extra, key=lambda m: m.start) if extra else found


def tables_of(name: str, text: str = "") -> str | None:
    """The kind of tables a file of that name holds, for find_in. A .txt with tabs is what
    Excel saves as 文本文件（制表符分隔）: a TSV."""
    suffix = os.path.splitext(name)[1].lower()
    if suffix == ".txt" and "\t" in text:
        return "tsv"
    return {".md": "md", ".csv": "csv", ".tsv": "tsv"}.get(suffix)


def mask_text(text: str) -> str:
    """The text with every match replaced by its mask; nothing else changes."""
    return _apply(text, find(text))


def _apply(text: str, matches: Iterable[Match], offset: int = 0) -> str:
    parts: list[str] = []
    pos = 0
    for m in matches:
        parts.append(text[pos : m.start - offset])
        parts.append(m.masked)
        pos = m.end - offset
    parts.append(text[pos:])
    return "".join(parts)


def scan_value(value: Any, path: tuple = (), raw: dict[tuple, str] | None = None) -> Iterator[tuple[tuple, Match]]:
    """(path, match) for every number in a parsed YAML value: strings, keys and integers.

    `raw` (Document.raw) gives an integer's text as typed: 013803741234 is read as the
    number 13803741234, but as written it is no mobile number, and that is what is published.
    """
    if _may_hold_numbers(value):
        yield from _walk(value, path, raw or {})


def _may_hold_numbers(value: Any) -> bool:
    """A quick look over every string and integer, without keeping paths."""
    def shape(text: str) -> bool:
        # Full-width digits, wide gaps and invisible characters hide the shape until the text is normalised.
        return bool(_SHAPE.search(text) or _needs_normalising(text))

    stack = [[value]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(isinstance(k, str) and len(k) >= 11 and shape(k) for k in node):
                return True
            node = node.values()
        for v in node:
            kind = type(v)
            if kind is str:
                if len(v) >= 11 and shape(v):
                    return True
            elif kind is dict or kind is list:
                stack.append(v)
            elif kind is float or kind is bool or v is None:
                continue
            elif isinstance(v, str):
                if len(v) >= 11 and shape(v):
                    return True
            elif isinstance(v, (dict, list)):
                stack.append(v)
            elif isinstance(v, int) and not isinstance(v, bool) and (v >= _BIG or v <= -_BIG):
                return True
    return False


def _walk(value: Any, path: tuple, raw: dict[tuple, str]) -> Iterator[tuple[tuple, Match]]:
    if isinstance(value, str):
        if len(value) >= 11:
            for m in find(value):
                yield path, m
    elif isinstance(value, dict):
        for k, v in value.items():
            child = path + (k,)
            if isinstance(k, str) and len(k) >= 11:
                for m in find(k):
                    yield child, m
            yield from _walk(v, child, raw)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, path + (i,), raw)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _BIG:
        # A clerk who types an identity number without quotes gets a YAML integer.
        for m in find(raw.get(path, str(value))):
            yield path, m


def mask_value(value: Any, raw: dict[tuple, str] | None = None, path: tuple = ()) -> Any:
    """A parsed YAML value with every string (and number-as-integer) masked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {mask_text(k) if isinstance(k, str) else k: mask_value(v, raw, path + (k,)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v, raw, path + (i,)) for i, v in enumerate(value)]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _BIG:
        text = (raw or {}).get(path, str(value))
        masked = mask_text(text)
        return value if masked == text else masked
    return value


_STARS_BY_DIGIT = re.compile(r"(?<=[0-9０-９])\*{3,}|\*{3,}(?=[0-9０-９])")


def protect_masks(markdown: str) -> str:
    """Escape the stars of masks in Markdown so 138****5678 is not read as bold text."""
    return _STARS_BY_DIGIT.sub(lambda m: "\\*" * len(m.group()), markdown)


# --- findings -----------------------------------------------------------------------------


def _shown(m: Match) -> str:
    """The first digits of a match, for the message, and the invisible characters it holds."""
    return _NOT_NUMBER.sub("", m.text)[: 3 if m.kind == MOBILE else 4]


def _add(findings: Findings, m: Match, file: str, line: int, column: int, field: str, fix_target: str, where: str = "") -> None:
    findings.add(
        CODES[m.kind],
        file,
        f"发现未遮挡的{KIND_ZH[m.kind]} {_shown(m)}…（已隐去）{where}{invisible_note(m.text)}",
        line=line,
        column=column,
        field=field,
        hint=f"请改为 {m.masked}，或运行 python build.py fix --mask {fix_target}",
        severity=ERROR,
    )


# What a line of the body shows once rendered, as far as numbers go: HTML comments and tags
# vanish, character references (&#52; &nbsp; &shy;) become their characters, and Markdown's
# emphasis and code marks around digits vanish (411023**19800101**1237 shows one number).
_COMMENT = re.compile(r"<!--.*?(?:-->|$)")
# Inline tags vanish (<b>139</b>0013 shows 1390013); any other tag parts what it stands
# between as a line break would (table cells, line breaks, paragraphs).
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|big|code|em|font|i|mark|s|small|span|strong|sub|sup|u)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)]*\)")  # [text](target): the page shows the text, joined to what follows
# Emphasis and code marks; an underscore only where Markdown reads it as one (not inside a
# word: art_1545_4828903.html shows as typed).
_MARKS = re.compile(r"[*`]+|(?<![0-9A-Za-z])_+|_+(?![0-9A-Za-z])")
_MAY_HIDE = re.compile(r"[<&*_`\\]|\]\(")
# A backslash escape shows only the character after it (138\-0374\-1234 shows 138-0374-1234).
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _as_shown(line: str) -> str:
    line = _TAG.sub("\n", _INLINE_TAG.sub("", _COMMENT.sub("", _LINK.sub(r"\1", line))))
    return _MARKS.sub("", html.unescape(_ESCAPE.sub(r"\1", line)))


def _hidden_by_markup(body: str, found: dict[int, list[Match]] | None = None) -> Iterator[tuple[Match, int]]:
    """Numbers that the body's markup splits or encodes in its source and that show whole on
    the page (find reads the source): each with its 0-based line. `found`: what find already
    found in the source, by line (else each marked-up line is read again)."""
    for i, line in enumerate(body.split("\n")):
        if not _MAY_HIDE.search(line):
            continue
        shown = _as_shown(line)
        if shown == line:
            continue
        in_source = found.get(i, []) if found is not None else find(line)
        seen = Counter(_NOT_NUMBER.sub("", m.text) for m in in_source)
        for m in find(shown):
            digits = _NOT_NUMBER.sub("", m.text)
            if seen[digits]:
                seen[digits] -= 1  # found in the source too: reported there
            else:
                yield m, i


def _add_hidden(findings: Findings, m: Match, file: str, line: int) -> None:
    findings.add(
        CODES[m.kind],
        file,
        f"发现未遮挡的{KIND_ZH[m.kind]} {_shown(m)}…（已隐去）：这一行中的 HTML 字符、注释、标签或加粗等标记"
        "在网页上会显示成完整号码",
        line=line,
        column=1,
        field="",
        hint=f"请删去号码中的标记，直接写成遮挡形式：{m.masked}（python build.py fix 不改写带标记的号码）",
        severity=ERROR,
    )


def _placed(text: str, matches: list[Match]) -> Iterator[tuple[Match, int, int]]:
    """Each match with its 0-based line and 1-based column, counting lines only once."""
    line = pos = line_start = 0
    for m in matches:
        newlines = text.count("\n", pos, m.start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", pos, m.start) + 1
        pos = m.start
        yield m, line, m.start - line_start + 1


def _comment_start(line: str) -> int | None:
    """Where a YAML comment starts on a line (a # at its start or after a space, outside
    quotes), or None. Quotes are followed within the line, which is what a comment needs."""
    if "#" not in line:
        return None
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'" and (i == 0 or line[i - 1] in " \t:[{,-"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        i += 1
    return None


def _file_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    text, _ = _decode(data.removeprefix(b"\xef\xbb\xbf"))
    return line_ends(text).split("\n")


def scan_record(record: Record, root: Path, findings: Findings) -> None:
    """Add a finding for every unmasked number in a record's fields, body and text attachments."""
    for m in find(Path(record.path).name):
        # The file's name is the page's address, in every link, sitemap and search result.
        findings.add(
            CODES[m.kind],
            record.path,
            f"文件名中有未遮挡的{KIND_ZH[m.kind]} {_shown(m)}…（已隐去）：文件名就是网页的地址",
            hint="给文件改名，去掉号码（只用小写英文字母、数字和连字符，例如 2014-01-butie.md）。",
            severity=ERROR,
        )
    hits = list(scan_value(record.meta, (), record.doc.raw))
    is_markdown = record.path.endswith(".md")
    lines = _file_lines(root / record.path)
    if hits:
        searched: dict[tuple, tuple[int, int]] = {}
        for path, m in hits:
            line, col = record.doc.position(path)
            # The key's line is where the value starts; a long or multi-line value is
            # searched for the number itself so the finding points at its own line.
            i, j = searched.get(path, (line - 1, 0))
            for k in range(max(i, 0), min(len(lines), max(i, 0) + 2000)):
                at = lines[k].find(m.text, j if k == i else 0)
                if at >= 0:
                    line, col = k + 1, at + 1
                    searched[path] = (k, at + len(m.text))
                    break
            _add(findings, m, record.path, line, col, field_path(path), record.path)
    # Comments are in no field, and no page shows them, but the file is public in the
    # repository: a number in one is reported there (once: what a field holds is not again).
    in_fields = Counter(_NOT_NUMBER.sub("", m.text) for _, m in hits)
    for k, line in enumerate(lines[: record.body_line - 1] if is_markdown and record.body_line else lines):
        at = _comment_start(line)
        if at is None:
            continue
        for m in find(line[at:]):
            digits = _NOT_NUMBER.sub("", m.text)
            if in_fields[digits]:
                in_fields[digits] -= 1
            else:
                _add(findings, m, record.path, k + 1, at + m.start + 1, "", record.path,
                     "，在 # 注释中：注释不显示在网页上，但随记录文件一起公开")
    if is_markdown and record.body:
        by_line: dict[int, list[Match]] = {}
        for m, i, col in _placed(record.body, find_in(record.body, "md")):
            _add(findings, m, record.path, record.body_line + i, col, "", record.path)
            by_line.setdefault(i, []).append(m)
        for m, i in _hidden_by_markup(record.body, by_line):
            _add_hidden(findings, m, record.path, record.body_line + i)
    for name in _attachments(record, root, findings):
        if name.lower().endswith(TEXT_SUFFIXES):
            scan_attachment(root, name, findings)
        else:
            scan_document(root, name, findings)


def scan_settings(root: Path, findings: Findings) -> None:
    """A warning for every number in the county and site settings (content/counties/*.yml,
    content/site.yml). What they say shows on every page of a site, but a 监督电话 there may
    rightly be a village supervisor's mobile, published on purpose: the reviewer decides."""
    folder = root / "content" / "counties"
    paths = sorted(p for p in folder.glob("*") if p.suffix in (".yml", ".yaml")) if folder.is_dir() else []
    for path in [*paths, root / "content" / "site.yml"]:
        try:
            if path.is_symlink() or not path.is_file():
                continue
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # load reports the file
        name = path.relative_to(root).as_posix()
        for i, line in enumerate(line_ends(text).split("\n"), start=1):
            for m in find(line):
                findings.add(
                    CODES[m.kind],
                    name,
                    f"设置中有{KIND_ZH[m.kind]} {_shown(m)}…（已隐去），会显示在网站的每一页上",
                    line=i,
                    column=m.start + 1,
                    hint="对外公开的监督电话、值班电话可以保留；个人的号码请改为单位电话，或遮挡为 " + m.masked + "。",
                    severity=WARNING,
                )


def _attachments(record: Record, root: Path, findings: Findings) -> Iterator[str]:
    """Repository paths of the record's attachments that are safe to read."""
    attachments = record.meta.get("attachments")
    if not isinstance(attachments, list):
        return
    folder = (root / record.path).parent
    for att in attachments:
        file = att.get("file") if isinstance(att, dict) else None
        if not isinstance(file, str):
            continue
        target = folder / file
        try:
            # The same rule as validate's: only files inside the unit's own folder.
            resolved = target.resolve()
            if Path(file).is_absolute() or not resolved.is_relative_to(folder.resolve()) or target.is_symlink():
                continue
            if not target.is_file():
                continue
            name = resolved.relative_to(root.resolve()).as_posix()
        except (OSError, RuntimeError, ValueError):
            continue
        if any(f.file == name and f.code.startswith("pii-") for f in findings):
            continue  # listed by two records: report it once
        yield name


def scan_attachment(root: Path, name: str, findings: Findings) -> None:
    """Add a finding for every unmasked number in one text attachment (repository path)."""
    path = root / name
    try:
        size = path.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            findings.add(
                "pii-attachment-unchecked",
                name,
                f"附件太大（{size // (1024 * 1024)} MB），没有检查其中的个人信息",
                hint="请确认附件中的身份证号码、手机号码和银行卡号已经遮挡，或把附件拆成较小的文件。",
                severity=WARNING,
            )
            return
        data = path.read_bytes()
    except OSError:
        return
    text, _ = _decode(data.removeprefix(b"\xef\xbb\xbf"))
    for m, i, col in _placed(text, find_in(text, tables_of(name, text))):
        _add(findings, m, name, i + 1, col, "", name)


def _unchecked(findings: Findings, name: str, message: str, hint: str) -> None:
    findings.add("pii-attachment-unchecked", name, message, hint=hint, severity=WARNING)


def scan_document(root: Path, name: str, findings: Findings) -> None:
    """Add a finding for every unmasked number in an Excel, Word, PDF or OFD attachment.

    The finding names the sheet and cell, page or paragraph. Such a file cannot be fixed
    in place as text can (fix --mask would have to rewrite a format it does not own), so
    the hint says to mask the original and export it again. A file that cannot be read
    is a warning: nobody has checked it.
    """
    from . import documents
    from .validate import ATTACHMENT_KINDS, sniff
    from .validate import MAX_ATTACHMENT_BYTES as ALLOWED_BYTES

    path = root / name
    suffix = path.suffix.lower()
    try:
        kind = sniff(path)
        if path.stat().st_size > ALLOWED_BYTES or kind != ATTACHMENT_KINDS.get(suffix):
            return  # too large or not what its name says: validate refuses it, nothing to read
    except OSError:
        return
    if kind == "ole2":
        kind = {".xls": "xls", ".doc": "doc"}.get(suffix, kind)
    if kind not in documents.READABLE:
        if kind == "doc":
            _unchecked(
                findings, name, "Word 97-2003 格式（.doc）的附件无法自动读取，其中的个人信息没有检查",
                "请在 Word 中另存为 .docx 或 PDF 后替换附件；不能替换时，请人工确认其中的身份证号码、手机号码和银行卡号已经遮挡。",
            )
        elif kind in ("jpeg", "png", "gif"):
            # A photographed or scanned list is the commonest image attachment; no OCR here,
            # so it is said, as for a scanned PDF, that nobody has checked it.
            _unchecked(
                findings, name, "图片附件中的文字无法自动检查，其中的个人信息没有检查",
                "请人工确认图片中没有未遮挡的身份证号码、手机号码和银行卡号；名单、表格请用 Excel 或文字版 PDF 公开。",
            )
        return  # other kinds are refused by validate
    result = _document_cache(path, kind)
    for where, code_kind, shown, masked, note in result.get("found", []):
        findings.add(
            CODES[code_kind],
            name,
            f"发现未遮挡的{KIND_ZH[code_kind]} {shown}…（已隐去）{note}",
            field=where,
            hint=f"请在原文件中改为 {masked}（不要只缩窄列宽、隐藏行列或盖上黑框），重新导出后替换附件",
            severity=ERROR,
        )
    if "unreadable" in result:
        _unchecked(
            findings, name, result["unreadable"],
            "请确认其中的身份证号码、手机号码和银行卡号已经遮挡；能导出文字版 PDF 或 Excel 的，请上传文字版。",
        )


def _scan_document(path: Path, kind: str) -> dict[str, Any]:
    """What the scan of one document finds: {"found": [[where, kind, shown, masked, note], …]}
    and, when it could not read all of it, {"unreadable": why}."""
    from . import documents

    found: list[list[str]] = []
    out: dict[str, Any] = {"found": found}
    last = ""
    try:
        for where, text in documents.pieces(path, kind):
            before = where.endswith(documents.BEFORE_CHANGES)
            # A number the paragraph still shows is reported once, not again as it read before.
            matches = find(text)
            if not matches and where.endswith(documents.ACCOUNT_COLUMN):
                matches = [m for m in [_account_cell(text, 0, len(text))] if m is not None]
            elif where.endswith((documents.CODE_COLUMN, documents.LAND_CODE_COLUMN)):
                matches = [m for m in matches if not _a_code(m, where.endswith(documents.LAND_CODE_COLUMN))]
            elif where.endswith(documents.AMOUNT_COLUMN):
                matches = [m for m in matches if not _a_sum(m)]
            found.extend([where, m.kind, _shown(m), m.masked, invisible_note(m.text)] for m in matches if not (before and m.text in last))
            last = "" if before else text
    except documents.Unreadable as exc:
        out["unreadable"] = str(exc)
    return out


def _scanner_version() -> str:
    """A hash of what decides a document scan's result: this code and the readers' versions."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    from . import documents

    h = hashlib.sha256()
    for module in (sys.modules[__name__], documents):
        h.update(Path(module.__file__).read_bytes())
    for package in ("openpyxl", "xlrd", "pypdf", "defusedxml"):
        try:
            h.update(f"{package}={version(package)}".encode())
        except PackageNotFoundError:
            h.update(package.encode())
    return h.hexdigest()[:16]


def _document_cache(path: Path, kind: str) -> dict[str, Any]:
    """The scan of a document, remembered by the SHA-256 of its bytes.

    Reading an Excel list of 500 rows takes about 90 ms, and every check reads every
    attachment; the same bytes always give the same findings, so they are kept in the
    user's cache folder (GONGKAI_CACHE, else XDG_CACHE_HOME or ~/.cache, then gongkai/),
    outside the repository. The key includes the scanner's own code and the readers'
    versions, so a change to either rescans everything. A cache that cannot be read or
    written is only slower.
    """
    import hashlib

    global _VERSION
    if _VERSION is None:
        _VERSION = _scanner_version()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    base = os.environ.get("GONGKAI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gongkai"
    )
    entry = Path(base) / "documents" / _VERSION / f"{digest}-{kind}.json"
    # Sealed (store.py) like every cache file: a forged entry saying an attachment holds no
    # numbers would let one through the check.
    key = f"{_VERSION}:{digest}:{kind}"
    cached = store.read_sealed(entry, "document-scan", key)
    if isinstance(cached, dict) and isinstance(cached.get("found"), list):
        return cached
    result = _scan_document(path, kind)
    store.write_sealed(entry, "document-scan", key, result)
    return result


_VERSION: str | None = None


# --- fixing files -------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: UTF-8, else GB 18030 (a superset of GBK)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"  # digits are ASCII in every encoding we meet


def _front_matter(text: str) -> tuple[int, int] | None:
    """Start and end index of a Markdown record's front matter, as load.py splits it."""
    first = text.find("\n")
    if first < 0 or text[:first].strip() != "---":
        return None
    pos = first + 1
    while pos <= len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        if text[pos:end].strip() in ("---", "..."):
            return first + 1, pos
        if nl < 0:
            return None
        pos = nl + 1
    return None


def _plain_scalars(yaml_text: str) -> dict[int, int]:
    """Start → end index of every plain (unquoted) scalar; empty when the YAML is unreadable."""
    try:
        root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)  # pure Python: indices count characters
    except yaml.YAMLError:
        return {}
    spans: dict[int, int] = {}
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
        elif isinstance(node, yaml.ScalarNode) and not node.style:
            spans[node.start_mark.index] = node.end_mark.index
    return spans


def _mask_yaml(yaml_text: str) -> tuple[str, list[Match]] | None:
    """Masked YAML that reads as the masked values; None when that cannot be done safely."""
    matches = find(yaml_text)
    try:
        doc = parse(yaml_text)
    except YamlProblem:
        doc = None  # already reported by check; mask the digits all the same
    before = doc.data if doc else None
    expected = mask_value(before, doc.raw) if doc else None
    if not matches and expected == before:
        return yaml_text, []
    quote: dict[int, int] = {}
    if doc is not None and any(m.masked.startswith("*") for m in matches):
        # A plain scalar may not start with * (YAML would read an alias): such a scalar
        # is written in single quotes, the one change besides the digits.
        plain = _plain_scalars(yaml_text)
        quote = {m.start: plain[m.start] for m in matches if m.masked.startswith("*") and m.start in plain}
    out: list[str] = []
    pos = i = 0
    while i < len(matches):
        m = matches[i]
        out.append(yaml_text[pos : m.start])
        end = quote.get(m.start)
        if end is None:
            out.append(m.masked)
            pos, i = m.end, i + 1
            continue
        j = i
        while j < len(matches) and matches[j].start < end:
            j += 1
        scalar = _apply(yaml_text[m.start : end], matches[i:j], m.start)
        out.append("'" + scalar.replace("'", "''") + "'")
        pos, i = end, j
    out.append(yaml_text[pos:])
    masked = "".join(out)
    if doc is not None:
        try:
            after = parse(masked).data
        except YamlProblem:
            return None
        if after != expected:
            return None
    return masked, matches


def mask_file_text(text: str, suffix: str) -> tuple[str, list[Match]] | None:
    """A file's text with masks applied; YAML (records' front matter) stays valid YAML.

    None when a record's YAML would read differently after masking: fix it by hand.
    """
    suffix = suffix.lower()
    if suffix in (".yml", ".yaml"):
        return _mask_yaml(text)
    if suffix == ".md":
        span = _front_matter(text)
        if span is not None:
            front = _mask_yaml(text[span[0] : span[1]])
            if front is None:
                return None
            body_matches = find_in(text[span[1] :], "md")
            body = _apply(text[span[1] :], body_matches)
            # Offsets in the returned matches are the file's, as for any other file.
            shifted = [m._replace(start=m.start + span[0], end=m.end + span[0]) for m in front[1]]
            shifted += [m._replace(start=m.start + span[1], end=m.end + span[1]) for m in body_matches]
            return text[: span[0]] + front[0] + body, shifted
    matches = find_in(text, tables_of("file" + suffix, text))
    return _apply(text, matches), matches


def _summary(matches: list[Match]) -> str:
    counts = Counter(KIND_ZH[m.kind] for m in matches)
    return "、".join(f"{kind} {n} 处" for kind, n in counts.items())


def _expand(root: Path, paths: Iterable[Path | str]) -> Iterator[tuple[Path, str]]:
    """Files to fix with their names for messages; folders are walked for records and text files."""
    for p in map(Path, paths):
        if not p.is_absolute() and not p.exists() and (root / p).exists():
            p = root / p
        try:
            name = p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            name = str(p)
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for f in sorted(filenames):
                    if f.lower().endswith(RECORD_SUFFIXES + TEXT_SUFFIXES):
                        child = Path(dirpath) / f
                        yield child, (name.rstrip("/") + "/" + child.relative_to(p).as_posix())
        else:
            yield p, name


def fix_files(root: Path, paths: list[Path], refused: list[str] | None = None) -> int:
    """Rewrite files with every unmasked number masked and nothing else changed; return how
    many were masked. `refused` gets the name of each file that could not be rewritten."""
    total = 0
    refused = [] if refused is None else refused

    def refuse(name: str, why: str) -> None:
        print(f"{name}：{why}", file=sys.stderr)
        refused.append(name)

    for path, name in _expand(root, paths):
        if path.is_symlink() or not path.is_file():
            refuse(name, "找不到这个文件（或它是符号链接），没有修改")
            continue
        if not path.name.lower().endswith(RECORD_SUFFIXES + TEXT_SUFFIXES):
            refuse(name, f"只能处理记录和文本附件（{'、'.join(TEXT_SUFFIXES)}），没有修改")
            continue
        data = path.read_bytes()
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        text, encoding = _decode(data[len(bom) :])
        if bom + text.encode(encoding) != data:
            refuse(name, "文件编码无法原样保存，没有修改；请手工遮挡")
            continue
        result = mask_file_text(text, path.suffix)
        if result is None:
            refuse(name, "遮挡后 YAML 的内容会改变，没有修改；请按 check 的提示手工遮挡")
            continue
        masked, matches = result
        renamed = _file_names_changed(text, masked, path.name) if path.name.lower().endswith(RECORD_SUFFIXES) else []
        if renamed:
            refuse(name, f"附件的文件名或链接的地址中有号码（{'、'.join(map(mask_text, renamed))}）：只改记录，文件或链接就对不上了，没有修改；"
                   "是文件的，请先给文件改名（去掉号码），再改记录中写的文件名；是网址或电话链接的，请删去或改写这个链接；然后运行 fix")
            continue
        hidden = sum(1 for _ in _hidden_by_markup(masked)) if path.suffix.lower() == ".md" else 0
        if not matches and not hidden:
            print(f"{name}：没有发现未遮挡的号码", file=sys.stderr)
            continue
        if matches:
            _write(path, bom + masked.encode(encoding))
            total += len(matches)
            print(f"{name}：已遮挡 {_summary(matches)}", file=sys.stderr)
        if hidden:
            refuse(name, f"还有 {hidden} 处号码被 HTML 字符、注释或加粗等标记隔开（网页上会显示成完整号码），无法自动遮挡；请按 check 的提示手工遮挡")
    return total


# Where a record names a file: a link's or picture's address in the body ([文字](名单.csv),
# src="…", href="…").
_ADDRESS = re.compile(r"\]\(\s*<?([^)>\s]+)|(?:src|href)\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)


def _file_names_changed(text: str, masked: str, name: str) -> list[str]:
    """The file names a record gives (its attachments' `file`, the addresses in its body)
    that masking would change: a number in a file's name is masked by renaming the file."""
    from .load import parse_record_text

    before, after = parse_record_text(text, name), parse_record_text(masked, name)
    if before is None or after is None:
        return []

    def files(meta: dict[str, Any], body: str) -> list[str]:
        attachments = meta.get("attachments")
        named = [a["file"] for a in attachments if isinstance(a, dict) and isinstance(a.get("file"), str)] if isinstance(attachments, list) else []
        return named + [m.group(1) or m.group(2) for m in _ADDRESS.finditer(body)]

    old, new = files(*before), files(*after)
    return [a for a, b in zip(old, new, strict=False) if a != b] if len(old) == len(new) else old


def _write(path: Path, data: bytes) -> None:
    """Replace the file in one step, keeping its permissions."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
