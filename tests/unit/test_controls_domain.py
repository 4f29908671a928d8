"""Controls' domain: policy rules and matching, the approval request's state machine, and
how an event becomes an audit entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from app.domain.controls.approvals import (
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStatus,
    Verdict,
    cancel,
    decide,
    expire,
    make_rule,
    settle,
)
from app.domain.controls.audit import (
    REDACTED,
    SENSITIVE_FIELDS,
    audit_action,
    audit_changes,
    entry_for,
    may_hold_secrets,
)
from app.domain.errors import Conflict, Forbidden, IllegalStateTransition, ValidationFailed
from app.domain.events import OutboxEvent
from app.domain.money import Money

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def test_a_threshold_matches_at_and_above_it_in_its_currency_only() -> None:
    rule = make_rule(0, "invoice.write_off", ["u1"], 1, "10000.00", "CNY")
    assert rule.matches("invoice.write_off", cny("10000.00"))
    assert not rule.matches("invoice.write_off", cny("9999.99"))
    assert not rule.matches("invoice.write_off", Money.of("20000.00", "USD"))
    assert not rule.matches("invoice.write_off", None)
    assert not rule.matches("invoice.hold", cny("20000.00"))


def test_a_rule_without_threshold_matches_every_such_action() -> None:
    rule = make_rule(0, "installment.reschedule", ["u1"], 1, None, None)
    assert rule.matches("installment.reschedule", None)
    assert rule.matches("installment.reschedule", cny("0.01"))


def test_the_most_demanding_matching_rule_wins() -> None:
    one = make_rule(0, "invoice.write_off", ["u1"], 1, None, None)
    two = make_rule(1, "invoice.write_off", ["u2", "u3"], 2, "50000", "CNY")
    policy = ApprovalPolicy((one, two))
    assert policy.rule_for("invoice.write_off", cny("100")) == one
    assert policy.rule_for("invoice.write_off", cny("60000")) == two
    assert policy.rule_for("invoice.hold", cny("60000")) is None
    assert ApprovalPolicy().rule_for("invoice.write_off", cny("1")) is None


@pytest.mark.parametrize(
    ("action", "approvers", "required", "amount", "currency", "field"),
    [
        ("invoice.delete", ["u1"], 1, None, None, "action"),
        ("invoice.hold", ["u1", "u2"], 3, None, None, "required"),
        ("invoice.hold", ["u1"], 0, None, None, "required"),
        ("invoice.hold", [], 1, None, None, "approvers"),
        ("invoice.hold", [" "], 1, None, None, "approvers"),
        ("invoice.hold", ["u1"], 2, None, None, "approvers"),
        ("invoice.hold", ["org_unit_manager", "u1"], 1, None, None, "approvers"),
        ("invoice.hold", ["u1"], 1, None, "CNY", "min_amount"),
        ("invoice.hold", ["u1"], 1, "10", None, "currency"),
        ("invoice.hold", ["u1"], 1, "10.001", "CNY", "min_amount"),
        ("invoice.hold", ["u1"], 1, "-1", "CNY", "min_amount"),
    ],
)
def test_bad_rules_name_the_field(
    action: str,
    approvers: list[str],
    required: int,
    amount: str | None,
    currency: str | None,
    field: str,
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        make_rule(3, action, approvers, required, amount, currency)
    assert raised.value.loc == ("rules", 3, field)


def pending(required: int = 1, approvers: tuple[str, ...] = ("a", "b")) -> ApprovalRequest:
    return ApprovalRequest(
        id=uuid4(),
        action="invoice.write_off",
        subject="invoices/x",
        payload={},
        stake=cny("20000"),
        requested_by="r",
        requested_key="k",
        requested_at=NOW,
        expires_at=NOW + timedelta(days=7),
        approvers=approvers,
        required=required,
    )


def test_one_approval_of_one_approves() -> None:
    done = decide(pending(), "a", Verdict.APPROVE, "ok", NOW, eligible=True)
    assert done.status is ApprovalStatus.APPROVED
    assert done.decisions[0].by == "a"
    assert done.version == 2


def test_two_required_need_two_different_people() -> None:
    once = decide(pending(2), "a", Verdict.APPROVE, None, NOW, eligible=True)
    assert once.status is ApprovalStatus.PENDING
    with pytest.raises(Conflict):
        decide(once, "a", Verdict.APPROVE, None, NOW, eligible=True)
    twice = decide(once, "b", Verdict.APPROVE, None, NOW, eligible=True)
    assert twice.status is ApprovalStatus.APPROVED


def test_one_rejection_ends_it() -> None:
    once = decide(pending(2), "a", Verdict.APPROVE, None, NOW, eligible=True)
    assert decide(once, "b", Verdict.REJECT, "no", NOW, eligible=True).status is (
        ApprovalStatus.REJECTED
    )


def test_nobody_decides_their_own_request_nor_an_outsider() -> None:
    with pytest.raises(Forbidden):
        decide(pending(approvers=("r",)), "r", Verdict.APPROVE, None, NOW, eligible=True)
    with pytest.raises(Forbidden):
        decide(pending(), "z", Verdict.APPROVE, None, NOW, eligible=False)


def test_only_pending_requests_change() -> None:
    done = decide(pending(), "a", Verdict.APPROVE, None, NOW, eligible=True)
    with pytest.raises(IllegalStateTransition):
        decide(done, "b", Verdict.APPROVE, None, NOW, eligible=True)
    with pytest.raises(IllegalStateTransition):
        cancel(done, "r")
    with pytest.raises(IllegalStateTransition):
        expire(done, NOW + timedelta(days=30))


def test_cancel_by_the_requester_only() -> None:
    with pytest.raises(Forbidden):
        cancel(pending(), "a")
    assert cancel(pending(), "r").status is ApprovalStatus.CANCELLED


def test_no_decision_after_the_expiry_even_before_the_job_runs() -> None:
    late = NOW + timedelta(days=7)
    with pytest.raises(IllegalStateTransition):
        decide(pending(), "a", Verdict.APPROVE, None, late, eligible=True)


def test_expiry_waits_for_its_time() -> None:
    with pytest.raises(IllegalStateTransition):
        expire(pending(), NOW)
    assert expire(pending(), NOW + timedelta(days=7)).status is ApprovalStatus.EXPIRED


def test_settling_an_approved_request() -> None:
    done = decide(pending(), "a", Verdict.APPROVE, None, NOW, eligible=True)
    assert settle(done, {"status": 409}, failed=True).status is ApprovalStatus.FAILED
    assert settle(done, {"id": "x"}, failed=False).result == {"id": "x"}
    with pytest.raises(IllegalStateTransition):
        settle(pending(), {}, failed=False)


def event(type_: str, data: dict[str, object]) -> OutboxEvent:
    actor = {"api_key": "front-end", "user": "u-ar"}
    return OutboxEvent(uuid4(), type_, "invoices/x", NOW, {**data, "actor": actor})


def test_an_entry_comes_from_its_event() -> None:
    e = event("invoice.updated", {"changes": {"due_date": {"from": "a", "to": "b"}}})
    entry = entry_for(e, "req-1")
    assert (entry.id, entry.at, entry.subject) == (e.id, NOW, "invoices/x")
    assert (entry.actor, entry.key_name, entry.request_id) == ("u-ar", "front-end", "req-1")
    assert entry.changes == {"due_date": ["a", "b"]}
    assert entry.action == "invoice.updated"


def test_a_named_action_and_a_new_resource() -> None:
    assert audit_action(event("invoice.updated", {"action": "write_off"})) == "invoice.write_off"
    created = {"object": {"id": "x", "amount": "1.00", "version": 1, "created_at": "t"}}
    assert audit_changes("invoice.created", created) == {
        "id": [None, "x"],
        "amount": [None, "1.00"],
    }
    assert audit_changes("invoice.updated", {}) == {}


def test_what_else_an_event_tells_is_kept_beside_the_changes() -> None:
    written_off = {
        "object": {"status": "written_off"},
        "changes": {"status": {"from": "open", "to": "written_off"}},
        "action": "write_off",
        "reason": "bankrupt",
    }
    assert audit_changes("invoice.updated", written_off) == {
        "status": ["open", "written_off"],
        "reason": [None, "bankrupt"],
    }
    allocated = {"object": {"id": "p"}, "allocation": {"amount": "5.00"}, "invoice": {"id": "i"}}
    assert audit_changes("payment.allocated", allocated) == {
        "object": [None, {"id": "p"}],
        "allocation": [None, {"amount": "5.00"}],
        "invoice": [None, {"id": "i"}],
    }


def test_secrets_are_redacted_at_any_depth() -> None:
    data = {
        "object": {"url": "u", "secret": "whsec_x", "nested": {"key_hash": "abc"}},
    }
    changes = audit_changes("webhook_endpoint.created", data)
    assert changes["secret"] == [None, REDACTED]
    assert changes["nested"] == [None, {"key_hash": REDACTED}]
    rotated = audit_changes(
        "webhook_endpoint.secret_rotated",
        {"changes": {"secret": {"from": "whsec_a", "to": "whsec_b"}}},
    )
    assert rotated == {"secret": [REDACTED, REDACTED]}


def test_the_secret_scan_finds_every_sensitive_name() -> None:
    assert not may_hold_secrets('{"object":{"amount":"1.00","keyword":"secret"}}')
    for name in SENSITIVE_FIELDS:
        assert may_hold_secrets(f'{{"a":{{"{name}":1}}}}')
