"""Due soon: what the ``due-soon`` job reminds of."""

from __future__ import annotations

from datetime import date, timedelta


def due_soon_until(today: date, days: int) -> date:
    """The last due date that counts as due soon: due within ``days`` days from today
    (today included)."""
    return today + timedelta(days=days)
