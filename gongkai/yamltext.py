"""YAML that remembers where every value stood.

PyYAML's C parser composes the node tree (fast); this module builds plain Python values
from it while recording, for every path, the line and column it was written at and the
scalar's text as written. That gives findings real line numbers, rejects duplicate keys
(which loaders otherwise resolve by silently dropping the first), and lets the schema
decide types later: `0374` or `no` can still be read as the text the clerk typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - the pinned PyYAML wheels ship libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple  # of str | int

# Limits that keep one hostile file from stalling the build (alias bombs, deep nesting).
MAX_NODES = 200_000
MAX_DEPTH = 64


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

    def position(self, path: Path) -> tuple[int, int]:
        """Line and column of the path, or of its nearest written ancestor."""
        path = tuple(path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (0, 0))


_constructor = yaml.SafeLoader("")  # only its scalar constructors are used
_CONSTRUCTORS = _constructor.yaml_constructors


def _scalar(node: yaml.ScalarNode) -> Any:
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
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else first_line
        col = (mark.column + 1) if mark else 0
        problem = exc.problem or ""
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            problem = "found character '\\t' that cannot start any token"
        raise YamlProblem(
            "yaml-syntax",
            f"YAML 格式错误：{_problem_zh(problem)}",
            line,
            col,
            "检查这一行及上一行的缩进、冒号后的空格和引号是否成对；"
            "含冒号、#号或以特殊符号开头的文字请用英文引号括起来。",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(
            "yaml-syntax", f"YAML 格式错误：格式无法识别（{exc}）", first_line, 0, "检查缩进、冒号和引号；每个文件只写一条记录。"
        ) from None
    doc = Document(None)
    if root is None:
        return doc
    counter = [0]

    def build(node: yaml.Node, path: Path, depth: int) -> Any:
        counter[0] += 1
        if counter[0] > MAX_NODES or depth > MAX_DEPTH:
            raise YamlProblem(
                "yaml-too-large",
                f"文件内容过多或嵌套过深（超过 {MAX_NODES} 个值或 {MAX_DEPTH} 层）",
                node.start_mark.line + first_line,
                node.start_mark.column + 1,
                "一条记录应是一份公开信息；请检查是否误用了 YAML 锚点（& 和 *）或粘贴了整张数据库。",
            )
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlProblem(
                        "yaml-complex-key",
                        "字段名必须是文字",
                        key_node.start_mark.line + first_line,
                        key_node.start_mark.column + 1,
                    )
                key = key_node.value
                child = path + (key,)
                line = key_node.start_mark.line + first_line
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
                doc.positions[child] = (item.start_mark.line + first_line, item.start_mark.column + 1)
                items.append(build(item, child, depth + 1))
            return items
        if not node.style:  # plain scalar (libyaml says '', pure PyYAML None): keep the text as typed
            doc.raw[path] = node.value
        try:
            return _scalar(node)
        except (yaml.YAMLError, ValueError):
            return node.value

    doc.positions[()] = (root.start_mark.line + first_line, root.start_mark.column + 1)
    doc.data = build(root, (), 0)
    return doc


_PROBLEMS_ZH = {
    "found character '\\t' that cannot start any token": "使用了制表符（Tab），YAML 只能用空格缩进",
    "found character that cannot start any token": "这里有 YAML 不允许的字符（常见原因：用 Tab 缩进，或以 @、` 开头的文字没加引号）",
    "mapping values are not allowed in this context": "这里不能出现冒号（冒号后的文字请加引号，或检查缩进）",
    "but found another document": "文件中出现了第二个 ---；一个文件只写一条记录（YAML 格式的记录不需要 --- 分隔）",
    "did not find expected ',' or ']'": "方括号 [ ] 中的列表没有正确结束（缺少逗号或右括号）",
    "did not find expected ',' or '}'": "花括号 { } 中的内容没有正确结束（缺少逗号或右括号）",
    "did not find expected alphabetic or numeric character": "以 * 或 & 开头的文字会被当作 YAML 锚点；请给整段文字加引号",
    "found unknown escape character": "双引号中的反斜杠 \\ 用法不对；请改用单引号，或写成两个反斜杠",
    "mapping values are not allowed here": "这里不能出现冒号（冒号后的文字请加引号，或检查缩进）",
    "could not find expected ':'": "缺少冒号",
    "found unexpected end of stream": "文件意外结束（引号或括号没有闭合）",
    "did not find expected key": "缩进不一致或缺少字段名",
    "did not find expected '-' indicator": "列表项缩进不一致",
    "found undefined alias": "使用了未定义的锚点（*）",
    "expected <document start>, but found '<block mapping start>'": "格式错乱（可能缺少冒号或缩进不一致）",
}


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column : column + 1] if line < len(lines) else ""


def _problem_zh(problem: str) -> str:
    for en, zh in _PROBLEMS_ZH.items():
        if en in problem:
            return zh
    return f"格式无法识别（{problem}）" if problem else "格式无法识别"
