"""Customers in PostgreSQL."""
