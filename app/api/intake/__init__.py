"""/v1/ingest/events."""
