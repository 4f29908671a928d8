"""target-pace on PostgreSQL: targets behind pace, achieved and missed, once each; ended
targets are no longer read unless changed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx

from tests.e2e.collection import target
from tests.e2e.receivables import customer, ok, payment
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs


async def test_targets_at_risk_achieved_and_missed(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    c = await customer(api)
    await payment(api, c["id"], amount="1000.00", received_on="2026-11-20")
    behind = await target(api, name="Q4")  # 2026-10-01..12-31, 100,000: 1,000 in, far behind
    achieved = await target(
        api,
        name="客户目标",
        scope="customer",
        scope_id=c["id"],
        amount="1000.00",
        period_start="2026-11-01",
    )
    missed = await target(api, name="十月", amount="5000.00", period_end="2026-11-20")
    future = await target(
        api, name="Q1", amount="1000.00", period_start="2027-01-01", period_end="2027-03-31"
    )
    before = await jobs.types()

    first = await jobs.run("target-pace")

    found = {(e["type"], e["subject"]) for e in await jobs.events("target.")}
    assert await jobs.types() - before == Counter(
        {"target.at_risk": 1, "target.achieved": 1, "target.missed": 1}
    )
    assert {
        ("target.at_risk", f"targets/{behind['id']}"),
        ("target.achieved", f"targets/{achieved['id']}"),
        ("target.missed", f"targets/{missed['id']}"),
    } <= found
    (at_risk,) = await jobs.events("target.at_risk")
    assert at_risk["data"]["object"]["pace"] == "behind"
    assert first.examined == 3  # the future target has not begun

    second = await jobs.run("target-pace")
    assert (second.examined, second.events) == (2, 0)  # the missed one is closed

    clock.set(datetime(2027, 1, 2, 8, 0, tzinfo=UTC))
    before = await jobs.types()
    third = await jobs.run("target-pace")
    assert third.examined == 3
    assert await jobs.types() - before == Counter({"target.missed": 1, "target.at_risk": 1})
    events = await jobs.events("target.")
    assert (events[-2]["subject"], events[-1]["subject"]) in {
        (f"targets/{behind['id']}", f"targets/{future['id']}"),
        (f"targets/{future['id']}", f"targets/{behind['id']}"),
    }
    assert (await jobs.run("target-pace")).examined == 1  # only the one still running

    # A closed target that changes is read again: at its new amount it is achieved.
    url = f"/v1/targets/{missed['id']}"
    version = ok(await api.get(url))["version"]
    changed = await api.patch(url, json={"amount": "800.00"}, headers={"If-Match": f'"{version}"'})
    assert changed.status_code == 200, changed.text
    before = await jobs.types()
    await jobs.run("target-pace")
    assert await jobs.types() - before == Counter({"target.achieved": 1})
