"""Targets, tasks, interactions, promises, risk flags, dunning and the worklist in PostgreSQL."""
