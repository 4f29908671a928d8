"""Request and response schemas of the collection routes."""
