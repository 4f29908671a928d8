"""The unit of work every use case runs in, and the reactions run inside it.

Use cases never open or commit a unit of work: the entry point does (a route, the ingest
batch, a job's batch, the CLI) and hands the open unit of work in, so one use case can be
part of a larger transaction (an ingest batch applies many) without a twin of its own.

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
from typing import Any, Concatenate, ParamSpec, Protocol, Self, TypeVar

from app.domain.events import DomainEvent, OutboxEvent
from app.services.context import Context

# A handler gets the open unit of work (typed by its own context's protocol), the context
# of the use case that published, and the event.
Handler = Callable[[Any, Context, Any], Awaitable[object]]
Reactions = Mapping[type[DomainEvent], Sequence[Handler]]

P = ParamSpec("P")
T = TypeVar("T")


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

    def add_audit(self, record: OutboxEvent) -> None:
        """A change no subscriber is told of (API keys, webhook endpoints): the audit trail
        records it as it records each event, in this transaction; the outbox never sees it."""

    async def publish(self, ctx: Context, event: DomainEvent) -> None:
        """Run the handlers subscribed to ``event``'s type now, in this transaction."""

    async def commit(self) -> None: ...


async def react(reactions: Reactions, uow: object, ctx: Context, event: DomainEvent) -> None:
    """What :meth:`UnitOfWork.publish` does: each subscribed handler, in table order."""
    for handler in reactions.get(type(event), ()):
        await handler(uow, ctx, event)


U = TypeVar("U", bound=UnitOfWork)


async def in_transaction(
    uow: U, use_case: Callable[Concatenate[U, P], Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run one use case the way an entry point does: open ``uow``, hand it in, commit when
    the use case returns (an exception rolls everything back). For entry points with one
    use case and nothing after the commit (the CLI, tests); routes write it out."""
    async with uow:
        result = await use_case(uow, *args, **kwargs)
        await uow.commit()
    return result
