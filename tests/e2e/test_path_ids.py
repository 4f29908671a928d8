"""Ids in paths are opaque: a malformed one names no resource, so it is 404 like an unknown
one, on every route that takes an id. The walk reads the routes from the app, so a new
route is covered the moment it exists. A malformed id in a body stays 422."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from app.api.app import create_app
from tests.e2e.receivables import customer
from tests.e2e.test_bad_input import assert_problem

MALFORMED = [
    "not-a-uuid",
    "1;DROP TABLE customers",
    "01900000-0000-7000-8000-00000000000",  # one digit short
    "x" * 300,
    "%C2%B2",  # "²"
    "invoice:not-a-uuid",
]
PARAM = re.compile(r"\{([^}]+)\}")
# A PUT that creates names the resource to make, not one to find: its user id is the
# directory's, free text, checked as any field (422).
CREATES = {("PUT", "/v1/people/{user_id}")}
# A milestone key is a name the client chose, not an opaque id: any short text is one.
NAMES = {"key"}


def routes_with_ids() -> list[tuple[str, str]]:
    document = create_app().openapi()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        if PARAM.search(path)
        for method in item
        if (method.upper(), path) not in CREATES
    ]


def test_the_walk_covers_the_routes_with_ids() -> None:
    walked = routes_with_ids()
    assert len(walked) >= 40
    assert ("POST", "/v1/worklist/{item}/accept") in walked
    assert ("DELETE", "/v1/payments/{payment_id}/allocations/{allocation_id}") in walked


@pytest.mark.parametrize(("method", "path"), routes_with_ids())
async def test_a_malformed_id_in_a_path_is_404(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    names = PARAM.findall(path)
    ids = [name for name in names if name not in NAMES]
    for malformed in MALFORMED:
        for wrong in ids:  # each id in turn; the others well-formed
            url = path
            for name in names:
                well_formed = "completion" if name in NAMES else str(uuid.uuid4())
                url = url.replace(f"{{{name}}}", malformed if name == wrong else well_formed)
            body: dict[str, str] | None = {} if method in {"POST", "PUT", "PATCH"} else None
            response = await api.request(method, url, params={"assignee": "u1"}, json=body)
            problem = assert_problem(response, 404)
            assert problem["type"] == "urn:huikuan:problem:not-found", (method, url)
            assert problem["detail"] != "no such route", (method, url)


async def test_the_404_names_the_resource(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/customers/not-a-uuid")
    assert assert_problem(response, 404)["detail"] == "customer 'not-a-uuid' does not exist"
    flag = await api.post("/v1/risk-flags/42/resolve", json={})
    assert assert_problem(flag, 404)["detail"] == "risk flag '42' does not exist"
    long = assert_problem(await api.get("/v1/tasks/" + "y" * 500), 404)["detail"]
    assert len(long) < 120


async def test_without_a_key_it_is_401_first(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/customers/not-a-uuid"), 401)


async def test_a_malformed_id_in_a_body_or_a_query_stays_422(api: httpx.AsyncClient) -> None:
    made = await customer(api)
    contract = {
        "customer_id": "not-a-uuid",
        "name": "X",
        "amount": "100",
        "currency": "CNY",
        "owner": "u1",
        "signed_on": "2026-01-10",
    }
    problem = assert_problem(await api.post("/v1/contracts", json=contract), 422)
    assert ["body", "customer_id"] in [e["loc"] for e in problem["errors"]]
    flag = {"subject": {"type": "customer", "id": "nope"}, "kind": "credit", "severity": "low"}
    problem = assert_problem(await api.post("/v1/risk-flags", json=flag), 422)
    assert ["body", "subject", "id"] in [e["loc"] for e in problem["errors"]]
    problem = assert_problem(await api.get("/v1/invoices", params={"customer_id": "nope"}), 422)
    assert ["query", "customer_id"] in [e["loc"] for e in problem["errors"]]
    assert (await api.get("/v1/invoices", params={"customer_id": made["id"]})).status_code == 200
