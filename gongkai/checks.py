"""Named semantic rules that catalogues refer to in an item's `checks:` list.

Each rule is a small pure function of the record's fields that yields Problems; the
validator places them in the file. A rule only runs on fields that passed the item's
schema, so it may trust their types. Add a rule by decorating a function with @rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Fields = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    """What a rule found: where (field path), a Chinese message and a hint."""

    path: tuple
    message: str
    hint: str = ""


RULES: dict[str, Callable[[Fields], Iterator[Problem]]] = {}


def rule(name: str) -> Callable[[Callable[[Fields], Iterator[Problem]]], Callable[[Fields], Iterator[Problem]]]:
    """Register a rule under the name catalogues use."""

    def register(fn: Callable[[Fields], Iterator[Problem]]) -> Callable[[Fields], Iterator[Problem]]:
        RULES[name] = fn
        return fn

    return register


def money(value: Any) -> Decimal:
    """A number as an exact decimal (YAML floats would drift by fractions of a cent)."""
    return Decimal(str(value)) if value is not None else Decimal(0)


def _fmt(d: Decimal) -> str:
    return f"{d:,.2f}"


def _sum_matches(items: list[dict], key: str, total: Any, path: tuple, label: str) -> Iterator[Problem]:
    summed = sum((money(i.get(key)) for i in items if isinstance(i, dict)), Decimal(0))
    if summed != money(total):
        yield Problem(
            path,
            f"{label}合计应为各项之和 {_fmt(summed)}，表中写的是 {_fmt(money(total))}",
            "请核对每一项金额和合计数，改正其中写错的一处。",
        )


@rule("ledger_balances")
def ledger_balances(f: Fields) -> Iterator[Problem]:
    """A ledger's items sum to its totals and opening + income − expense = closing."""
    income, expense = f.get("income") or [], f.get("expense") or []
    if "income_total" in f:
        yield from _sum_matches(income, "amount", f["income_total"], ("income_total",), "收入")
    if "expense_total" in f:
        yield from _sum_matches(expense, "amount", f["expense_total"], ("expense_total",), "支出")
    if all(k in f for k in ("opening_balance", "income_total", "expense_total", "closing_balance")):
        expected = money(f["opening_balance"]) + money(f["income_total"]) - money(f["expense_total"])
        if expected != money(f["closing_balance"]):
            yield Problem(
                ("closing_balance",),
                f"账不平：期初余额 {_fmt(money(f['opening_balance']))} + 本期收入 {_fmt(money(f['income_total']))}"
                f" − 本期支出 {_fmt(money(f['expense_total']))} = {_fmt(expected)}，"
                f"但期末余额写的是 {_fmt(money(f['closing_balance']))}",
                "期末余额必须等于期初余额加收入减支出；请对照账簿核对。",
            )


@rule("list_total")
def list_total(f: Fields) -> Iterator[Problem]:
    """A recipient list's amounts sum to its total, and its rows to its count."""
    rows = f.get("recipients") or []
    if "total_amount" in f:
        yield from _sum_matches(rows, "amount", f["total_amount"], ("total_amount",), "发放金额")
    if "total_count" in f and f["total_count"] != len(rows):
        yield Problem(
            ("total_count",),
            f"名单共 {len(rows)} 人（户），但「总人数」写的是 {f['total_count']}",
            "请核对名单是否漏填或多填。",
        )


REQUESTERS = ("natural", "commercial", "research", "public_interest", "legal_service", "other_org")
COLUMNS = REQUESTERS + ("total",)
COLUMN_ZH = dict(zip(COLUMNS, ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"), strict=True))
RESULT_GROUPS = ("refused", "unable", "not_processed", "other")


def _rows(node: Any, path: tuple) -> Iterator[tuple[tuple, dict]]:
    """Every table-3 row (a dict with column keys) below a node."""
    if isinstance(node, dict):
        if node and all(not isinstance(v, (dict, list)) for v in node.values()):
            yield path, node
        else:
            for k, v in node.items():
                yield from _rows(v, path + (k,))


@rule("annual_report_2021")
def annual_report_2021(f: Fields) -> Iterator[Problem]:
    """Table 3 of the 2021 annual-report format adds up: 一 + 二 = 三 + 四, and its totals."""
    if str(f.get("format_version")) != "2021":
        return
    apps = f.get("applications")
    if not isinstance(apps, dict):
        return
    base = ("applications",)
    for path, row in _rows(apps, base):
        parts = sum(int(row.get(c) or 0) for c in REQUESTERS)
        if "total" in row and int(row["total"] or 0) != parts:
            yield Problem(
                path + ("total",),
                f"这一行的总计 {row['total']} 不等于各类申请人之和 {parts}",
                "总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他。",
            )
    results = apps.get("results") or {}
    for col in COLUMNS:
        def cell(node: Any, col: str = col) -> int:
            return int(node.get(col) or 0) if isinstance(node, dict) else 0

        result_rows = [results.get("disclosed"), results.get("partly")]
        for group in RESULT_GROUPS:
            result_rows.extend((results.get(group) or {}).values())
        summed = sum(cell(r) for r in result_rows)
        if "total" in results and cell(results["total"]) != summed:
            yield Problem(
                base + ("results", "total", col),
                f"「{COLUMN_ZH[col]}」列：三、办理结果的总计 {cell(results['total'])} 不等于各项办理结果之和 {summed}",
                "总计应等于予以公开、部分公开、不予公开、无法提供、不予处理、其他处理各小项之和。",
            )
        left = cell(apps.get("new")) + cell(apps.get("carried_over"))
        right = cell(results.get("total")) + cell(apps.get("carried_forward"))
        if left != right:
            yield Problem(
                base + ("carried_forward", col),
                f"「{COLUMN_ZH[col]}」列：一（本年新收 {cell(apps.get('new'))}）+ 二（上年结转 {cell(apps.get('carried_over'))}）"
                f"= {left}，但三（办理结果总计 {cell(results.get('total'))}）+ 四（结转下年 {cell(apps.get('carried_forward'))}）= {right}",
                "按年报格式，本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理。",
            )
    groups = f.get("review_litigation") or {}
    for name, group in groups.items() if isinstance(groups, dict) else ():
        if isinstance(group, dict) and "total" in group:
            parts = sum(int(group.get(k) or 0) for k in ("upheld", "corrected", "other", "pending"))
            if int(group["total"] or 0) != parts:
                yield Problem(
                    ("review_litigation", name, "total"),
                    f"总计 {group['total']} 不等于 维持、纠正、其他结果、尚未审结 之和 {parts}",
                    "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结。",
                )


@rule("dates_in_order")
def dates_in_order(f: Fields) -> Iterator[Problem]:
    """A question comes before its reply; a start before its end."""
    for first, second, zh in (("asked", "replied", ("提问", "答复")), ("start", "end", ("开始", "结束"))):
        a, b = f.get(first), f.get(second)
        if isinstance(a, str) and isinstance(b, str) and a > b:
            yield Problem(
                (second,),
                f"{zh[1]}日期 {b} 早于{zh[0]}日期 {a}",
                "请核对两个日期是否写反或写错。",
            )


@rule("steps_numbered")
def steps_numbered(f: Fields) -> Iterator[Problem]:
    """A flowchart's steps are numbered 1, 2, 3 … and every `next` names a step."""
    steps = f.get("steps") or []
    numbers = {s.get("no") for s in steps if isinstance(s, dict)}
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        if step.get("no") != i + 1:
            yield Problem(
                ("steps", i, "no"),
                f"第 {i + 1} 个环节的序号写成了 {step.get('no')}",
                "环节按 1、2、3…… 顺序编号，序号与位置一致。",
            )
        for j, target in enumerate(step.get("next") or []):
            if target not in numbers:
                yield Problem(
                    ("steps", i, "next", j),
                    f"环节「{step.get('name', i + 1)}」指向不存在的环节 {target}",
                    "next 中只能写已有环节的序号。",
                )
