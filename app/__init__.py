"""Huikuan (回款): the payment-collection service."""
