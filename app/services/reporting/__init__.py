"""Reporting: the report use cases and their documents."""
