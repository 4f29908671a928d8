"""Approval policies, approval requests and audit entries as the API shows them."""

from __future__ import annotations

from typing import Any

from app.domain.controls.approvals import ApprovalPolicy, ApprovalRequest, ApprovalRule
from app.domain.controls.audit import AuditEntry
from app.domain.events import rfc3339


def rule_document(rule: ApprovalRule) -> dict[str, Any]:
    document: dict[str, Any] = {
        "action": rule.action,
        "approvers": list(rule.approvers),
        "required": rule.required,
        "min_amount": None,
        "currency": None,
    }
    if rule.min_amount is not None:
        document["min_amount"] = rule.min_amount.to_wire()
        document["currency"] = rule.min_amount.currency
    return document


def policy_document(policy: ApprovalPolicy) -> dict[str, Any]:
    return {
        "rules": [rule_document(r) for r in policy.rules],
        "version": policy.version,
        "updated_at": rfc3339(policy.updated_at) if policy.updated_at else None,
        "updated_by": policy.updated_by,
    }


def request_document(request: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": str(request.id),
        "action": request.action,
        "subject": request.subject,
        "payload": request.payload,
        "amount": request.stake.to_wire() if request.stake else None,
        "currency": request.stake.currency if request.stake else None,
        "requested_by": request.requested_by,
        "requested_key": request.requested_key,
        "requested_at": rfc3339(request.requested_at),
        "expires_at": rfc3339(request.expires_at),
        "approvers": list(request.approvers),
        "required": request.required,
        "status": request.status.value,
        "decisions": [
            {"by": d.by, "at": rfc3339(d.at), "decision": d.decision.value, "comment": d.comment}
            for d in request.decisions
        ],
        "result": request.result,
        "version": request.version,
    }


def audit_document(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "at": rfc3339(entry.at),
        "actor": entry.actor,
        "key_name": entry.key_name,
        "request_id": entry.request_id,
        "action": entry.action,
        "subject": entry.subject,
        "changes": entry.changes,
    }
