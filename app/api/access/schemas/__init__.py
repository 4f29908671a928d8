"""Request and response schemas of the access routes."""
