"""Dependencies shared by the routers: the platform, units of work, auth scopes, If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from app.domain.access.api_keys import ApiKey, Scope
from app.domain.errors import (
    AuthFailure,
    Forbidden,
    PreconditionFailed,
    Unauthenticated,
    ValidationFailed,
)
from app.domain.events import Actor
from app.services.access.api_keys import KeyFinder, authenticate
from app.services.context import Clock, Context
from app.services.platform import AppUnitOfWork, Platform

MAX_ACTOR_LENGTH = 200
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_VERSION_DIGITS = 18

bearer = HTTPBearer(
    auto_error=False,
    description="An API key: `Authorization: Bearer <key>`. Scopes: read, write, ingest, admin.",
)


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def request_uow(
    request: Request, platform: Platform, *, reuse_plans: bool = False
) -> AppUnitOfWork:
    """A fresh unit of work; it stamps the request's Idempotency-Key claim on commit, and
    remembers a signed request's webhook-id as it begins (a replay is refused)."""
    claim = getattr(request.state, "idempotency_claim", None)
    message = getattr(request.state, "signed_message", None)
    return platform.uow(idempotency_claim=claim, reuse_plans=reuse_plans, message=message)


async def get_uow(request: Request, platform: PlatformDep) -> AppUnitOfWork:
    return request_uow(request, platform)


UowDep = Annotated[AppUnitOfWork, Depends(get_uow)]


def get_clock(platform: PlatformDep) -> Clock:
    return platform.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


def _key_finder(platform: Platform) -> KeyFinder:
    async def find(key_hash: str) -> ApiKey | None:
        # Authentication runs before the route's unit of work: a short read of its own.
        async with platform.uow() as uow:
            return await uow.api_keys.find_by_hash(key_hash)

    return find


async def authorize(
    security_scopes: SecurityScopes,
    request: Request,
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The caller, when the bearer key is active and holds one of the route's scopes."""
    if credentials is None and "authorization" in request.headers:
        raise Unauthenticated(
            "the Authorization header must be: Bearer <key>", AuthFailure.MALFORMED
        )
    secret = credentials.credentials if credentials else None
    wanted = [Scope(s) for s in security_scopes.scopes]
    find = _key_finder(platform)
    for scope in wanted[:-1]:
        try:
            key = await authenticate(find, secret, scope, platform.key_cache)
        except Forbidden:
            continue
        return _actor(request, key)
    try:
        key = await authenticate(find, secret, wanted[-1], platform.key_cache)
    except Forbidden:
        if len(wanted) == 1:
            raise
        names = " or ".join(repr(s.value) for s in wanted)
        raise Forbidden(f"this API key lacks the {names} scope") from None
    return _actor(request, key)


def _actor(request: Request, key: ApiKey) -> Actor:
    if key.fixed_actor:  # its holder may not name anyone else
        request.state.actor = Actor(key_name=key.name, user=key.name)
        return request.state.actor  # type: ignore[no-any-return]
    user = request.headers.get("x-actor")
    if user is not None and (
        not user.strip() or len(user) > MAX_ACTOR_LENGTH or not user.isprintable()
    ):
        raise ValidationFailed(
            f"X-Actor must be 1..{MAX_ACTOR_LENGTH} printable characters", ("header", "x-actor")
        )
    request.state.actor = Actor(key_name=key.name, user=user)
    return request.state.actor  # type: ignore[no-any-return]


Reader = Annotated[Actor, Security(authorize, scopes=[Scope.READ.value])]
Writer = Annotated[Actor, Security(authorize, scopes=[Scope.WRITE.value])]
Ingester = Annotated[Actor, Security(authorize, scopes=[Scope.INGEST.value])]
Administrator = Annotated[Actor, Security(authorize, scopes=[Scope.ADMIN.value])]
# The integrator (ingest) and the front ends (read) may both see what became of events.
IngestReader = Annotated[Actor, Security(authorize, scopes=[Scope.INGEST.value, Scope.READ.value])]


async def changing_context(request: Request, actor: Actor, platform: Platform) -> Context:
    """The context of a change: with an approval policy in force, it must name its person."""
    if (
        actor.user is None
        and request.method not in SAFE_METHODS
        and await platform.gate.requires_actor(platform.uow)
    ):
        raise ValidationFailed(
            "name the person acting in X-Actor: an approval policy is in force",
            ("header", "x-actor"),
        )
    return platform.context(actor)


async def _read_context(actor: Reader, platform: PlatformDep) -> Context:
    """For reads that need the settings a context carries (limitation periods)."""
    return platform.context(actor)


async def _write_context(request: Request, actor: Writer, platform: PlatformDep) -> Context:
    return await changing_context(request, actor, platform)


async def _admin_context(request: Request, actor: Administrator, platform: PlatformDep) -> Context:
    return await changing_context(request, actor, platform)


async def _ingest_context(request: Request, actor: Ingester, platform: PlatformDep) -> Context:
    return await changing_context(request, actor, platform)


WriteContext = Annotated[Context, Depends(_write_context)]
AdminContext = Annotated[Context, Depends(_admin_context)]
ReadContext = Annotated[Context, Depends(_read_context)]
IngestContext = Annotated[Context, Depends(_ingest_context)]


# Answers that carry a secret: no cache may keep them, and Idempotency-Key replays don't either.
NO_STORE = "no-store"


def etag(version: int) -> str:
    return f'"{version}"'


async def _if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The ETag (version) you last read; a stale one gets 412.",
        ),
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    # isdigit() alone takes "²" (int() does not); a version fits in 18 digits.
    if not (value.isascii() and value.isdigit() and len(value) <= MAX_VERSION_DIGITS):
        raise PreconditionFailed('If-Match must be an ETag this service issued, like "3"')
    return int(value)


IfMatch = Annotated[int | None, Depends(_if_match)]
