"""Entities, value objects and rules. Pure Python: the standard library only.

One package per bounded context, the same names in every layer (domain, services, api,
adapters/db): ``access`` (API keys, idempotency), ``customers``, ``receivables`` (contracts,
plans, installments, invoices, payments, allocation), ``collection`` (targets, tasks,
interactions, promises, risk, dunning, worklist), ``intake`` (inbound events), ``delivery``
(outbox, webhooks), ``reporting``, ``scheduling`` (jobs, test clock). The modules beside
them (``money``, ``errors``, ``events``, ``findings``) are the shared kernel.
"""
