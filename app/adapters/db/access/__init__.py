"""API keys and Idempotency-Key claims in PostgreSQL."""
