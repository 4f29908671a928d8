"""HTTP metrics, labelled by route template (``/v1/customers/{customer_id}``), never raw paths."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from app.domain.errors import AuthFailure

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED_ROUTE = "<unmatched>"

# Refused requests (401, 403) by reason: a closed set, so the label stays bounded.
AUTH_FAILURES = Counter(
    "huikuan_auth_failures_total", "Requests refused as unauthenticated or forbidden.", ["reason"]
)
_auth_children = {reason.value: AUTH_FAILURES.labels(reason.value) for reason in AuthFailure}


def count_auth_failure(reason: str) -> None:
    child = _auth_children.get(reason)
    if child is None:  # not a reason we know: counted, but under one label
        child = _auth_children[AuthFailure.UNKNOWN.value]
    child.inc()
