"""Configuration: environment variables with the prefix ``HUIKUAN_`` plus ``DATABASE_URL``.

Every field here is listed in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from standardwebhooks.webhooks import Webhook


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIKUAN_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "HUIKUAN_DATABASE_URL"),
        description="PostgreSQL URL; unset starts an embedded PostgreSQL in data_dir.",
    )
    data_dir: Path = Field(default=Path(".data"), description="Embedded PostgreSQL data folder.")
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = Field(default="Asia/Shanghai", description="Decides what 'today' is.")
    bootstrap_api_key: str | None = Field(
        default=None, description="Ensures a key with this value and all scopes exists."
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    migrate_on_start: bool = True
    log_level: str = "INFO"
    idempotency_retention_hours: int = Field(default=24, ge=1)
    idempotency_lease_seconds: int = Field(default=60, ge=1)
    auth_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a verified key is trusted without a lookup."
    )
    test_clock: bool = Field(default=False, description="Never in production.")
    ingest_secret: str | None = Field(
        default=None,
        description="Standard Webhooks secret (whsec_...); set, ingestion requests must be signed.",
    )
    ingest_max_events: int = Field(default=1000, ge=1, le=10_000)
    ingest_max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    ingest_sweep_seconds: float = Field(
        default=30.0, ge=0, description="How often parked events are re-checked (0: never)."
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

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
