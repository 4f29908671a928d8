"""Every table, as SQLAlchemy Core ``Table``s on one ``MetaData``: each context defines its
own in ``app/adapters/db/<context>/tables.py``; importing them here registers them all, for
Alembic and the schema test. Rows map to domain dataclasses in the repositories."""

from __future__ import annotations

from app.adapters.db.access import tables as access
from app.adapters.db.collection import tables as collection
from app.adapters.db.customers import tables as customers
from app.adapters.db.delivery import tables as delivery
from app.adapters.db.intake import tables as intake
from app.adapters.db.metadata import metadata
from app.adapters.db.receivables import tables as receivables
from app.adapters.db.scheduling import tables as scheduling

CONTEXTS = (access, customers, receivables, collection, intake, delivery, scheduling)

__all__ = ["CONTEXTS", "metadata"]
