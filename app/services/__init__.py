"""Use cases, one package per context (see ``app/domain/__init__.py``). They talk to their
context's ``ports.py``; no SQL, no HTTP.

The shared kernel: ``context`` (time, ids, the actor), ``unit_of_work`` (the transaction
and the domain events published in it), ``jobs`` (what every scheduled job shares),
``documents``, ``pagination``, ``problems``. The composition: ``platform`` (what an entry
point needs) and ``reactions`` (which context reacts to which domain event).
"""
