"""The calendar a business uses: years 1900 to 2199, so that no date arithmetic (a due
date plus its terms, a period's day before) can overflow, wherever a date comes from."""

from __future__ import annotations

from datetime import date, datetime

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
OUT_OF_RANGE = f"dates must lie between {EARLIEST_DATE} and {LATEST_DATE}"


def in_range(value: date | datetime) -> bool:
    """For a timestamp, its own (local) date: it is at most a day from its UTC date."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE
