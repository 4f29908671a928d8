"""Receivables: contracts, plans, installments, invoices, payments, allocation."""
