"""The progress review: its period, and its sections run side by side.

Each section is one function (``review_sections.py``, ``review_lookouts.py``) reading
through the reports' own queries or ``ReviewQueries``; a section the service can't compute
for the request answers ``not_available``. Sections run each in a read-only transaction of
its own (at most ``CONCURRENCY`` at once), all reading the snapshot a first transaction
exported and holds open, so the pack's figures are of one moment; ``Inputs``
(``review_inputs.py``) reads what several share once per review.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID

from app.domain.errors import UnknownReference
from app.domain.reporting.reports import (
    require_period,
)
from app.domain.reporting.review import (
    ProgressReview,
    ReviewPeriod,
    Section,
    last_full_week,
)
from app.services.context import Clock, Context
from app.services.pagination import PageRequest
from app.services.reporting.review_inputs import (
    CONCURRENCY,
    MAX_UNIT_PROJECTS,
    Inputs,
    UnitOfWorkFactory,
)
from app.services.reporting.review_sections import SECTIONS, START_ORDER


def review_period(clock: Clock, start: date | None, end: date | None) -> ReviewPeriod:
    """Default: the last full week (Monday to Sunday) in HUIKUAN_TIMEZONE; one end given,
    the other is a week from it."""
    if start is None:
        if end is None:
            return last_full_week(clock.today())
        start = end - timedelta(days=6)
    first = start
    last = end or first + timedelta(days=6)
    require_period(first, last)
    return ReviewPeriod(first, last)


async def _section(
    build: Callable[[Inputs], Awaitable[Section]],
    inputs: Inputs,
    uow: UnitOfWorkFactory,
    slots: asyncio.Semaphore,
) -> Section:
    async with slots:
        work = uow()
        async with work:
            if inputs.snapshot is not None:
                await work.review.join(inputs.snapshot)
            return await build(replace(inputs, uow=work))


async def progress_review(
    uow: UnitOfWorkFactory,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    org_unit_id: UUID | None = None,
    currency: str | None = None,
    ctx: Context | None = None,
) -> ProgressReview:
    """The pack for the weekly collection progress meeting, every section in order. The
    sections read side by side, each in a transaction of its own (``uow`` makes them), all
    of one snapshot that a first transaction holds open (decision 0136). With
    ``org_unit_id``, the unit and its descendants (an unknown unit is 422)."""
    period = review_period(clock, start, end)
    async with _gate():
        return await _review(uow, clock, period, org_unit_id, currency, ctx)


# A review holds its first transaction's connection while its sections take up to
# ``CONCURRENCY`` more: reviews at once are bounded so that many of them can never hold
# every pooled connection while waiting for one (the others wait their turn instead).
REVIEWS_AT_ONCE = 2
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Semaphore(REVIEWS_AT_ONCE)
    return gate


async def _review(
    uow: UnitOfWorkFactory,
    clock: Clock,
    period: ReviewPeriod,
    org_unit_id: UUID | None,
    currency: str | None,
    ctx: Context | None,
) -> ProgressReview:
    unit_name: str | None = None
    lead = uow()
    async with lead:
        inputs = Inputs(lead, clock, period, currency, org_unit_id, ctx)
        inputs = replace(inputs, snapshot=await lead.review.snapshot())
        if org_unit_id is not None:
            unit = await lead.org_units.get(org_unit_id)
            if unit is None:
                raise UnknownReference("org unit", org_unit_id, ("query", "org_unit_id"))
            unit_name = unit.name
            tree = await lead.org_unit_queries.subtree(org_unit_id)
            members = await lead.person_queries.members(org_unit_id)
            projects = await lead.project_queries.list(
                external_id=None,
                customer_id=None,
                org_unit_id=org_unit_id,
                status=None,
                page=PageRequest(limit=MAX_UNIT_PROJECTS),
            )
            inputs = replace(
                inputs,
                units=frozenset(u.id for u, _ in tree),
                members=frozenset(members),
                projects=frozenset(p.id for p in projects),
            )
            inputs = replace(inputs, contracts=await lead.review.unit_contracts(inputs.query))
        slots = asyncio.Semaphore(CONCURRENCY)
        # Started costliest first; shown in the pack's order.
        order = [*START_ORDER, *(b for b in SECTIONS if b not in START_ORDER)]
        try:
            async with asyncio.TaskGroup() as group:
                started = {b: group.create_task(_section(b, inputs, uow, slots)) for b in order}
            tasks = [started[b] for b in SECTIONS]
        except BaseExceptionGroup as failed:
            # The first failure as itself (a 503 stays a 503); the others were cancelled.
            raise failed.exceptions[0] from None
    return ProgressReview(
        period=period,
        previous=period.previous,
        following=period.following,
        today=clock.today(),
        currency=currency,
        org_unit_id=org_unit_id,
        sections=[t.result() for t in tasks],
        org_unit_name=unit_name,
    )
