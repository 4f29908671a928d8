"""Reporting: aging, KPIs, forecast, performance, target curves."""
