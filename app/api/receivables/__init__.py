"""/v1/contracts, /v1/invoices, /v1/payments."""
