"""The handler table: which use cases react, in the same transaction, to which domain event
(``app/services/unit_of_work.py``). The composition root hands it to the unit of work; the
test fakes use it too. Handlers of one event run in the order listed."""

from __future__ import annotations

from app.domain.customers.events import CreditExposureChanged, CreditExposuresChanged
from app.domain.receivables.events import InvoiceDisputed, InvoiceDisputeResolved, PaymentAllocated
from app.services.collection import promises, risk_rules
from app.services.unit_of_work import Reactions

REACTIONS: Reactions = {
    # The ``credit`` risk rule: outstanding above the customer's credit limit.
    CreditExposureChanged: [risk_rules.on_credit_exposure_changed],
    CreditExposuresChanged: [risk_rules.on_credit_exposures_changed],
    # Promises the allocations count toward first, then ``amount_mismatch``.
    PaymentAllocated: [promises.on_payment_allocated, risk_rules.on_payment_allocated],
    InvoiceDisputed: [risk_rules.on_invoice_disputed],
    InvoiceDisputeResolved: [risk_rules.on_invoice_dispute_resolved],
}
