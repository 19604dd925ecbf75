"""Charts drawn at build time as SVG: the places of bars and labels, as values.

theme/gk/charts.html draws them (no script, nothing marked safe) beside a table of the same
numbers. Every value is also written as text on the chart, and the series of a stacked bar
differ by pattern as well as colour, so a chart reads without colour. Text is 13 px and the
charts are not scaled down (a wide chart scrolls), so no label drawn is below 12 px.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

FONT = 13  # px, every text on a chart (the accessibility floor is 12)
CHAR_W = FONT + 1  # the width of a Han character at FONT, with room to spare


def text_width(text: str) -> int:
    """About how wide a label is drawn at FONT px (Han characters full width, others half)."""
    return sum(CHAR_W if ord(ch) > 0x2E7F else CHAR_W // 2 + 1 for ch in text)


# Records per month ---------------------------------------------------------------------
SLOT, BAR, PLOT_H, TOP, BOTTOM, LEFT = 38, 26, 120, 22, 26, 8


def month_bars(chart_id: str, year: str, counts: dict[int, int]) -> dict[str, Any]:
    """Twelve bars, one per month of `year`, each with its count written above it."""
    top = max(counts.values(), default=0) or 1
    bars = []
    for m in range(1, 13):
        n = counts.get(m, 0)
        h = round(n / top * PLOT_H)
        x = LEFT + (m - 1) * SLOT
        bars.append({
            "x": x + (SLOT - BAR) // 2, "y": TOP + PLOT_H - h, "w": BAR, "h": h, "cx": x + SLOT // 2,
            "vy": TOP + PLOT_H - h - 6, "value": n, "month": f"{m}月",
        })
    total = sum(counts.values())
    return {
        "id": chart_id,
        "title": f"{year}年各月发布的记录数",
        "desc": f"{year}年共发布 {total} 条；" + "，".join(f"{b['month']} {b['value']} 条" for b in bars),
        "width": LEFT * 2 + 12 * SLOT, "height": TOP + PLOT_H + BOTTOM, "base": TOP + PLOT_H,
        "label_y": TOP + PLOT_H + BOTTOM - 8, "font": FONT,
        "bars": bars, "year": year, "total": total,
    }


# On-time rates -------------------------------------------------------------------------
@dataclass(frozen=True)
class RateRow:
    """One bar of an on-time chart: who, and their periods due, on time, late and missing."""

    label: str
    due: int
    on_time: int
    late: int
    missing: int

    @property
    def rate(self) -> str:
        """The on-time rate as a reader reads it (83%), or — when nothing was due."""
        return f"{self.on_time / self.due:.0%}" if self.due else "—"


RATE_W, ROW_H, LEGEND_H, GAP = 240, 28, 34, 10
# The three parts of a bar, told apart by pattern (fill id) and colour, named in the legend.
SEGMENTS = (("on_time", "按时公开"), ("late", "逾期公开"), ("missing", "逾期未公开"))


def rate_bars(chart_id: str, title: str, rows: Iterable[RateRow]) -> dict[str, Any]:
    """Horizontal bars, one per row: on time, late and missing periods as parts of 100 %,
    with the rate and the counts written after the bar."""
    rows = [r for r in rows if r.due]
    label_w = max((text_width(r.label) for r in rows), default=60) + GAP
    out = []
    for i, r in enumerate(rows):
        y = LEGEND_H + i * ROW_H
        x, parts = label_w, []
        for key, _ in SEGMENTS:
            n = getattr(r, key)
            w = round(n / r.due * RATE_W) if n else 0
            if w:
                parts.append({"key": key, "x": x, "w": w})
            x += w
        out.append({
            "label": r.label, "y": y, "text_y": y + ROW_H // 2 + FONT // 2 - 1, "parts": parts,
            "note": f"{r.rate}（{r.on_time}/{r.due}）", "rate": r.rate,
            "due": r.due, "on_time": r.on_time, "late": r.late, "missing": r.missing,
        })
    legend, x = [], label_w
    for key, name in SEGMENTS:
        legend.append({"key": key, "name": name, "x": x, "text_x": x + 22})
        x += 22 + text_width(name) + 16
    note_w = text_width("100%（999/999）")
    return {
        "id": chart_id, "title": title,
        "desc": "；".join(f"{r['label']} 按时率 {r['rate']}，应公开 {r['due']} 期，按时 {r['on_time']}，逾期公开 {r['late']}，逾期未公开 {r['missing']}" for r in out),
        "width": max(label_w + RATE_W + GAP + note_w, x), "height": LEGEND_H + len(out) * ROW_H + 4,
        "label_w": label_w, "bar_w": RATE_W, "row_h": ROW_H, "bar_h": ROW_H - 10, "font": FONT,
        "note_x": label_w + RATE_W + GAP, "legend": legend, "legend_y": 8, "rows": out,
        "segments": [key for key, _ in SEGMENTS],
    }
