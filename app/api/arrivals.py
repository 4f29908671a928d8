"""Records created or renamed through the REST API may be what parked ingestion events
wait for: after the request's own change committed, those events are applied.

The routes only announce the arrival (the record's kind and external id); what releases
the events is intake's (``app/api/intake/arrivals.py``), which ``app/api/app.py`` puts on
the app, so that customers and receivables routes need not import intake.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import Depends, Request

from app.api.deps import PlatformDep, WriteContext
from app.services.context import Context
from app.services.platform import Platform

RecordKindName = Literal[
    "customer", "contract", "invoice", "payment", "org_unit", "person", "project"
]
# Applies the parked events waiting for (kind, external id); never raises.
Release = Callable[[Platform, Context, RecordKindName, str], Awaitable[None]]


class Arrivals:
    def __init__(self, release: Release | None, platform: Platform, ctx: Context) -> None:
        self.release = release
        self.platform = platform
        self.ctx = ctx

    async def __call__(self, kind: RecordKindName, external_id: str | None) -> None:
        """Apply the parked events waiting for this record (the request's change is
        committed already)."""
        if external_id is not None and self.release is not None:
            await self.release(self.platform, self.ctx, kind, external_id)


async def _arrivals(request: Request, platform: PlatformDep, ctx: WriteContext) -> Arrivals:
    return Arrivals(getattr(request.app.state, "release_arrivals", None), platform, ctx)


ArrivalsDep = Annotated[Arrivals, Depends(_arrivals)]
