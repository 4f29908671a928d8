"""Customers: who owes, on what terms."""
