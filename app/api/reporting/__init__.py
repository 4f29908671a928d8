"""/v1/reports."""
