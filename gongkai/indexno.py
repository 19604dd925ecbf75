"""索引号: `<unit code>/<year>-<5-digit serial>`, generated when a record has none.

A generated number must never change once published and never be reused. Serials are
given in the order records first landed in git (then by 发布日期 and path), so a record
added later always gets a higher serial than every record before it, and serials follow
the highest number units wrote themselves.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .load import Project

_NUMBER = re.compile(r"^(.+)/(\d{4})-?(\d+)$")


def assign(project: Project, landed: dict[str, int]) -> None:
    """Give every valid record its 索引号, writing the generated ones onto the record."""
    taken: dict[str, set[int]] = defaultdict(set)
    pending = []
    for r in project.records:
        explicit = r.meta.get("index_no")
        if explicit:
            r.index_no = str(explicit)
            m = _NUMBER.match(r.index_no)
            if m:  # the hyphen is optional in written numbers (…/2014-00005 or …/201400005)
                taken[f"{m.group(1)}/{m.group(2)}"].add(int(m.group(3)))
        elif r.valid:
            pending.append(r)
    never = 1 << 62
    pending.sort(key=lambda r: (landed.get(r.path, never), r.published, r.path))
    following = {prefix: max(serials) + 1 for prefix, serials in taken.items()}
    for r in pending:
        unit = project.counties[r.county].units[r.unit]
        prefix = f"{unit.code}/{r.published[:4]}"
        serial = following.get(prefix, 1)
        following[prefix] = serial + 1
        r.index_no = f"{prefix}-{serial:05d}"
        r.index_no_generated = True
