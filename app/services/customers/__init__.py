"""Customers: create, change, read, list."""
