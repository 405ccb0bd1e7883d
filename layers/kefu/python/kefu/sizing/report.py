"""What was learned from the shop's size charts, as text for `kefu knowledge show/charts`."""

from __future__ import annotations

from kefu.models.sizing import NAMES, UNITS, SizeChart, SizeGuide


def _span_text(low: float, high: float, unit: str) -> str:
    if low == high:
        return f"{low:g}{unit}"
    if low <= 0:
        return f"≤{high:g}{unit}"
    return f"{low:g}-{high:g}{unit}"


def chart_lines(chart: SizeChart, guide: SizeGuide) -> list[str]:
    lines = [f"chart     {chart.chart_id}  ({chart.source})", f"title     {chart.title}",
             f"products  {', '.join(chart.goods_ids) or '- (no product matched)'}"]
    lines.extend(f"merged    {source}" for source in chart.merged_from)
    measures = chart.measures
    lines.append("size      " + "  ".join(f"{NAMES[m]}({UNITS[m]})" for m in measures))
    for row in chart.rows:
        cells = [_span_text(row.spans[m].low, row.spans[m].high, "") if m in row.spans else "-" for m in measures]
        lines.append(f"  {row.label:<8}" + "  ".join(cells))
    for goods_id, sizing in guide.products.items():
        if sizing.chart_id != chart.chart_id:
            continue
        lines.append(f"for {goods_id}:")
        for note in sizing.notes:
            who = {None: "everyone", "usual": "by the usual size"}.get(note.condition, note.condition)
            lines.append(f"  fit note  {note.shift:+d} size for {who}: {note.text}")
        if sizing.conflict:
            lines.append(f"  when measures disagree: {sizing.conflict.value}")
        if sizing.boundary:
            lines.append(f"  on a boundary: {sizing.boundary.value}")
        for measure, span in sizing.limits.items():
            lines.append(f"  stated range  {NAMES[measure]} {_span_text(span.low, span.high, UNITS[measure])}")
        if sizing.usual_shift is not None:
            lines.append(f"  usual size → {sizing.usual_shift:+d}")
    return lines


def guide_lines(guide: SizeGuide) -> list[str]:
    lines = [f"# {len(guide.charts)} size charts, {len(guide.problems)} unreadable"]
    for chart in guide.charts:
        lines.extend(["", *chart_lines(chart, guide)])
    unsized = sorted(gid for gid, sizing in guide.products.items() if sizing.chart_id is None)
    if unsized:
        lines.extend(["", f"no chart (size questions go to a person): {', '.join(unsized)}"])
    for problem in guide.problems:
        lines.append(f"unreadable  {problem.source}: {problem.reason}")
    return lines
