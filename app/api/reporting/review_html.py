"""The progress review as one printable HTML page (A4): inline CSS and inline SVG charts
(the target curve against plan, ageing bars, attainment by unit or owner); no script and
no outside asset, so it prints and archives as it is."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from app.api.reporting.review_formats import headers, period_line, title
from app.domain.i18n import Locale, message
from app.domain.money import Money
from app.domain.reporting.report_tables import cell
from app.domain.reporting.reports import BUCKETS
from app.domain.reporting.review import Cell, ProgressReview, Section
from app.domain.reporting.svg import bar_chart, hbar_chart, line_chart

STYLE = """
@page { size: A4; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  font-size: 10pt; color: #1f2328; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #d0d7de; }
p.meta { margin: 0 0 4mm; color: #57606a; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2mm; }
th, td { border: 1px solid #d0d7de; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
section { break-inside: avoid-page; }
p.na { color: #9a6700; font-style: italic; }
svg { max-width: 100%; height: auto; display: block; margin: 2mm 0; }
"""


def _numeric(value: Cell) -> bool:
    return isinstance(value, (Money, Decimal, int))


def _shown(section: Section) -> list[int]:
    """Ids stay in JSON, CSV and XLSX; the printed pack shows names."""
    return [i for i, c in enumerate(section.columns) if not c.endswith("_id")]


def _td(column: str, value: Cell) -> str:
    classes = " ".join(
        c for c in ("n" if _numeric(value) else "", "customer" * (column == "customer_name")) if c
    )
    attribute = f' class="{classes}"' if classes else ""
    return f"<td{attribute}>{escape(cell(value))}</td>"


def _table(locale: Locale, section: Section) -> str:
    if not section.available:
        return f'<p class="na">{escape(message(locale, "review.not_available"))}</p>'
    if not section.rows:
        return f"<p>{escape(message(locale, 'review.empty'))}</p>"
    shown = _shown(section)
    labels = headers(locale, section)
    head = "".join(f'<th scope="col">{escape(labels[i])}</th>' for i in shown)
    body = []
    for row, values in zip(section.rows, section.values(), strict=True):
        cells = "".join(_td(section.columns[i], values[i]) for i in shown)
        body.append(f"<tr{_row_data(row)}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _row_data(row: dict[str, Cell]) -> str:
    """A customer's row names it, so that the dashboard can open the customer's page."""
    customer = row.get("customer_id")
    if customer is None or "customer_name" not in row:
        return ""
    owner = row.get("owner")
    data = f' data-customer-id="{escape(str(customer))}"'
    return data + (f' data-owner="{escape(str(owner))}"' if owner else "")


def _amount(value: Cell) -> Decimal | None:
    return value.amount if isinstance(value, Money) else None


def curve_charts(locale: Locale, section: Section) -> list[str]:
    """One line chart per target: cumulative collected against the plan."""
    by_target: dict[str, list[dict[str, Cell]]] = {}
    for row in section.rows:
        by_target.setdefault(str(row["target_id"]), []).append(row)
    charts = []
    for rows in by_target.values():
        name = f"{message(locale, 'chart.target_curve')}: {rows[0]['name']} ({rows[0]['currency']})"
        charts.append(
            line_chart(
                name,
                [cell(r["day"]) for r in rows],
                [
                    (message(locale, "chart.collected"), [_amount(r["collected"]) for r in rows]),
                    (message(locale, "chart.expected"), [_amount(r["expected"]) for r in rows]),
                ],
            )
        )
    return charts


def aging_charts(locale: Locale, section: Section) -> list[str]:
    labels = [message(locale, f"column.bucket_{b.value}") for b in BUCKETS]
    charts = []
    for row in section.rows:
        values = [_amount(row[f"bucket_{b.value}"]) or Decimal(0) for b in BUCKETS]
        name = f"{message(locale, 'chart.aging')} ({row['currency']})"
        charts.append(bar_chart(name, labels, values))
    return charts


def attainment_chart(locale: Locale, units: Section, owners: Section) -> list[str]:
    """Attainment by organisation unit where units exist, else by owner."""
    source, label = (units, "org_unit") if units.available and units.rows else (owners, "owner")
    rows = [r for r in source.rows if r.get("target_amount") not in (None,)]
    rows = [r for r in rows if isinstance(r["target_amount"], Money) and r["target_amount"].amount]
    if not rows:
        return []
    labels = [f"{r.get(label) or '—'} ({r['currency']})" for r in rows]
    values: Sequence[Decimal | None] = [
        r["attainment"] if isinstance(r.get("attainment"), Decimal) else None  # type: ignore[misc]
        for r in rows
    ]
    return [hbar_chart(message(locale, "chart.attainment"), labels, values)]


def render_html(review: ProgressReview, locale: Locale) -> str:
    charts = {
        "target_curves": curve_charts(locale, review.section("target_curves")),
        "aging": aging_charts(locale, review.section("aging")),
        "by_owner": attainment_chart(
            locale, review.section("by_org_unit"), review.section("by_owner")
        ),
    }
    currency = review.currency or message(locale, "review.all_currencies")
    unit = review.org_unit_name or message(locale, "dash.all_units")
    meta = (
        f"{escape(period_line(locale, review))} · {escape(message(locale, 'review.previous'))}: "
        f"{review.previous.start} – {review.previous.end} · "
        f"{escape(message(locale, 'dash.unit'))}: {escape(unit)} · "
        f"{escape(message(locale, 'review.currency'))}: {escape(currency)} · "
        f"{escape(message(locale, 'review.today'))}: {review.today}"
    )
    parts = []
    for section in review.sections:
        body = "".join(charts.get(section.key, []))
        if section.key != "target_curves":  # the curves are charts; their points stay in CSV
            body += _table(locale, section)
        elif not body:
            body = f"<p>{escape(message(locale, 'review.empty'))}</p>"
        parts.append(
            f'<section id="{section.key}"><h2>{escape(title(locale, section))}</h2>{body}</section>'
        )
    lang = "zh-CN" if locale == "zh-CN" else "en"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(message(locale, 'review.title'))} {review.period.start} – "
        f"{review.period.end}</title><style>{STYLE}</style></head><body>"
        f'<h1>{escape(message(locale, "review.title"))}</h1><p class="meta">{meta}</p>'
        + "".join(parts)
        + "</body></html>"
    )
