"""Invoice actions: void, dispute, resolve a dispute, write off, hold and release."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from uuid import UUID

from app.domain.errors import StaleVersion
from app.domain.receivables import invoices as rules
from app.domain.receivables.events import InvoiceDisputed, InvoiceDisputeResolved
from app.domain.receivables.invoices import Invoice
from app.services.context import Context
from app.services.documents import document_changes
from app.services.receivables.invoice_documents import invoice_document
from app.services.receivables.invoices import locked_invoice, subject
from app.services.receivables.ports import ReceivablesUnitOfWork


async def _act(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    expected_version: int | None,
    event_type: str,
    action: str,
    change: Callable[[Invoice], Invoice],
    reason: str | None = None,
    then: Callable[[Invoice], Awaitable[object]] | None = None,
) -> Invoice:
    """Lock the invoice, apply ``change``, save it and emit ``event_type`` with ``action``;
    ``then`` runs on the changed invoice in the same transaction (publishes what others react
    to)."""
    async with uow:
        current = await locked_invoice(uow, invoice_id)
        if expected_version is not None and expected_version != current.version:
            raise StaleVersion("invoice", expected_version, current.version)
        updated = await _act_on(uow, ctx, current, event_type, action, change, reason)
        if then is not None:
            await then(updated)
        await uow.commit()
    return updated


async def _act_on(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    current: Invoice,
    event_type: str,
    action: str,
    change: Callable[[Invoice], Invoice],
    reason: str | None = None,
) -> Invoice:
    today = ctx.clock.today()
    updated = change(current)
    await uow.invoices.save(updated, expected_version=current.version)
    after = invoice_document(updated, today)
    data = {
        "object": after,
        "changes": document_changes(invoice_document(current, today), after),
        "action": action,
    }
    if reason:
        data["reason"] = reason.strip()
    uow.add_event(ctx.event(event_type, subject(current.id), data))
    return updated


async def void_locked_invoice(
    uow: ReceivablesUnitOfWork, ctx: Context, current: Invoice, reason: str | None = None
) -> Invoice:
    """:func:`void_invoice` of an invoice locked in an open unit of work (the caller commits)."""
    now, today = ctx.clock.now(), ctx.clock.today()
    return await _act_on(
        uow,
        ctx,
        current,
        "invoice.voided",
        "void",
        lambda i: rules.void_invoice(i, reason, now, today),
        reason,
    )


async def void_invoice(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Invoice:
    """Cancel an invoice nothing is allocated to (409 otherwise); emits ``invoice.voided``."""
    now, today = ctx.clock.now(), ctx.clock.today()
    return await _act(
        uow,
        ctx,
        invoice_id,
        expected_version,
        "invoice.voided",
        "void",
        lambda i: rules.void_invoice(i, reason, now, today),
        reason,
    )


async def dispute_invoice(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    reason: str,
    expected_version: int | None = None,
) -> Invoice:
    """Mark an open invoice disputed; emits ``invoice.disputed`` and raises a ``dispute``
    risk flag on the invoice."""
    now = ctx.clock.now()
    return await _act(
        uow,
        ctx,
        invoice_id,
        expected_version,
        "invoice.disputed",
        "dispute",
        lambda i: rules.dispute_invoice(i, reason, now),
        reason,
        then=lambda i: uow.publish(ctx, InvoiceDisputed(i)),
    )


async def resolve_dispute(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    note: str | None = None,
    expected_version: int | None = None,
) -> Invoice:
    """End a dispute; emits ``invoice.updated`` with ``action: resolve_dispute`` and
    resolves the invoice's active ``dispute`` flag."""
    now = ctx.clock.now()
    return await _act(
        uow,
        ctx,
        invoice_id,
        expected_version,
        "invoice.updated",
        "resolve_dispute",
        lambda i: rules.resolve_dispute(i, now),
        note,
        then=lambda i: uow.publish(ctx, InvoiceDisputeResolved(i, note)),
    )


async def write_off_invoice(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    reason: str,
    expected_version: int | None = None,
) -> Invoice:
    """Close what is unpaid, keep what was paid; emits ``invoice.updated`` (``write_off``)."""
    now, today = ctx.clock.now(), ctx.clock.today()
    return await _act(
        uow,
        ctx,
        invoice_id,
        expected_version,
        "invoice.updated",
        "write_off",
        lambda i: rules.write_off_invoice(i, reason, now, today),
        reason,
    )


async def hold_invoice(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    reason: str,
    until: date,
    expected_version: int | None = None,
) -> Invoice:
    """Pause collection until ``until`` (inclusive); emits ``invoice.updated`` (``hold``)."""
    now, today = ctx.clock.now(), ctx.clock.today()
    return await _act(
        uow,
        ctx,
        invoice_id,
        expected_version,
        "invoice.updated",
        "hold",
        lambda i: rules.hold_invoice(i, reason, until, now, today),
        reason,
    )


async def release_invoice(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    expected_version: int | None = None,
) -> Invoice:
    """End a hold early; emits ``invoice.updated`` (``release``)."""
    now = ctx.clock.now()
    return await _act(
        uow,
        ctx,
        invoice_id,
        expected_version,
        "invoice.updated",
        "release",
        lambda i: rules.release_invoice(i, now),
    )
