"""Gongkai: disclosure records in git, validated against catalogues, published as sites.

The pipeline, one module per stage:
    load      read site, counties, catalogues and records (syntax layer)
    validate  common fields, item schemas, named checks, checks across records
    pii       unmasked identity, mobile and bank card numbers (and `fix --mask`)
    labels    each finding's field named as the form and the site label it (发放对象·第1行·姓名)
    documents the text inside attached Excel, Word, PDF and OFD files, for pii
    indexno   索引号 for records that have none
    history   what git knows: every version of every record, read in one pass
    changes   revisions field by field; the rules `check --base` enforces
    feed      the 变更记录 as Atom
    periods   periods of periodic items: shape, end, successor, deadline (validate and deadlines)
    deadlines periodic items overdue or published late (公开时限), and backdated records
    query     records and table rows by field (build.py query)
    stats     counts per county, category, year and unit; corrections; on-time rates
    inspection the 督查 report: every problem by inspector category and unit, a heat map
    workdays  China's working days, for the 依申请 reply time
    pages     the pages of a county site, as Markdown/HTML, engine-neutral
    engine    MkDocs + Material: turns pages into a site
    search    the static Chinese search index (runs of characters), read by the search page
    site      builds every county and the portal, replacing each only when complete
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path

from . import deadlines, editor, history, indexno, labels, pii
from .cache import RecordCache
from .load import Project, load
from .validate import validate

__all__ = ["check", "collector_paused", "Project", "RecordCache"]


def check(
    root: Path, published_numbers: dict[str, str] | None = None, cache: RecordCache | None = None, fresh: set[str] | None = None
) -> Project:
    """Read and validate everything; the findings are on the returned project.

    published_numbers: path -> 索引号 the published sites' manifests list (build --previous),
    kept even where rewritten history would give another number.
    cache: take unchanged records' findings from it and keep the rest in it. Such records
    carry only the fields the checks across records read, unless the cache was made with
    whole=True (the build), which gives them whole. Without whole=True, a county none of
    whose files or settings changed is taken whole: all its findings, and records carrying
    only what the 索引号 ledger and the backdating check read (cache.py); fresh: paths
    read and checked in full all the same.
    """
    with collector_paused():
        return _check(root, published_numbers, cache, fresh)


@contextlib.contextmanager
def collector_paused(for_good: bool = False) -> Iterator[None]:
    """No cyclic garbage collection while checking (and, in `check`, while reporting).

    A check builds hundreds of thousands of objects that live until it ends (records,
    cache entries, findings) and makes little cyclic garbage; the collector's passes over
    them cost a quarter of a warm check's time (measured: 3.3 s against 2.5 s of CPU for
    10,000 records, more the more records) for about 7% more memory in a cold one.

    for_good: what was made while paused lives until the process ends (the `check`
    command): it is frozen, out of the collector's reach, before the collector resumes.
    Otherwise the first collection after resuming walks every object made while paused,
    all still young (1.8 s of a profiled check at 100,000 records), and the collection at
    exit walks them again.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if for_good:
            gc.freeze()
        if was:
            gc.enable()


def _check(root: Path, published_numbers: dict[str, str] | None, cache: RecordCache | None, fresh: set[str] | None) -> Project:
    # A cold cache reads git's whole log for the 索引号 ledger and the landing times: git
    # walks it on the other core while the records are read (history.prefetch).
    history.prefetch(root)
    project = load(root, cache, fresh)
    validate(project)
    settled = cache.settled if cache is not None else {}
    for record in project.records:  # every record, even one an earlier layer rejected
        if record.county in settled:
            continue
        entry = cache.entry(record) if cache is not None else None
        if entry is not None:
            project.findings.extend(entry.pii)
            continue
        before = len(project.findings)
        pii.scan_record(record, root, project.findings)
        if cache is not None:
            cache.found(record, "pii", project.findings[before:])
    # What stays inside a county ends here: the ledger and the backdating check read git's history.
    local_end = len(project.findings)
    valid = [r.valid for r in project.records] if cache is not None else []
    try:
        book = indexno.ledger(project, root, pinned=published_numbers)
    except history.HistoryError as exc:
        project.findings.add("history-shallow", ".git", str(exc), hint="补全历史后再运行。")
        book = indexno.ledger(project, None, pinned=published_numbers)
    indexno.assign(project, book)
    project.findings.extend(deadlines.backdating_findings(project))
    project.findings.extend(editor.form_findings(project))
    pii.scan_settings(root, project.findings)
    project.findings[:] = labels.name_fields(project, project.findings)
    if cache is not None:
        cache.finish(project, project.findings[cache.walk_end : local_end], valid)
        project.findings.extend(cache.settled_findings())
    return project
