"""Ingestion of ERP and CRM events; see docs/intake.md.

``intake.ingest_events`` answers a request, ``release`` applies parked events when what
they wait for arrives, ``queries`` lists stored events, ``sweeper`` is the safety net.
"""
