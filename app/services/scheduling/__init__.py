"""Scheduling: the job registry, run-now and the test clock."""
