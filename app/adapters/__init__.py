"""Adapters: PostgreSQL, relay, webhooks, scheduler, metrics."""
