"""Delivery: outbound events, webhook endpoints and deliveries."""
