"""The scan queues and findings of the scheduled jobs."""
