"""Applying ``payment.received`` set-based: a run of payments costs a fixed number of
statements, whatever its length.

Everything that could fail is decided before the first write: unknown customers or named
invoices park their event, a payment number seen twice in the run rejects the second. A
write that still fails (another request took the payment number meanwhile) fails the run,
which is then applied again one event per transaction (``runs.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from app.domain.errors import DuplicateExternalId
from app.domain.ingest import RecordKey, RecordKind
from app.domain.ingest_data import PaymentReceived
from app.services.context import Context
from app.services.ingest.steps import Step
from app.services.payment_batches import record_payments
from app.services.payments import NewPayment
from app.services.ports import UnitOfWork


async def apply_payments(uow: UnitOfWork, steps: Sequence[Step]) -> None:
    received = [(step, cast(PaymentReceived, step.event.data)) for step in steps]
    # Customers first, locked in id order (the global lock order), then named invoices.
    customers = await uow.customers.lock_by_external_ids(
        {d.customer_external_id for _, d in received}
    )
    refs = {RecordKey(RecordKind.CUSTOMER, ext): id_ for ext, id_ in customers.items()}
    named = {RecordKey(RecordKind.INVOICE, e) for _, d in received for e in d.invoice_external_ids}
    if named:
        refs.update(await uow.ingest.resolve(named))
    seen: set[str] = set()
    batch: list[tuple[Step, tuple[Context, NewPayment]]] = []
    for step, data in received:
        missing = [key for key in step.event.requires if key not in refs]
        if missing:
            step.park(missing)
            continue
        if data.external_id in seen:
            step.reject(DuplicateExternalId("payment", data.external_id))
            continue
        seen.add(data.external_id)
        cmd = NewPayment(
            customer_id=refs[RecordKey(RecordKind.CUSTOMER, data.customer_external_id)],
            amount=data.amount,
            currency=data.currency,
            received_on=data.received_on,
            external_id=data.external_id,
            method=data.method,
            reference=data.reference,
            pay_first=tuple(
                refs[RecordKey(RecordKind.INVOICE, e)] for e in data.invoice_external_ids
            ),
        )
        batch.append((step, (step.ctx, cmd)))
    await record_payments(uow, [item for _, item in batch])
    for step, _ in batch:
        step.created = step.event.subject
