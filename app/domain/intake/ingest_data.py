"""The ``data`` of each inbound event type, checked before anything is written.

Records refer to each other by ``external_id`` (the ERP's numbers). Everything that can be
decided from the event alone is decided here (field types, money, dates, a contract plan
that adds up), so that a batch rarely meets a rule violation halfway through a write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.customers.customers import CreditRating
from app.domain.errors import DomainError, ValidationFailed
from app.domain.evidence import MAX_LINKS, EvidenceLink, evidence_links
from app.domain.intake.ingest_fields import Fields, Issues
from app.domain.intake.ingest_plan import check_terms, parse_installment, parse_milestones
from app.domain.money import Money
from app.domain.receivables.contracts import validate_late_fee_rate
from app.domain.receivables.milestones import MAX_KEY_LENGTH, Milestone
from app.domain.receivables.plans import MAX_INSTALLMENTS, PlannedInstallment, resolve_amounts

DATA: tuple[str] = ("data",)
MAX_PAY_FIRST = 100


@dataclass(frozen=True, slots=True)
class CustomerUpsert:
    external_id: str
    name: str
    # Only the optional fields the event carries: absent ones keep their current value.
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContractUpsert:
    external_id: str
    customer_external_id: str
    name: str
    amount: Decimal
    currency: str
    owner: str
    signed_on: date
    installments: tuple[PlannedInstallment, ...]
    # late_fee_rate and payment_terms_days, when given (null clears them)
    fields: Mapping[str, Any] = field(default_factory=dict)
    project_external_id: str | None = None
    milestones: tuple[Milestone, ...] | None = None  # None: an existing contract keeps its own


@dataclass(frozen=True, slots=True)
class InvoiceUpsert:
    external_id: str
    customer_external_id: str
    amount: Decimal
    currency: str
    issued_on: date
    due_date: date | None  # None: by the payment terms (a new invoice), else unchanged
    contract_external_id: str | None = None
    installment_name: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceVoid:
    external_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentReceived:
    external_id: str
    customer_external_id: str
    amount: Decimal
    currency: str
    received_on: date
    method: str | None = None
    reference: str | None = None
    invoice_external_ids: tuple[str, ...] = ()  # invoices to pay first, in this order


@dataclass(frozen=True, slots=True)
class PaymentReversal:
    external_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class MilestoneReached:
    contract_external_id: str
    key: str
    reached_on: date
    evidence: tuple[EvidenceLink, ...] = ()

    @property
    def external_id(self) -> str:
        """The record it changes is the contract."""
        return self.contract_external_id


EventData = (
    CustomerUpsert
    | ContractUpsert
    | InvoiceUpsert
    | InvoiceVoid
    | PaymentReceived
    | PaymentReversal
    | MilestoneReached
)


def _external_id(data: Fields, name: str = "external_id", required: bool = True) -> str | None:
    return data.text(name, required=required, max_length=100)


def parse_customer(raw: object, issues: Issues) -> CustomerUpsert | None:
    allowed = (
        "external_id",
        "name",
        "credit_rating",
        "credit_limit",
        "currency",
        "payment_terms_days",
    )
    data = Fields(raw, DATA, issues, allowed)
    external_id, name = _external_id(data), data.text("name")
    fields: dict[str, object] = {}
    if data.given("currency"):
        fields["currency"] = data.currency()
    if data.given("credit_rating"):
        rating = data.raw["credit_rating"]
        ratings = {r.value: r for r in CreditRating}
        if rating is not None and rating not in ratings:
            issues.add((*DATA, "credit_rating"), "must be one of A, B, C, D")
        fields["credit_rating"] = ratings.get(rating) if isinstance(rating, str) else None
    if data.given("credit_limit"):
        limit = data.amount("credit_limit", required=False)
        if limit is not None and limit < 0:
            issues.add((*DATA, "credit_limit"), "must not be negative")
        fields["credit_limit"] = limit
    if data.given("payment_terms_days"):
        terms = data.integer("payment_terms_days", 0, 3650)
        if terms is None:
            issues.add((*DATA, "payment_terms_days"), "cannot be null")
        fields["payment_terms_days"] = terms
    if external_id is None or name is None:
        return None
    return CustomerUpsert(external_id, name, fields)


def parse_contract(raw: object, issues: Issues) -> ContractUpsert | None:
    allowed = (
        "external_id",
        "customer_external_id",
        "name",
        "amount",
        "currency",
        "owner",
        "signed_on",
        "installments",
        "late_fee_rate",
        "payment_terms_days",
        "project_external_id",
        "milestones",
    )
    data = Fields(raw, DATA, issues, allowed)
    external_id = _external_id(data)
    customer = _external_id(data, "customer_external_id")
    project = _external_id(data, "project_external_id", required=False)
    name, owner = data.text("name"), data.text("owner")
    currency = data.currency()
    amount = data.positive_money("amount", currency)
    signed_on = data.day("signed_on")
    items = data.objects("installments", max_items=MAX_INSTALLMENTS)
    plan = [parse_installment((*DATA, "installments", i), item, issues) for i, item in items]
    milestones = parse_milestones(data, (*DATA, "milestones"))
    check_terms(plan, milestones, (*DATA, "installments"), issues)
    fields: dict[str, object] = {}
    if data.given("late_fee_rate"):
        rate = data.decimal("late_fee_rate")
        try:
            validate_late_fee_rate(rate)
        except DomainError as error:
            issues.add((*DATA, "late_fee_rate"), error.detail)
        fields["late_fee_rate"] = rate
    if data.given("payment_terms_days"):
        fields["payment_terms_days"] = data.integer("payment_terms_days", 0, 3650)
    if (
        external_id is None
        or customer is None
        or name is None
        or owner is None
        or currency is None
        or amount is None
        or signed_on is None
        or None in plan
    ):
        return None
    installments = tuple(p for p in plan if p is not None)
    try:
        resolve_amounts(Money.of(amount, currency), installments)
    except DomainError as error:
        issues.add((*DATA, "installments"), error.detail)
    for index, item in enumerate(installments):
        if item.due_date is not None and item.due_date < signed_on:
            issues.add(
                (*DATA, "installments", index, "due_date"), "is before the contract was signed"
            )
    return ContractUpsert(
        external_id=external_id,
        customer_external_id=customer,
        name=name,
        amount=amount,
        currency=currency,
        owner=owner,
        signed_on=signed_on,
        installments=installments,
        fields=fields,
        project_external_id=project,
        milestones=milestones,
    )


def parse_invoice(raw: object, issues: Issues) -> InvoiceUpsert | None:
    allowed = (
        "external_id",
        "customer_external_id",
        "contract_external_id",
        "installment_name",
        "amount",
        "currency",
        "issued_on",
        "due_date",
    )
    data = Fields(raw, DATA, issues, allowed)
    external_id = _external_id(data)
    customer = _external_id(data, "customer_external_id")
    contract = _external_id(data, "contract_external_id", required=False)
    installment = data.text("installment_name", required=False)
    if installment is not None and contract is None:
        issues.add((*DATA, "installment_name"), "needs contract_external_id")
    currency = data.currency()
    amount = data.positive_money("amount", currency)
    issued_on, due_date = data.day("issued_on"), data.day("due_date", required=False)
    if issued_on and due_date and due_date < issued_on:
        issues.add((*DATA, "due_date"), "is before issued_on")
    if (
        external_id is None
        or customer is None
        or currency is None
        or amount is None
        or issued_on is None
    ):
        return None
    return InvoiceUpsert(
        external_id=external_id,
        customer_external_id=customer,
        amount=amount,
        currency=currency,
        issued_on=issued_on,
        due_date=due_date,
        contract_external_id=contract,
        installment_name=installment,
    )


def parse_invoice_void(raw: object, issues: Issues) -> InvoiceVoid | None:
    data = Fields(raw, DATA, issues, ("external_id", "reason"))
    external_id = _external_id(data)
    reason = data.text("reason", required=False, max_length=2000)
    return None if external_id is None else InvoiceVoid(external_id, reason)


def parse_payment(raw: object, issues: Issues) -> PaymentReceived | None:
    allowed = (
        "external_id",
        "customer_external_id",
        "amount",
        "currency",
        "received_on",
        "method",
        "reference",
        "invoice_external_ids",
    )
    data = Fields(raw, DATA, issues, allowed)
    external_id = _external_id(data)
    customer = _external_id(data, "customer_external_id")
    currency = data.currency()
    amount = data.positive_money("amount", currency)
    received_on = data.day("received_on")
    method = data.text("method", required=False, max_length=50)
    reference = data.text("reference", required=False, max_length=2000)
    pay_first = data.text_list("invoice_external_ids", max_items=MAX_PAY_FIRST)
    if len(set(pay_first)) != len(pay_first):
        issues.add((*DATA, "invoice_external_ids"), "lists an invoice twice")
    if (
        external_id is None
        or customer is None
        or currency is None
        or amount is None
        or received_on is None
    ):
        return None
    return PaymentReceived(
        external_id=external_id,
        customer_external_id=customer,
        amount=amount,
        currency=currency,
        received_on=received_on,
        method=method,
        reference=reference,
        invoice_external_ids=pay_first,
    )


def parse_payment_reversal(raw: object, issues: Issues) -> PaymentReversal | None:
    data = Fields(raw, DATA, issues, ("external_id", "reason"))
    external_id = _external_id(data)
    reason = data.text("reason", required=False, max_length=2000)
    return None if external_id is None else PaymentReversal(external_id, reason)


def parse_milestone_reached(raw: object, issues: Issues) -> MilestoneReached | None:
    data = Fields(raw, DATA, issues, ("contract_external_id", "key", "reached_on", "evidence"))
    contract = _external_id(data, "contract_external_id")
    key = data.text("key", max_length=MAX_KEY_LENGTH)
    reached_on = data.day("reached_on")
    evidence: tuple[EvidenceLink, ...] = ()
    if data.given("evidence"):
        raws = data.objects("evidence", max_items=MAX_LINKS)
        try:
            evidence = evidence_links(
                (r if isinstance(r, Mapping) else {} for _, r in raws), (*DATA, "evidence")
            )
        except ValidationFailed as error:
            issues.add(tuple(error.loc), error.detail)
    if contract is None or key is None or reached_on is None:
        return None
    return MilestoneReached(contract, key, reached_on, evidence)
