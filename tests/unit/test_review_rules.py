"""The review's pure parts: its periods, the ten largest overdue, the SVG charts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

from app.domain.money import Money
from app.domain.reporting.review import ReviewPeriod, change, last_full_week
from app.domain.reporting.svg import bar_chart, hbar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_last_full_week_is_monday_to_sunday_before_this_week() -> None:
    assert last_full_week(date(2026, 11, 27)) == ReviewPeriod(
        date(2026, 11, 16), date(2026, 11, 22)
    )
    # On a Monday, last week ended yesterday; on a Sunday, the week before this one.
    assert last_full_week(date(2026, 11, 23)).end == date(2026, 11, 22)
    assert last_full_week(date(2026, 11, 22)).end == date(2026, 11, 15)


def test_previous_and_following_periods_have_the_same_length() -> None:
    period = ReviewPeriod(date(2026, 11, 1), date(2026, 11, 20))
    assert period.previous == ReviewPeriod(date(2026, 10, 12), date(2026, 10, 31))
    assert period.following == ReviewPeriod(date(2026, 11, 21), date(2026, 12, 10))


def test_change_is_a_percentage_or_none_without_a_base() -> None:
    assert change(Money.of("150.00", "CNY"), Money.of("100.00", "CNY")) == Decimal("50.00")
    assert change(Money.of("0.00", "CNY"), Money.of("300.00", "CNY")) == Decimal("-100.00")
    assert change(Money.of("10.00", "CNY"), Money.zero("CNY")) is None


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # well-formed XML, or this raises


def test_a_line_chart_draws_a_polyline_per_series_and_leaves_gaps() -> None:
    svg = line_chart(
        "收款 <vs> plan",
        ["2026-11-01", "2026-11-02", "2026-11-03"],
        [
            ("collected", [Decimal(0), Decimal(50), None]),
            ("plan", [Decimal(10), Decimal(60), Decimal(100)]),
        ],
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "收款 <vs> plan"  # type: ignore[union-attr]
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    assert len(lines[0].get("points", "").split()) == 2  # the None is a gap
    top = min(float(p.split(",")[1]) for p in lines[1].get("points", "").split())
    assert top == 24.0  # the largest value touches the top of the plot


def test_a_bar_chart_scales_bars_to_the_largest() -> None:
    root = parse(bar_chart("ageing", ["a", "b"], [Decimal(100), Decimal(25)]))
    bars = root.findall(f"{SVG}rect")
    heights = [float(b.get("height", "0")) for b in bars]
    assert heights[0] == 4 * heights[1]


def test_an_attainment_chart_marks_missing_values_and_full_attainment() -> None:
    root = parse(hbar_chart("attainment", ["li", "wang"], [Decimal("150.00"), None]))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "n/a" in texts
    assert "150.00%" in texts
    assert len(root.findall(f"{SVG}rect")) == 1
