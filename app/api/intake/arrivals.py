"""Records created or renamed through the REST API may be what parked ingestion events
wait for: after the request's own change committed, those events are applied."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends

from app.api.deps import PlatformDep, WriteContext
from app.api.metrics import count_released
from app.domain.intake.ingest import RecordKey, RecordKind
from app.services.context import Context
from app.services.intake.release import release_arrivals
from app.services.platform import Platform

log = logging.getLogger(__name__)


class Arrivals:
    def __init__(self, platform: Platform, ctx: Context) -> None:
        self.platform = platform
        self.ctx = ctx

    async def __call__(self, kind: RecordKind, external_id: str | None) -> None:
        """Apply the parked events waiting for this record. The request's change is
        committed already: a failure here is logged and left to the periodic sweep."""
        if external_id is None:
            return
        try:
            keys = [RecordKey(kind, external_id)]
            count_released(await release_arrivals(self.platform.uow(), self.ctx, keys))
        except Exception:
            log.warning(
                "releasing events parked for %s:%s failed", kind, external_id, exc_info=True
            )


async def _arrivals(platform: PlatformDep, ctx: WriteContext) -> Arrivals:
    return Arrivals(platform, ctx)


ArrivalsDep = Annotated[Arrivals, Depends(_arrivals)]
