"""The read side the fakes do not answer: lists are tested on PostgreSQL (tests/e2e,
tests/integration), so these fakes of the query ports only say so when called. The
queries a use case that changes things reads are answered by the fakes next to their
repositories (``FakeInvoiceQueries`` …) and held to the database by tests/contract."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from app.domain.access.api_keys import ApiKey
from app.domain.collection.interactions import Interaction
from app.domain.collection.promises import Promise
from app.domain.customers.customers import Customer
from app.domain.delivery.delivery import DeliveryStatus, WebhookDelivery
from app.domain.delivery.webhooks import WebhookEndpoint
from app.domain.intake.ingest import IngestRecord
from app.domain.receivables.payments import Payment, PaymentStatus
from app.services.collection.ports import PromiseFilter
from app.services.intake.ports import IngestFilter
from app.services.pagination import PageRequest


def not_faked(query: str) -> AssertionError:
    """What a fake answers for a read-side query it does not implement."""
    return AssertionError(f"{query} is a read-side query: test it on PostgreSQL")


class FakeCustomerQueries:
    """Lists of customers are tested on PostgreSQL only."""

    async def list(
        self, *, external_id: str | None, q: str | None, page: PageRequest
    ) -> Sequence[Customer]:
        raise not_faked("customer_queries.list")


class FakeApiKeyQueries:
    """Lists are tested on PostgreSQL only."""

    async def list(self, page: PageRequest) -> Sequence[ApiKey]:
        raise not_faked("api_key_queries.list")


class FakeWebhookEndpointQueries:
    """Lists are tested on PostgreSQL only."""

    async def list(self, *, enabled: bool | None, page: PageRequest) -> Sequence[WebhookEndpoint]:
        raise not_faked("webhook_endpoint_queries.list")


class FakeWebhookDeliveryQueries:
    """Lists are tested on PostgreSQL only."""

    async def list_for_endpoint(
        self, endpoint_id: UUID, *, status: DeliveryStatus | None, page: PageRequest
    ) -> Sequence[WebhookDelivery]:
        raise not_faked("webhook_delivery_queries.list_for_endpoint")


class FakeInteractionQueries:
    """Lists are tested on PostgreSQL only."""

    async def list(
        self, *, customer_id: UUID | None, invoice_id: UUID | None, page: PageRequest
    ) -> Sequence[Interaction]:
        raise not_faked("interaction_queries.list")


class FakePromiseQueries:
    """Lists are tested on PostgreSQL only."""

    async def list(self, filters: PromiseFilter, page: PageRequest) -> Sequence[Promise]:
        raise not_faked("promise_queries.list")


class FakePaymentQueries:
    """Lists of payments are tested on PostgreSQL only."""

    async def list(
        self,
        *,
        customer_id: UUID | None,
        external_id: str | None,
        status: PaymentStatus | None,
        page: PageRequest,
    ) -> Sequence[Payment]:
        raise not_faked("payment_queries.list")


class FakeIngestQueries:
    """Lists are tested on PostgreSQL only."""

    async def list(self, filters: IngestFilter, page: PageRequest) -> Sequence[IngestRecord]:
        raise not_faked("ingest_queries.list")


class NotFakedImports:
    """Import jobs are tested on PostgreSQL only (tests/e2e/test_imports.py)."""

    def __getattr__(self, name: str) -> object:
        raise not_faked(f"imports.{name}")
