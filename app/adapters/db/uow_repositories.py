"""What a unit of work's repositories are made of: attribute name to constructor.

``SqlUnitOfWork`` makes each on first use in a transaction (decision 0144): a transaction
uses a few of the sixty, and building them all at every ``BEGIN`` was a measurable part of
a single ingested event's CPU. A new repository is declared on the unit of work and listed
here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.adapters.db.access.api_keys import SqlApiKeyQueries, SqlApiKeyRepository
from app.adapters.db.access.idempotency_keys import SqlIdempotencyKeyRepository
from app.adapters.db.collection.confirmations import (
    SqlConfirmationRepository,
    SqlLegalActionRepository,
)
from app.adapters.db.collection.digest import SqlDigestQueries
from app.adapters.db.collection.dunning import SqlDunningPolicyRepository
from app.adapters.db.collection.interactions import SqlInteractionQueries, SqlInteractionRepository
from app.adapters.db.collection.paper_trail import SqlLimitationQueries
from app.adapters.db.collection.promises import SqlPromiseQueries, SqlPromiseRepository
from app.adapters.db.collection.risk_flags import SqlRiskFlagQueries, SqlRiskFlagRepository
from app.adapters.db.collection.targets import SqlTargetQueries, SqlTargetRepository
from app.adapters.db.collection.tasks import SqlTaskQueries, SqlTaskRepository
from app.adapters.db.collection.worklist import SqlWorklistQueries
from app.adapters.db.connection import PooledConnection
from app.adapters.db.controls.approvals import (
    SqlApprovalPolicyRepository,
    SqlApprovalRequestQueries,
    SqlApprovalRequestRepository,
)
from app.adapters.db.controls.audit import SqlAuditLog
from app.adapters.db.customers.customer_queries import SqlCustomerQueries
from app.adapters.db.customers.customers import SqlCustomerRepository
from app.adapters.db.delivery.delivery_queue import SqlDeliveryQueue
from app.adapters.db.delivery.outbox import SqlOutboxRepository
from app.adapters.db.delivery.stream_cursor import SqlStreamCursor
from app.adapters.db.delivery.webhook_deliveries import (
    SqlWebhookDeliveryQueries,
    SqlWebhookDeliveryRepository,
)
from app.adapters.db.delivery.webhook_endpoints import (
    SqlWebhookEndpointQueries,
    SqlWebhookEndpointRepository,
)
from app.adapters.db.intake.imports import SqlImportRepository
from app.adapters.db.intake.ingest import SqlIngestQueries, SqlIngestRepository
from app.adapters.db.organisation.org_units import SqlOrgUnitQueries, SqlOrgUnitRepository
from app.adapters.db.organisation.people import (
    SqlAssignments,
    SqlPersonQueries,
    SqlPersonRepository,
)
from app.adapters.db.organisation.projects import SqlProjectQueries, SqlProjectRepository
from app.adapters.db.receivables.contract_queries import SqlContractQueries
from app.adapters.db.receivables.contracts import SqlContractRepository
from app.adapters.db.receivables.invoice_queries import SqlInvoiceQueries
from app.adapters.db.receivables.invoices import SqlInvoiceRepository
from app.adapters.db.receivables.names import SqlSubjectNames
from app.adapters.db.receivables.payment_queries import SqlPaymentQueries
from app.adapters.db.receivables.payments import SqlPaymentRepository
from app.adapters.db.receivables.project_figures import SqlProjectMoney, SqlSubjectUnits
from app.adapters.db.reporting.reports import SqlReportQueries
from app.adapters.db.reporting.review import SqlReviewQueries
from app.adapters.db.reporting.statements import SqlStatementQueries
from app.adapters.db.scheduling.findings import SqlFindingRepository
from app.adapters.db.scheduling.scans import SqlScanRepository

BY_CONNECTION: dict[str, Callable[[PooledConnection], object]] = {
    "customers": SqlCustomerRepository,
    "customer_queries": SqlCustomerQueries,
    "api_keys": SqlApiKeyRepository,
    "api_key_queries": SqlApiKeyQueries,
    "contracts": SqlContractRepository,
    "contract_queries": SqlContractQueries,
    "invoice_queries": SqlInvoiceQueries,
    "payment_queries": SqlPaymentQueries,
    "ingest_queries": SqlIngestQueries,
    "imports": SqlImportRepository,
    "targets": SqlTargetRepository,
    "target_queries": SqlTargetQueries,
    "tasks": SqlTaskRepository,
    "task_queries": SqlTaskQueries,
    "interactions": SqlInteractionRepository,
    "interaction_queries": SqlInteractionQueries,
    "promises": SqlPromiseRepository,
    "promise_queries": SqlPromiseQueries,
    "risk_flags": SqlRiskFlagRepository,
    "risk_flag_queries": SqlRiskFlagQueries,
    "dunning_policy": SqlDunningPolicyRepository,
    "confirmations": SqlConfirmationRepository,
    "legal_actions": SqlLegalActionRepository,
    "limitation": SqlLimitationQueries,
    "webhook_endpoints": SqlWebhookEndpointRepository,
    "webhook_endpoint_queries": SqlWebhookEndpointQueries,
    "webhook_deliveries": SqlWebhookDeliveryRepository,
    "webhook_delivery_queries": SqlWebhookDeliveryQueries,
    "delivery_queue": SqlDeliveryQueue,
    "outbox": SqlOutboxRepository,
    "stream_cursor": SqlStreamCursor,
    "subject_names": SqlSubjectNames,
    "digest": SqlDigestQueries,
    "scans": SqlScanRepository,
    "findings": SqlFindingRepository,
    "idempotency_keys": SqlIdempotencyKeyRepository,
    "reports": SqlReportQueries,
    "review": SqlReviewQueries,
    "statements": SqlStatementQueries,
    "worklist": SqlWorklistQueries,
    "org_units": SqlOrgUnitRepository,
    "org_unit_queries": SqlOrgUnitQueries,
    "people": SqlPersonRepository,
    "person_queries": SqlPersonQueries,
    "projects": SqlProjectRepository,
    "project_queries": SqlProjectQueries,
    "assignments": SqlAssignments,
    "project_money": SqlProjectMoney,
    "subject_units": SqlSubjectUnits,
    "approval_policy": SqlApprovalPolicyRepository,
    "approval_requests": SqlApprovalRequestRepository,
    "approval_request_queries": SqlApprovalRequestQueries,
    "audit_log": SqlAuditLog,
}
BY_CONNECTION_AND_DRIVER: dict[str, Callable[[PooledConnection, Any], object]] = {
    "invoices": SqlInvoiceRepository,
    "payments": SqlPaymentRepository,
    "ingest": SqlIngestRepository,
}
