"""Request and response schemas of the report routes."""
