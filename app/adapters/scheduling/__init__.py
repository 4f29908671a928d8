"""The scheduler: APScheduler triggers the jobs; a runner runs each under an advisory lock."""
