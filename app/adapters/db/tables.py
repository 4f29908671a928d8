"""Every table, gathered on one ``MetaData``: each context declares its own as SQLModel
table models in ``app/adapters/db/<context>/models.py``; importing them here registers them
all, for Alembic and the schema test. Rows map to domain dataclasses in the repositories."""

from __future__ import annotations

from app.adapters.db.access import models as access
from app.adapters.db.collection import models as collection
from app.adapters.db.controls import models as controls
from app.adapters.db.customers import models as customers
from app.adapters.db.delivery import models as delivery
from app.adapters.db.intake import models as intake
from app.adapters.db.metadata import metadata
from app.adapters.db.organisation import models as organisation
from app.adapters.db.receivables import models as receivables
from app.adapters.db.scheduling import models as scheduling

CONTEXTS = (
    access,
    customers,
    organisation,
    receivables,
    collection,
    controls,
    intake,
    delivery,
    scheduling,
)

__all__ = ["CONTEXTS", "metadata"]
