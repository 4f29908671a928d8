"""Configuration: environment variables with the prefix ``HUIKUAN_`` plus ``DATABASE_URL``.

Every field here is listed in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from standardwebhooks.webhooks import Webhook

from app.domain.collection.limitation import WARN_SETTING, parse_warn_days
from app.domain.collection.worklist_weights import SETTING as WEIGHTS_SETTING
from app.domain.collection.worklist_weights import Weights, weights_from_json
from app.domain.delivery.delivery import DEFAULT_RETRY_SCHEDULE, RetrySchedule
from app.domain.destinations import DestinationPolicy, parse_networks
from app.domain.errors import ValidationFailed
from app.domain.money import MINOR_UNITS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIKUAN_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "HUIKUAN_DATABASE_URL"),
        description="PostgreSQL URL; unset starts an embedded PostgreSQL in data_dir "
        "(the `embedded` extra, not in the image).",
    )
    data_dir: Path = Field(default=Path(".data"), description="Embedded PostgreSQL data folder.")
    host: str = "127.0.0.1"
    port: int = 8000
    worker_ops_port: int = Field(
        default=8001, ge=0, le=65535, description="`worker` serves /healthz, /readyz, /metrics here"
    )
    timezone: str = Field(default="Asia/Shanghai", description="Decides what 'today' is.")
    bootstrap_api_key: str | None = Field(
        default=None, description="Ensures a key with this value and all scopes exists."
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    migrate_on_start: bool = True
    log_level: str = "INFO"
    idempotency_retention_hours: int = Field(default=24, ge=1)
    idempotency_lease_seconds: int = Field(default=60, ge=1)
    auth_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a verified key is trusted without a lookup."
    )
    test_clock: bool = Field(default=False, description="Never in production.")
    promise_grace_days: int = Field(
        default=0, ge=0, le=365, description="Days after the promised date a payment still counts."
    )
    default_currency: str = Field(
        default="CNY", description="A customer created without a currency gets this one."
    )
    locale: Literal["zh-CN", "en"] = "zh-CN"
    cors_origins: str = Field(
        default="",
        description="Origins browser front ends may call from (comma-separated); none by default.",
    )
    company_name: str = Field(
        default="Huikuan",
        min_length=1,
        max_length=200,
        description="The creditor named on statements (PDF, XLSX).",
    )

    # Limitation periods (PRC Civil Code arts. 188, 195)
    limitation_years: int = Field(
        default=3, ge=1, le=30, description="Years a receivable can be sued for."
    )
    limitation_warn_days: str = Field(
        default="180,90,30",
        description="Days before expiry the limitation check warns, comma-separated.",
    )

    # Event delivery (the outbox relay and webhooks)
    relay_enabled: bool = Field(default=True, description="Run the relay in serve and worker.")
    relay_poll_s: float = Field(default=1.0, gt=0, description="Poll even without a NOTIFY.")
    relay_gather_s: float = Field(
        default=0.01, ge=0, le=1, description="Least time between passes: commits share one."
    )
    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_concurrency: int = Field(default=64, ge=1, description="Sends in flight per process.")
    relay_endpoint_concurrency: int = Field(
        default=16, ge=1, description="Sends in flight per endpoint per process."
    )
    relay_lease_s: float = Field(
        default=60.0, gt=0, description="How long a claimed delivery is kept from other relays."
    )
    relay_shutdown_grace_s: float = Field(default=10.0, ge=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_retry_schedule: str = Field(
        default=DEFAULT_RETRY_SCHEDULE, description="Seconds between attempts, comma-separated."
    )
    webhook_disable_after_h: float = Field(default=120.0, gt=0)
    webhook_allow_networks: str = Field(
        default="",
        description="CIDRs webhooks may reach though denied (e.g. 127.0.0.0/8), comma-separated.",
    )
    webhook_deny_private: bool = Field(
        default=False, description="Also refuse private ranges (10/8, 172.16/12, 192.168/16...)."
    )
    outbox_retention_days: int = Field(default=30, ge=1)

    # The event stream (NATS JetStream) and chat robots
    nats_url: str | None = Field(
        default=None,
        description="nats://host:4222; set, every outbox event is also published to JetStream.",
    )
    stream_max_age_days: float = Field(
        default=30.0, ge=0, description="How long HUIKUAN_EVENTS keeps a message (0: forever)."
    )
    stream_duplicate_window_s: float = Field(
        default=600.0, ge=120, description="JetStream drops a republished event id this long."
    )
    stream_batch_size: int = Field(default=500, ge=1, le=5000)
    stream_poll_s: float = Field(default=1.0, gt=0, description="Look even without a NOTIFY.")

    # Controls: approvals and the audit trail
    approval_expire_days: int = Field(
        default=7, ge=1, le=365, description="Pending approval requests expire after this."
    )
    audit_retention_days: int = Field(
        default=0, ge=0, description="Audit entries older than this are deleted; 0 keeps them."
    )

    # The scheduler
    scheduler_enabled: bool = Field(default=True, description="Schedule the jobs in serve/worker.")
    scheduler_first_run_delay_s: float = Field(
        default=30.0, ge=0, description="Interval jobs first run this long after start-up."
    )
    scheduler_batch_size: int = Field(default=500, ge=1, le=10000)
    due_soon_days: int = Field(default=3, ge=0, le=365)
    unbilled_after_days: int = Field(
        default=7, ge=0, le=365, description="Days after falling due an installment is unbilled."
    )
    job_unbilled_scan_s: float = Field(default=3600.0, gt=0)
    job_overdue_scan_s: float = Field(default=300.0, gt=0)
    job_due_soon_s: float = Field(default=3600.0, gt=0)
    job_promise_check_s: float = Field(default=900.0, gt=0)
    job_target_pace_s: float = Field(default=3600.0, gt=0)
    job_outbox_cleanup_s: float = Field(default=3600.0, gt=0)
    job_idempotency_cleanup_s: float = Field(default=3600.0, gt=0)
    job_approval_expiry_s: float = Field(default=900.0, gt=0)
    job_audit_retention_s: float = Field(default=86400.0, gt=0)
    job_limitation_check_s: float = Field(default=3600.0, gt=0)
    overdue_summary_at: str = Field(
        default="08:00", description="Local time (HUIKUAN_TIMEZONE) of the daily summary."
    )
    digest_at: str = Field(
        default="08:30", description="Local time of the collector digest (person.daily_digest)."
    )

    # Ingestion
    ingest_secret: str | None = Field(
        default=None,
        description="Standard Webhooks secret (whsec_...); set, ingestion requests must be signed.",
    )
    ingest_max_events: int = Field(default=1000, ge=1, le=10_000)
    ingest_max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    ingest_sweep_seconds: float = Field(
        default=30.0, ge=0, description="How often parked events are re-checked (0: never)."
    )

    # Bulk import
    import_max_bytes: int = Field(
        default=100 * 1024 * 1024, ge=1024, description="Largest file POST /v1/imports takes (413)."
    )
    import_enabled: bool = Field(
        default=True, description="Run import jobs in the background of serve and worker."
    )
    import_lease_s: float = Field(
        default=30.0, gt=0, description="A running job not renewed this long is taken over."
    )
    import_poll_s: float = Field(
        default=2.0, gt=0, description="How often queued jobs are looked for."
    )
    import_spool_dir: Path | None = Field(
        default=None, description="Where a running job's file is spooled (default: the system's)."
    )

    @field_validator("ingest_secret")
    @classmethod
    def _usable_secret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            Webhook(value)
        except Exception as exc:
            raise ValueError("HUIKUAN_INGEST_SECRET must be whsec_ followed by base64") from exc
        return value

    # The worklist
    worklist_weights: str | None = Field(
        default=None,
        description="JSON: points per factor over the defaults (docs/collection.md).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_currency")
    @classmethod
    def _supported_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in MINOR_UNITS:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code such as CNY or USD")
        return code

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _readable_schedule(cls, value: str) -> str:
        try:
            RetrySchedule.parse(value)
        except ValidationFailed as exc:
            raise ValueError(exc.detail) from exc
        return value

    @field_validator("webhook_allow_networks")
    @classmethod
    def _readable_networks(cls, value: str) -> str:
        try:
            parse_networks(value)
        except ValidationFailed as exc:
            raise ValueError(exc.detail) from exc
        return value

    @field_validator("overdue_summary_at", "digest_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            parsed = datetime.strptime(value.strip(), "%H:%M")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a time of day like 08:00") from exc
        return parsed.strftime("%H:%M")

    @field_validator("limitation_warn_days")
    @classmethod
    def _readable_warn_days(cls, value: str) -> str:
        try:
            parse_warn_days(value)
        except ValidationFailed as exc:
            raise ValueError(exc.detail.removeprefix(WARN_SETTING).lstrip(": ")) from exc
        return value

    @field_validator("worklist_weights")
    @classmethod
    def _readable_weights(cls, value: str | None) -> str | None:
        try:
            weights_from_json(value)
        except ValidationFailed as exc:
            # The setting's name comes with the field; keep what is wrong with it.
            raise ValueError(exc.detail.removeprefix(WEIGHTS_SETTING).lstrip(": ")) from exc
        return value

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Self:
        # A leased delivery may wait for one send of its endpoint, then be sent itself.
        if self.relay_lease_s <= 2 * self.webhook_timeout_s:
            raise ValueError(
                "HUIKUAN_RELAY_LEASE_S must be longer than twice HUIKUAN_WEBHOOK_TIMEOUT_S"
            )
        return self

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in (o.strip() for o in value.split(",") if o.strip()):
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an origin such as https://app.example.com")
        return value

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def retry_schedule(self) -> RetrySchedule:
        return RetrySchedule.parse(self.webhook_retry_schedule)

    @property
    def destinations(self) -> DestinationPolicy:
        return DestinationPolicy.from_settings(
            self.webhook_allow_networks, self.webhook_deny_private
        )

    @property
    def disable_after(self) -> timedelta:
        return timedelta(hours=self.webhook_disable_after_h)

    @property
    def worklist_weight_table(self) -> Weights:
        return weights_from_json(self.worklist_weights)

    @property
    def limitation_warn_table(self) -> tuple[int, ...]:
        return parse_warn_days(self.limitation_warn_days)

    @property
    def overdue_summary_time(self) -> time:
        return time.fromisoformat(self.overdue_summary_at)

    @property
    def digest_time(self) -> time:
        return time.fromisoformat(self.digest_at)
