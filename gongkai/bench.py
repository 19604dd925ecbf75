"""Benchmark: a synthetic county of N records through every stage, with time and memory.

    python -m gongkai.bench                      cold / warm / warm-one-record builds, 10,000 records, 20,000 commits
    python -m gongkai.bench --stages --records 1000 10000
    python -m gongkai.bench --records 10000 --history 20000
    python -m gongkai.bench --attachments 200
    python -m gongkai.bench --records 10000 --inspect

Each stage is timed separately (load, validate, pages, MkDocs, search index) so a slow
stage can be found and replaced on its own. The search indexer runs while MkDocs renders, so the
search line shows both its own time and how long the build still waited for it. Peak memory is the process's maximum
resident size after the stage (it only grows), and the search indexer's own peak as a child.
The records are synthetic but shaped like the real ones: Chinese names, villages,
subsidy terms, 文号 and ledgers, about 400 Han characters each.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

from . import indexno
from .load import load
from .site import build_county
from .validate import validate

REPO = Path(__file__).resolve().parent.parent

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文欧阳"
GIVEN = "振华国强建军秀英桂兰玉梅志刚海燕红霞春生冬梅丽娟德明永福文杰宏伟晓东金凤淑珍小红建平俊峰"
VILLAGES = [
    "张家寨", "李庄", "王庄", "刘营", "东关", "西街", "南坡", "北岗", "孙楼", "赵湾", "前进", "红旗", "枣园", "柳林", "杏花", "石桥",
    "马庄", "陈营", "杨湾", "黄楼", "周庄", "吴寨", "郑岗", "谢楼", "韩庄", "唐营", "冯湾", "董寨", "程楼", "曹庄", "袁营", "邓岗",
    "彭庄", "苏楼", "卢湾", "蒋寨", "蔡庄", "贾营", "丁楼", "魏湾", "薛庄", "叶岗", "余楼", "潘庄", "杜寨", "戴营", "夏湾", "钟楼",
]
TERMS = ["耕地地力保护补贴", "农机购置补贴", "良种补贴", "护林员", "一卡通", "村务监督委员会", "低保", "危房改造", "粮食直补", "退耕还林", "行政许可"]
# People the search benchmark looks for, each in a few records, beside near misses
# (许振国, 王振华, 欧阳振) that a search for them must not return.
PLANTED_NAMES = ["许振华", "欧阳振华", "许振国", "王振华", "欧阳振"]
# 文号 for chosen normative documents (by record number), with near misses of 许政〔2013〕12号.
PLANTED_DOC_NUMBERS = {8: "许政〔2013〕12号", 68: "许政〔2013〕121号", 128: "许政办〔2013〕12号", 188: "许政〔2013〕112号",
                       47: "许政〔2012〕12号"}
FILLER = (
    "根据上级有关文件精神，经村民代表会议讨论通过，现将有关情况公示如下。公示期间如有异议，请向乡镇人民政府或村务监督委员会反映。"
    "本次资金通过惠农一卡通直接发放到户，严禁截留挪用。各村民小组要认真核对，确保信息准确，接受群众监督。"
    "乡镇财政所对发放情况进行复核，纪检监察部门对资金使用情况开展监督检查。"
)


def _name(rng: random.Random) -> str:
    surname = rng.choice(["欧阳", "司马"]) if rng.random() < 0.03 else rng.choice(SURNAMES)
    return surname + "".join(rng.sample(GIVEN, rng.choice([1, 2])))


def write_county(root: Path, n: int, seed: int = 7) -> None:
    """A repository with one county of n records (site, county file, catalogues, records)."""
    rng = random.Random(seed)
    (root / "content" / "counties").mkdir(parents=True)
    shutil.copytree(REPO / "catalogues", root / "catalogues")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "theme", root / "theme")
    (root / "content" / "site.yml").write_text(
        yaml.safe_dump({"title": "基准测试门户", "city": "许昌市", "site_code": "4110000001", "base_url": "https://gongkai.example/"}, allow_unicode=True), "utf-8"
    )
    units = [{"id": "zfb", "name": "基准县人民政府办公室", "level": "county", "code": "005799001", "categories": ["government"]}]
    units.append({"id": "xiang", "name": "基准县城关镇人民政府", "level": "township", "code": "005799002", "categories": ["government"]})
    for i, v in enumerate(VILLAGES):
        units.append(
            {"id": f"v{i:02d}", "name": f"城关镇{v}村村民委员会", "level": "village", "township": "xiang",
             "code": f"54411099MF{i:07d}X", "categories": ["village"]}
        )
    county = {"name": "基准县", "code": "411099", "site_code": "4110990001", "online_since": "2026-11-01", "units": units}
    (root / "content" / "counties" / "bench.yml").write_text(yaml.safe_dump(county, allow_unicode=True), "utf-8")
    villages = units[2:]
    for k in range(n):
        kind = k % 3
        if kind == 0:  # a monthly ledger: every village in turn, month after month
            # (k // 3, not k: at 20,000 records the months would run past today, 2034)
            u = villages[k // 3 % len(villages)]
            month = k // 3 // len(villages)
            year, mon = 2000 + month // 12, month % 12 + 1
            income = [{"subject": rng.choice(["上级补助收入", "发包收入", "其他收入"]), "amount": round(rng.uniform(100, 9000), 2)} for _ in range(3)]
            expense = [{"subject": rng.choice(["办公费", "道路维修", "保洁费"]), "amount": round(rng.uniform(50, 3000), 2)} for _ in range(3)]
            it, et = round(sum(i["amount"] for i in income), 2), round(sum(e["amount"] for e in expense), 2)
            opening = round(rng.uniform(1000, 50000), 2)
            meta = {
                "catalogue": "finance-ledger", "title": f"{u['name'][3:-5]}{year}年{mon}月财务收支公开",
                "published": f"{year}-{mon:02d}-28" if mon != 2 else f"{year}-02-27", "period": f"{year}-{mon:02d}",
                "opening_balance": opening, "income": income, "income_total": it, "expense": expense,
                "expense_total": et, "closing_balance": round(opening + it - et, 2),
                "review": {"date": f"{year}-{mon:02d}-25" if mon != 2 else f"{year}-02-25", "leader": f"{rng.choice(SURNAMES)}某某",
                           "members": 3, "opinion": "账实相符，同意公开"},
            }
            folder, stem = ("village", u["id"]), f"ledger-{year}-{mon:02d}"
        elif kind == 1:  # a subsidy list with names
            u = villages[k % len(villages)]
            term = rng.choice(TERMS)
            people = [
                {"name": _name(rng), "id_number": f"411099********{rng.randint(0, 999):03d}{rng.choice('0123456789X')}",
                 "group": f"第{rng.randint(1, 8)}村民小组", "area": round(rng.uniform(1, 12), 1), "amount": round(rng.uniform(50, 900), 2)}
                for _ in range(rng.randint(5, 12))
            ]
            if k % 401 == 1:
                people[0]["name"] = PLANTED_NAMES[(k // 401) % len(PLANTED_NAMES)]
            meta = {
                "catalogue": "farm-subsidy", "title": f"{u['name'][3:-5]}{term}发放对象公示（第{k}批）",
                "published": f"20{10 + k % 14:02d}-0{1 + k % 9}-1{k % 9}", "subsidy_type": "其他",
                "recipients": people, "total_amount": round(sum(p["amount"] for p in people), 2), "total_count": len(people),
                "subsidy_year": 2010 + k % 14, "start": f"20{10 + k % 14:02d}-0{1 + k % 9}-1{k % 9}",
                "end": f"20{10 + k % 14:02d}-0{1 + k % 9}-2{k % 8}",
            }
            folder, stem = ("village", u["id"]), f"subsidy-{k:06d}"
        else:  # a normative document with a 文号
            u = units[k % 2]
            year = 2005 + k % 20
            meta = {
                "catalogue": "normative-doc", "title": f"关于做好{rng.choice(TERMS)}工作的通知（{k}）",
                "published": f"{year}-0{1 + k % 9}-2{k % 8}", "written": f"{year}-0{1 + k % 9}-1{k % 8}",
                "doc_number": PLANTED_DOC_NUMBERS.get(k, f"基政〔{year}〕{k}号"), "issuer": "基准县人民政府", "effective": f"{year}-0{1 + k % 9}-2{k % 8}",
            }
            folder, stem = ("government", u["id"]), f"notice-{k:06d}"
        body = f"{rng.choice(SURNAMES)}某某等群众关心的{rng.choice(TERMS)}事项。" + FILLER[: rng.randint(120, len(FILLER))]
        if k % 997 == 5:  # documents that cite a 文号, or a near miss of it
            body += f"根据{rng.choice(list(PLANTED_DOC_NUMBERS.values()))}文件精神办理。"
        path = root / "content" / folder[0] / "bench" / folder[1] / f"{stem}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body + "\n", "utf-8")


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run(n: int, keep: Path | None = None) -> dict[str, float]:
    """Build a synthetic county of n records; print and return seconds per stage."""
    tmp = Path(tempfile.mkdtemp(prefix=f"gongkai-bench-{n}-"))
    try:
        t = time.perf_counter()
        write_county(tmp, n)
        print(f"\n== {n} records (generated in {time.perf_counter() - t:.1f} s, in {tmp})")
        times: dict[str, float] = {}

        def stage(name: str, fn):
            t0 = time.perf_counter()
            out = fn()
            times[name] = time.perf_counter() - t0
            print(f"{name:<10} {times[name]:7.2f} s   peak RSS {_peak_mb():7.0f} MB", flush=True)
            return out

        project = stage("load", lambda: load(tmp))
        stage("validate", lambda: (validate(project), indexno.assign(project, indexno.ledger(project, tmp))))
        errors = project.findings.errors
        if errors:
            print(f"synthetic content has {len(errors)} errors, first: {errors[0]}", file=sys.stderr)
            raise SystemExit(1)
        county = project.counties["bench"]
        site_dir = (keep or tmp) / "site"
        site_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        stages = build_county(project, county, site_dir)
        for name, seconds in stages.items():
            print(f"  {name:<22} {seconds:7.2f} s", flush=True)
        times["build"] = time.perf_counter() - t0
        print(f"{'build':<10} {times['build']:7.2f} s   peak RSS {_peak_mb():7.0f} MB (wall time of pages + MkDocs + search)")
        total = sum(times.values())
        print(f"{'total':<10} {total:7.2f} s   peak RSS {_peak_mb():7.0f} MB (search indexer {_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB)")
        times["total"] = total
        return times
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def make_history_repo(tmp: Path, n: int, commits: int) -> None:
    """A git repository at tmp: one county of n records, then `commits` - 1 corrections (git fast-import)."""
    import subprocess

    write_county(tmp, n)
    files = sorted(p for p in (tmp / "content").rglob("*") if p.is_file())
    records = [p for p in files if p.suffix == ".md"]
    stream = []

    def blob(data: bytes) -> None:
        stream.append(b"data %d\n" % len(data) + data + b"\n")

    when = 1793462400  # 2026-11-01: the site went online then (the county's online_since)
    stream.append(b"commit refs/heads/main\ncommitter bench <bench@example.org> %d +0800\n" % when)
    blob("首次公开".encode())
    for p in sorted(p for p in tmp.rglob("*") if p.is_file()):
        stream.append(b"M 100644 inline " + p.relative_to(tmp).as_posix().encode() + b"\n")
        blob(p.read_bytes())
    rng = random.Random(3)
    texts = {p: p.read_text("utf-8") for p in records}
    for i in range(1, commits):
        p = rng.choice(records)
        head, sep, rest = texts[p].partition("\n---\n")
        if "\nchanges:" not in head:
            head += "\nchanges:"
        text = head + f"\n  - {{date: 2026-11-01, note: 第{i}次更正}}" + sep + rest + f"更正{i}。\n"
        texts[p] = text
        stream.append(b"commit refs/heads/main\ncommitter bench <bench@example.org> %d +0800\n" % (when + i * 60))
        blob(f"更正 {i}".encode())
        stream.append(b"M 100644 inline " + p.relative_to(tmp).as_posix().encode() + b"\n")
        blob(text.encode())
    for p in records:
        p.write_text(texts[p], "utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp)], check=True)
    subprocess.run(["git", "-C", str(tmp), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", str(tmp), "reset", "-q", "--hard", "main"], check=True)


def history_run(n: int, commits: int) -> float:
    """A repository of n records and `commits` commits (git fast-import), then read its history."""
    from . import changes

    tmp = Path(tempfile.mkdtemp(prefix=f"gongkai-history-{n}-"))
    try:
        t = time.perf_counter()
        make_history_repo(tmp, n, commits)
        print(f"\n== history: {n} records, {commits} commits (made in {time.perf_counter() - t:.1f} s)")
        project = load(tmp)
        t = time.perf_counter()
        histories = changes.record_histories(project, tmp)
        seconds = time.perf_counter() - t
        revisions = sum(len(h.revisions) for h in histories.values())
        print(f"read history  {seconds:7.2f} s   {len(histories)} records, {revisions} revisions   peak RSS {_peak_mb():7.0f} MB")
        t = time.perf_counter()
        book = indexno.ledger(project, tmp)
        print(f"索引号 ledger {time.perf_counter() - t:7.2f} s   {len(book.owner)} numbers published   peak RSS {_peak_mb():7.0f} MB")
        return seconds
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _timed_build(root: str, site: str) -> None:
    """In a child process: one build_all of the repository; prints seconds and peak memory as JSON."""
    import json

    from .site import build_all

    t = time.perf_counter()
    status = build_all(Path(root), Path(site), counties=["bench"])
    seconds = time.perf_counter() - t
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    print(json.dumps({"status": status, "seconds": seconds, "cpu": cpu, "peak": _peak_mb(), "children": _peak_mb(resource.RUSAGE_CHILDREN)}))


def _build_in_child(root: Path, site: Path) -> tuple[dict[str, float], str]:
    """Run _timed_build in a fresh interpreter (so each figure has its own peak memory); (figures, build log)."""
    import json
    import subprocess

    code = f"from gongkai.bench import _timed_build; _timed_build({str(root)!r}, {str(site)!r})"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        print(proc.stderr, file=sys.stderr)
        raise SystemExit("the build failed")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["status"] != 0:
        # A build that stopped at an error published nothing: its time is no figure of a build.
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"the build of {root} stopped with status {result['status']}: no figure")
    return result, proc.stderr


def warm_run(n: int, commits: int, repo: Path | None = None) -> dict[str, dict[str, float]]:
    """A county of n records and `commits` commits built cold, warm with nothing changed, and warm
    after one record changed (one commit), twice, each by `build --county` in its own process;
    printed side by side.

    `repo`: a repository make_history_repo made before (generating one takes minutes); the
    one-record change is committed to it."""
    import subprocess

    tmp = Path(tempfile.mkdtemp(prefix=f"gongkai-warm-{n}-"))
    old_cache = os.environ.get("GONGKAI_CACHE")
    try:
        root, site = repo or tmp / "repo", tmp / "site"
        t = time.perf_counter()
        env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.org", GIT_COMMITTER_NAME="bench",
                   GIT_COMMITTER_EMAIL="bench@example.org", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
        if repo is None:
            root.mkdir()
            make_history_repo(root, n, commits)
        else:
            # A repository made by an earlier run holds the theme of its day: build with today's.
            shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
            shutil.rmtree(root / "theme")
            shutil.copytree(REPO / "theme", root / "theme")
            subprocess.run(["git", "-C", str(root), "add", "-A", "mkdocs.yml", "theme"], check=True, env=env)
            if subprocess.run(["git", "-C", str(root), "diff", "--cached", "--quiet"], env=env).returncode:
                subprocess.run(["git", "-C", str(root), "commit", "-qm", "主题更新"], check=True, env=env)
        os.environ["GONGKAI_CACHE"] = str(tmp / "cache")  # the cache starts empty
        print(f"\n== builds: {n} records, {commits} commits (made in {time.perf_counter() - t:.1f} s)", flush=True)
        figures: dict[str, dict[str, float]] = {}
        # The second one-record build is the usual one: the first after a cold build has no
        # spare folder yet (spare.py) and links a new county folder file by file.
        changes = {"warm, one record changed": 0, "warm, one more record changed": 1}
        # A new record, the commonest change of all: it is the newest, so it tops every list.
        added = "warm, one record added"
        for label in ("cold", "warm, nothing changed", *changes, added):
            if label == added:
                new = add_record(root)
                subprocess.run(["git", "-C", str(root), "add", str(new)], check=True, env=env)
                subprocess.run(["git", "-C", str(root), "commit", "-qm", "新增一条记录"], check=True, env=env)
            elif label in changes:
                correct_record(root, changes[label])
                subprocess.run(["git", "-C", str(root), "commit", "-qam", "更正一条记录"], check=True, env=env)
            result, log = _build_in_child(root, site)
            figures[label] = result
            for line in log.strip().splitlines():
                if line and not line.startswith(("content/", " ", "\t")):  # the stages, not the synthetic records' findings
                    print(f"    {line}")
            print(f"{label:<26} {result['seconds']:7.2f} s (CPU {result['cpu']:6.1f} s)   peak RSS {result['peak']:6.0f} MB "
                  f"(largest child process: search indexer, portal, git {result['children']:.0f} MB)", flush=True)
        print("\n" + " | ".join(f"{k}: {v['seconds']:.1f} s, {v['peak']:.0f} MB" for k, v in figures.items()))
        print("(CPU: seconds of processor time of the build and its child processes; on a busy machine the wall time is longer)")
        _folder_floor(site / "bench", tmp / "floor")
        return figures
    finally:
        if old_cache is None:
            os.environ.pop("GONGKAI_CACHE", None)
        else:
            os.environ["GONGKAI_CACHE"] = old_cache
        shutil.rmtree(tmp, ignore_errors=True)


def _notices(root: Path) -> list[Path]:
    """The notices write_county generated, not the records earlier runs added (their names sort first)."""
    return sorted((root / "content" / "government" / "bench").rglob("notice-*.md"))


def correct_record(root: Path, which: int) -> Path:
    """The which-th generated notice given a correction and its note, dated today: never before
    the record was published, whatever earlier runs did to the repository."""
    from .cache import china_today

    record = _notices(root)[which]
    head, sep, rest = record.read_text("utf-8").partition("\n---\n")
    head += "" if "\nchanges:" in head else "\nchanges:"
    record.write_text(head + f"\n  - {{date: {china_today()}, note: 更正一处文字}}" + sep + rest + "补充说明。\n", "utf-8")
    return record


def add_record(root: Path) -> Path:
    """A new notice published today beside the generated ones (a copy of one, with a new title
    and no corrections); returns its path."""
    from .cache import china_today

    model = _notices(root)[2]
    text = re.sub(r"(?m)^published: .*$", f"published: '{china_today()}'", model.read_text("utf-8"), count=1)
    text = re.sub(r"(?m)^title: .*$", f"title: 关于新增公示事项的通知（{time.time_ns()}）", text, count=1)
    text = re.sub(r"(?m)^changes:\n(  - .*\n)*", "", text, count=1)  # a new record has no corrections
    new = model.with_name(f"added-{time.time_ns()}.md")
    new.write_text(text, "utf-8")
    return new


def _folder_floor(county: Path, scratch: Path) -> None:
    """Print what the file system alone charges for replacing a county folder whole, as every
    build does (atomic builds): the folder linked anew file by file (`cp -al`, as a warm build
    links its kept files) and removed (`rm -rf`, as the old folder is). No Python in either."""
    import subprocess

    if not (shutil.which("cp") and shutil.which("rm") and county.is_dir()):
        return
    entries = sum(len(dirs) + len(files) for _, dirs, files in os.walk(county))
    t = time.perf_counter()
    subprocess.run(["cp", "-al", "--", str(county), str(scratch)], check=True)
    linked = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run(["rm", "-rf", "--", str(scratch)], check=True)
    removed = time.perf_counter() - t
    print(f"the county folder alone ({entries} files and folders): linked anew {linked:.1f} s, removed {removed:.1f} s "
          "(cp -al, rm -rf: the file system's share of a warm build that replaces the folder whole)")


def attachments_run(n: int, rows: int = 500) -> float:
    """n subsidy lists attached as .xlsx (rows masked names each), then the personal-data scan."""
    import openpyxl

    from . import pii
    from .findings import Findings

    tmp = Path(tempfile.mkdtemp(prefix=f"gongkai-attachments-{n}-"))
    try:
        rng = random.Random(5)
        for k in range(n):
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.append(["序号", "姓名", "身份证号码", "联系电话", "村民小组", "金额"])
            for i in range(rows):
                ws.append([i + 1, _name(rng), f"411023********{rng.randint(0, 9999):04d}", f"138****{rng.randint(0, 9999):04d}",
                           f"第{rng.randint(1, 8)}村民小组", round(rng.uniform(50, 900), 2)])
            wb.save(tmp / f"list-{k:04d}.xlsx")
        files = sorted(tmp.iterdir())
        size = sum(p.stat().st_size for p in files) / 1024 / 1024
        os.environ["GONGKAI_CACHE"] = str(tmp / ".cache")  # start cold, whatever the user's cache holds
        print(f"\n== attachments: {n} .xlsx of {rows} rows ({size:.1f} MB)")
        for label in ("first check", "next check"):  # the second finds every scan in the cache
            findings = Findings()
            t = time.perf_counter()
            for path in files:
                pii.scan_document(tmp, path.name, findings)
            seconds = time.perf_counter() - t
            print(f"{label}  {seconds:7.2f} s   {seconds / n * 1000:5.1f} ms each   findings {len(findings)}   peak RSS {_peak_mb():5.0f} MB")
        return seconds
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def inspect_run(n: int) -> dict[str, float]:
    """The 督查 report (build.py inspect) on a synthetic county of n records committed to git."""
    import datetime as dt
    import subprocess

    from . import check, inspection

    tmp = Path(tempfile.mkdtemp(prefix=f"gongkai-inspect-{n}-"))
    try:
        write_county(tmp, n)
        env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.org", GIT_COMMITTER_NAME="bench",
                   GIT_COMMITTER_EMAIL="bench@example.org", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "seed"]):
            subprocess.run(["git", "-C", str(tmp), *args], check=True, env=env, capture_output=True)
        print(f"\n== inspect, {n} records")
        times: dict[str, float] = {}
        t = time.perf_counter()
        project = check(tmp)
        times["check"] = time.perf_counter() - t
        t = time.perf_counter()
        report = inspection.build(project, ["bench"], dt.date(2026, 12, 1), 24)
        times["report"] = time.perf_counter() - t
        for fmt in ("json", "html"):
            t = time.perf_counter()
            out = inspection.render(project, report, fmt, tmp / "theme")
            times[fmt] = time.perf_counter() - t
            print(f"  {fmt:<6} {len(out) / 1024:8.0f} KB")
        for name, seconds in times.items():
            print(f"{name:<10} {seconds:7.2f} s   peak RSS {_peak_mb():7.0f} MB")
        print(f"{'total':<10} {sum(times.values()):7.2f} s   ({len(report.problems)} problems in "
              f"{sum(1 for _, k in report.by_category() if k)} categories)")
        return times
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def province(counties: int, per_county: int) -> Path:
    """A committed repository of `counties` synthetic counties of `per_county` records each.

    Made once (one county is generated, then copied under other names and codes) and kept in
    /tmp under a name that says its size and the generator's version, so later runs reuse it.
    """
    import hashlib
    import inspect
    import subprocess

    tag = hashlib.sha256((inspect.getsource(write_county) + inspect.getsource(province)).encode()).hexdigest()[:10]
    root = Path(tempfile.gettempdir()) / f"gongkai-bench-province-{counties}x{per_county}-{tag}"
    if (root / ".git" / "gongkai-bench-done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    one = Path(tempfile.mkdtemp(prefix="gongkai-bench-county-"))
    try:
        write_county(one / "repo", per_county)
        shutil.copytree(one / "repo", root, ignore=shutil.ignore_patterns("content"))
        (root / "content" / "counties").mkdir(parents=True)
        shutil.copy(one / "repo" / "content" / "site.yml", root / "content" / "site.yml")
        county_text = (one / "repo" / "content" / "counties" / "bench.yml").read_text("utf-8")
        for i in range(counties):
            cid = f"c{i:03d}"
            text = (county_text.replace("005799", f"{5800 + i:06d}").replace("54411099MF", f"5441{1100 + i:04d}MF")
                    .replace("411099", f"{411100 + i}").replace("4110990001", f"41{10000000 + i}").replace("基准县", f"基准{i}县"))
            (root / "content" / "counties" / f"{cid}.yml").write_text(text, "utf-8")
            for category in ("government", "village"):
                shutil.copytree(one / "repo" / "content" / category / "bench", root / "content" / category / cid)
    finally:
        shutil.rmtree(one, ignore_errors=True)
    env = _git_env()
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "基准数据"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)
    (root / ".git" / "gongkai-bench-done").touch()
    return root


def _git_env() -> dict[str, str]:
    return dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.org", GIT_COMMITTER_NAME="bench",
                GIT_COMMITTER_EMAIL="bench@example.org", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")


def _timed_check(root: Path, *args: str) -> tuple[float, float, float, str]:
    """(seconds, CPU seconds, peak resident MB, JSON findings) of one `build.py check` process, as CI runs it.

    CPU time (user + system) is printed beside the wall time: on a shared machine the wall
    time mostly measures the neighbours.
    """
    import subprocess

    out = tempfile.TemporaryFile()
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "check", "--root", str(root), "--format", "json", *args],
                            stdout=out, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    proc.returncode = 0
    out.seek(0)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read().decode("utf-8")


def check_run(counties: int, per_county: int, compare: bool = False) -> dict[str, float]:
    """`check` of a repository of counties × per_county records: cold, warm, and a one-record pull request.

    compare: also run the pull request's check without the cache and compare the findings.
    """
    import subprocess

    t = time.perf_counter()
    root = province(counties, per_county)
    n = counties * per_county
    print(f"\n== check, {counties} counties × {per_county} records = {n} records (repository ready in {time.perf_counter() - t:.1f} s: {root})")
    env = _git_env()

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)

    git("checkout", "-q", "-f", "main")
    subprocess.run(["git", "-C", str(root), "branch", "-q", "-D", "one-record"], env=env, capture_output=True)
    cache = Path(tempfile.mkdtemp(prefix="gongkai-bench-cache-"))
    # The history read incrementally (store.py) starts empty too: the cold check is cold.
    old_cache = os.environ.get("GONGKAI_CACHE")
    os.environ["GONGKAI_CACHE"] = str(cache)
    times: dict[str, float] = {}
    try:
        def line(name: str, args: tuple[str, ...]) -> str:
            seconds, cpu, peak, out = _timed_check(root, *args)
            times[name] = seconds
            print(f"{name:<34} {seconds:7.2f} s   CPU {cpu:7.2f} s   peak RSS {peak:6.0f} MB   {len(json_findings(out))} findings",
                  flush=True)
            return out

        line("cold check (fills the cache)", ("--cache", str(cache)))
        line("warm check, nothing changed", ("--cache", str(cache)))
        # A pull request: one record corrected (a field and a change note), committed on a branch.
        git("checkout", "-q", "-b", "one-record")
        record = sorted((root / "content" / "village" / "c000" / "v00").glob("ledger-*.md"))[0]
        text = record.read_text("utf-8")
        head, sep, body = text.partition("\n---\n")
        head = head.replace("opinion: 账实相符，同意公开", "opinion: 账实相符，同意公开（复核）") + "\nchanges:\n- {date: 2014-02-01, note: 更正民主理财意见}"
        record.write_text(head + sep + body, "utf-8")
        git("commit", "-q", "-am", "更正一条记录")
        one = line("warm check --base main (1 record)", ("--cache", str(cache), "--base", "main"))
        if compare:
            full = line("full check --base main, no cache", ("--no-cache", "--base", "main"))
            print(f"same findings warm and without cache: {json_findings(one) == json_findings(full)}")
        return times
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if old_cache is None:
            os.environ.pop("GONGKAI_CACHE", None)
        else:
            os.environ["GONGKAI_CACHE"] = old_cache
        subprocess.run(["git", "-C", str(root), "checkout", "-q", "-f", "main"], env=env, capture_output=True)
        subprocess.run(["git", "-C", str(root), "branch", "-q", "-D", "one-record"], env=env, capture_output=True)


def json_findings(out: str) -> list:
    """The findings of `check --format json` output (empty when there are none)."""
    import json

    return json.loads(out) if out.strip() else []


def main(argv: list[str] | None = None) -> int:
    """Command line: by default the cold and warm builds of a 10,000-record county with 20,000
    commits, then `check` of a 100,000-record repository, and the figures side by side."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, nargs="+")
    p.add_argument("--stages", action="store_true", help="instead: time each stage of one cold build (no git history)")
    p.add_argument("--history", type=int, metavar="COMMITS", help="instead: read the history of that many commits")
    p.add_argument("--attachments", type=int, metavar="N", help="instead: scan N Excel attachments for personal data")
    p.add_argument("--inspect", action="store_true", help="instead: time the 督查 report (build.py inspect)")
    p.add_argument("--commits", type=int, default=20000, help="commits of history for the builds (default 20000)")
    p.add_argument("--repo", type=Path, help="builds: use this repository made by an earlier run (make_history_repo) instead of a new one")
    p.add_argument("--check", type=int, nargs=2, metavar=("COUNTIES", "RECORDS"),
                   help="instead: `check` of COUNTIES × RECORDS records cold, warm and for a one-record pull request")
    p.add_argument("--compare", action="store_true", help="with --check: also check the pull request without the cache")
    p.add_argument("--province", type=int, nargs=2, default=[10, 10000], metavar=("COUNTIES", "RECORDS"),
                   help="default run: the repository of the check figure (default 10 × 10000)")
    args = p.parse_args(argv)
    if args.check:
        check_run(*args.check, compare=args.compare)
        return 0
    if args.attachments:
        attachments_run(args.attachments)
        return 0
    if args.inspect or args.history or args.stages:
        for n in args.records or ([1000, 10000] if args.stages else [10000]):
            if args.inspect:
                inspect_run(n)
            elif args.history:
                history_run(n, args.history)
            else:
                run(n)
        return 0
    builds = {n: warm_run(n, args.commits, args.repo) for n in args.records or [10000]}
    checks = check_run(*args.province)
    print_goals(builds, checks, args.commits, args.province[0] * args.province[1])
    return 0


# The goals of issue 14, beside what was measured (seconds, or MB for memory).
GOALS = (
    ("pull-request check, one record, warm", "check", "warm check --base main (1 record)", 5.0),
    ("build, nothing changed", "build", "warm, nothing changed", 3.0),
    ("build, one record changed (first after cold)", "build", "warm, one record changed", 5.0),
    ("build, one more record changed", "build", "warm, one more record changed", 5.0),
    ("build, one record added", "build", "warm, one record added", 5.0),
    ("build, cold", "build", "cold", 25.0),
)


def print_goals(builds: dict[int, dict[str, dict[str, float]]], checks: dict[str, float], commits: int, province: int) -> None:
    """One table: every figure of the run beside its goal."""
    rows = []
    for label, kind, key, goal in GOALS:
        if kind == "check":
            rows.append((f"{label} ({province} records)", checks.get(key, float("nan")), goal, "s"))
        else:
            rows += [(f"{label} ({n} records)", figures[key]["seconds"], goal, "s") for n, figures in builds.items()]
    rows += [(f"build, cold, peak memory ({n} records)", figures["cold"]["peak"], 1024.0, "MB") for n, figures in builds.items()]
    print(f"\n== side by side (builds with {commits} commits; check over {province} records)")
    print(f"{'':<52} {'measured':>11} {'goal':>9}")
    for name, value, goal, unit in rows:
        print(f"{name:<52} {value:8.1f} {unit:<2} {goal:6.0f} {unit:<2}  {'met' if value <= goal else 'not met'}")


if __name__ == "__main__":
    sys.exit(main())
