"""Collection work: targets, tasks, interactions, promises, risk, dunning, worklist, and
the scheduled jobs that run their rules."""
