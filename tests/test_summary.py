"""The reviewer's summary (changes.render_markdown) and the one comment that carries it (forge)."""

from __future__ import annotations

from gongkai import forge
from gongkai.changes import SUMMARY_MARKER, Difference, FieldChange, render_markdown
from gongkai.findings import Findings


def difference(**kw) -> Difference:
    base = dict(county="demo", unit="cun", path="content/village/demo/cun/list.md", kind="changed", title="名单")
    return Difference(**{**base, **kw})


def test_values_are_literal_text_masked_and_table_safe():
    d = difference(
        title="名单 **加粗** [链接](javascript:alert(1)) <img src=x onerror=alert(1)>",
        fields=[FieldChange(("recipients", 0, "id_number"), "发放对象·第1行·身份证号码", "11010519491231002X", "110105********002X"),
                FieldChange(("note",), "说明", "甲|乙", None)],
    )
    text = render_markdown([d], None)
    assert text.startswith(SUMMARY_MARKER + "\n## 公开信息变更摘要")
    assert "11010519491231002X" not in text and "| 发放对象·第1行·身份证号码 | 110105\\*\\*\\*\\*\\*\\*\\*\\*002X |" in text
    assert "| 说明 | 甲\\|乙 | （无） |" in text
    assert "<img" not in text and "\\[链接\\](javascript:alert(1))" in text and "\\*\\*加粗\\*\\*" in text


def test_records_link_to_the_preview_when_its_address_is_known():
    text = render_markdown([difference(kind="added")], None, preview="https://preview.example/pr-7/")
    assert "- **新增** [名单](https://preview.example/pr-7/demo/village/cun/list/)" in text
    text = render_markdown([difference(kind="added")], None)
    assert "预览页面 `demo/village/cun/list/index.html`" in text


def test_findings_decide_the_verdict_and_are_listed():
    found = Findings()
    found.add("unit-outside-folder", "content/government/demo/ju/a.md", "不在本单位的文件夹内", hint="撤销")
    text = render_markdown([], None, found)
    assert "**检查未通过**：1 个错误，0 个提醒" in text and "本次修改没有改变任何公开记录。" in text
    assert "| `content/government/demo/ju/a.md` |  | 错误 `unit-outside-folder`：不在本单位的文件夹内<br>提示：撤销 |" in text
    assert "**检查通过**，没有发现问题。" in render_markdown([], None, Findings())


def test_a_summary_too_long_for_one_comment_is_cut_at_a_line_saying_where_the_rest_is():
    body = "\n".join(f"- 第 {i} 条记录" for i in range(20_000))
    cut = forge.fit(body)
    assert len(cut) <= forge.MAX_COMMENT and cut.endswith("其余部分见本次检查的作业摘要（Job summary）。\n")
    assert forge.fit("短") == "短"


def test_posting_without_the_forge_environment_is_a_clear_error(tmp_path, monkeypatch, capsys):
    from gongkai.cli import main

    for name in ("GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "s.md").write_text("摘要", "utf-8")
    assert main(["comment", "--pr", "1", "--body-file", str(tmp_path / "s.md")]) == 1
    assert "缺少环境变量：GITHUB_API_URL、GITHUB_REPOSITORY、GITHUB_TOKEN" in capsys.readouterr().err


def test_touched_counties(repo):
    from test_indexno import git
    from tinyrepo import VILLAGE, notice

    repo.write("content/counties/aaa.yml", (repo.root / "content/counties/demo.yml").read_text("utf-8"))
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "start")
    assert forge.touched_counties(repo.root, "main") == []
    repo.record("a.md", notice())
    assert forge.touched_counties(repo.root, "main") == ["demo"]
    repo.write("catalogues/village.yml", (repo.root / "catalogues/village.yml").read_text("utf-8") + "\n")
    assert forge.touched_counties(repo.root, "main") == ["aaa", "demo"]
    assert forge.touched_counties(repo.root, "nope") is None
    assert VILLAGE.startswith("content/village/demo/")


def test_a_missing_summary_file_is_a_chinese_message(tmp_path, monkeypatch, capsys):
    from gongkai.cli import main

    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GITHUB_REPOSITORY", "a/b")
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    assert main(["comment", "--pr", "1", "--body-file", str(tmp_path / "none.md")]) == 1
    assert "读不到摘要文件" in capsys.readouterr().err


def test_a_title_cannot_mention_an_account_and_entities_show_as_written():
    text = render_markdown([difference(title="通知 @everyone @org/team &lt;b&gt;")], None)
    assert "@everyone" not in text and "@org/team" not in text and "&#64;everyone" in text
    assert "&amp;lt;b&amp;gt;" in text
