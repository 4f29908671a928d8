"""Bulk import files: reading them, and the background worker that runs import jobs."""
