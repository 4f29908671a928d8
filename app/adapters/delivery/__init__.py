"""The outbox relay and the webhook sender: wakes on commit, fans events out, signs and
sends deliveries, records outcomes."""
