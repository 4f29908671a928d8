"""Webhook endpoint and delivery schemas. The secret appears only in creation and rotation."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from app.api.schemas import RequestModel, Timestamp
from app.domain.delivery.chat import EndpointFormat
from app.domain.delivery.delivery import DeliveryStatus

Url = Annotated[
    str,
    Field(min_length=1, max_length=2000, examples=["https://erp.example.com/hooks/huikuan"]),
]
EventTypes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]],
    Field(
        min_length=1,
        max_length=100,
        description='`["*"]` for every type, or a list of exact types',
        examples=[["invoice.paid", "payment.received"]],
    ),
]
Description = Annotated[str, Field(max_length=500)]


class WebhookEndpointCreate(RequestModel):
    url: Url = Field(
        description="http:// or https:// URL that receives the POSTs; no user:password@, "
        "no internal address (loopback, link-local, cloud metadata...)"
    )
    event_types: EventTypes
    description: Description | None = None
    enabled: bool = True
    format: EndpointFormat = Field(
        default=EndpointFormat.CLOUDEVENTS,
        description="`cloudevents`: signed CloudEvents JSON. `wecom`, `dingtalk`, `feishu`: the "
        "url is a group robot's webhook address, and each overdue, dunning, broken promise, "
        "risk, target and digest event becomes one markdown message (other types are skipped)",
    )
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="Only for `dingtalk` (`SEC...`) and `feishu`: the robot's signing secret, "
        "if it has one. Never shown again. Other formats take none",
        examples=[None],
    )


class WebhookEndpointPatch(RequestModel):
    """Only the fields present are changed."""

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> WebhookEndpointPatch:
        for name in ("url", "event_types", "enabled"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class WebhookEndpointOut(BaseModel):
    id: str
    url: str = Field(
        description="Whole in the answers about this one endpoint; in lists (and events) "
        "redacted: no query, token-like path segments shown as ***"
    )
    event_types: list[str]
    format: EndpointFormat
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(description="Why the endpoint is disabled, if it is")
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str | None = Field(
        description="`whsec_` + base64: verify signatures with it. Shown only here: store it. "
        "A chat robot's: the secret given, null when none was",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class DeliveryAttemptOut(BaseModel):
    attempt: int
    at: Timestamp
    status_code: int | None = Field(description="The receiver's answer; null when none came")
    error: str | None
    duration_ms: int
    next_attempt_at: Timestamp | None = Field(description="When the next attempt was planned")


class WebhookDeliveryOut(BaseModel):
    id: str
    endpoint_id: str
    event_id: str = Field(description="Also the `webhook-id` header of every attempt")
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: Timestamp | None
    delivered_at: Timestamp | None
    last_status_code: int | None
    last_error: str | None
    attempts: list[DeliveryAttemptOut]
    created_at: Timestamp
    updated_at: Timestamp
