"""The reports' SQL: one aggregate statement per report."""
