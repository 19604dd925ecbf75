"""scaffold: `build.py new` writes a record with every field marked; filled in, it passes `check`."""

from __future__ import annotations

import re
import shutil

import pytest
from tinyrepo import MAIN, VILLAGE, is_chinese

from gongkai import check
from gongkai.cli import main
from gongkai.load import load
from gongkai.scaffold import FILL, ScaffoldError, current_period, scaffold


@pytest.fixture
def village(repo):
    """The tiny repository with the real village catalogue (ledgers, subsidy lists, 四议两公开)."""
    shutil.copy(MAIN / "catalogues" / "village.yml", repo.root / "catalogues" / "village.yml")
    return repo


def fill(text: str, values: list[tuple[str, str]]) -> str:
    """Put values into the marked fields, in order (a key may be marked more than once)."""
    for key, value in values:
        pattern = re.compile(rf"^(\s*(?:- )?'?{re.escape(key)}'?):  # {FILL} .*$", re.M)
        text, n = pattern.subn(lambda m, v=value: f"{m.group(1)}: {v}", text, count=1)
        assert n == 1, f"no marked field {key}"
    assert f"# {FILL} " not in text, "every marked field is filled"
    return text



def errors(repo, path: str) -> list[str]:
    return [f.code for f in check(repo.root).findings if f.file == path and f.is_error]


def test_a_ledger_filled_in_passes_and_the_next_one_opens_with_its_closing_balance(village, capsys):
    assert main(["new", "--root", str(village.root), "demo/cun", "finance-ledger", "--period", "2014-01"]) == 0
    path = capsys.readouterr().out.strip()
    assert path == f"{VILLAGE}/finance-ledger-2014-01.md"
    text = (village.root / path).read_text("utf-8")
    assert "period: 2014-01" in text and "# vouchers:" in text  # optional fields offered, commented out
    assert errors(village, path)  # empty required fields fail until filled
    lines = text.splitlines()
    required = ["opening_balance", "income", "income_total", "expense", "expense_total", "closing_balance", "review"]
    keys = [line.split(":")[0] for line in lines if re.match(r"^[a-z_]+:", line)]
    assert keys[:4] == ["catalogue", "title", "published", "period"] and keys[4:11] == required
    assert all("#" in line for line in lines[1:-1] if ":" in line), "every field carries a Chinese comment"
    filled = fill(text, [
        ("opening_balance", "1000.00"), ("subject", "村集体土地承包费"), ("amount", "500.00"), ("income_total", "500.00"),
        ("subject", "办公用品"), ("amount", "120.50"), ("expense_total", "120.50"), ("closing_balance", "1379.50"),
        ("date", "2014-02-05"), ("leader", "王建国"), ("members", "3"), ("opinion", "账目清楚，同意公开。"),
    ])
    filled = filled.replace("published: " + re.search(r"published: (\S+)", filled).group(1), "published: 2014-02-08")
    (village.root / path).write_text(filled, "utf-8")
    assert errors(village, path) == []
    # The next period: opening balance = last closing balance, the period after, the review group's leader.
    made = scaffold(load(village.root), "demo/cun", "finance-ledger")
    assert made.path == f"{VILLAGE}/finance-ledger-2014-02.md"
    assert "opening_balance: 1379.5  # 期初余额（元，必填）：已按上期（2014-01）期末余额填入" in made.text
    assert "period: 2014-02" in made.text and "leader: 王建国" in made.text
    assert re.search(rf"opinion:  # {FILL}", made.text)  # an opinion is written anew each period


def test_a_subsidy_list_filled_in_passes(village, capsys):
    assert main(["new", "--root", str(village.root), "demo/cun", "farm-subsidy"]) == 0
    path = capsys.readouterr().out.strip()
    text = (village.root / path).read_text("utf-8")
    assert "period:" not in text  # not a periodic item
    filled = fill(text, [
        ("subsidy_type", "粮食直补"), ("subsidy_year", "2014"), ("name", "王*英"), ("id_number", "411023********1234"),
        ("group", "第一村民小组"), ("amount", "268.40"), ("total_amount", "268.40"), ("total_count", "1"),
        ("start", "2014-05-01"), ("end", "2014-05-08"),
    ])
    (village.root / path).write_text(filled.replace(re.search(r"published: \S+", filled).group(0), "published: 2014-05-01"), "utf-8")
    assert errors(village, path) == []


def test_a_four_two_record_filled_in_passes(village, capsys):
    assert main(["new", "--root", str(village.root), "demo/cun", "four-two"]) == 0
    path = capsys.readouterr().out.strip()
    text = (village.root / path).read_text("utf-8")
    assert "- 'no':" in text  # YAML 1.1 would read a bare no as false
    row = [("no", "{n}"), ("name", "{step}"), ("date", "2014-03-0{n}"), ("expected", "9"), ("present", "9"), ("result", "同意")]
    steps = ["村党组织提议", "村“两委”会议商议", "党员大会审议", "村民代表会议决议"]
    first = [(k, v.format(n=1, step=steps[0])) for k, v in row]
    filled = fill(text, [("matter", "修建村文化广场"), ("matter_type", "村级公益事业建设"), ("stage", "决议公开"), *first,
                         ("resolution", "同意修建村文化广场，预算8万元。")])
    more = "".join(
        f"  - {{'no': {n}, name: {steps[n - 1]}, date: 2014-03-0{n}, expected: 9, present: 9, result: 同意}}\n" for n in (2, 3, 4)
    )
    filled = filled.replace("\nresolution:", "\n" + more.replace("  - ", "- ") + "resolution:", 1)
    (village.root / path).write_text(filled.replace(re.search(r"published: \S+", filled).group(0), "published: 2014-03-10"), "utf-8")
    assert errors(village, path) == []


def test_an_item_the_unit_may_not_publish_is_refused_naming_those_it_may(village):
    with pytest.raises(ScaffoldError) as err:
        scaffold(load(village.root), "demo/ju", "finance-ledger")
    assert "示范县国土资源局不能公开事项「finance-ledger」" in str(err.value)
    assert "notice（通知公告）" in str(err.value) and "finance-ledger（" not in str(err.value)


def test_an_unknown_unit_lists_the_units(village, capsys):
    assert main(["new", "--root", str(village.root), "demo/nobody", "notice"]) == 2
    err = capsys.readouterr().err
    assert "没有单位「nobody」" in err and "demo/cun、demo/ju" in err and is_chinese(err)


def test_a_wrong_period_shape_and_an_existing_period_are_refused(village):
    with pytest.raises(ScaffoldError, match="2013-12 的样子"):
        scaffold(load(village.root), "demo/cun", "finance-ledger", "2014-Q1")
    village.write(f"{VILLAGE}/ledger.md", "---\ncatalogue: finance-ledger\ntitle: 一月账目\npublished: 2014-02-08\nperiod: 2014-01\n---\n")
    with pytest.raises(ScaffoldError, match="已有2014年1月的"):
        scaffold(load(village.root), "demo/cun", "finance-ledger", "2014-01")


def test_the_default_period_is_the_last_one_ended():
    import datetime as dt

    day = dt.date(2014, 1, 5)
    assert [current_period(k, day) for k in ("month", "quarter", "half-year", "year")] == ["2013-12", "2013-Q4", "2013-H2", "2013"]
    assert current_period("quarter", dt.date(2014, 8, 31)) == "2014-Q2"


def test_a_bare_unit_id_will_do_when_only_one_county_has_it(village):
    assert scaffold(load(village.root), "cun", "four-two").path.startswith(f"{VILLAGE}/four-two-")
    village.write("content/counties/aaa.yml", (village.root / "content/counties/demo.yml").read_text("utf-8"))
    with pytest.raises(ScaffoldError, match="在多个县（市、区）都有：aaa/cun、demo/cun"):
        scaffold(load(village.root), "cun", "four-two")


def test_a_period_in_full_width_digits_is_refused(village):
    # It would name the file finance-ledger-２０１４-01.md and write a period no check accepts.
    with pytest.raises(ScaffoldError, match="2013-12 的样子"):
        scaffold(load(village.root), "demo/cun", "finance-ledger", "２０１４-01")
