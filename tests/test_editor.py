"""The form editor's configuration, generated from the catalogues (gongkai/editor.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tinyrepo import make_repo

from gongkai import check
from gongkai.editor import KEYWORDS, UnmappedConstruct, field, items_for, preview_spec, record_fields, unit_config, write_editors

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def project():
    """The bundled content, validated."""
    return check(REPO)


def _pairs(schema: dict, widget: dict, path: str):
    """Walk a schema and its widget side by side: (path, schema, widget) of every field."""
    yield path, schema, widget
    if widget.get("widget") == "object" or (widget.get("widget") == "list" and "fields" in widget):
        sub_schema = schema if schema.get("type") == "object" else schema["items"]
        by_name = {w["name"]: w for w in widget["fields"]}
        assert list(by_name) == list(sub_schema.get("properties", {})), path
        for name, sub in sub_schema.get("properties", {}).items():
            yield from _pairs(sub, by_name[name], f"{path}.{name}")


def _every_item(project):
    for catalogue in project.catalogues.values():
        yield from catalogue.items.values()


def test_every_construct_of_every_catalogue_item_has_a_widget(project):
    items = list(_every_item(project))
    assert len(items) > 50
    for item in items:
        fields = record_fields(item, project.record_schema)  # raises UnmappedConstruct otherwise
        assert fields[0] == {"name": "catalogue", "label": "目录事项", "widget": "hidden", "default": item.id}
        assert all(f.get("widget") for f in fields), item.id


def test_every_keyword_the_catalogues_use_is_in_the_mapping_table(project):
    used: set[str] = set()

    def walk(s):
        if isinstance(s, dict):
            used.update(s)
            for sub in (s.get("properties") or {}).values():
                walk(sub)
            for key in ("items", "if", "then"):
                walk(s.get(key))
            for sub in s.get("allOf") or []:
                walk(sub)

    walk(project.record_schema)
    for item in _every_item(project):
        walk(item.schema)
    assert used - set(KEYWORDS) == set()


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "oneOf": [{"minLength": 1}]},
        {"type": "null"},
        {"type": ["string", "number"]},
        {"type": "string", "format": "uri"},
        {"type": "string", "x-widget": "color"},
        {"title": "没有类型"},
        {"type": "array"},
        {"type": "string", "const": "x"},
        {"type": "object", "properties": {"a": {"type": "string"}}, "allOf": [{"if": {"properties": {"a": {"pattern": "x"}}}, "then": {"required": ["a"]}}]},
        {"type": "object", "properties": {"a": {"type": "string", "anyOf": []}}},
        {"type": "array", "items": {"type": "object", "properties": {"b": {"type": "number", "multipleOf": 0.5}}}},
    ],
)
def test_a_construct_without_a_widget_fails_loudly(schema):
    with pytest.raises(UnmappedConstruct):
        field("x", schema, True)


def test_required_exactly_where_the_schema_requires(project):
    checked = 0
    for item in _every_item(project):
        widgets = {w["name"]: w for w in record_fields(item, project.record_schema)}
        required = set(item.schema.get("required", []))
        for name, sub in item.schema.get("properties", {}).items():
            for path, _sch, w in _pairs(sub, widgets[name], name):
                if path == name:
                    assert w["required"] is (name in required), f"{item.id}.{path}"
                checked += 1
        # nested: every object's and row's own `required`
        for name, sub in item.schema.get("properties", {}).items():
            for path, sch, w in _pairs(sub, widgets[name], name):
                inner = sch if sch.get("type") == "object" else sch.get("items") if sch.get("type") == "array" else None
                if isinstance(inner, dict) and inner.get("type") == "object":
                    # Decap would demand an optional object's inner fields even when it is left empty.
                    exact = w["required"] or w["widget"] == "list"
                    for sw in w["fields"]:
                        demanded = sw["name"] in set(inner.get("required", []))
                        assert sw["required"] is (demanded and exact), f"{item.id}.{path}.{sw['name']}"
                        if demanded and not exact:
                            assert f"填写「{w['label']}」时必填" in sw["hint"]
    assert checked > 500
    common = {w["name"]: w for w in record_fields(next(_every_item(project)), project.record_schema)}
    assert common["title"]["required"] and common["published"]["required"]
    assert not common["written"]["required"] and not common["body"]["required"]


def test_widgets_of_a_monthly_ledger(project):
    item = project.catalogues["village"].items["finance-ledger"]
    w = {f["name"]: f for f in record_fields(item, project.record_schema)}
    assert w["published"] == {
        "name": "published", "label": "发布日期", "required": True, "widget": "datetime",
        "format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD", "time_format": False, "picker_utc": True,
    }
    assert w["period"]["required"] is True  # a monthly item needs its month
    assert w["period"]["pattern"][0] == r"^\d{4}-(0[1-9]|1[0-2])$"
    assert w["opening_balance"]["label"] == "期初余额（元）"
    assert w["opening_balance"]["value_type"] == "float"
    income = w["income"]
    assert income["widget"] == "list" and [f["name"] for f in income["fields"]] == ["subject", "amount", "note"]
    amount = income["fields"][1]
    assert (amount["widget"], amount["value_type"], amount["min"], amount["required"]) == ("number", "float", 0, True)
    assert income["fields"][0]["pattern"][0] == r"^(?=[\s\S]{2,}$)"  # minLength 2
    assert w["vouchers"]["value_type"] == "int" and w["vouchers"]["required"] is False
    assert w["review"]["widget"] == "object"
    assert w["closing_balance"]["hint"].startswith("期末余额 = 期初余额")
    assert w["topic"]["default"] == item.topic
    assert w["body"]["widget"] == "markdown"
    names = list(w)
    assert names.index("title") < names.index("opening_balance") < names.index("body")


def test_enums_conditions_and_booleans(project):
    gov = project.catalogues["government"].items
    w = {f["name"]: f for f in record_fields(gov["licensing-decision"], project.record_schema)}
    row = {f["name"]: f for f in w["decisions"]["fields"]}
    assert row["applicant_type"]["widget"] == "select"
    assert row["applicant_type"]["options"] == ["自然人", "法人或其他组织"]
    assert "「申请人类型」为「自然人」时" in row["applicant"]["hint"]
    assert w["decisions"]["min"] == 1
    annual = {f["name"]: f for f in record_fields(gov["annual-report"], project.record_schema)}
    assert annual["format_version"]["options"] == [{"label": "2013", "value": 2013}, {"label": "2021", "value": 2021}]
    assert "时必填" in annual["proactive_count"]["hint"]
    booleans = [f for f in record_fields(gov[_item_with_boolean(project)], project.record_schema) if f.get("widget") == "boolean"]
    assert booleans and booleans[0]["default"] is False


def _item_with_boolean(project):
    for item in project.catalogues["government"].items.values():
        if any(isinstance(s, dict) and s.get("type") == "boolean" for s in item.schema.get("properties", {}).values()):
            return item.id
    raise AssertionError("no government item with a boolean field")


def test_a_unit_gets_only_the_items_it_may_publish(project):
    county = project.counties["xiangcheng"]
    village = county.units["sm-liuzhuang"]  # village and party: some party items are for county level only
    bureau = county.units["guotu"]
    v_items = {(c.category, i.id) for c, i in items_for(project, village)}
    b_items = {(c.category, i.id) for c, i in items_for(project, bureau)}
    assert ("village", "finance-ledger") in v_items
    assert all(cat in village.categories for cat, _ in v_items)
    assert not any(cat == "village" for cat, _ in b_items)
    for cat, item_id in v_items | b_items:
        item = project.catalogues[cat].items[item_id]
        assert not item.applies_to or (village if (cat, item_id) in v_items else bureau).level in item.applies_to
    # an item for another level is left out
    assert any(i.applies_to and "village" not in i.applies_to for c in village.categories for i in project.catalogues[c].items.values())
    assert len(v_items) < sum(len(project.catalogues[c].items) for c in village.categories)


def test_each_collection_writes_into_the_units_folder_in_the_format_the_check_reads(project):
    county = project.counties["xiangcheng"]
    config = unit_config(project, county, county.units["sm-liuzhuang"])
    assert config["publish_mode"] == "editorial_workflow" and config["locale"] == "zh_Hans"
    assert config["backend"]["name"] == "forgejo" and config["backend"]["auth_type"] == "pkce"
    folders = {c["folder"] for c in config["collections"]}
    assert folders == {"content/village/xiangcheng/sm-liuzhuang", "content/party/xiangcheng/sm-liuzhuang"}
    names = [c["name"] for c in config["collections"]]
    assert len(names) == len(set(names))
    for c in config["collections"]:
        assert (c["format"], c["extension"]) == ("yaml-frontmatter", "md")
        assert c["filter"]["value"] == c["fields"][0]["default"]


def test_every_unit_of_the_bundled_content_gets_a_config(project):
    for county in project.counties.values():
        for unit in county.units.values():
            config = unit_config(project, county, unit)
            assert config["collections"], unit.id


def test_write_editors_writes_an_escaped_page_and_the_config_per_unit(tmp_path):
    repo = make_repo(tmp_path / "repo")
    county_yml = (repo.root / "content/counties/demo.yml").read_text(encoding="utf-8")
    repo.write("content/counties/demo.yml", county_yml.replace("示范村村民委员会", "示范村<b>村民委员会</b>", 1))
    project = repo.check()
    site = tmp_path / "site" / "demo"
    written = write_editors(project, "demo", site)
    assert (site / "admin" / "decap-cms.js").stat().st_size > 1_000_000
    assert not list((site / "admin").glob("*.map"))
    assert len(written) == len(project.counties["demo"].units)
    html = (written[0] / "index.html").read_text(encoding="utf-8")
    assert "<b>" not in html and "示范村&lt;b&gt;村民委员会" in html
    assert '<script src="../decap-cms.js">' in html and "http" not in html
    config = yaml.safe_load((written[0] / "config.yml").read_text(encoding="utf-8"))
    assert config["collections"]


def test_the_editor_section_of_site_yml_is_checked(tmp_path):
    repo = make_repo(tmp_path)
    site = (repo.root / "content/site.yml").read_text(encoding="utf-8")
    for backend in ("gitlab", "gitea"):  # gitea: Decap's gitea backend cannot open pull requests
        repo.write("content/site.yml", site + f"editor:\n  backend: {backend}\n  repo: a/b\n")
        found = repo.findings("content/site.yml")
        assert found and all(f.code.startswith("site") for f in found)
        assert any("forgejo" in f.hint for f in found)
    repo.write("content/site.yml", site + "editor:\n  backend: github\n  repo: a/b\n")  # no OAuth proxy: Netlify's
    assert [(f.code, f.field) for f in repo.findings("content/site.yml")] == [("site-required", "editor.base_url")]
    repo.write("content/site.yml", site + "editor:\n  backend: forgejo\n  repo: a/b\n  app_id: abc\n")
    project = repo.check()
    assert not project.findings.errors
    config = unit_config(project, *_first_unit(project))
    assert config["backend"] == {"name": "forgejo", "repo": "a/b", "app_id": "abc", "branch": "main", "auth_type": "pkce"}


def _first_unit(project):
    county = next(iter(project.counties.values()))
    return county, next(iter(county.units.values()))


def _listening(port: int) -> set[str]:
    """The addresses a TCP port listens on, from /proc/net/tcp and tcp6 (hex, as the kernel lists them)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_edit_serves_the_units_editor_on_localhost_and_stops_on_ctrl_c(tmp_path):
    import json
    import signal
    import subprocess
    import sys
    import urllib.request

    from gongkai.editor import free_port

    repo = make_repo(tmp_path / "repo")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo.root)], check=True)
    page_port, server_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "edit", "demo/cun", "--root", str(repo.root), "--port", str(page_port), "--server-port", str(server_port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first = proc.stdout.readline()
        assert f"信息维护页面：http://127.0.0.1:{page_port}/admin/cun/" in first
        assert "Ctrl+C" in proc.stdout.readline()
        with urllib.request.urlopen(f"http://127.0.0.1:{page_port}/admin/cun/config.yml") as answer:
            config = yaml.safe_load(answer.read().decode("utf-8"))
        assert config["backend"] == {"name": "proxy", "proxy_url": f"http://127.0.0.1:{server_port}/api/v1", "branch": "main"}
        assert {c["folder"] for c in config["collections"]} == {"content/village/demo/cun"}
        request = urllib.request.Request(
            f"http://127.0.0.1:{server_port}/api/v1", data=json.dumps({"action": "info"}).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:
            assert json.load(answer)["type"] == "local_git"
        assert _listening(server_port) == {"0100007F"}  # 127.0.0.1 only
        assert _listening(page_port) == {"0100007F"}
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "信息维护服务已停止。" in out and "Traceback" not in err
    assert _listening(server_port) == set()


def test_edit_names_the_units_when_the_unit_is_unknown(tmp_path, capsys):
    from gongkai.cli import main

    repo = make_repo(tmp_path)
    assert main(["edit", "demo/nobody", "--root", str(repo.root)]) == 2
    err = capsys.readouterr().err
    assert "找不到单位「demo/nobody」" in err and "demo/cun" in err


def test_the_preview_knows_each_items_summed_columns_and_checks(project):
    county = project.counties["xiangcheng"]
    spec = preview_spec(project, county, county.units["sm-dongguan"])
    config = unit_config(project, county, county.units["sm-dongguan"])
    assert set(spec) == {c["name"] for c in config["collections"]}
    ledger = spec["xiangcheng--sm-dongguan--village--finance-ledger"]
    # every named rule the catalogue declares for the item; preview.js runs those it knows
    assert ledger["checks"] == list(project.catalogues["village"].items["finance-ledger"].checks)
    assert "ledger_balances" in ledger["checks"]
    income = next(f for f in ledger["fields"] if f["name"] == "income")
    assert [(c["name"], c["sum"]) for c in income["columns"]] == [("subject", False), ("amount", True), ("note", False)]
    review = next(f for f in ledger["fields"] if f["name"] == "review")
    assert [f["name"] for f in review["fields"]] == ["date", "leader", "members", "opinion"]


def test_a_catalogue_field_without_a_widget_is_a_finding_once_the_editor_is_on(tmp_path):
    repo = make_repo(tmp_path)
    catalogue = (repo.root / "catalogues/village.yml").read_text(encoding="utf-8")
    repo.write("catalogues/village.yml", catalogue.replace("contact: {title: 联系人, type: string}", "contact: {title: 联系人, type: string, format: uri}"))
    assert not [f for f in repo.findings() if f.code == "catalogue-no-form-widget"]  # no editor: nothing to generate
    site = (repo.root / "content/site.yml").read_text(encoding="utf-8")
    repo.write("content/site.yml", site + "editor:\n  backend: forgejo\n  repo: a/b\n  app_id: abc\n")
    (f,) = [f for f in repo.findings() if f.code == "catalogue-no-form-widget"]
    assert (f.file, f.severity, f.field) == ("catalogues/village.yml", "error", "notice.schema")
    text = (repo.root / "catalogues/village.yml").read_text(encoding="utf-8").splitlines()
    assert text[f.line - 1].strip() == "schema:"
    assert [line for line in text[: f.line] if "- id:" in line][-1].strip() == "- id: notice"
    assert "事项「村务公告」（notice）" in f.message and "format" in f.message and "KEYWORDS" in f.hint
