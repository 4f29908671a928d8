"""Request and response schemas of the customer routes."""
