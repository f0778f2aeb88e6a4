"""Charts as inline SVG, drawn on the server: no JavaScript, nothing fetched by the browser.
Colours and text use attributes only (the pages' Content-Security-Policy forbids inline styles)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#2f6f9f", "#d98c2b", "#5a9e4b", "#b0413e", "#7d5ba6")


def _fmt(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def columns(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 760,
    height: int = 220,
) -> Markup:
    """Grouped vertical bars, one group per label (e.g. per day), one colour per series."""
    left, bottom, top = 44, 36, 26
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([v for _, values in series for v in values] + [1])
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" class="chart"><title>{escape(title)}</title>',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"'
        ' stroke="#888"/>',
        f'<text x="{left - 4}" y="{top + 4}" font-size="10" text-anchor="end">{_fmt(peak)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" font-size="10" text-anchor="end">0</text>',
    ]
    step = max(1, n // 10)  # at most about ten labels under the axis
    for i, label in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.1
        for j, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}"'
                f' height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(label)} {escape(name)}: {_fmt(value)}</title></rect>"
            )
        if i % step == 0:
            parts.append(
                f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}"'
                f' font-size="10" text-anchor="middle">{escape(label)}</text>'
            )
    for j, (name, _) in enumerate(series):  # legend
        x = left + 8 + j * 130
        parts.append(
            f'<rect x="{x}" y="{height - 12}" width="10" height="10"'
            f' fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{height - 3}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(title: str, items: Sequence[tuple[str, float]], *, width: int = 760) -> Markup:
    """Horizontal bars, one per item, largest value = full width (e.g. intents)."""
    row, left, top = 18, 170, 26
    height = top + row * max(len(items), 1) + 8
    peak = max([v for _, v in items] + [1])
    plot_w = width - left - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" class="chart"><title>{escape(title)}</title>',
        f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = plot_w * value / peak
        parts.append(
            f'<text x="{left - 6}" y="{y + 12}" font-size="11" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 5}"'
            f' fill="{PALETTE[0]}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 12}" font-size="11">{_fmt(value)}</text>'
        )
    if not items:
        parts.append(f'<text x="4" y="{top + 12}" font-size="11">no data</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
