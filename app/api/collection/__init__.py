"""/v1/targets, tasks, worklist, interactions, promises, risk flags, dunning policy."""
