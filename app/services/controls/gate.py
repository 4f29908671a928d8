"""The approval gate as controls implements it (the port: ``app/services/gate.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.services.context import Context
from app.services.controls.approvals import DEFAULT_EXPIRE_DAYS, request_if_needed
from app.services.controls.documents import request_document
from app.services.controls.ports import ControlsUnitOfWork

# How long a process trusts what it read of the policy when deciding whether a write must
# carry X-Actor; the gate itself always reads the policy in the action's transaction.
POLICY_CACHE_S = 5.0


@dataclass
class ControlsGate:
    expire_days: int = DEFAULT_EXPIRE_DAYS  # HUIKUAN_APPROVAL_EXPIRE_DAYS
    _in_force: tuple[float, bool] | None = None

    async def check(
        self, uow: ControlsUnitOfWork, ctx: Context, action: str, payload: dict[str, Any]
    ) -> dict[str, Any] | None:
        request = await request_if_needed(uow, ctx, action, payload, self.expire_days)
        return request_document(request) if request is not None else None

    async def requires_actor(self, open_uow: Callable[[], ControlsUnitOfWork]) -> bool:
        cached = self._in_force
        if cached is not None and time.monotonic() - cached[0] < POLICY_CACHE_S:
            return cached[1]
        async with open_uow() as uow:
            in_force = bool((await uow.approval_policy.get()).rules)
        self._in_force = (time.monotonic(), in_force)
        return in_force

    def forget(self) -> None:
        self._in_force = None
