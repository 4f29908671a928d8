"""The retention report's statement: live retention installments of contracts signed by
the day, with what their invoices collected (allocations counted on the day) and wrote off
(by the day), each with the group it belongs to: its customer, its contract's project, or
its contract's unit as assigned at the end of the day and every unit above it (an
installment of no unit is in the unassigned group, key null)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, and_, cast, func, null, select
from sqlalchemy.engine import RowMapping

from app.adapters.db.customers.models import customers
from app.adapters.db.organisation.models import org_unit_closure, org_units, projects
from app.adapters.db.receivables.models import (
    contracts,
    installments,
    invoices,
    payment_allocations,
)
from app.adapters.db.reporting.asof import counted_on, exact
from app.adapters.db.reporting.groups import contract_units
from app.domain.receivables.milestones import InstallmentKind
from app.domain.reporting.reports import GroupLabel
from app.domain.reporting.retention import RetentionLine
from app.services.reporting.ports import RetentionQuery


def retention_statement(query: RetentionQuery) -> Select[Any]:
    day = query.as_of.day
    collected = (
        select(func.coalesce(func.sum(payment_allocations.c.amount), 0))
        .select_from(
            payment_allocations.join(invoices, invoices.c.id == payment_allocations.c.invoice_id)
        )
        .where(invoices.c.installment_id == installments.c.id, counted_on(query.as_of))
        .scalar_subquery()
    )
    written_off = (
        select(func.coalesce(func.sum(invoices.c.amount - invoices.c.amount_paid), 0))
        .where(
            invoices.c.installment_id == installments.c.id,
            invoices.c.written_off_on <= day,
            invoices.c.voided_on.is_(None),
        )
        .scalar_subquery()
    )
    same_currency = () if query.currency is None else (installments.c.currency == query.currency,)
    lines = (
        select(
            installments.c.id,
            installments.c.contract_id,
            installments.c.name,
            installments.c.amount,
            installments.c.currency,
            installments.c.due_date,
            installments.c.milestone,
            contracts.c.name.label("contract_name"),
            contracts.c.customer_id,
            customers.c.name.label("customer_name"),
            collected.label("collected"),
            written_off.label("written_off"),
        )
        .select_from(
            installments.join(contracts, contracts.c.id == installments.c.contract_id).join(
                customers, customers.c.id == contracts.c.customer_id
            )
        )
        .where(
            and_(
                installments.c.kind == InstallmentKind.RETENTION.value,
                installments.c.removed_at.is_(None),
                contracts.c.signed_on <= day,
                *same_currency,
            )
        )
        .subquery("lines")
    )
    return _grouped(query, lines)


def _grouped(query: RetentionQuery, lines: Any) -> Select[Any]:
    """Each line with its group's key, name, parent and depth."""
    no_parent = cast(null(), org_units.c.id.type)
    no_depth = cast(null(), Integer)
    if query.group_by == "project":
        return select(
            lines,
            contracts.c.project_id.label("group_key"),
            projects.c.name.label("group_name"),
            no_parent.label("parent_id"),
            no_depth.label("depth"),
        ).select_from(
            lines.join(contracts, contracts.c.id == lines.c.contract_id).outerjoin(
                projects, projects.c.id == contracts.c.project_id
            )
        )
    if query.group_by == "org_unit":
        units = contract_units(query.as_of.end)
        levels = (
            select(org_unit_closure.c.descendant_id, func.count().label("depth"))
            .group_by(org_unit_closure.c.descendant_id)
            .subquery("levels")
        )
        closure = org_unit_closure
        source = (
            lines.join(units, units.c.contract_id == lines.c.contract_id)
            .outerjoin(closure, closure.c.descendant_id == units.c.unit_id)
            .outerjoin(org_units, org_units.c.id == closure.c.ancestor_id)
            .outerjoin(levels, levels.c.descendant_id == closure.c.ancestor_id)
        )
        return select(
            lines,
            closure.c.ancestor_id.label("group_key"),
            org_units.c.name.label("group_name"),
            org_units.c.parent_id.label("parent_id"),
            levels.c.depth.label("depth"),
        ).select_from(source)
    return select(
        lines,
        lines.c.customer_id.label("group_key"),
        lines.c.customer_name.label("group_name"),
        no_parent.label("parent_id"),
        no_depth.label("depth"),
    )


def retention_line(row: RowMapping) -> RetentionLine:
    currency = row["currency"]
    return RetentionLine(
        installment_id=row["id"],
        contract_id=row["contract_id"],
        contract_name=row["contract_name"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        name=row["name"],
        amount=exact(row["amount"], currency),
        release_date=row["due_date"],
        milestone=row["milestone"],
        collected=exact(row["collected"], currency),
        written_off=exact(row["written_off"], currency),
        group=GroupLabel(row["group_key"], row["group_name"], row["parent_id"], row["depth"]),
    )
