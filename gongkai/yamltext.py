"""YAML that remembers where every value stood.

PyYAML's C parser composes the node tree (fast); this module builds plain Python values
from it while recording, for every path, the line and column it was written at and the
scalar's text as written. That gives findings real line numbers, rejects duplicate keys
(which loaders otherwise resolve by silently dropping the first), and lets the schema
decide types later: `0374` or `no` can still be read as the text the clerk typed.

Numbers are read as YAML 1.2 reads them, not as YAML 1.1 (PyYAML) does: `0374` is 374,
not the octal 252; `1:30` stays text instead of becoming 90 (base 60); `08` and `1e3` are
numbers. Where the schema wants text, the text as typed is used anyway (schema.coerce).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .chars import INVISIBLE_RE, describe

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - the pinned PyYAML wheels ship libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple  # of str | int

# Limits that keep one hostile file from stalling the build (alias bombs, deep nesting).
MAX_NODES = 200_000
MAX_DEPTH = 64
# Composing a node tree costs about 7 µs a node: a 2 MB file of `[1,1,1,…]` would take
# seconds before the node limit is reached. Above this size the parser's events are
# counted first (cheap, and stopped at the limit); an ordinary record is far smaller.
COUNT_EVENTS_ABOVE = 64 * 1024

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
# YAML 1.2 core schema numbers that YAML 1.1 reads differently (or as text).
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")
_DECIMAL = re.compile(r"^[-+]?[0-9]+$")
_EXPONENT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+$")
_OCTAL_12 = re.compile(r"^0o[0-7]+$")


class YamlProblem(Exception):
    """A YAML text that cannot be read; carries a line and a Chinese message."""

    def __init__(self, code: str, message: str, line: int, column: int = 0, hint: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


@dataclass
class Document:
    """Parsed YAML: the data, where each path was written, and scalar texts as written."""

    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    raw: dict[Path, str] = field(default_factory=dict)
    duplicates: list[tuple[Path, int, int]] = field(default_factory=list)
    # The line each text value's first line stands on (after `|` or `>`, the next line).
    text_lines: dict[Path, int] = field(default_factory=dict)
    # Values written with an explicit YAML tag (`!!binary`, `!!python/object`, `!foo`): path,
    # line, column, the tag as written. Their scalars are kept as the text typed after the tag.
    tags: list[tuple[Path, int, int, str]] = field(default_factory=list)
    # Texts holding a character no record may hold (a control character, U+FFFF …), which a
    # double-quoted escape (`"\\e"`, `"\\0"`, `"\\uffff"`) lets past the file's own check:
    # path, line, column, the first such character.
    controls: list[tuple[Path, int, int, str]] = field(default_factory=list)

    def position(self, path: Path) -> tuple[int, int]:
        """Line and column of the path, or of its nearest written ancestor."""
        path = tuple(path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (0, 0))


_constructor = yaml.SafeLoader("")  # only its scalar constructors are used
_CONSTRUCTORS = _constructor.yaml_constructors


def _yaml12_number(node: yaml.ScalarNode) -> Any:
    """A plain scalar's number as YAML 1.2 reads it, or None where YAML 1.1 may stand."""
    text = node.value
    if node.tag in (_INT, _FLOAT) and ":" in text:
        return text  # base 60 in YAML 1.1 (1:30 is 90); a time or a ratio to a person
    if node.tag == _INT and _LEADING_ZERO.match(text):
        return int(text, 10)  # 0374 is 374, not the octal 252
    if node.tag == _STR:
        if _DECIMAL.match(text):
            return int(text, 10)  # 08, 09: not octal, so YAML 1.1 gave up and kept text
        if _EXPONENT.match(text):
            return float(text)  # 1e3: YAML 1.1 wants a dot and a signed exponent
        if _OCTAL_12.match(text):
            return int(text[2:], 8)
    return None


def _scalar(node: yaml.ScalarNode) -> Any:
    if not node.style:
        number = _yaml12_number(node)
        if number is not None:
            return number
    make = _CONSTRUCTORS.get(node.tag)
    if make is None:  # an unknown !tag: keep the text
        return node.value
    value = make(_constructor, node)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parse(text: str, first_line: int = 1) -> Document:
    """Parse one YAML document; raise YamlProblem with a place for unreadable text."""
    last_line = first_line + text.count("\n")
    line_of = _line_counter(text)

    def at(mark: Any) -> int:
        # A file line; libyaml marks the end of a text without a final newline one line past it.
        return min(line_of(mark) + first_line, last_line)

    try:
        if len(text) > COUNT_EVENTS_ABOVE:
            _count_events(text, first_line)
        root = yaml.compose(text, Loader=_Loader)
    except RecursionError:  # the pure-Python parser on deep nesting
        raise _too_large(first_line, 0) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(text, exc, at, line_of, first_line) from None
    except yaml.reader.ReaderError:  # a character YAML does not allow (NUL, other controls)
        # libyaml counts its position in bytes; the first such character in the text is the one.
        bad = _CONTROL.search(text) or _NOT_YAML.search(text)
        at_char = bad.start() if bad else 0
        line = text.count("\n", 0, at_char)
        col = at_char - (text.rfind("\n", 0, at_char) + 1) + 1
        char = bad.group() if bad else "\x00"
        raise YamlProblem(
            "yaml-syntax",
            f"YAML 格式错误：这一行含有控制字符 {describe(char)}，记录中不能有这种字符",
            first_line + line,
            col,
            _INVISIBLE_HINT,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(
            "yaml-syntax", f"YAML 格式错误：{_problem_zh(str(exc))}", first_line, 0, "检查缩进、冒号和引号；每个文件只写一条记录。"
        ) from None
    doc = Document(None)
    if root is None:
        return doc
    counter = [0]
    lines = text.split("\n")

    def tag_written(node: yaml.Node) -> str | None:
        # The composer keeps only the resolved tag; one written in the text starts the node.
        mark = node.start_mark
        line = lines[mark.line] if mark.line < len(lines) else ""
        written = _TAG.match(line, mark.column)
        return written.group() if written else None

    def build(node: yaml.Node, path: Path, depth: int) -> Any:
        counter[0] += 1
        if counter[0] > MAX_NODES or depth > MAX_DEPTH:
            raise _too_large(at(node.start_mark), node.start_mark.column + 1)
        tag = tag_written(node)
        if tag is not None:
            doc.tags.append((path, at(node.start_mark), node.start_mark.column + 1, tag))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlProblem(
                        "yaml-complex-key",
                        "字段名必须是文字",
                        at(key_node.start_mark),
                        key_node.start_mark.column + 1,
                    )
                key = key_node.value
                child = path + (key,)
                line = at(key_node.start_mark)
                col = key_node.start_mark.column + 1
                if key in out:
                    doc.duplicates.append((child, line, col))
                    continue
                doc.positions[child] = (line, col)
                out[key] = build(value_node, child, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                child = path + (i,)
                doc.positions[child] = (at(item.start_mark), item.start_mark.column + 1)
                items.append(build(item, child, depth + 1))
            return items
        if not node.style:  # plain scalar (libyaml says '', pure PyYAML None): keep the text as typed
            doc.raw[path] = node.value
        doc.text_lines[path] = min(at(node.start_mark) + (1 if node.style in ("|", ">") else 0), last_line)
        if tag is not None:
            return node.value  # `!!binary` would give bytes, which no page, JSON or history can hold
        if node.style == '"':
            bad = _CONTROL.search(node.value) or _NOT_YAML.search(node.value)
            if bad:
                doc.controls.append((path, at(node.start_mark), node.start_mark.column + 1, bad.group()))
        try:
            return _scalar(node)
        except (yaml.YAMLError, ValueError):
            return node.value

    doc.positions[()] = (at(root.start_mark), root.start_mark.column + 1)
    doc.data = build(root, (), 0)
    return doc


# A tag as YAML writes one: `!`, `!!name`, `!name`, `!<verbatim>` (then a space or the end).
_TAG = re.compile(r"!(?:<[^>]*>|[^\s,\[\]{}]*)")


def _too_large(line: int, column: int) -> YamlProblem:
    return YamlProblem(
        "yaml-too-large",
        f"文件内容过多或嵌套过深（超过 {MAX_NODES} 个值或 {MAX_DEPTH} 层）",
        line,
        column,
        "一条记录应是一份公开信息；请检查是否误用了 YAML 锚点（& 和 *）或粘贴了整张数据库。",
    )


def _count_events(text: str, first_line: int) -> None:
    """Raise yaml-too-large as soon as a long text has more values than the limit allows."""
    loader = _Loader(text)
    try:
        count = 0
        while loader.check_event():
            event = loader.get_event()
            count += 1
            if count > MAX_NODES:
                mark = event.start_mark
                raise _too_large(mark.line + first_line, mark.column + 1)
    finally:
        loader.dispose()


_TAB = "found character '\\t' that cannot start any token"
_PROBLEMS_ZH = {
    "found character '\\t' that cannot start any token": "使用了制表符（Tab），YAML 只能用空格缩进",
    "found character that cannot start any token": "这里有 YAML 不允许的字符（常见原因：用 Tab 缩进，或以 @、` 开头的文字没加引号）",
    "mapping values are not allowed in this context": "这里不能出现冒号（冒号后的文字请加引号，或检查缩进）",
    "but found another document": "文件中出现了第二个 ---；一个文件只写一条记录（YAML 格式的记录不需要 --- 分隔）",
    "did not find expected ',' or ']'": "方括号 [ ] 中的列表没有正确结束（缺少逗号或右括号）",
    "did not find expected ',' or '}'": "花括号 { } 中的内容没有正确结束（缺少逗号或右括号）",
    "did not find expected alphabetic or numeric character": "以 * 或 & 开头的文字会被当作 YAML 锚点；请给整段文字加引号",
    "found invalid Unicode character escape code": "双引号中的 \\u 转义写的不是一个有效的字符；请直接写出这个字符，或改用单引号",
    "found unknown escape character": "双引号中的反斜杠 \\ 用法不对；请改用单引号，或写成两个反斜杠",
    "mapping values are not allowed here": "这里不能出现冒号（冒号后的文字请加引号，或检查缩进）",
    "could not find expected ':'": "缺少冒号",
    "quote never closed": "这里开始的引号没有闭合（缺少另一半引号）",
    "found unexpected end of stream": "文件意外结束（引号或括号没有闭合）",
    "did not find expected key": "缩进不一致或缺少字段名",
    "did not find expected '-' indicator": "列表项缩进不一致",
    "found undefined alias": "使用了未定义的锚点（*）",
    "expected <document start>, but found '<block mapping start>'": "格式错乱（可能缺少冒号或缩进不一致）",
}


# libyaml ends a line at these as well as at a newline; a file's lines end only at "\n".
_YAML_BREAKS = re.compile("[\x85\u2028\u2029]")
_LINE_END = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
# What else YAML's reader refuses: surrogates and the two non-characters U+FFFE, U+FFFF.
_NOT_YAML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE_HINT = "这种字符看不见，常随复制粘贴带入，却会破坏格式：删除这一行后重新输入（编辑器中可打开「显示不可见字符」）。"


def _line_counter(text: str) -> Any:
    """A function from a libyaml mark to its 0-based line in the file.

    libyaml counts U+2028, U+2029 and U+0085 as line breaks; a clerk's editor does not.
    Only a text holding one of them pays for counting by character index.
    """
    if not _YAML_BREAKS.search(text):
        return lambda mark: mark.line
    starts = [m.end() for m in re.finditer("\n", text)]
    return lambda mark: bisect.bisect_right(starts, mark.index)


# Where libyaml says an error started rather than where it gave up: the key that has no
# colon, the quote or bracket that is never closed.
_CONTEXT_FIRST = (
    "while scanning a simple key",
    "while scanning a quoted scalar",
    "while parsing a flow sequence",
    "while parsing a flow mapping",
)
_KEY_COLON = re.compile(r"(?:- +)?([^\s:：#'\"\[\]{}][^\s:：]*)(：|:(?=[^ \t\r\n])(.))")
_FULL_WIDTH_MARKS = {"“": "全角引号“", "”": "全角引号”", "‘": "全角引号‘", "’": "全角引号’", "［": "全角方括号［",
                     "］": "全角方括号］", "｛": "全角花括号｛", "｝": "全角花括号｝", "【": "方头括号【"}


def _cause(line: str) -> tuple[int, str, str] | None:
    """(column, message, hint) of what most likely breaks YAML on this line, or None."""
    m = _CONTROL.search(line)
    if m:
        return m.start() + 1, f"这一行含有控制字符 {describe(m.group())}，记录中不能有这种字符", _INVISIBLE_HINT
    m = _YAML_BREAKS.search(line) or INVISIBLE_RE.search(line)
    if m:
        return m.start() + 1, f"这一行含有不可见字符 {describe(m.group())}", _INVISIBLE_HINT
    indent = len(line) - len(line.lstrip(" "))
    if line[indent : indent + 1] == "\t":
        return indent + 1, _PROBLEMS_ZH[_TAB], "把行首的 Tab 换成空格（每一级缩进两个空格）。"
    m = _ODD_SPACE.match(line, indent)
    if m:
        return (
            indent + 1,
            f"行首缩进用了{describe(m.group())}；YAML 只能用英文空格缩进",
            "删除行首的空白，重新用英文空格缩进（每一级两个空格）。",
        )
    m = _KEY_COLON.match(line, indent)
    if m:
        col = m.start(2) + 1
        if m.group(2) == "：":
            return (
                col,
                "字段名后面用了全角冒号「：」；YAML 只认英文冒号「:」，冒号后还要有一个空格",
                f"把「{m.group(1)}：」改成「{m.group(1)}: 」（英文冒号加空格）；输入时切换到英文标点。",
            )
        after = m.group(3) or ""
        if _ODD_SPACE.match(after):
            return col, f"冒号后面是{describe(after)}，不是英文空格", "删除冒号后的空白，重新输入一个英文空格。"
        return col, "冒号后面缺少空格", f"写成「{m.group(1)}: …」：英文冒号后加一个空格；文字本身含冒号时请给整段文字加英文引号。"
    return None


def _full_width_mark(line: str) -> tuple[int, str] | None:
    """(column, name) of a full-width quote or bracket that starts a value, or None."""
    m = re.search(r"(?:^|[:\[{,]\s*|-\s+)([“”‘’［］｛｝【])|([［］｛｝])", line)
    if not m:
        return None
    at = 1 if m.group(1) else 2
    return m.start(at) + 1, _FULL_WIDTH_MARKS[m.group(at)]


def _syntax_problem(text: str, exc: yaml.MarkedYAMLError, at: Any, line_of: Any, first_line: int) -> YamlProblem:
    """The finding for a YAML syntax error: the line where the trouble starts and its likely cause."""
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and (exc.context or "") in _CONTEXT_FIRST:
        mark = exc.context_mark
    problem = exc.problem or ""
    if mark is None:
        return YamlProblem("yaml-syntax", f"YAML 格式错误：{_problem_zh(problem)}", first_line, 0, _SYNTAX_HINT)
    line, col = at(mark), mark.column + 1
    if exc.context == "while scanning a quoted scalar" and "end of stream" in problem:
        problem = "quote never closed"
    if "nesting depth" in problem:  # libyaml's own limit (1000 levels)
        return _too_large(line, col)
    lines = text.split("\n")
    start = line_of(mark)
    # (libyaml may mark the end of a text one line past its last.)
    if mark is exc.problem_mark and 0 <= start < len(lines) and lines[start][mark.column : mark.column + 1] == "\t":
        return YamlProblem("yaml-syntax", f"YAML 格式错误：{_PROBLEMS_ZH[_TAB]}", line, col, "把 Tab 换成空格。")
    # Where the trouble started is the line to look at; where libyaml only gave up, the few
    # lines before it are looked at too.
    candidates = [start]
    if mark is exc.problem_mark:
        candidates += [i for i in range(start - 1, max(start - 4, -1), -1) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    for i in candidates:
        if 0 <= i < len(lines):
            cause = _cause(lines[i].rstrip("\r"))
            if cause:
                column, message, hint = cause
                return YamlProblem("yaml-syntax", f"YAML 格式错误：{message}", first_line + i, column, hint)
    if 0 <= start < len(lines):
        mark_zh = _full_width_mark(lines[start])
        if mark_zh:
            return YamlProblem(
                "yaml-syntax",
                f"YAML 格式错误：{_problem_zh(problem)}；这一行用了{mark_zh[1]}，YAML 只认英文的引号 \" ' 和括号 [ ] {{ }}",
                first_line + start,
                mark_zh[0],
                "把全角的引号、括号和逗号换成英文的；或者整段文字不加引号和括号。",
            )
    return YamlProblem("yaml-syntax", f"YAML 格式错误：{_problem_zh(problem)}", line, col, _SYNTAX_HINT)


_SYNTAX_HINT = (
    "检查这一行及上一行的缩进、冒号后的空格和引号是否成对；含冒号、#号或以特殊符号开头的文字请用英文引号括起来。"
)


def _problem_zh(problem: str) -> str:
    for en, zh in _PROBLEMS_ZH.items():
        if en in problem:
            return zh
    return f"格式无法识别（{problem}）" if problem else "格式无法识别"
