"""Delivery: the outbox, webhook endpoints, deliveries and the event feed."""
