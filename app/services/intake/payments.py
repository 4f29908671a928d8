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
from app.domain.intake.ingest import RecordKey, RecordKind
from app.domain.intake.ingest_data import PaymentReceived
from app.services.context import Context
from app.services.intake.ports import IntakeUnitOfWork
from app.services.intake.steps import Step
from app.services.receivables.payment_batches import Remittance, lock_payers, record_locked_payments
from app.services.receivables.payments import NewPayment


async def apply_payments(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    received = [(step, cast(PaymentReceived, step.event.data)) for step in steps]
    named = {RecordKey(RecordKind.INVOICE, e) for _, d in received for e in d.invoice_external_ids}
    refs = await uow.ingest.resolve(named) if named else {}
    remittances = [
        Remittance(
            d.customer_external_id,
            d.amount,
            d.currency,
            d.reference,
            tuple(refs[key] for key in _invoices(d) if key in refs),
        )
        for _, d in received
    ]
    locked = await lock_payers(uow, remittances)  # customers, then invoices: the lock order
    refs.update({RecordKey(RecordKind.CUSTOMER, e): id_ for e, id_ in locked.payers.items()})
    seen: set[str] = set()
    batch: list[tuple[Step, tuple[Context, NewPayment]]] = []
    for (step, data), remitted in zip(received, remittances, strict=True):
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
            pay_first=remitted.pay_first,
        )
        batch.append((step, (step.ctx, cmd)))
    await record_locked_payments(uow, [item for _, item in batch], locked)
    for step, _ in batch:
        step.created = step.event.subject


def _invoices(data: PaymentReceived) -> list[RecordKey]:
    return [RecordKey(RecordKind.INVOICE, e) for e in data.invoice_external_ids]
