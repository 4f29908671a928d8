"""The unit of work every use case runs in, and the reactions run inside it.

A unit of work is one database transaction: what a use case changes and the outbox events
describing it commit together, or not at all. Each context's ports declare the repositories
its use cases need on top of this base (``ReceivablesUnitOfWork`` …); the SQL unit of work
and the test fakes implement them all.

Reactions across contexts are domain events: a use case publishes one (``await
uow.publish(ctx, InvoiceDisputed(...))``) and the handlers subscribed to its type in the
handler table (``app/services/reactions.py``, handed to the unit of work by the composition
root) run at once, in the same transaction, before the publisher goes on. So a reaction's
changes and events commit with the change that caused them, and the publisher does not
import the contexts that react.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Protocol, Self

from app.domain.events import DomainEvent, OutboxEvent
from app.services.context import Context

# A handler gets the open unit of work (typed by its own context's protocol), the context
# of the use case that published, and the event.
Handler = Callable[[Any, Context, Any], Awaitable[object]]
Reactions = Mapping[type[DomainEvent], Sequence[Handler]]


class UnitOfWork(Protocol):
    """One database transaction. Rolls back on exit unless :meth:`commit` ran.

    Events added with :meth:`add_event` are written to the outbox in the same
    transaction as the change they describe.
    """

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A part of the transaction that an exception undoes alone (its events too)."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def add_event(self, event: OutboxEvent) -> None: ...

    async def publish(self, ctx: Context, event: DomainEvent) -> None:
        """Run the handlers subscribed to ``event``'s type now, in this transaction."""

    async def commit(self) -> None: ...


async def react(reactions: Reactions, uow: object, ctx: Context, event: DomainEvent) -> None:
    """What :meth:`UnitOfWork.publish` does: each subscribed handler, in table order."""
    for handler in reactions.get(type(event), ()):
        await handler(uow, ctx, event)
