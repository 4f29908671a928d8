"""``target-pace``: how the targets whose period has begun are doing.

Findings: ``target.at_risk`` (target, period end) the first time an active target's pace is
at risk or behind; ``target.achieved`` (target, amount) once it collected its amount;
``target.missed`` (target, period end) when its period ended short. A target is no longer
read once its period is over and reported; changing it (a new amount or period) puts it
back, and the new amount or end date makes new findings possible.
"""

from __future__ import annotations

from uuid import UUID

from app.domain.collection.scans import target_findings, target_settled
from app.domain.collection.targets import target_progress
from app.domain.events import EventType
from app.domain.findings import Finding
from app.services.collection.ports import CollectionJobUnitOfWork, CollectionJobUnitOfWorkFactory
from app.services.collection.targets import TargetView, subject, views_of
from app.services.context import Context
from app.services.jobs import Emitter, JobParams, JobResult, in_batches


async def run_target_pace(
    uow: CollectionJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today = ctx.clock.today()
    after: UUID | None = None

    async def batch(work: CollectionJobUnitOfWork) -> tuple[int, JobResult]:
        nonlocal after
        targets = await work.scans.targets_to_scan(today, after, params.batch_size)
        if targets:
            after = targets[-1].id
        views = await views_of(work, targets, today)
        keyed: list[tuple[TargetView, Finding]] = []
        for view in views:
            progress = target_progress(view.target, view.sums, today)
            keyed.extend((view, item) for item in target_findings(view.target, progress))
        new = await work.findings.record([item for _, item in keyed], ctx.clock.now())
        events = Emitter(work, ctx)
        for view, item in keyed:
            if item.natural_key in new:
                events.emit(
                    EventType(item.kind), subject(view.target.id), {"object": view.document()}
                )
        await work.scans.close_target_scans(
            [t.id for t in targets if target_settled(t, today)], today
        )
        return len(targets), JobResult(len(targets), len(new), events.count)

    return await in_batches(uow, params.batch_size, batch)
