"""The outbox, webhook endpoints and deliveries in PostgreSQL."""
