"""``collector-digest`` (daily, ``HUIKUAN_DIGEST_AT``): one ``person.daily_digest`` per
person with work today, for the team chat each morning: the top of their worklist with the
reasons, promises to pay due today, what fell overdue yesterday, and their tasks due.

A person is a user id the worklist knows: a contract's owner, an open task's assignee, an
active risk flag's owner; a person record (organisation) gives the name shown, and one
marked inactive gets no digest. A person with none of the four gets nothing. Once per
person per day (finding: ``person.daily_digest``, a UUID derived from the user id, the
date), across replicas and re-runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from app.domain.collection.worklist import ItemKind, WorklistItem, rank
from app.domain.collection.worklist_weights import Weights, weights_from_json
from app.domain.events import EventType
from app.domain.findings import FindingKind, finding
from app.services.collection.dunning import current_policy
from app.services.collection.ports import (
    CollectionJobUnitOfWork,
    CollectionJobUnitOfWorkFactory,
    DigestPerson,
    PromiseDue,
    TaskDue,
    WorklistQuery,
)
from app.services.context import Context
from app.services.jobs import Emitter, JobParams, JobResult, chunks

TOP_ITEMS = 5
WORKLIST_READ = 200  # of a person's items, the highest: enough for today's promises too
PEOPLE_PER_BATCH = 50
PERSON_NAMESPACE = uuid.UUID("5b0f8e2a-7d1c-4c52-9a43-2f6e1d0c8b71")


def person_id(person: str) -> uuid.UUID:
    """A stable id for a person's name, the subject of their digest's finding."""
    return uuid.uuid5(PERSON_NAMESPACE, person)


def person_subject(person: str) -> str:
    return f"people/{person}"


async def run_collector_digest(
    uow: CollectionJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today = ctx.clock.today()
    weights = weights_from_json(params.worklist_weights)
    async with uow() as work:
        people = list(await work.digest.people())
        promises = list(await work.digest.promises_due(today))
    total = JobResult()
    for batch in chunks(people, PEOPLE_PER_BATCH):
        async with uow() as work:
            total += await _digests(work, ctx, batch, today, weights, promises)
            await work.commit()
    return total


def _item(item: WorklistItem) -> dict[str, Any]:
    candidate = item.candidate
    factors = candidate.factors
    title = candidate.customer_name
    if candidate.id.kind is not ItemKind.CUSTOMER:
        title = candidate.reference or str(candidate.id.subject_id)
    return {
        "item_id": str(candidate.id),
        "kind": candidate.id.kind.value,
        "customer_id": str(candidate.customer_id),
        "customer_name": candidate.customer_name,
        "title": title,
        "amount": factors.amount_overdue.to_wire(),
        "currency": factors.amount_overdue.currency,
        "days_overdue": factors.days_overdue,
        "score": str(item.score),
        "next_action": item.next_action.value,
        "reasons": [{"factor": r.factor.value, "value": str(r.value)} for r in item.scored.reasons],
    }


def _promise(promise: PromiseDue) -> dict[str, Any]:
    return {
        "promise_id": str(promise.promise_id),
        "customer_id": str(promise.customer_id),
        "customer_name": promise.customer_name,
        "invoice_id": None if promise.invoice_id is None else str(promise.invoice_id),
        "amount": promise.remaining.to_wire(),
        "currency": promise.remaining.currency,
    }


def _task(task: TaskDue) -> dict[str, Any]:
    return {
        "task_id": str(task.task_id),
        "title": task.title,
        "due_date": task.due_date.isoformat(),
        "customer_name": task.customer_name,
    }


def digest_document(
    person: DigestPerson,
    today: date,
    items: Sequence[WorklistItem],
    promises: Sequence[PromiseDue],
    tasks: Sequence[TaskDue],
) -> dict[str, Any]:
    """The digest's data; empty lists when there is nothing of a kind."""
    subjects = {i.candidate.id.subject_id for i in items}
    customers = {i.candidate.customer_id for i in items}
    theirs = [
        p
        for p in promises
        if (p.invoice_id in subjects) or (p.invoice_id is None and p.customer_id in customers)
    ]
    fell_due = [
        i
        for i in items
        if i.candidate.id.kind is not ItemKind.CUSTOMER and i.candidate.factors.days_overdue == 1
    ]
    return {
        "person": person.user_id,
        "person_name": person.name or person.user_id,
        "date": today.isoformat(),
        "worklist": [_item(i) for i in items[:TOP_ITEMS]],
        "promises_due": [_promise(p) for p in theirs],
        "new_overdue": [_item(i) for i in fell_due],
        "tasks_due": [_task(t) for t in tasks],
    }


async def _digests(
    work: CollectionJobUnitOfWork,
    ctx: Context,
    people: Sequence[DigestPerson],
    today: date,
    weights: Weights,
    promises: Sequence[PromiseDue],
) -> JobResult:
    policy = await current_policy(work)
    tasks: dict[str, list[TaskDue]] = {}
    for task in await work.digest.tasks_due([p.user_id for p in people], today):
        tasks.setdefault(task.assignee, []).append(task)
    documents: dict[str, dict[str, Any]] = {}
    for person in people:
        query = WorklistQuery(
            assignee=person.user_id, today=today, weights=weights, limit=WORKLIST_READ
        )
        items = [rank(r.candidate, weights, policy) for r in await work.worklist.ranked(query)]
        theirs = tasks.get(person.user_id, [])
        document = digest_document(person, today, items, promises, theirs)
        if any(document[k] for k in ("worklist", "promises_due", "new_overdue", "tasks_due")):
            documents[person.user_id] = document
    found = {p: finding(FindingKind.PERSON_DAILY_DIGEST, person_id(p), today) for p in documents}
    new = await work.findings.record(list(found.values()), ctx.clock.now())
    events = Emitter(work, ctx)
    for user_id, document in documents.items():
        if found[user_id].natural_key in new:
            events.emit(EventType.PERSON_DAILY_DIGEST, person_subject(user_id), document)
    return JobResult(len(people), len(new), events.count)
