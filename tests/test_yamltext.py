"""yamltext: values with the line they stood on, texts as written, and readable syntax errors."""

from __future__ import annotations

import re

import pytest

from gongkai.yamltext import MAX_DEPTH, YamlProblem, parse


def english_words(message: str) -> list[str]:
    """English words in a message, apart from the names a clerk sees on screen anyway."""
    message = re.sub(r"U\+[0-9A-F]{4,6}", "", message)  # a code point names a character exactly
    return [w for w in re.findall(r"[A-Za-z]{3,}", message) if w not in ("YAML", "Tab", "UTF", "NUL", "BOM")]


def test_positions_are_file_lines_and_columns_of_keys_and_items():
    doc = parse("title: 通知\nincome:\n  - {subject: 承包费, amount: 1}\n  - subject: 补助\n    amount: 2\n", first_line=2)
    assert doc.data == {"title": "通知", "income": [{"subject": "承包费", "amount": 1}, {"subject": "补助", "amount": 2}]}
    assert doc.positions[("title",)] == (2, 1)
    assert doc.positions[("income",)] == (3, 1)
    assert doc.positions[("income", 0)] == (4, 5)
    assert doc.positions[("income", 0, "amount")] == (4, 20)
    assert doc.positions[("income", 1, "amount")] == (6, 5)


def test_position_of_an_unwritten_path_is_its_nearest_written_ancestor():
    doc = parse("review:\n  leader: 王*明\n", first_line=2)
    assert doc.position(("review", "opinion")) == (2, 1)
    assert doc.position(()) == (2, 1)


def test_empty_text_is_an_empty_document():
    doc = parse("# 只有注释\n")
    assert doc.data is None
    assert doc.position(("title",)) == (0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("published: 2014-01-08\n", "2014-01-08"),
        ("published: 2014-01-08 09:30:00\n", "2014-01-08T09:30:00"),
        ("published: 2014-02-30\n", "2014-02-30"),  # not a real day: kept as typed, the schema reports it
        ("published: !custom 2014\n", "2014"),  # an unknown tag keeps the text
    ],
)
def test_dates_and_unknown_tags_are_read_as_text(text, expected):
    assert parse(text).data["published"] == expected


@pytest.mark.parametrize(
    ("line", "typed"),
    [
        ("code: 0374", "0374"),  # YAML 1.1 reads this as the octal number 252
        ("vote: no", "no"),  # ... and this as false
        ("time: 1:30", "1:30"),  # ... and this as 90 (base 60)
        ("amount: 1_200", "1_200"),
        ("rate: 1.50", "1.50"),
    ],
)
def test_plain_scalars_remember_the_text_as_typed(line, typed):
    key = line.split(":")[0]
    doc = parse(line + "\n")
    assert doc.raw[(key,)] == typed


def test_quoted_scalars_need_no_raw_text():
    doc = parse("code: '0374'\n")
    assert doc.data == {"code": "0374"}
    assert ("code",) not in doc.raw


def test_duplicate_keys_are_kept_aside_with_the_place_of_the_second():
    doc = parse("title: 一\ncontact: 王\ntitle: 二\n", first_line=2)
    assert doc.data == {"title": "一", "contact": "王"}
    assert doc.duplicates == [(("title",), 4, 1)]


def test_nested_duplicate_key_has_its_full_path():
    doc = parse("review:\n  leader: 王\n  leader: 李\n")
    assert doc.duplicates == [(("review", "leader"), 3, 3)]


def test_complex_key_is_a_problem_with_a_place():
    with pytest.raises(YamlProblem) as exc:
        parse("? [a, b]\n: c\n", first_line=2)
    assert exc.value.code == "yaml-complex-key"
    assert (exc.value.line, exc.value.column) == (2, 3)
    assert exc.value.message == "字段名必须是文字"


def test_nesting_deeper_than_the_limit_is_refused():
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    with pytest.raises(YamlProblem) as exc:
        parse(text)
    assert exc.value.code == "yaml-too-large"
    assert exc.value.line == 1


def test_alias_bomb_is_refused_instead_of_expanded():
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    with pytest.raises(YamlProblem) as exc:
        parse("\n".join(lines) + "\n")
    assert exc.value.code == "yaml-too-large"
    assert "锚点" in exc.value.hint


# Common mistakes: (text, line, column, message). The line is a file line (front matter
# starts on line 2). None as message: only "in Chinese" is required.
SYNTAX_MISTAKES = [
    pytest.param("title: 通知\nkeywords:\n\t- 会议\n", 4, 1, "YAML 格式错误：使用了制表符（Tab），YAML 只能用空格缩进", id="tab-indent"),
    pytest.param(
        "title: 通知\ncontact: 王会计 电话: 3312000\n",
        3,
        16,
        "YAML 格式错误：这里不能出现冒号（冒号后的文字请加引号，或检查缩进）",
        id="colon-in-value",
    ),
    pytest.param("title: 通知\n  published: 2014-01-08\n", 3, 12, None, id="key-indented-under-value"),
    pytest.param("review:\n  leader: 王\n opinion: 同意\n", 4, 2, "YAML 格式错误：缩进不一致或缺少字段名", id="dedent"),
    # The line where the quote opens, not the end of the file.
    pytest.param('title: "通知\npublished: 2014-01-08\n', 2, 8, "YAML 格式错误：这里开始的引号没有闭合（缺少另一半引号）", id="unclosed-quote"),
    # The line without the colon, not the next one (issue 9 item 11).
    pytest.param("title: 通知\npublished 2014-01-08\nperiod: 2013\n", 3, 1, "YAML 格式错误：缺少冒号", id="missing-colon"),
    pytest.param("title: *x\n", 2, 8, "YAML 格式错误：使用了未定义的锚点（*）", id="undefined-alias"),
    pytest.param("title: *重要* 通知\n", 2, 9, None, id="value-starting-with-star"),
    pytest.param("keywords: [会议, 通知\ntitle: 通知\n", 2, 11, None, id="unclosed-bracket"),
    pytest.param("title: 通知\n---\n正文\n", 3, 1, None, id="second-document"),
    pytest.param("title: @示范村\n", 2, 8, None, id="at-sign"),
    # Issue 9 item 11: the line of the mistake and its likely cause, named in Chinese.
    pytest.param("catalogue: notice\ntitle:x\npublished: 2014-01-08\n", 3, 6, "YAML 格式错误：冒号后面缺少空格", id="no-space-after-colon"),
    pytest.param(
        "catalogue: notice\ntitle：关于通知\npublished: 2014-01-08\n",
        3,
        6,
        "YAML 格式错误：字段名后面用了全角冒号「：」；YAML 只认英文冒号「:」，冒号后还要有一个空格",
        id="full-width-colon",
    ),
    pytest.param(
        "catalogue: notice\npublished: 2014-01-08\ntitle：关于通知\n",
        4,
        6,
        "YAML 格式错误：字段名后面用了全角冒号「：」；YAML 只认英文冒号「:」，冒号后还要有一个空格",
        id="full-width-colon-last-line",
    ),
    pytest.param(
        "catalogue: notice\ntitle: 关于\u2028通知\npublished: 2014-01-08\nperiod: 2013\n",
        3,
        10,
        "YAML 格式错误：这一行含有不可见字符 U+2028（行分隔符）",
        id="line-separator",
    ),
    pytest.param(
        "catalogue: notice\ntitle: 关于\u2029通知\n",
        3,
        10,
        "YAML 格式错误：这一行含有不可见字符 U+2029（段落分隔符）",
        id="paragraph-separator",
    ),
    pytest.param(
        "catalogue: notice\ntitle: 关于\x00通知\npublished: 2014-01-08\n",
        3,
        10,
        "YAML 格式错误：这一行含有控制字符 U+0000（空字符 NUL），记录中不能有这种字符",
        id="nul",
    ),
    pytest.param(
        "catalogue: notice\ntitle: 关于\x07通知\n", 3, 10, "YAML 格式错误：这一行含有控制字符 U+0007（响铃符），记录中不能有这种字符", id="bell"
    ),
    pytest.param(
        "catalogue: notice\ntitle:\u00a0关于通知\npublished: 2014-01-08\n",
        3,
        6,
        "YAML 格式错误：冒号后面是U+00A0（不换行空格），不是英文空格",
        id="nbsp-after-colon",
    ),
    pytest.param(
        "catalogue: notice\nchanges:\n\u3000- {date: 2014-01-08, note: 更正}\n",
        4,
        1,
        "YAML 格式错误：行首缩进用了U+3000（全角空格）；YAML 只能用英文空格缩进",
        id="full-width-space-indent",
    ),
    pytest.param(
        "catalogue: notice\ntitle: 通知\n\ufeffpublished: 2014-01-08\n",
        4,
        1,
        "YAML 格式错误：这一行含有不可见字符 U+FEFF（字节顺序标记 BOM / 零宽不换行空格）",
        id="bom-inside",
    ),
    pytest.param(
        "catalogue: notice\ntitle: 通知\n  \u200bpublished: 2014-01-08\n",
        4,
        3,
        "YAML 格式错误：这一行含有不可见字符 U+200B（零宽空格）",
        id="zero-width-space",
    ),
    pytest.param(
        "catalogue: notice\nkeywords: [“会议”, 通知\ntitle: 通知\n",
        3,
        12,
        "YAML 格式错误：方括号 [ ] 中的列表没有正确结束（缺少逗号或右括号）；这一行用了全角引号“，YAML 只认英文的引号 \" ' 和括号 [ ] { }",
        id="full-width-quote",
    ),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), SYNTAX_MISTAKES)
def test_syntax_mistakes_have_a_place_and_a_chinese_message(text, line, column, message):
    with pytest.raises(YamlProblem) as exc:
        parse(text, first_line=2)
    problem = exc.value
    assert problem.code == "yaml-syntax"
    assert (problem.line, problem.column) == (line, column)
    assert problem.hint
    if message is not None:
        assert problem.message == message
    assert english_words(problem.message) == []


def test_odd_field_names_are_named_and_chinese_ones_left_alone():
    from gongkai.chars import describe, name_problem

    assert name_problem("title") is None and name_problem("金额（元）") is None
    assert name_problem("ｔｉｔｌｅ") == "用了全角字母或数字"
    assert name_problem("ti\u200btle") == "含不可见字符 U+200B（零宽空格）"
    assert name_problem("title\u3000") == "含看不出的特殊字符 U+3000（全角空格）"
    assert describe("\u2028") == "U+2028（行分隔符）" and describe("\U000e0041") == "U+E0041（格式控制字符）"


@pytest.mark.parametrize("text", ["title: 通知\nkeywords: [", "a: {b: ", "a: [1,"])
def test_a_file_that_ends_inside_brackets_without_a_last_line_end_is_a_syntax_finding(text):
    """libyaml marks the trouble one line past the last line there: it was an IndexError."""
    with pytest.raises(YamlProblem) as caught:
        parse(text, 1)
    assert caught.value.code == "yaml-syntax" and 1 <= caught.value.line <= text.count("\n") + 2
