"""How the unit of work writes the audit trail (``app/adapters/db/uow.py`` runs these in
its commit round trip): the events and their entries in one statement, or entries built in
Python. ``entry_for`` (``app/domain/controls/audit.py``) says what an entry is."""

from __future__ import annotations

from app.domain.controls.audit import CREATIONS, entry_for
from app.domain.events import OutboxEvent

# The events and their audit entries, parsed once, for commits that name no sensitive
# field: this renders ``entry_for`` (app/domain/controls/audit.py) in SQL, and
# tests/integration/test_audit_sql.py holds the two equal. It saves serialising every
# document a second time, most of what the trail cost on the ingestion path.
INSERT_EVENTS_AUDITED = """
WITH e AS (SELECT x, n FROM jsonb_array_elements({events}::jsonb) WITH ORDINALITY AS t(x, n)),
outbox AS (
    INSERT INTO outbox_events (id, type, source, subject, time, data)
    SELECT (x->>'id')::uuid, x->>'type', x->>'source', x->>'subject',
           (x->>'time')::timestamptz, x->'data'
    FROM e ORDER BY n
)
INSERT INTO audit_log (id, at, actor, key_name, request_id, action, subject, changes)
SELECT (x->>'id')::uuid, (x->>'time')::timestamptz,
    CASE WHEN jsonb_typeof(x->'data'->'actor'->'user') = 'string'
         THEN x->'data'->'actor'->>'user' END,
    coalesce(x->'data'->'actor'->>'api_key', ''),
    {request_id},
    CASE WHEN jsonb_typeof(x->'data'->'action') = 'string' AND x->'data'->>'action' <> ''
         THEN split_part(x->>'type', '.', 1) || '.' || (x->'data'->>'action')
         ELSE x->>'type' END,
    x->>'subject',
    coalesce((
        SELECT jsonb_object_agg(k, jsonb_build_array(NULL, v))
        FROM jsonb_each((x->'data') - 'actor' - 'object' - 'changes' - 'action') AS c(k, v)
    ), '{{}}')
    || CASE
        WHEN jsonb_typeof(x->'data'->'changes') = 'object' THEN coalesce((
            SELECT jsonb_object_agg(k, CASE
                WHEN jsonb_typeof(v) = 'object' AND v ? 'from' AND v ? 'to'
                THEN jsonb_build_array(v->'from', v->'to')
                ELSE jsonb_build_array(NULL, v) END)
            FROM jsonb_each(x->'data'->'changes') AS c(k, v)), '{{}}')
        WHEN x->>'type' = ANY({creations}) AND jsonb_typeof(x->'data'->'object') = 'object'
        THEN coalesce((
            SELECT jsonb_object_agg(k, jsonb_build_array(NULL, v))
            FROM jsonb_each((x->'data'->'object') - 'version' - 'updated_at' - 'created_at')
                AS c(k, v)), '{{}}')
        WHEN jsonb_typeof(x->'data'->'object') <> 'null'
        THEN jsonb_build_object('object', jsonb_build_array(NULL, x->'data'->'object'))
        ELSE '{{}}' END
FROM e ORDER BY n
"""
CREATIONS_SQL = "ARRAY[" + ", ".join(f"'{t}'" for t in sorted(CREATIONS)) + "]"
# Audit entries built in Python: for commits that name a sensitive field (redacted by
# ``entry_for``) and for changes no event describes (``add_audit``).
INSERT_AUDIT = (
    "INSERT INTO audit_log (id, at, actor, key_name, request_id, action, subject, changes) "
    "SELECT (e->>'id')::uuid, (e->>'at')::timestamptz, e->>'actor', e->>'key_name', "
    "e->>'request_id', e->>'action', e->>'subject', e->'changes' "
    "FROM jsonb_array_elements({entries}::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n"
)


def audit_json(event: OutboxEvent, request_id: str | None) -> dict[str, object]:
    entry = entry_for(event, request_id)
    return {
        "id": str(entry.id),
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "key_name": entry.key_name,
        "request_id": entry.request_id,
        "action": entry.action,
        "subject": entry.subject,
        "changes": entry.changes,
    }
