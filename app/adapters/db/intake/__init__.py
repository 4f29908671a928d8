"""Inbound events in PostgreSQL."""
