"""Charts for the admin reports, drawn on the server as inline SVG."""

from django.utils.html import format_html, format_html_join


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    bars,
    *,
    unit: str = "",
    max_value=None,
    label_width: int = 220,
    bar_width: int = 360,
):
    """An accessible horizontal bar chart as inline SVG: role="img" with a
    <title> and <desc> (the figures are also in a table beside it). `bars`:
    (label, value or None); None draws no bar and says "hidden"; every
    value is written beside its bar. No script, no inline style
    (presentation attributes only), so it passes a strict CSP. A chart of
    short labels can be drawn narrower (`label_width`, `bar_width`, in the
    same units as its 13-unit text), so its text stays legible when it is
    scaled down to a phone's width."""
    bars = list(bars)
    row_height, top = 26, 8
    width = label_width + bar_width + 80
    height = top * 2 + row_height * max(len(bars), 1)
    biggest = max_value or max([value for _, value in bars if value is not None] or [1]) or 1
    rows = []
    for position, (label, value) in enumerate(bars):
        y = top + position * row_height
        length = 0 if value is None else round(bar_width * value / biggest, 1)
        shown = "hidden" if value is None else f"{value}{unit}"
        rows.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" fill="#1d1d1d" font-size="13">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5f99"></rect>'
                '<text x="{}" y="{}" fill="#1d1d1d" font-size="13">{}</text></g>',
                label_width - 8,
                y + 17,
                label[:32],
                label_width,
                y + 4,
                length,
                row_height - 8,
                label_width + length + 6,
                y + 17,
                shown,
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{}-title {}-desc" '
        'viewBox="0 0 {} {}" width="100%" height="{}" class="report-chart" '
        'preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        chart_id,
        chart_id,
        width,
        height,
        height,
        chart_id,
        title,
        chart_id,
        desc,
        format_html_join("", "{}", ((row,) for row in rows)),
    )
