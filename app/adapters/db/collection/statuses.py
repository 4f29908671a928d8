"""Collection's status sets as SQL, rendered once from the domain's constants: unsettled
promises, active risk flags, open tasks (the predicates and their partial indexes)."""

from __future__ import annotations

from app.adapters.db.predicates import status_in, values
from app.domain.collection.promises import UNSETTLED_STATUSES
from app.domain.collection.risk import ACTIVE_STATUS_ORDER
from app.domain.collection.tasks import OPEN_STATUS_ORDER

UNSETTLED = values(UNSETTLED_STATUSES)
UNSETTLED_PROMISE_SQL = status_in(UNSETTLED)
ACTIVE = values(ACTIVE_STATUS_ORDER)
ACTIVE_FLAG_SQL = status_in(ACTIVE)
OPEN_TASK = values(OPEN_STATUS_ORDER)
OPEN_TASK_SQL = status_in(OPEN_TASK)
