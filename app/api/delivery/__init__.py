"""/v1/webhook-endpoints, deliveries and the event feed."""
