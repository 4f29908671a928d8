"""Collection work: targets, tasks, interactions, promises, risk, dunning, worklist."""
