"""Build every county site and the portal.

Everything is read and validated before anything is written. Each county is built into
a fresh folder and replaces the published one only when it is complete (pages and search
index), so a failed or interrupted build leaves the previous site as it was.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Any

from . import changes, check, engine, history, manifest, search
from .changes import RecordHistory
from .findings import render_terminal
from .load import Project
from .model import County
from .pages import CountySite, Page


def log(message: str) -> None:
    """Progress for the person running the build (stderr, so stdout stays clean)."""
    print(message, file=sys.stderr, flush=True)


def footer(project: Project, county: County | None) -> dict[str, str]:
    """The footer ids: the county's where it has them, else the portal's."""
    s = project.site
    values = {
        "host": (county.host if county else "") or s.host,
        "office": s.office,
        "contact": (county.contact if county else "") or s.contact,
        "site_code": (county.site_code if county else "") or s.site_code,
        "icp": (county.icp if county else "") or s.icp,
        "police": (county.police if county else "") or s.police,
    }
    if county:
        values["portal"] = "../../"
        values["portal_title"] = s.title
    return values


def restore_interrupted(final: Path) -> None:
    """Put back a published folder that a build killed between replace_dir's two renames left aside."""
    old = final.with_name(f".old-{final.name}")
    if old.exists() and not final.exists():
        old.rename(final)


def replace_dir(new: Path, final: Path) -> None:
    """Swap a completely built folder into place; the old one is removed only afterwards."""
    old = final.with_name(f".old-{final.name}")
    restore_interrupted(final)
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    new.rename(final)
    if old.exists():
        shutil.rmtree(old)


def build_county(
    project: Project,
    county: County,
    site_dir: Path,
    *,
    with_search: bool = True,
    histories: dict[str, RecordHistory] | None = None,
    previous: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Build one county into site_dir/<county>/; returns seconds per stage.

    `previous` is the manifest of what was published before (build --previous): a record
    it lists that neither the content nor git history knows any more keeps a page saying
    so. Without it nothing is assumed: a preview or another branch's build in the same
    folder is not a publication, and must not make pages claim that records were erased."""
    restore_interrupted(site_dir / county.id)
    times: dict[str, float] = {}
    t = time.perf_counter()
    county_site = CountySite(project, county, histories, previous=previous)
    pages, assets, documents = county_site.build(), county_site.assets, county_site.documents
    times["pages"] = time.perf_counter() - t
    if county_site.lost:
        log(
            f"{county.name}：{len(county_site.lost)} 条上次已发布的记录在内容和修订历史中都已没有"
            "（可能是改写历史删除的），保留了说明页：" + "、".join(e["path"] for e in county_site.lost)
        )
    work = site_dir / f".build-{county.id}"
    if work.exists():
        shutil.rmtree(work)
    indexing = search.Indexing(documents) if with_search else None
    base = project.site.base_url
    try:
        t = time.perf_counter()
        engine.build_site(
            project.root,
            work,
            site_name=f"{county.name}党务政务公开",
            site_url=f"{base}{county.id}/" if base else "",
            footer=footer(project, county),
            pages=pages,
            assets=assets,
            repo_url=project.site.repo_url,
        )
        times["mkdocs"] = time.perf_counter() - t
        if indexing:
            t = time.perf_counter()
            indexing.finish(work)
            times["search wait"] = time.perf_counter() - t
            times["search (in parallel)"] = indexing.seconds
    finally:
        if indexing:
            indexing.cancel()
    manifest.write_manifest(project, county, work, county_site.lost)
    replace_dir(work, site_dir / county.id)
    return times


def build_portal(project: Project, site_dir: Path) -> None:
    """site/index.html: the portal linking every county site."""
    counties = [
        {"href": f"{c.id}/", "name": c.name, "count": sum(1 for r in project.records if r.county == c.id and r.valid)}
        for c in project.counties.values()
    ]
    data = {"city": project.site.city, "counties": counties}
    work = site_dir / ".build-portal"
    if work.exists():
        shutil.rmtree(work)
    engine.build_site(
        project.root,
        work,
        site_name=project.site.title,
        site_url=project.site.base_url,
        footer=footer(project, None),
        pages=[Page("index.md", project.site.title, "portal.html", data)],
        assets=[],
        nav=[{"首页": "index.md"}],
        repo_url=project.site.repo_url,
    )
    for item in work.iterdir():
        target = site_dir / item.name
        if item.is_dir():
            replace_dir(item, target)
        else:
            item.replace(target)
    shutil.rmtree(work)


def build_all(
    root: Path,
    site_dir: Path,
    *,
    counties: list[str] | None = None,
    search: bool = True,
    past: bool = False,
    previous: dict[str, dict[str, Any]] | None = None,
    previous_from: str | None = None,
) -> int:
    """Validate, then build the named counties (default: all) and the portal; exit status.

    `past` is for --as-of: content as it stood then is built even where today's checks
    find errors in it (they are listed), because an inspector needs to see what was there.
    """
    t = time.perf_counter()
    project = check(root)
    log(f"读取并检查 {len(project.records)} 条记录：{time.perf_counter() - t:.1f} 秒")
    if project.findings:
        log(render_terminal(project.findings))
    if project.findings.errors and past:
        log("以上问题是按现行规则检查历史版本发现的；历史版本照原样生成，供核查。")
    elif project.findings.errors:
        log("有错误，未生成网站；已发布的网站保持不变。")
        return 1
    wanted = counties or list(project.counties)
    unknown = [c for c in wanted if c not in project.counties]
    if unknown:
        log(f"没有这个县（市、区）：{'、'.join(unknown)}；可选：{'、'.join(project.counties)}")
        return 2
    t = time.perf_counter()
    try:
        histories = changes.record_histories(project, root)
    except history.HistoryError as exc:
        log(f"无法读取修订历史：{exc}")
        return 1
    log(f"读取修订历史（{len(histories)} 条记录）：{time.perf_counter() - t:.1f} 秒")
    site_dir.mkdir(parents=True, exist_ok=True)
    for county_id in wanted:
        county = project.counties[county_id]
        try:
            if previous is None and previous_from:
                try:
                    previous = manifest.previous_manifests(previous_from, wanted)
                except manifest.ManifestUnavailable as exc:
                    log(f"{exc}；为免漏掉已发布的记录，未生成网站，已发布的网站保持不变。")
                    return 1
            times = build_county(
                project, county, site_dir, with_search=search, histories=histories,
                previous=previous.get(county_id, {}) if previous is not None else None,
            )
        except Exception as exc:  # the engine failed: say so plainly; the published site is untouched
            log(f"生成{county.name}网站时出错（{type(exc).__name__}: {exc}）；已发布的网站保持不变。")
            return 1
        log(f"{county.name}：" + "，".join(f"{k} {v:.1f} 秒" for k, v in times.items()) + f" → {site_dir / county_id}/index.html")
    build_portal(project, site_dir)
    log(f"门户：{site_dir / 'index.html'}")
    return 0
