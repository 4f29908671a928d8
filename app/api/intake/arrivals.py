"""What a record created or renamed over REST releases: the ingestion events parked for it
(``app/api/arrivals.py`` announces it; ``app/api/app.py`` wires this in)."""

from __future__ import annotations

import logging

from app.api.arrivals import RecordKindName
from app.api.intake.metrics import count_released
from app.domain.intake.ingest import RecordKey, RecordKind
from app.services.context import Context
from app.services.intake.release import release_arrivals
from app.services.platform import Platform

log = logging.getLogger(__name__)


async def release_parked(
    platform: Platform, ctx: Context, kind: RecordKindName, external_id: str
) -> None:
    """A failure here is logged and left to the periodic sweep."""
    try:
        keys = [RecordKey(RecordKind(kind), external_id)]
        count_released(await release_arrivals(platform.uow(), ctx, keys))
    except Exception:
        log.warning("releasing events parked for %s:%s failed", kind, external_id, exc_info=True)
