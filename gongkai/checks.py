"""Named semantic rules that catalogues refer to in an item's `checks:` list.

Each rule is a small pure function of the record's fields that yields Problems; the
validator places them in the file. A rule only reads fields that passed the item's
schema, so it may trust their types: by default it runs only when the whole record passed;
a rule registered with `partial=True` also runs when some fields failed, given only the
others (the failed ones are named by `failed(f)`), so all of a record's problems are
reported in one run. Add a rule by decorating a function with @rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
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
# Rules that also run when some of the record's fields failed the item's schema, so that a
# clerk sees every problem of a record in one run: they get only the fields that passed
# (`CheckedFields`) and check only what those fields allow.
PARTIAL: set[str] = set()


class CheckedFields(dict):
    """A record's fields that passed the item's schema; `failed` names the top-level fields left out."""

    def __init__(self, fields: Fields, failed: frozenset[str]):
        super().__init__(fields)
        self.failed = failed


def failed(f: Fields) -> frozenset[str]:
    """The top-level fields a rule was not given because they failed the schema (none usually)."""
    return getattr(f, "failed", frozenset())


def rule(name: str, *, partial: bool = False) -> Callable[[Callable[[Fields], Iterator[Problem]]], Callable[[Fields], Iterator[Problem]]]:
    """Register a rule under the name catalogues use; `partial` when it may run on the fields
    that passed the schema while others failed (it then checks only what those allow)."""

    def register(fn: Callable[[Fields], Iterator[Problem]]) -> Callable[[Fields], Iterator[Problem]]:
        RULES[name] = fn
        if partial:
            PARTIAL.add(name)
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


@rule("ledger_balances", partial=True)
def ledger_balances(f: Fields) -> Iterator[Problem]:
    """A ledger's items sum to its totals and opening + income − expense = closing."""
    income, expense = f.get("income") or [], f.get("expense") or []
    if "income_total" in f and "income" not in failed(f):
        yield from _sum_matches(income, "amount", f["income_total"], ("income_total",), "收入")
    if "expense_total" in f and "expense" not in failed(f):
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


@rule("list_total", partial=True)
def list_total(f: Fields) -> Iterator[Problem]:
    """A recipient list's amounts sum to its total, and its rows to its count."""
    if "recipients" in failed(f):
        return
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


@rule("annual_report_2021", partial=True)
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


@rule("dates_in_order", partial=True)
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


@rule("steps_numbered", partial=True)
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


# Counts that cannot exceed another count: (the smaller, the larger, Chinese names).
AT_MOST = (
    ("present", "expected", "实到", "应到"),
    ("agreed", "present", "同意", "实到"),
    ("delegates_present", "delegates_total", "实到代表", "应到代表"),
    ("issues_fixed", "issues_found", "已整改", "发现问题"),
)


def _objects(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """The record's fields and every object nested in them (a meeting's steps, a table's rows)."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _objects(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _objects(v, path + (i,))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@rule("counts_within", partial=True)
def counts_within(f: Fields) -> Iterator[Problem]:
    """Present ≤ expected, agreed ≤ present, issues fixed ≤ issues found, in every object of the record."""
    for path, obj in _objects(f):
        for small, large, small_zh, large_zh in AT_MOST:
            a, b = obj.get(small), obj.get(large)
            if _number(a) and _number(b) and a > b:
                where = f"第 {path[-1] + 1} 行：" if path and isinstance(path[-1], int) else ""
                yield Problem(
                    path + (small,),
                    f"{where}{small_zh} {a} 多于{large_zh} {b}",
                    f"{small_zh}不能多于{large_zh}；请对照会议记录或台账核对两个数字。",
                )


@rule("raised_per_capita", partial=True)
def raised_per_capita(f: Fields) -> Iterator[Problem]:
    """Funds raised = people (households) × amount per head (筹资总额 = 筹资标准 × 筹资人数)."""
    if not all(_number(f.get(k)) for k in ("raised", "per_capita", "population")):
        return
    expected = money(f["per_capita"]) * money(f["population"])
    if expected != money(f["raised"]):
        yield Problem(
            ("raised",),
            f"筹资总额应为筹资标准 {_fmt(money(f['per_capita']))} × 筹资人数 {f['population']} = {_fmt(expected)}，"
            f"表中写的是 {_fmt(money(f['raised']))}",
            "筹资总额 = 筹资标准 × 筹资人数；请核对三个数字，改正写错的一处。",
        )


# A total and its parts, where an item declares them: (total, parts, Chinese names).
SUMS = (("total_investment", ("raised", "subsidy", "other_funds"), "项目总投资", ("筹资总额", "财政奖补资金", "村集体及其他资金")),)


@rule("total_of_parts", partial=True)
def total_of_parts(f: Fields) -> Iterator[Problem]:
    """A total investment equals the sum of the funds it is made of (筹资 + 奖补 + 其他)."""
    for total, parts, total_zh, parts_zh in SUMS:
        if failed(f) & {total, *parts}:
            continue  # a part left out for failing the schema is not a part that is absent
        if not _number(f.get(total)) or not any(_number(f.get(p)) for p in parts):
            continue
        summed = sum((money(f.get(p)) for p in parts if _number(f.get(p))), Decimal(0))
        if summed != money(f[total]):
            named = " + ".join(f"{zh} {_fmt(money(f[p]))}" for p, zh in zip(parts, parts_zh, strict=True) if _number(f.get(p)))
            yield Problem(
                (total,),
                f"{total_zh}应为各项资金之和：{named} = {_fmt(summed)}，表中写的是 {_fmt(money(f[total]))}",
                f"{total_zh} = {' + '.join(parts_zh)}；请核对各项资金和总投资。",
            )


# Rules about the whole record (its title, period and dates) or about a series of records.
# Catalogues name them in `checks:` like any other rule, so the office declares them per
# item as data. The validator's per-record loop calls every rule with the item's own fields
# only; for these, that call finds nothing (`_nothing`) and the validator's record and
# series passes (validate.Validator.inspection, .series) call the real function with the
# record's common fields too, or with the unit's series.
RECORD_RULES: dict[str, Callable[[dict], Iterator[Problem]]] = {}
SERIES_RULES: dict[str, Callable[[list], Iterator[tuple[Any, Problem]]]] = {}
# How serious each rule's finding is when it is not an error (see validate.Validator.inspection).
RULE_SEVERITY: dict[str, str] = {}


def _nothing(f: Fields) -> Iterator[Problem]:
    return iter(())


def record_rule(name: str, severity: str = "error") -> Callable:
    """Register a rule that reads the whole record (common fields included)."""

    def register(fn: Callable[[dict], Iterator[Problem]]) -> Callable[[dict], Iterator[Problem]]:
        RECORD_RULES[name] = fn
        RULES[name] = _nothing
        RULE_SEVERITY[name] = severity
        return fn

    return register


def series_rule(name: str, severity: str = "warning") -> Callable:
    """Register a rule over one unit's records of an item, in period order."""

    def register(fn: Callable[[list], Iterator[tuple[Any, Problem]]]) -> Callable[[list], Iterator[tuple[Any, Problem]]]:
        SERIES_RULES[name] = fn
        RULES[name] = _nothing
        RULE_SEVERITY[name] = severity
        return fn

    return register


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Periods as titles write them: 2013年2月, 2013年第四季度 / 四季度, 2013年上半年, 2013年（度）.
# The end of a range (2013—2014年, 1月至2014年3月) is not read: the range's start is enough.
_TITLE_PERIOD = re.compile(
    r"(?<![\d—–\-~～])(?P<year>(?:19|20)\d{2})\s*年\s*(?:"
    r"(?P<month>1[0-2]|0?[1-9])\s*月份?(?![\d至到—\-~～])"
    r"|第?(?P<quarter>[一二三四1-4])\s*季度"
    r"|(?P<half>[上下])\s*半年"
    r")?"
)


def title_periods(title: str) -> list[tuple[str, str]]:
    """Every period a title names, as (period, the words in the title): 2013年2月 -> 2013-02."""
    out = []
    for m in _TITLE_PERIOD.finditer(title):
        year = m.group("year")
        if m.group("month"):
            out.append((f"{year}-{int(m.group('month')):02d}", m.group(0)))
        elif m.group("quarter"):
            out.append((f"{year}-Q{_CN_DIGITS[m.group('quarter')]}", m.group(0)))
        elif m.group("half"):
            out.append((f"{year}-H{1 if m.group('half') == '上' else 2}", m.group(0)))
        else:
            out.append((year, m.group(0)))
    return out


# A series rule asks for the same few periods again and again (165,000 times in a check of
# 100,000 records); the answer depends on the text alone.
@functools.lru_cache(maxsize=4096)
def period_span(period: str) -> tuple[dt.date, dt.date] | None:
    from .periods import period_end

    end = period_end(period)
    if end is None:
        return None
    year, rest = int(period[:4]), period[5:]
    if not rest:
        start = dt.date(year, 1, 1)
    elif rest.startswith("H"):
        start = dt.date(year, 1 if rest == "H1" else 7, 1)
    elif rest.startswith("Q"):
        start = dt.date(year, int(rest[1]) * 3 - 2, 1)
    else:
        start = dt.date(year, int(rest), 1)
    return start, end


def periods_overlap(a: str, b: str) -> bool:
    """True when two periods share a day (2013-11 and 2013-Q4 do; 2013-Q3 and 2013-10 do not)."""
    sa, sb = period_span(a), period_span(b)
    return bool(sa and sb and sa[0] <= sb[1] and sb[0] <= sa[1])


@record_rule("title_period")
def title_period(meta: dict) -> Iterator[Problem]:
    """A title that names a period names the record's `period` (or a period containing it)."""
    from .periods import period_zh

    period, title = str(meta.get("period") or ""), str(meta.get("title") or "")
    named = title_periods(title)
    if not period or not named or period_span(period) is None:
        return
    if any(periods_overlap(p, period) for p, _ in named):
        return
    words = "、".join(f"「{w}」" for _, w in named)
    yield Problem(
        ("title",),
        f"标题写的是{words}，所属期间（period）却是 {period}（{period_zh(period)}）",
        "标题中的期间与 period 必须一致；请改正写错的一处。",
    )


@record_rule("period_ended", severity="warning")
def period_ended(meta: dict) -> Iterator[Problem]:
    """A report of a period is published after the period has ended."""
    from .periods import period_end, period_zh

    period, published = str(meta.get("period") or ""), str(meta.get("published") or "")
    end = period_end(period) if period else None
    try:
        day = dt.date.fromisoformat(published)
    except ValueError:
        return
    if end and day <= end:
        yield Problem(
            ("published",),
            f"发布日期 {published} 在所属期间{period_zh(period)}结束（{end.isoformat()}）之前或当天，这一期还没有结束",
            "报告某一期间情况的记录，应在该期间结束后公开；请核对发布日期和所属期间。",
        )


def _balance(r: Any, key: str) -> Decimal | None:
    value = r.meta.get(key)
    return money(value) if _number(value) else None


def _adjacent(prev: Any, this: Any) -> bool:
    a, b = period_span(str(prev.meta["period"])), period_span(str(this.meta["period"]))
    return bool(a and b and a[1] + dt.timedelta(days=1) == b[0])


@series_rule("balance_carried_over")
def balance_carried_over(series: list) -> Iterator[tuple[Any, Problem]]:
    """Each period's opening balance is the closing balance of the period just before it."""
    from .periods import period_zh

    for prev, this in zip(series, series[1:], strict=False):
        if not _adjacent(prev, this):
            continue  # a gap: the missing period is reported by 公开时限, not guessed at here
        closing, opening = _balance(prev, "closing_balance"), _balance(this, "opening_balance")
        if closing is None or opening is None or closing == opening:
            continue
        yield this, Problem(
            ("opening_balance",),
            f"期初余额 {_fmt(opening)} 不等于上一期（{period_zh(str(prev.meta['period']))}，{prev.path}）的期末余额 {_fmt(closing)}，"
            f"相差 {_fmt(opening - closing)}",
            "本期期初余额应等于上期期末余额；如上期有误，请更正上期记录并写修订说明，不要在本期另起一个余额。",
        )


@series_rule("periods_do_not_overlap")
def periods_do_not_overlap(series: list) -> Iterator[tuple[Any, Problem]]:
    """No two records of a series (an item and the items that stand in for it) cover the same days."""
    from .periods import period_zh

    furthest = None  # the record, of those before, whose period ends last (the series is in order of start)
    for this in series:
        span = period_span(str(this.meta["period"]))
        if furthest is not None and span is not None:
            prev = furthest[1]
            p, q = str(prev.meta["period"]), str(this.meta["period"])
            if furthest[0] >= span[0] and not (p == q and prev.item.id == this.item.id):  # the same period twice: record-period-duplicate
                extra, first = (prev, this) if (str(prev.published), prev.path) > (str(this.published), this.path) else (this, prev)
                yield extra, Problem(
                    ("period",),
                    f"所属期间{period_zh(str(extra.meta['period']))}与 {first.path}（{first.item.name}，"
                    f"{period_zh(str(first.meta['period']))}）重叠，同一段时间公开了两次",
                    "同一事项（含可互相代替的事项）每段时间只公开一次：按月公开的不再按季度公开，反之亦然；"
                    "请把多余的一条撤回（withdrawn）或改正所属期间。",
                )
        if span is not None and (furthest is None or span[1] > furthest[0]):
            furthest = (span[1], this)


# 依申请公开 ----------------------------------------------------------------------------
# Outcomes of a request as the 2021 annual-report format counts them (表三 三、本年度办理结果):
# the register's value -> (group, row) of `applications.results` in an annual report.
OUTCOMES = {
    "予以公开": ("disclosed", None),
    "部分公开": ("partly", None),
    "不予公开：属于国家秘密": ("refused", "state_secret"),
    "不予公开：其他法律行政法规禁止公开": ("refused", "law_forbidden"),
    "不予公开：危及“三安全一稳定”": ("refused", "three_safety"),
    "不予公开：保护第三方合法权益": ("refused", "third_party"),
    "不予公开：属于三类内部事务信息": ("refused", "internal"),
    "不予公开：属于四类过程性信息": ("refused", "process"),
    "不予公开：属于行政执法案卷": ("refused", "enforcement_file"),
    "不予公开：属于行政查询事项": ("refused", "query"),
    "无法提供：本机关不掌握相关政府信息": ("unable", "not_held"),
    "无法提供：没有现成信息需要另行制作": ("unable", "need_creation"),
    "无法提供：补正后申请内容仍不明确": ("unable", "unclear"),
    "不予处理：信访举报投诉类申请": ("not_processed", "petition"),
    "不予处理：重复申请": ("not_processed", "repeated"),
    "不予处理：要求提供公开出版物": ("not_processed", "publication"),
    "不予处理：无正当理由大量反复申请": ("not_processed", "massive"),
    "不予处理：要求行政机关确认或重新出具已获取信息": ("not_processed", "confirm"),
    "其他处理：申请人无正当理由逾期不补正": ("other", "no_correction"),
    "其他处理：申请人逾期未缴纳费用": ("other", "no_fee"),
    "其他处理：其他": ("other", "other"),
}
REQUESTER_KEYS = dict(zip(("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"), REQUESTERS, strict=True))
REPLY_WORKING_DAYS = 20  # 条例第三十三条第二款
EXTENSION_WORKING_DAYS = 20


@dataclass(frozen=True)
class ReplyTime:
    """How long one request took: working days used, the days allowed, and what that makes it."""

    status: str  # 按时答复, 延期答复, 逾期答复, 未答复, 逾期未答复
    used: int | None
    due: dt.date


def reply_time(row: dict, as_of: dt.date) -> ReplyTime | None:
    """A register row's reply time against the statutory 20 (+20 with a reason) working days."""
    from . import workdays

    try:
        start = dt.date.fromisoformat(str(row.get("corrected") or row["received"]))
    except (KeyError, ValueError):
        return None
    allowed = REPLY_WORKING_DAYS + (EXTENSION_WORKING_DAYS if row.get("extended") else 0)
    due = workdays.add(start, allowed)
    replied = row.get("replied")
    if not replied:
        return ReplyTime("逾期未答复" if as_of > due else "未答复", None, due)
    try:
        day = dt.date.fromisoformat(str(replied))
    except ValueError:
        return None
    used = workdays.between(start, day)
    if day > due:
        return ReplyTime("逾期答复", used, due)
    return ReplyTime("延期答复" if used > REPLY_WORKING_DAYS else "按时答复", used, due)


@record_rule("request_reply_in_time", severity="warning")
def request_reply_in_time(meta: dict) -> Iterator[Problem]:
    """Each request is answered within 20 working days, or 40 with a recorded reason for the extension."""
    try:
        published = dt.date.fromisoformat(str(meta.get("published")))
    except ValueError:
        return
    for i, row in enumerate(meta.get("requests") or []):
        if not isinstance(row, dict):
            continue
        label = f"申请 {row.get('no', i + 1)} "
        if row.get("replied") and str(row["replied"]) < str(row.get("corrected") or row.get("received") or ""):
            yield Problem(("requests", i, "replied"), f"{label}的答复日期 {row['replied']} 早于收到日期", "请核对两个日期是否写反或写错。")
            continue
        if row.get("replied") and not row.get("outcome"):
            yield Problem(("requests", i, "outcome"), f"{label}已答复，但没有写办理结果", "办理结果按年度报告的分类填写，例如 予以公开、部分公开。")
        t = reply_time(row, published)
        if t is None:
            continue
        if t.status == "逾期答复":
            yield Problem(
                ("requests", i, "replied"),
                f"{label}逾期答复：应于 {t.due.isoformat()} 前答复，{row['replied']} 才答复，用了 {t.used} 个工作日"
                + ("（已延期）" if row.get("extended") else ""),
                "收到申请之日起 20 个工作日内答复；需要延长的经负责人同意并告知申请人，最长延长 20 个工作日（条例第三十三条）。",
            )
        elif t.status == "延期答复" and not str(row.get("extended") or "").strip():
            yield Problem(
                ("requests", i, "extended"),
                f"{label}用了 {t.used} 个工作日答复，超过 20 个工作日，但没有写延期理由",
                "延期答复须经本机关负责人同意并告知申请人；在 extended 中写明延期理由。",
            )
        elif t.status == "逾期未答复":
            yield Problem(
                ("requests", i),
                f"{label}至发布日 {published.isoformat()} 仍未答复，已超过答复期限 {t.due.isoformat()}",
                "尽快答复申请人；答复后在登记中补写答复日期和办理结果（并写修订说明）。",
            )
