"""Dunning policy use cases: read it (the default until someone stores one) and replace it."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.collection.dunning import DEFAULT_LEVELS, DunningLevel, DunningPolicy
from app.domain.errors import StaleVersion
from app.domain.events import EventType
from app.services.collection.documents import dunning_policy_document
from app.services.collection.ports import CollectionUnitOfWork
from app.services.context import Context

SUBJECT = "dunning-policy"


async def current_policy(uow: CollectionUnitOfWork) -> DunningPolicy:
    """The stored policy, or the default (version 1) inside an open unit of work; the
    scheduler reads it with this."""
    return await uow.dunning_policy.get() or DunningPolicy(DEFAULT_LEVELS)


async def get_dunning_policy(uow: CollectionUnitOfWork) -> DunningPolicy:
    return await current_policy(uow)


async def replace_dunning_policy(
    uow: CollectionUnitOfWork,
    ctx: Context,
    levels: Sequence[DunningLevel],
    expected_version: int | None = None,
) -> DunningPolicy:
    """Store a new policy (validated: at least one level, levels and days strictly
    increasing); emits ``dunning_policy.updated``."""
    current = await current_policy(uow)
    if expected_version is not None and expected_version != current.version:
        raise StaleVersion("dunning policy", expected_version, current.version)
    policy = DunningPolicy(
        levels=tuple(levels),
        version=current.version + 1,
        updated_at=ctx.clock.now(),
        updated_by=ctx.actor.key_name,
        updated_by_user=ctx.actor.user,
    )
    if policy.levels == current.levels:
        return current
    await uow.dunning_policy.save(policy, expected_version=current.version)
    # Levels may now be reached earlier, later or anew: the overdue scan looks again.
    await uow.invoices.rearm_overdue_scans(ctx.clock.today())
    data = {
        "object": dunning_policy_document(policy),
        "changes": {
            "levels": {
                "from": dunning_policy_document(current)["levels"],
                "to": dunning_policy_document(policy)["levels"],
            }
        },
    }
    uow.add_event(ctx.event(EventType.DUNNING_POLICY_UPDATED, SUBJECT, data))
    return policy
