"""The outbox relay: wakes on commit, fans events out, sends deliveries, records outcomes."""
