"""argparse in Chinese: the words argparse itself prints (usage, section titles, its errors).

Clerks and inspectors read `build.py --help` and its mistakes, so they must be Chinese.
argparse looks every message up through its module-level `_` (gettext) when it prints it;
shipping a compiled gettext catalogue for some thirty strings would be heavier than this
table, so `install()` points that `_` at it. Messages not in the table stay as argparse wrote
them (a new Python may add some; they are still understandable, just English).
"""

from __future__ import annotations

import argparse

MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：出错：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "参数 %s 中必须给出一个",
    "not allowed with argument %s": "不能和参数 %s 同时使用",
    "expected one argument": "后面需要一个值",
    "expected at most one argument": "后面最多一个值",
    "expected at least one argument": "后面至少需要一个值",
    "expected %s argument": "后面需要 %s 个值",
    "expected %s arguments": "后面需要 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    # every typed argument of build.py is a number (int or float)
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的数字",
    "invalid choice: %(value)r (choose from %(choices)s)": "%(value)r 不是可选的值（可选：%(choices)s）",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有命令 %(parser_name)r（可用的命令：%(choices)s）",
    "ignored explicit argument %r": "多余的值 %r",
    "unexpected option string: %s": "意外的选项：%s",
    "subcommands": "命令",
}


def _(message: str) -> str:
    """The Chinese text of an argparse message, or the message itself."""
    return MESSAGES.get(message, message)


def install() -> None:
    """Make argparse print its own words in Chinese (idempotent)."""
    argparse._ = _  # type: ignore[attr-defined]
