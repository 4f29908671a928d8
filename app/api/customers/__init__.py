"""/v1/customers."""
