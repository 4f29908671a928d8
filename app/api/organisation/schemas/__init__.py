"""Organisation schemas."""
