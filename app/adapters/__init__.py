"""Adapters: PostgreSQL, relay, webhooks, scheduler, metrics. The only place with SQL or HTTP clients."""
