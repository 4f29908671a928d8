"""An org tree for the report benchmark: 200 units on three levels (the company, 13
regions, 186 branches) and 2,000 people, the 200 contract owners among them, each placed in
a branch since ever (the first placement counts back in time), written with COPY."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

REGIONS = 13
BRANCHES = 186
PEOPLE = 2_000
OWNERS = 200  # bench/_report_seed.py's owner-000 … owner-199
SINCE_EVER = datetime(1900, 1, 1, tzinfo=UTC)
NOW = datetime.now(UTC)


def _uid(n: int) -> UUID:
    return UUID(int=(0x4F << 96) | n)


async def seed_org(conn: asyncpg.Connection) -> None:
    company = _uid(0)
    regions = [_uid(1 + r) for r in range(REGIONS)]
    branches = [_uid(1 + REGIONS + b) for b in range(BRANCHES)]
    parent_of: dict[UUID, UUID | None] = {company: None}
    parent_of |= dict.fromkeys(regions, company)
    parent_of |= {b: regions[i % REGIONS] for i, b in enumerate(branches)}
    units: list[tuple[Any, ...]] = [
        (u, f"U{i:03d}", f"单位 {i:03d}", parent_of[u], None, 1, NOW, NOW)
        for i, u in enumerate(parent_of)
    ]
    closure: list[tuple[Any, ...]] = []
    for unit in parent_of:
        ancestor: UUID | None = unit
        depth = 0
        while ancestor is not None:
            closure.append((ancestor, unit, depth))
            ancestor, depth = parent_of[ancestor], depth + 1
    names = [f"owner-{n:03d}" for n in range(OWNERS)]
    names += [f"staff-{n:04d}" for n in range(PEOPLE - OWNERS)]
    people = [
        (name, name, branches[n % BRANCHES], True, 1, NOW, NOW) for n, name in enumerate(names)
    ]
    placed = [(name, SINCE_EVER, None, branches[n % BRANCHES]) for n, name in enumerate(names)]
    await conn.copy_records_to_table(
        "org_units", records=units,
        columns=("id", "code", "name", "parent_id", "manager", "version", "created_at",
                 "updated_at"),
    )  # fmt: skip
    await conn.copy_records_to_table(
        "org_unit_closure", records=closure, columns=("ancestor_id", "descendant_id", "depth")
    )
    await conn.copy_records_to_table(
        "people", records=people,
        columns=("user_id", "name", "org_unit_id", "active", "version", "created_at",
                 "updated_at"),
    )  # fmt: skip
    await conn.copy_records_to_table(
        "person_assignments", records=placed,
        columns=("user_id", "valid_from", "valid_to", "org_unit_id"),
    )  # fmt: skip
    await conn.execute("ANALYZE org_units, org_unit_closure, people, person_assignments")
