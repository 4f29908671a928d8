"""Security against a running service: every route refuses missing, wrong, revoked and
wrong-scope keys; secrets never come back after creation nor reach the logs; a flood of
bad keys neither breaks good requests nor fills the logs with stack traces."""

from __future__ import annotations

import asyncio
import hmac
import json
import statistics
import time
from typing import Any

import httpx
import pytest

from app.domain.access.api_keys import Scope
from app.services.access import api_keys
from app.services.unit_of_work import in_transaction
from tests.e2e.test_auth_walk import concrete, operations
from tests.fakes import FakeUnitOfWork, context
from tests.reliability.conftest import Figure, Spawn, client
from tests.reliability.processes import KEY


async def make_key(api: httpx.AsyncClient, name: str, scopes: list[str]) -> dict[str, Any]:
    response = await api.post("/v1/admin/api-keys", json={"name": name, "scopes": scopes})
    assert response.status_code == 201
    return dict(response.json())


async def test_every_route_refuses_missing_wrong_revoked_and_wrong_scope_keys(
    spawn: Spawn,
) -> None:
    service = spawn("serve", HUIKUAN_LOG_LEVEL="WARNING")
    async with client(service.base_url) as api:
        lacking: dict[tuple[str, ...], str] = {}
        for _, _, scopes in operations():
            if scopes not in lacking:
                others = [s.value for s in Scope if s.value not in scopes]
                lacking[scopes] = (await make_key(api, "lacking", others))["secret"]
        revoked = await make_key(api, "revoked", [s.value for s in Scope])
        assert (await api.post(f"/v1/admin/api-keys/{revoked['id']}/revoke")).status_code == 200
        anonymous = httpx.AsyncClient(base_url=service.base_url, timeout=30)
        async with anonymous:
            for method, path, scopes in operations():
                kwargs: dict[str, Any] = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
                url = concrete(path)
                for secret, expected in (
                    (None, 401),
                    ("hk_forged", 401),
                    (revoked["secret"], 401),
                    (lacking[scopes], 403),
                ):
                    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
                    response = await anonymous.request(method, url, headers=headers, **kwargs)
                    assert response.status_code == expected, (method, path, secret, response.text)


async def test_secrets_never_come_back_nor_reach_the_logs(spawn: Spawn) -> None:
    service = spawn("serve", HUIKUAN_LOG_LEVEL="DEBUG")
    seen: list[str] = []
    async with client(service.base_url) as api:
        key = await make_key(api, "erp", ["read", "ingest"])
        endpoint = (
            await api.post(
                "/v1/webhook-endpoints",
                json={"url": "http://127.0.0.1:9/hooks", "event_types": ["*"]},
            )
        ).json()
        rotated = (await api.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret")).json()
        secrets = [key["secret"], endpoint["secret"], rotated["secret"], KEY]
        # Use the new key, fail with look-alikes, and read everything that could echo a secret.
        erp = httpx.AsyncClient(
            base_url=service.base_url, headers={"Authorization": f"Bearer {key['secret']}"}
        )
        async with erp:
            seen.append((await erp.get("/v1/customers")).text)
        for path in (
            "/v1/admin/api-keys",
            "/v1/webhook-endpoints",
            f"/v1/webhook-endpoints/{endpoint['id']}",
            f"/v1/webhook-endpoints/{endpoint['id']}/deliveries",
            "/v1/events?limit=500",
            "/metrics",
        ):
            response = await api.get(path)
            assert response.status_code == 200, path
            seen.append(response.text)
        patched = await api.patch(
            f"/v1/webhook-endpoints/{endpoint['id']}", json={"description": "x"}
        )
        seen.append(patched.text)
        await api.get("/v1/customers", headers={"Authorization": f"Bearer {key['secret']}x"})
    logs = service.logs()
    for secret in secrets:
        assert all(secret not in text for text in seen)
        assert secret not in logs
    assert "whsec_" not in logs


async def test_a_flood_of_bad_keys_leaves_good_requests_and_the_logs_clean(
    spawn: Spawn, figure: Figure
) -> None:
    service = spawn("serve", HUIKUAN_LOG_LEVEL="INFO")
    async with client(service.base_url) as api:

        async def good() -> tuple[list[int], list[float]]:
            """100 reads of a good key, 20 a second: statuses and milliseconds."""
            statuses, latencies = [], []
            for _ in range(100):
                started = time.perf_counter()
                statuses.append((await api.get("/v1/customers")).status_code)
                latencies.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.05)
            return statuses, latencies

        _, quiet = await good()  # the same reads with no flood: this run's own baseline
        bad = httpx.AsyncClient(base_url=service.base_url, timeout=30)
        async with bad:

            async def flood() -> list[int]:
                statuses = []
                for second in range(5):  # 100 bad keys a second for 5 seconds
                    batch = [
                        bad.get(
                            "/v1/customers", headers={"Authorization": f"Bearer bad-{second}-{i}"}
                        )
                        for i in range(100)
                    ]
                    statuses += [r.status_code for r in await asyncio.gather(*batch)]
                    await asyncio.sleep(1)
                return statuses

            flooded, (served, during) = await asyncio.gather(flood(), good())
    assert set(flooded) == {401}
    assert set(served) == {200}
    # Refusing a bad key is cheap: the good reads' median stays within a few times its
    # quiet one (bursts of 100 refusals at once do queue a good read behind them).
    quiet_ms, during_ms = statistics.median(quiet), statistics.median(during)
    assert during_ms <= max(3 * quiet_ms, quiet_ms + 20), (quiet_ms, during_ms)
    logs = service.logs()
    assert "Traceback" not in logs
    assert len(logs.splitlines()) < 50  # no line per refused request
    # The failures are summarised, at most a line a second for the one address, keyless.
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    auth = [record for record in records if record["logger"] == "huikuan.auth"]
    assert 2 <= len(auth) <= 7, auth  # a flood of about 5 s: its first line, then summaries
    assert {line["client"] for line in auth} == {"127.0.0.1"}
    told = sum(sum(line.get("failures", {"unknown": 1}).values()) for line in auth)
    assert 400 <= told <= 500  # what came after the last summary waits for the next failure
    assert "bad-" not in logs
    figure(
        f"{len(flooded)} bad keys at 100/s all 401; good reads p50/p99 "
        f"{quiet_ms:.1f}/{sorted(quiet)[98]:.1f} ms quiet, "
        f"{during_ms:.1f}/{sorted(during)[98]:.1f} ms under the flood; "
        f"{len(logs.splitlines())} log lines, no traceback"
    )


async def test_key_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The presented secret's hash is compared with hmac.compare_digest, never with ==."""
    calls: list[tuple[str, str]] = []
    original = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    uow, ctx = FakeUnitOfWork(), context()
    created = await in_transaction(uow, api_keys.create_api_key, ctx.clock, ctx.ids, "k", ["read"])
    await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.READ)
    assert calls == [(created.key.key_hash, created.key.key_hash)]
