"""Reading an ingestion request body into its events, in any of the accepted forms.

- ``application/json``: one event (plain or CloudEvents), ``{"events": [...]}``, or a list;
- ``application/cloudevents+json``: one CloudEvent (structured mode);
- ``application/cloudevents-batch+json``: a JSON array of CloudEvents.

Only the shape of the body is checked here; each event is read on its own later, so one
bad event never fails the others.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.api.json_body import parse_json
from app.domain.errors import ValidationFailed

CLOUDEVENTS_BATCH = "application/cloudevents-batch+json"


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def read_events(body: bytes, content_type: str, max_events: int) -> list[object]:
    """The events of a request; json.JSONDecodeError for unreadable JSON (400),
    ValidationFailed for a body of the wrong shape or with too many events (422)."""
    if not body.strip():
        raise ValidationFailed('send one event, {"events": [...]}, or a list of events', ("body",))
    parsed = parse_json(body)
    if media_type(content_type) == CLOUDEVENTS_BATCH and not isinstance(parsed, list):
        raise ValidationFailed(f"{CLOUDEVENTS_BATCH} is a JSON array of events", ("body",))
    if isinstance(parsed, list):
        events = parsed
    elif isinstance(parsed, Mapping) and "events" in parsed and "type" not in parsed:
        unknown = sorted(set(parsed) - {"events"})
        if unknown:
            raise ValidationFailed(f"unknown fields beside events: {unknown}", ("body",))
        events = parsed["events"]
        if not isinstance(events, list):
            raise ValidationFailed("events must be a list", ("body", "events"))
    elif isinstance(parsed, Mapping):
        events = [parsed]
    else:
        raise ValidationFailed("send an event object or a batch of events", ("body",))
    if not events:
        raise ValidationFailed("the batch holds no events", ("body", "events"))
    if len(events) > max_events:
        raise ValidationFailed(
            f"a batch holds at most {max_events} events; this one has {len(events)}: "
            "split it into several requests",
            ("body", "events"),
        )
    return events
