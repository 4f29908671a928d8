"""The approval gate: what a route of a gated action asks before acting.

Controls implements it (``app/services/controls/gate.py``) and the composition root hands
it to the routes through ``Platform``, so the gated contexts, which sit below controls,
never import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from app.services.context import Context


class ApprovalGate(Protocol):
    async def check(
        self, uow: Any, ctx: Context, action: str, payload: dict[str, Any]
    ) -> dict[str, Any] | None:
        """None: the action may run now. Otherwise the approval request just opened (its
        document), in ``uow``'s transaction: the route commits and answers 202."""

    async def requires_actor(self, open_uow: Callable[[], Any]) -> bool:
        """Whether a policy is in force (writes must then name their person)."""

    def forget(self) -> None:
        """Drop what is cached of the policy (after it changed in this process)."""
