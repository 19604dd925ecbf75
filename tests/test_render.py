"""render: a record's fields as tables, totals and flowcharts, driven by the schema, drawn
escaped by theme/gk/fields.html."""

from __future__ import annotations

import re

from gongkai import render
from gongkai.pages import render_macro
from gongkai.render import flowchart, risk_table, value_text


def render_fields(fields, schema) -> str:
    """The fields as the record page draws them."""
    return render_macro("gk/fields.html", "sections", render.render_fields(fields, schema))

INCOME = {
    "title": "收入明细",
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "subject": {"title": "收入项目", "type": "string"},
            "amount": {"title": "金额", "type": "number", "x-unit": "元", "x-sum": True},
        },
    },
}
SCHEMA = {
    "type": "object",
    "properties": {
        "opening_balance": {"title": "期初余额", "type": "number", "x-unit": "元"},
        "income": INCOME,
        "contact": {"title": "联系人", "type": "string"},
    },
}


def total_row(html: str) -> str:
    (row,) = re.findall(r'<tr class="gk-total">.*?</tr>', html)
    return row


def test_table_with_x_sum_gets_a_total_row():
    rows = [{"subject": "上级转移支付", "amount": 5000.00}, {"subject": "集体土地承包费", "amount": 1200.50}]
    html = render_fields({"income": rows}, SCHEMA)
    assert '<th scope="col">收入项目</th><th scope="col" class="gk-num">金额</th>' in html
    assert '<td data-label="收入项目">上级转移支付</td><td data-label="金额" class="gk-num">5,000.00元</td>' in html
    assert total_row(html) == (
        '<tr class="gk-total"><td data-label="收入项目"><strong>合计</strong></td>'
        '<td data-label="金额" class="gk-num"><strong>6,200.50元</strong></td></tr>'
    )


def test_total_is_exact_where_floats_would_drift():
    rows = [{"subject": "利息", "amount": 0.1}, {"subject": "租金", "amount": 0.2}]
    assert "<strong>0.30元</strong>" in total_row(render_fields({"income": rows}, SCHEMA))


def test_whole_number_column_totals_without_decimals():
    schema = {
        "properties": {
            "units": {
                "type": "array",
                "items": {"properties": {"name": {"title": "单位"}, "count": {"title": "人数", "x-unit": "人", "x-sum": True}}},
            }
        }
    }
    html = render_fields({"units": [{"name": "一组", "count": 3}, {"name": "二组", "count": 4}]}, schema)
    assert total_row(html) == '<tr class="gk-total"><td data-label="单位"><strong>合计</strong></td><td data-label="人数"><strong>7人</strong></td></tr>'


def test_table_without_x_sum_has_no_total_row():
    schema = {"properties": {"people": {"type": "array", "items": {"properties": {"name": {"title": "姓名"}}}}}}
    assert "gk-total" not in render_fields({"people": [{"name": "王*英"}]}, schema)


def test_scalars_in_schema_order_with_units():
    html = render_fields({"contact": "王会计", "opening_balance": 12000}, SCHEMA)
    assert html == (
        '<table class="gk-fields"><tbody><tr><th>期初余额</th><td class="gk-num">12,000.00元</td></tr>'
        "<tr><th>联系人</th><td>王会计</td></tr></tbody></table>"
    )


def test_html_in_a_field_value_is_escaped():
    html = render_fields({"contact": "<script>alert('x')</script>"}, SCHEMA)
    assert "&lt;script&gt;" in html
    assert "<script>" not in html


def test_html_in_table_cells_keys_and_titles_is_escaped():
    schema = {"properties": {"income": dict(INCOME, title="<b>收入</b>")}}
    rows = [{"subject": '<img src=x onerror="alert(1)">', "amount": 1, "<i>extra</i>": "<u>x</u>"}]
    html = render_fields({"income": rows}, schema)
    assert "<img" not in html and "<b>" not in html and "<i>" not in html and "<u>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html  # markupsafe writes " as &#34;
    assert "<h2>&lt;b&gt;收入&lt;/b&gt;</h2>" in html


def test_multiline_text_becomes_escaped_paragraphs():
    html = render_fields({"contact": "第一行\n<第二行>\n"}, SCHEMA)
    assert html == "<h2>联系人</h2><p>第一行</p><p>&lt;第二行&gt;</p>"


def test_value_text_of_lists_booleans_and_nothing():
    assert value_text(["会议", "<通知>"]) == "会议、<通知>"  # escaped by the template, as test_html_in_… shows
    assert value_text(True) == "是"
    assert value_text(None) == ""
    assert value_text(3, {"x-unit": "件"}) == "3件"


STEPS = [
    {"no": 1, "name": "受理", "actor": "窗口", "time_limit": "1个工作日", "risk": {"level": "低", "point": "不一次告知", "measure": "一次性告知"}},
    {"no": 2, "name": "审查", "actor": "<script>股室</script>", "risk": {"level": "高", "point": "降低标准", "measure": "集体审查"}},
    {"no": 3, "name": "决定", "next": [1]},
]


def test_flowchart_is_an_svg_with_one_box_per_step_and_the_risk_levels():
    html = flowchart(STEPS)
    (svg,) = re.findall(r"<svg .*?</svg>", html, re.S)
    assert svg.count("<rect") == len(STEPS)
    assert re.search(r">高</text>", svg) and re.search(r">低</text>", svg)
    assert "#c62828" in svg  # 高 is drawn in red
    assert "1. 受理" in svg and "3. 决定" in svg
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<polyline" in svg  # step 3 goes back to step 1
    assert svg.count("marker-end") == 3  # 1→2, 2→3, 3→1


def test_risk_table_lists_every_step():
    assert [(r["point"], r["level"], r["measure"]) for r in risk_table(STEPS)] == [
        ("不一次告知", "低", "一次性告知"), ("降低标准", "高", "集体审查"), ("", "", "")
    ]
    html = render_fields({"steps": STEPS}, {"properties": {"steps": {"x-display": "flowchart"}}})
    table = html[html.index('<table class="gk-table gk-risks">') :]
    assert table.count("<tr>") == 1 + len(STEPS)
    assert '<td data-label="廉政风险点">降低标准</td>' in table and '<td data-label="防控措施">集体审查</td>' in table
    assert '<td data-label="承办">&lt;script&gt;股室&lt;/script&gt;</td>' in table
    assert '<td data-label="风险等级">—</td>' in table  # step 3 has no risk


def test_flowchart_field_renders_chart_and_risk_table():
    schema = {"properties": {"steps": {"title": "权力运行流程", "type": "array", "x-display": "flowchart"}}}
    html = render_fields({"steps": STEPS}, schema)
    assert html.startswith("<h2>权力运行流程</h2><figure")
    assert "gk-risks" in html


def test_a_table_in_a_record_body_labels_each_cell_with_its_column():
    """On a phone a body table reads as cards; the labels come from the table's own head."""
    from gongkai.pages.body import body_html

    html = str(body_html("| 项目 | 金额（元） |\n| --- | ---: |\n| 修路 **一期** | 3,000 |\n| 打井 |\n"))
    assert '<td data-label="项目">修路 <strong>一期</strong></td>' in html
    assert '<td data-label="金额（元）">3,000</td>' in html
    assert html.count("data-label=") == 4  # the short row's missing cell is filled, labelled too
    assert "<th data-label" not in html


def test_a_body_cannot_smuggle_markup_through_a_cell_label():
    from gongkai.pages.body import body_html

    html = str(body_html('| a"><script>x</script> |\n| --- |\n| 1 |\n'))
    assert "<script>" not in html and 'data-label="a&quot;&gt;' in html
