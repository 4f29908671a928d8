"""Collection work: targets, tasks, interactions, promises, risk, dunning, worklist, and the jobs that run their rules."""
