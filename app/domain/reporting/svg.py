"""Small inline SVG charts for printable reports: no script, no outside asset, no browser.

Each function returns one ``<svg>`` element as text with a ``<title>`` (read by screen
readers), its labels escaped. Values are Decimals; a None in a line series leaves a gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

COLOURS = ("#1f6feb", "#9a6700", "#cf222e", "#1a7f37", "#8250df")
FONT = 'font-family="sans-serif" font-size="11"'


def _fmt(value: Decimal) -> str:
    """A short axis label: 1234567 → 1.23M, 12345 → 12.3k."""
    number = float(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            return f"{number / limit:.3g}{suffix}"
    return f"{number:.3g}"


def _scale(values: Sequence[Decimal]) -> Decimal:
    top = max([v for v in values if v > 0], default=Decimal(0))
    return top if top > 0 else Decimal(1)


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    width: int = 640,
    height: int = 240,
) -> str:
    """One polyline per series over the same x labels (the first and last are printed)."""
    left, right, top, bottom = 56, 12, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, points in series for v in points if v is not None]
    scale = _scale(values)
    steps = max(len(x_labels) - 1, 1)
    body = [
        f'<text x="{left}" y="14" {FONT} font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>',
        f'<text x="{left - 4}" y="{top + 4}" {FONT} text-anchor="end">{_fmt(scale)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" {FONT} text-anchor="end">0</text>',
    ]
    if x_labels:
        body.append(
            f'<text x="{left}" y="{height - 18}" {FONT}>{escape(x_labels[0])}</text>'
            f'<text x="{left + plot_w}" y="{height - 18}" {FONT} text-anchor="end">'
            f"{escape(x_labels[-1])}</text>"
        )
    for index, (name, points) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        runs: list[list[str]] = [[]]
        for step, value in enumerate(points):
            if value is None:
                runs.append([])
                continue
            x = left + plot_w * step / steps
            y = top + plot_h - float(value / scale) * plot_h
            runs[-1].append(f"{x:.1f},{y:.1f}")
        for run in runs:
            if run:
                dash = ' stroke-dasharray="5 3"' if index else ""
                body.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} '
                    f'points="{" ".join(run)}"/>'
                )
        legend_x = left + 8 + index * 140
        body.append(
            f'<rect x="{legend_x}" y="{height - 12}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{height - 3}" {FONT}>{escape(name)}</text>'
        )
    return _frame(width, height, title, body)


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[Decimal],
    width: int = 640,
    height: int = 220,
) -> str:
    """Vertical bars, one per label, each with its value above it."""
    left, right, top, bottom = 12, 12, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    scale = _scale(values)
    slot = plot_w / max(len(values), 1)
    body = [f'<text x="{left}" y="14" {FONT} font-weight="bold">{escape(title)}</text>']
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_h = max(float(value / scale), 0.0) * plot_h
        x = left + index * slot + slot * 0.15
        y = top + plot_h - bar_h
        colour = COLOURS[0] if index == 0 else COLOURS[2]
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" {FONT} text-anchor="middle">'
            f"{_fmt(value)}</text>"
            f'<text x="{x + slot * 0.35:.1f}" y="{height - 18}" {FONT} text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return _frame(width, height, title, body)


def hbar_chart(
    title: str,
    labels: Sequence[str],
    percents: Sequence[Decimal | None],
    width: int = 640,
    row: int = 22,
) -> str:
    """Horizontal bars of percentages (attainment), a line at 100 %; None shows as n/a."""
    left, right, top = 150, 60, 24
    height = top + row * max(len(labels), 1) + 8
    plot_w = width - left - right
    scale = max([p for p in percents if p is not None] + [Decimal(100)])
    full = left + plot_w * float(Decimal(100) / scale)
    body = [
        f'<text x="4" y="14" {FONT} font-weight="bold">{escape(title)}</text>',
        f'<line x1="{full:.1f}" y1="{top - 4}" x2="{full:.1f}" y2="{height - 4}" '
        'stroke="#888" stroke-dasharray="3 3"/>',
    ]
    for index, (label, value) in enumerate(zip(labels, percents, strict=True)):
        y = top + index * row
        body.append(
            f'<text x="{left - 6}" y="{y + 14}" {FONT} text-anchor="end">{escape(label)}</text>'
        )
        if value is None:
            body.append(f'<text x="{left + 4}" y="{y + 14}" {FONT}>n/a</text>')
            continue
        bar_w = max(float(value / scale), 0.0) * plot_w
        colour = COLOURS[3] if value >= 100 else COLOURS[1]
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{bar_w:.1f}" height="{row - 8}" '
            f'fill="{colour}"/><text x="{left + bar_w + 4:.1f}" y="{y + 14}" {FONT}>'
            f"{value}%</text>"
        )
    return _frame(width, height, title, body)
