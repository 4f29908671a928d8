"""Contracts, installments, invoices and payments in PostgreSQL."""
