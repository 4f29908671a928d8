"""Request and response schemas of the receivables routes."""
