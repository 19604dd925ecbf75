"""The domain nouns: Site, County, Unit, Catalogue, CatalogueItem, Record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .yamltext import Document

# A name that is part of a site's addresses: a county's file, a unit, a record's file (the
# schemas in gongkai/schemas/ write the same pattern for what they check).
URL_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")

CATEGORIES = {
    "party": "党务公开",
    "government": "政务公开",
    "judicial": "司法公开",
    "affairs": "事务公开",
    "enterprise": "厂务公开",
    "village": "村务公开",
}

LEVELS = {
    "city": "市级",
    "county": "县级",
    "township": "乡级",
    "village": "村级",
    "court": "法院",
    "procuratorate": "检察院",
    "institution": "事业单位",
    "enterprise": "企业",
}

PERIODS = {"none": "不定期", "month": "每月", "quarter": "每季度", "half-year": "每半年", "year": "每年"}

# Fields every record may carry; everything else belongs to the catalogue item's schema.
COMMON_FIELDS = (
    "catalogue",
    "title",
    "published",
    "written",
    "doc_number",
    "keywords",
    "topic",
    "period",
    "index_no",
    "validity",
    "repealed",
    "attachments",
    "body",
    "changes",
    "withdrawn",
    "removed",
)


@dataclass
class Unit:
    """A publishing body: a bureau, a township, a village committee, a court, a firm."""

    id: str
    name: str
    level: str
    code: str
    categories: list[str]
    county: str
    township: str | None = None
    owners: list[str] = field(default_factory=list)
    supervision_phone: str = ""  # printed on the 公开栏 page; the county's stands in when empty


@dataclass
class County:
    """One county-level site and the units that publish on it."""

    id: str
    name: str
    code: str
    source: str
    site_code: str = ""
    host: str = ""
    contact: str = ""
    icp: str = ""
    police: str = ""
    online_since: str = ""  # records that reached git by then (plus slack) were imported, not backdated
    supervision_phone: str = ""  # 监督电话, printed on every record's 公开栏 page unless its unit has its own
    application: dict[str, Any] = field(default_factory=dict)  # 依申请公开: who takes requests, where, how fast
    units: dict[str, Unit] = field(default_factory=dict)


@dataclass
class Site:
    """The portal: settings shared by all county sites."""

    title: str
    city: str
    base_url: str = ""
    repo_url: str = ""
    host: str = ""
    office: str = ""
    contact: str = ""
    icp: str = ""
    police: str = ""
    site_code: str = ""
    city_code: str = ""
    owners: list[str] = field(default_factory=list)
    editor: dict[str, Any] = field(default_factory=dict)  # the forge behind the form editor (gongkai/editor.py)


@dataclass
class CatalogueItem:
    """One 公开事项: what must be published, by whom, how often, in what shape."""

    id: str
    name: str
    category: str
    schema: dict[str, Any]
    group: str = ""
    content: str = ""
    basis: list[str] = field(default_factory=list)
    mode: str = "主动公开"
    audience: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    applies_to: list[str] = field(default_factory=list)
    period: str = "none"
    deadline_days: int | None = None
    instead_of: list[str] = field(default_factory=list)  # items of the same catalogue either of which will do
    topic: str = ""
    checks: list[str] = field(default_factory=list)


@dataclass
class Catalogue:
    """The catalogue of one category, owned by the disclosure office."""

    category: str
    name: str
    source: str
    description: str = ""
    items: dict[str, CatalogueItem] = field(default_factory=dict)


@dataclass
class Record:
    """One disclosure as a unit wrote it, plus where each value stood in its file."""

    id: str
    path: str  # repository-relative, posix
    category: str
    county: str
    unit: str
    meta: dict[str, Any]
    body: str
    doc: Document
    body_line: int = 0
    item: CatalogueItem | None = None
    index_no: str = ""
    index_no_generated: bool = False
    valid: bool = True

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity of the record within the whole repository."""
        return (self.county, self.category, self.unit, self.id)

    @property
    def url(self) -> str:
        """The record page's path inside its county site."""
        return f"{self.category}/{self.unit}/{self.id}/"

    @property
    def title(self) -> str:
        """The record's title, as text."""
        return str(self.meta.get("title", self.id))

    @property
    def published(self) -> str:
        """发布日期 as YYYY-MM-DD (empty when missing)."""
        return str(self.meta.get("published", ""))

    @property
    def fields(self) -> dict[str, Any]:
        """The catalogue item's own fields: every key that is not a common field."""
        return {k: v for k, v in self.meta.items() if k not in COMMON_FIELDS}

    @property
    def year(self) -> str:
        """The year a record belongs to on listings: its period's, else its publication's."""
        period = str(self.meta.get("period") or "")
        return (period or self.published)[:4]
