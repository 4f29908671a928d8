"""Receivables: contracts, plans, invoices, payments and allocation."""
