"""Findings name a record's field as the form editor labels it (gongkai/labels.py)."""

from __future__ import annotations

import json

import pytest
from tinyrepo import BALANCED_LEDGER, make_repo

from gongkai.changes import render_markdown
from gongkai.findings import Finding, render_github, render_json, render_terminal
from gongkai.inspection import _from_finding
from gongkai.labels import labeller, name_fields, split_path
from gongkai.schema import field_path

SUBSIDY_WITH_ID_IN_A_NAME = """\
---
catalogue: subsidy-list
title: 示范村2013年惠农补贴发放名单
published: 2014-01-08
period: 2013
recipients:
  - {name: 王建国, amount: 100}
  - {name: 李秀英 411025198203155362, amount: 50}
total_amount: 150
---
"""


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


def _one(repo, file, code):
    (found,) = [f for f in repo.findings(file) if f.code == code]
    return found


def test_an_id_number_in_a_table_cell_is_named_by_table_row_and_column(repo):
    path = repo.record("2013-butie.md", SUBSIDY_WITH_ID_IN_A_NAME)
    f = _one(repo, path, "pii-id-number")
    assert (f.field, f.label) == ("recipients[1].name", "发放名单·第2行·姓名")
    assert "「发放名单·第2行·姓名」（recipients[1].name）发现未遮挡的身份证号码" in render_terminal([f])
    assert "「发放名单·第2行·姓名」（recipients[1].name）" in render_github([f])
    assert json.loads(render_json([f]))[0]["label"] == "发放名单·第2行·姓名"
    assert "「发放名单·第2行·姓名」" in render_markdown([], None, [f])
    assert _from_finding(f, "demo", "cun").message.startswith("「发放名单·第2行·姓名」（recipients[1].name）")


@pytest.mark.parametrize(
    ("change", "code", "field", "label"),
    [
        # a schema finding: the form's label carries the unit, as the form shows it
        (("closing_balance: 15000.51", "closing_balance: 很多"), "field-type", "closing_balance", "期末余额（元）"),
        # a named rule's finding
        (("closing_balance: 15000.51", "closing_balance: 15000.00"), "check-ledger-balances", "closing_balance", "期末余额（元）"),
        # a table cell
        (("amount: 199.99}", "amount: -1}"), "field-minimum", "expense[1].amount", "支出明细·第2行·金额（元）"),
        # a common field
        (("title: 示范村2013年12月财务收支公开", "title: 示"), "record-minLength", "title", "标题"),
        # a column the catalogue does not know: named as typed, inside its table's label
        (("{subject: 办公费, amount: 199.99}", "{subject: 办公费, amount: 199.99, memo: x}"), "field-unknown-field", "expense[1].memo", "支出明细·第2行·memo"),
    ],
)
def test_every_kind_of_finding_about_a_record_names_the_forms_label(repo, change, code, field, label):
    path = repo.record("ledger-2013-12.md", BALANCED_LEDGER.replace(*change))
    found = [f for f in repo.findings(path) if f.field == field]
    assert found, [(f.code, f.field) for f in repo.findings(path)]
    assert {f.label for f in found} == {label}, [(f.code, f.field, f.label) for f in found]
    assert code in {f.code for f in found}


def test_settings_files_name_their_fields_by_the_package_schemas_titles(repo):
    county = (repo.root / "content/counties/demo.yml").read_text(encoding="utf-8")
    repo.write("content/counties/demo.yml", county.replace('code: "005799001"', 'code: "0057-99001"'))
    (f,) = [f for f in repo.findings("content/counties/demo.yml") if f.field == "units[1].code"]
    assert f.label == "单位·第2行·单位代码"


def test_a_finding_outside_any_schema_keeps_its_key(repo):
    f = Finding(".github/CODEOWNERS", 3, 1, "codeowners-x", "error", "line", "审核人不对")
    (same,) = name_fields(repo.check(), [f])
    assert same.label == "" and "「line」审核人不对" in render_terminal([same])


@pytest.mark.parametrize("path", [("title",), ("recipients", 3, "id_number"), ("review", "members"), ("steps", 0, "next", 2)])
def test_split_path_reads_back_what_field_path_writes(path):
    assert split_path(field_path(path)) == path


@pytest.mark.parametrize(
    ("schemas", "path", "label"),
    [
        ([{"properties": 5}, {"properties": {"a": {"title": "甲"}}}], ("a",), "甲"),
        ([{"properties": {"a": "not a schema"}}], ("a", 0, "b"), "a·第1行·b"),
        ([{"properties": {"a": {"title": 7, "items": [1]}}}], ("a", 2, "b"), "7·第3行·b"),
        ([{"properties": ["a"]}], ("a",), "a"),
        ([], ("x", 1), "x.1"),
    ],
)
def test_a_broken_schema_never_stops_the_naming(schemas, path, label):
    assert labeller(schemas)(path) == label


def test_one_field_path_is_named_by_each_records_own_catalogue_item():
    # name_fields looks a label up once per kind of finding: records of two items that share
    # a key must each still get their own item's title.
    from types import SimpleNamespace as NS

    def item(title):
        return NS(schema={"type": "object", "properties": {"total": {"title": title}}})

    project = NS(
        record_schema={"type": "object", "properties": {"title": {"title": "标题"}}},
        catalogues={"village": NS(items={"ledger": item("本期合计"), "subsidy": item("发放总额")})},
        records=[NS(path=f"r{i}.md", category="village", meta={"catalogue": c}) for i, c in enumerate(["ledger", "subsidy", "ledger"])],
    )
    found = [Finding(f"r{i}.md", 1, 1, "x", "error", "total", "m") for i in range(3)]
    found.append(Finding("r1.md", 2, 1, "x", "error", "title", "m"))
    assert [f.label for f in name_fields(project, found)] == ["本期合计", "发放总额", "本期合计", "标题"]
