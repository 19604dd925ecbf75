"""Characters a clerk cannot see, and how to name them in a finding.

Text pasted from Word, WeChat or a web page brings characters along that show as nothing
(a zero-width space, a soft hyphen, a byte-order mark, bidi marks) or as a plain space
(NBSP, the ideographic space). They split a 身份证号码 so that a scanner misses it while a
reader still sees the number, and they break YAML in ways whose message names nothing the
clerk can find. Both the personal-data scan and the YAML reader use this one list.
"""

from __future__ import annotations

import re
import unicodedata

# Every format character (Unicode category Cf) and the line and paragraph separators, plus
# the few characters of other categories that render as nothing: the combining grapheme
# joiner, variation selectors, Mongolian free variation selectors and the Hangul fillers.
INVISIBLE_BMP = (
    "\u00ad\u034f\u061c\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
)
INVISIBLE = INVISIBLE_BMP + (
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
)
INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")

# The names a clerk may know them by; any other is named by its Unicode name.
_NAMES_ZH = {
    "\u00ad": "软连字符",
    "\u034f": "组合用字形连接符",
    "\u061c": "阿拉伯字母标记",
    "\u180e": "蒙古文元音分隔符",
    "\u200b": "零宽空格",
    "\u200c": "零宽不连字",
    "\u200d": "零宽连字",
    "\u200e": "从左到右标记",
    "\u200f": "从右到左标记",
    "\u2028": "行分隔符",
    "\u2029": "段落分隔符",
    "\u202a": "从左到右嵌入",
    "\u202b": "从右到左嵌入",
    "\u202c": "方向格式结束符",
    "\u202d": "从左到右强制",
    "\u202e": "从右到左强制",
    "\u2060": "词连接符",
    "\u2066": "从左到右隔离",
    "\u2067": "从右到左隔离",
    "\u2068": "方向隔离",
    "\u2069": "方向隔离结束符",
    "\ufeff": "字节顺序标记 BOM / 零宽不换行空格",
    "\u00a0": "不换行空格",
    "\u3000": "全角空格",
    "\u202f": "窄不换行空格",
    "\t": "制表符 Tab",
    "\x00": "空字符 NUL",
    "\x07": "响铃符",
    "\x08": "退格符",
    "\x0b": "垂直制表符",
    "\x0c": "换页符",
    "\x1b": "转义符",
    "\x7f": "删除符",
    "\x85": "下一行符",
}
_CATEGORY_ZH = {"Cc": "控制字符", "Cf": "格式控制字符", "Zl": "行分隔符", "Zp": "段落分隔符", "Zs": "空格字符", "Mn": "不占位的组合字符"}


def describe(char: str) -> str:
    """A character's code point and name for a finding: U+200B（零宽空格）."""
    name = _NAMES_ZH.get(char) or _CATEGORY_ZH.get(unicodedata.category(char), "不可见字符")
    return f"U+{ord(char):04X}（{name}）"


def invisible_in(text: str) -> list[str]:
    """The distinct invisible characters in the text, in the order they first appear."""
    return list(dict.fromkeys(INVISIBLE_RE.findall(text)))


def invisible_note(text: str) -> str:
    """'，含不可见字符 U+200B（零宽空格）' for text that holds any; else ''."""
    found = invisible_in(text)
    return f"，含不可见字符 {'、'.join(map(describe, found))}" if found else ""


# Spaces that look like a space but are not one to YAML or to a program reading a name.
ODD_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_ODD_IN_NAME = re.compile(f"[{INVISIBLE}{ODD_SPACES}]")


def plain_name(name: str) -> str:
    """A field name as it was meant: full-width letters made ASCII (NFKC), invisible
    characters and odd spaces taken out. Equal to the name when nothing was odd."""
    return unicodedata.normalize("NFKC", _ODD_IN_NAME.sub("", name)).strip()


def name_problem(name: str) -> str | None:
    """What is odd in a field name, in Chinese (含不可见字符 U+200B（零宽空格）), or None."""
    if "\n" in name or "\r" in name:  # `? |` makes a key of several lines: no field has one
        return "占了好几行（字段名只能写一行）"
    plain = plain_name(name)
    if plain == name or (not _ODD_IN_NAME.search(name) and not plain.isascii()):
        return None  # a Chinese name with full-width brackets (金额（元）) is as it was meant
    odd = list(dict.fromkeys(c for c in name if _ODD_IN_NAME.match(c)))
    if odd:
        kinds = "不可见字符" if all(INVISIBLE_RE.match(c) for c in odd) else "看不出的特殊字符"
        return f"含{kinds} {'、'.join(map(describe, odd))}"
    return "用了全角字母或数字"
