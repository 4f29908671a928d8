"""``promise-check``: open promises past their date plus HUIKUAN_PROMISE_GRACE_DAYS.

Each is broken (``promise.broken``, once per promise: the finding's key is the promise id,
and a broken promise is final) and its customer's ``broken_promise`` flag is raised by the
ladder over the customer's promises broken in the last BROKEN_PROMISE_WINDOW_DAYS days.
A promise partially kept by its deadline stays partially kept, without an event.
"""

from __future__ import annotations

from datetime import timedelta

from app.domain.collection.promises import PromiseStatus, settle_after_deadline
from app.domain.collection.risk import RiskKind, Subject, SubjectType, broken_promise_severity
from app.domain.collection.scans import BROKEN_PROMISE_WINDOW_DAYS
from app.domain.events import EventType
from app.domain.findings import FindingKind, finding
from app.services.collection.documents import promise_document
from app.services.collection.ports import CollectionJobUnitOfWork, CollectionJobUnitOfWorkFactory
from app.services.collection.promises import subject
from app.services.collection.risk_rules import RuleFlag, raise_flags
from app.services.context import Context
from app.services.jobs import Emitter, JobParams, JobResult, in_batches

RULE_BROKEN_PROMISE = "broken_promise"


async def run_promise_check(
    uow: CollectionJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today = ctx.clock.today()
    grace = ctx.promise_grace_days
    since = today - timedelta(days=BROKEN_PROMISE_WINDOW_DAYS)

    async def batch(work: CollectionJobUnitOfWork) -> tuple[int, JobResult]:
        now = ctx.clock.now()
        found = await work.promises.lock_past_deadline(today, grace, params.batch_size)
        broken = [
            after
            for before in found
            if (after := settle_after_deadline(before, today, grace, now)) is not before
            and after.status is PromiseStatus.BROKEN
        ]
        await work.promises.save_evaluations(broken)
        keyed = [(p, finding(FindingKind.PROMISE_BROKEN, p.id)) for p in broken]
        new = await work.findings.record([f for _, f in keyed], now)
        events = Emitter(work, ctx)
        customers = set()
        for promise, item in keyed:
            if item.natural_key in new:
                events.emit(
                    EventType.PROMISE_BROKEN,
                    subject(promise.id),
                    {"object": promise_document(promise)},
                )
                customers.add(promise.customer_id)
        wanted = []
        for customer_id in sorted(customers):
            count = await work.promises.broken_count(customer_id, since)
            severity = broken_promise_severity(count)
            if severity is not None:
                wanted.append(
                    RuleFlag(
                        subject=Subject(SubjectType.CUSTOMER, customer_id),
                        customer_id=customer_id,
                        kind=RiskKind.BROKEN_PROMISE,
                        severity=severity,
                        rule=RULE_BROKEN_PROMISE,
                        description=(
                            f"{count} promise(s) to pay broken in the last "
                            f"{BROKEN_PROMISE_WINDOW_DAYS} days"
                        ),
                    )
                )
        events.counted(len(await raise_flags(work, ctx, wanted)))
        return len(found), JobResult(len(found), len(new), events.count)

    return await in_batches(uow, params.batch_size, batch)
