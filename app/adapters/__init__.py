"""Adapters: PostgreSQL (``db``), the relay and webhook sender (``delivery``), the scheduler
(``scheduling``), the clocks, ids and logging."""
