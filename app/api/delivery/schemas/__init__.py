"""Request and response schemas of the delivery routes."""
