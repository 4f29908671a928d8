"""Request and response schemas of the ingest routes."""
