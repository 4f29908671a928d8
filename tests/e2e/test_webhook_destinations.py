"""Endpoint URLs that point inside (SSRF) are refused at creation and change, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from app.domain.destinations import DestinationPolicy, parse_networks
from app.services.platform import Platform

DENIED_URLS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://127.1:22/",
    "http://0x7f000001/",
    "http://0.0.0.0:5432/",
    "http://[::]/",
    "http://[::1]:8000/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://admin:hunter2@erp.example.com/hooks",
]


@pytest.fixture
def strict(platform: Platform) -> Platform:
    """The service as deployed: no allow list (the tests' platform allows 127.0.0.0/8)."""
    platform.destinations = DestinationPolicy()
    return platform


async def create(api: httpx.AsyncClient, url: str) -> httpx.Response:
    return await api.post("/v1/webhook-endpoints", json={"url": url, "event_types": ["*"]})


@pytest.mark.parametrize("url", DENIED_URLS)
async def test_a_denied_url_is_422_at_creation_and_change(
    api: httpx.AsyncClient, strict: Platform, url: str
) -> None:
    refused = await create(api, url)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["loc"][-1] == "url"
    assert "hunter2" not in refused.text

    endpoint = (await create(api, "https://erp.example.com/hooks")).json()
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    changed = await api.patch(path, json={"url": url})
    assert changed.status_code == 422, changed.text
    assert (await api.get(path)).json()["url"] == "https://erp.example.com/hooks"
    assert (await api.get("/v1/webhook-endpoints")).json()["data"][0]["version"] == 1


async def test_names_private_addresses_and_the_allow_list_pass(
    api: httpx.AsyncClient, strict: Platform
) -> None:
    for url in ("http://localhost:8080/h", "http://10.0.0.5/h", "http://[fd00::5]/h"):
        assert (await create(api, url)).status_code == 201, url
    strict.destinations = DestinationPolicy(deny_private=True)
    assert (await create(api, "http://10.0.0.5/h")).status_code == 422
    strict.destinations = DestinationPolicy(parse_networks("127.0.0.0/8"))
    assert (await create(api, "http://127.1:22/")).status_code == 201
