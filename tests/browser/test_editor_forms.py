"""The form editor in headless Chromium: real Decap bundle, real decap-server in git mode,
real git repository, real check. Nothing mocked."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tinyrepo import serve

from gongkai import check
from gongkai.editor import free_port, start_decap_server, stop, write_editors, write_local_editor

REPO = Path(__file__).resolve().parents[2]
COUNTY, UNIT = "xiangcheng", "sm-dongguan"
LEDGER = f"{COUNTY}--{UNIT}--village--finance-ledger"
FOLDER = f"content/village/{COUNTY}/{UNIT}"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def content_repo(tmp_path) -> Path:
    """A git repository holding a copy of the bundled content, as an office's would."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("content", "catalogues", ".github"):
        shutil.copytree(REPO / name, repo / name)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.name", "测试")
    _git(repo, "config", "user.email", "test@gongkai.invalid")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "内容")
    return repo


@pytest.fixture
def local_editor(tmp_path, content_repo):
    """decap-server (git mode) over the repository and the village's editor served beside it."""
    port = free_port()
    server = start_decap_server(content_repo, port, mode="git", log=tmp_path / "decap-server.log")
    try:
        write_local_editor(check(content_repo), COUNTY, UNIT, tmp_path / "site", f"http://127.0.0.1:{port}/api/v1")
        with serve(tmp_path / "site") as url:
            yield url + f"admin/{UNIT}/"
    finally:
        stop(server)


def _outside(requests: list[str]) -> list[str]:
    return [u for u in requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"]


def _rows(pg, add: str, label: str, items: list[tuple[str, str]]) -> None:
    """Add table rows through the list widget: its add button, then each row's two inputs."""
    for i, (subject, amount) in enumerate(items):
        pg.get_by_role("button", name=add).click()
        pg.get_by_label(label, exact=True).nth(i).fill(subject)
        row = pg.locator(f"label:text-is('{label}')").nth(i).locator("xpath=ancestor::div[.//label[text()='金额（元）']][1]")
        row.get_by_label("金额（元）", exact=True).fill(amount)


def _fill_ledger(page, closing: str, period: str = "2014-01") -> None:
    """A January ledger for 东关村 typed into the form; `closing` is the 期末余额 typed."""
    field = lambda label: page.get_by_label(label, exact=True)  # noqa: E731
    field("标题").fill("东关村2014年1月财务收支公开")
    field("发布日期").fill("2014-02-08")
    field("所属期间").fill(period)
    field("期初余额（元）").fill("40693.80")
    _rows(page, "新增收入明细", "收入项目", [("村级组织运转经费", "2000.00"), ("集贸市场摊位费", "2710.50")])
    field("收入合计（元）").fill("4710.50")
    _rows(page, "新增支出明细", "支出项目", [("保洁员工资", "900.00")])
    field("支出合计（元）").fill("900.00")
    field("期末余额（元）").fill(closing)
    field("审核日期").fill("2014-02-05")
    field("理财小组组长").fill("周保国")
    field("参加审核人数（人）").fill("3")
    field("审核意见").fill("经审核，收支真实，同意公开。")
    page.locator("[data-slate-editor]").click()
    page.keyboard.type("一月份收支平稳。")


def test_a_village_publishes_a_monthly_ledger_through_the_form(page, local_editor, content_repo):
    started = time.monotonic()
    page.set_default_timeout(30000)
    page.on("dialog", lambda d: d.accept())  # Decap asks "你确定要发布此内容吗？"
    page.goto(local_editor + f"#/collections/{LEDGER}/new")
    page.get_by_role("button", name="登录").click()
    _fill_ledger(page, closing="44504.30")
    preview = page.frame_locator("iframe")  # Decap draws the preview in a frame of the same page
    preview.get_by_text("合计与明细一致。").wait_for()
    assert "4710.50" in preview.locator("article").inner_text()  # the income rows' computed total
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="状态: 草稿").click()  # saved: a draft branch exists
    draft = f"cms/{LEDGER}/2014-01-finance-ledger"
    assert draft in _git(content_repo, "branch", "--list", draft)
    page.get_by_role("menuitem", name="就绪").click()
    page.get_by_role("button", name="发布", exact=True).click()
    page.get_by_role("menuitem", name="立即发布").click()
    page.get_by_text("已发布", exact=True).first.wait_for()
    print(f"\ncreate + publish through the form: {time.monotonic() - started:.1f} s")

    path = f"{FOLDER}/2014-01-finance-ledger.md"
    text = _git(content_repo, "show", f"main:{path}")
    assert text.startswith("---\ncatalogue: finance-ledger\n")
    for line in ("published: 2014-02-08", "period: 2014-01", "opening_balance: 40693.8", "amount: 2710.5", "members: 3", "  date: 2014-02-05"):
        assert f"\n{line}\n" in text or f"\n  {line}\n" in text or f"\n    {line}\n" in text, line
    assert text.rstrip().endswith("---\n一月份收支平稳。")
    assert not _git(content_repo, "branch", "--list", "cms/*").strip()  # merged, draft branch gone
    assert not _git(content_repo, "status", "--porcelain").strip()
    result = subprocess.run(
        [sys.executable, "build.py", "check", "--root", str(content_repo)], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _outside(page.requests_seen) == []


def test_the_form_refuses_what_the_schema_forbids(page, local_editor, content_repo):
    page.set_default_timeout(30000)
    page.goto(local_editor + f"#/collections/{LEDGER}/new")
    page.get_by_role("button", name="登录").click()
    page.get_by_label("标题", exact=True).fill("东")  # minLength 2
    page.get_by_label("所属期间", exact=True).fill("2014-1")  # not the month's shape
    for label, value in (("期初余额（元）", "100"), ("收入合计（元）", "50"), ("支出合计（元）", "30"), ("期末余额（元）", "125")):
        page.get_by_label(label, exact=True).fill(value)
    problems = page.frame_locator("iframe").locator(".problems")
    problems.get_by_text("账不平：期初余额 + 本期收入 − 本期支出 = 120.00 元，但期末余额写的是 125.00 元").wait_for()
    page.get_by_role("button", name="保存").click()
    page.get_by_text("请填写 2 到 200 个字。").first.wait_for()
    page.get_by_text("本事项每月公开一次，写成 2013-12 的样子。").first.wait_for()
    assert not _git(content_repo, "branch", "--list", "cms/*").strip()
    assert _outside(page.requests_seen) == []


def _shape(text: str, county: str, unit: str) -> str:
    """A unit's config with its own ids replaced: units of one level and categories share it."""
    return text.replace(f"{county}--{unit}--", "C--U--").replace(f"/{county}/{unit}", "/C/U")


@pytest.fixture(scope="module")
def editors_site(tmp_path_factory, project):
    """Every county's editors, with the forge configuration from content/site.yml; one unit per shape of config."""
    site = tmp_path_factory.mktemp("editors")
    shapes: dict[str, str] = {}
    units = 0
    for county in project.counties:
        for folder in write_editors(project, county, site / county):
            units += 1
            shape = _shape((folder / "config.yml").read_text(encoding="utf-8"), county, folder.name)
            shapes.setdefault(shape, f"{county}/admin/{folder.name}/")
    with serve(site) as url:
        yield url, units, sorted(shapes.values())


def test_every_units_generated_config_loads_in_decap(browser, editors_site):
    # Loading the 6 MB bundle takes seconds, so each distinct config is loaded once: every
    # other unit's config is byte for byte the same apart from its own county and unit ids.
    url, units, representatives = editors_site
    assert units >= 30 and len(representatives) < units
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    started = time.monotonic()
    try:
        for unit in representatives:
            page.goto(url + unit)
            page.get_by_role("button", name="Login with Forgejo").wait_for(timeout=60000)
            body = page.inner_text("body")
            assert "Config Errors" not in body and "Error loading" not in body, unit
    finally:
        context.close()
    print(f"\n{len(representatives)} distinct configs of {units} units loaded in {time.monotonic() - started:.1f} s")
    assert _outside(seen) == []


def test_a_published_ledger_is_corrected_with_a_change_note(page, local_editor, content_repo):
    base = _git(content_repo, "rev-parse", "HEAD").strip()
    page.set_default_timeout(30000)
    page.on("dialog", lambda d: d.accept())
    page.goto(local_editor + f"#/collections/{COUNTY}--{UNIT}--village--finance-quarter/entries/caiwu-2013-q4")
    page.get_by_role("button", name="登录").click()
    page.get_by_label("期末余额（元）", exact=True).wait_for()
    assert page.get_by_label("期末余额（元）", exact=True).input_value() == "40693.8"
    amounts = page.get_by_label("金额（元）", exact=True)
    amounts.first.wait_for()
    values = [amounts.nth(i).input_value() for i in range(amounts.count())]
    electricity = values.index("512.7")
    amounts.nth(electricity).fill("522.70")
    page.get_by_label("支出合计（元）", exact=True).fill("20788.70")
    page.get_by_label("期末余额（元）", exact=True).fill("40683.80")
    page.get_by_role("button", name="新增修订说明").click()
    page.get_by_label("修订日期", exact=True).fill("2014-02-20")
    page.locator("input[id^='note-field']").last.fill("村室电费按供电所更正后的票据改为522.70元。")
    page.frame_locator("iframe").get_by_text("合计与明细一致。").wait_for()
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="状态: 草稿").click()
    page.get_by_role("menuitem", name="就绪").click()
    page.get_by_role("button", name="发布", exact=True).click()
    page.get_by_role("menuitem", name="立即发布").click()
    page.get_by_text("已发布", exact=True).first.wait_for()

    text = _git(content_repo, "show", f"main:{FOLDER}/caiwu-2013-q4.md")
    assert "522.7" in text and "村室电费按供电所更正后的票据改为522.70元。" in text
    result = subprocess.run(
        [sys.executable, "build.py", "check", "--root", str(content_repo), "--base", base], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _outside(page.requests_seen) == []


def test_an_unbalanced_ledger_saved_through_the_form_fails_the_check_naming_the_field(page, local_editor, content_repo, tmp_path):
    page.set_default_timeout(30000)
    page.goto(local_editor + f"#/collections/{LEDGER}/new")
    page.get_by_role("button", name="登录").click()
    _fill_ledger(page, closing="44000.00")  # should be 44504.30
    page.frame_locator("iframe").locator(".problems").get_by_text("账不平").wait_for()
    page.get_by_role("button", name="保存").click()  # the preview warns; the form still saves a draft
    page.get_by_role("button", name="状态: 草稿").wait_for()
    draft = tmp_path / "draft"
    _git(content_repo, "worktree", "add", "-q", str(draft), f"cms/{LEDGER}/2014-01-finance-ledger")
    result = subprocess.run([sys.executable, "build.py", "check", "--root", str(draft)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{FOLDER}/2014-01-finance-ledger.md" in result.stdout
    assert "账不平" in result.stdout and "但期末余额写的是 44,000.00" in result.stdout  # 期末余额: the form's label
    assert _outside(page.requests_seen) == []
