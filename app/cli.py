"""The ``huikuan`` command: serve, worker, migrate, apikey create|list|revoke, import."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator, Sequence
from uuid import UUID

import uvicorn
from pydantic import ValidationError

from app.adapters.embedded_pg import EmbeddedPostgresMissing, require_pgserver
from app.adapters.logging import configure_logging
from app.api.app import create_ops_app
from app.bootstrap import Runtime, build_runtime, create_web_app, database_url
from app.cli_import import add_parser as add_import_parser
from app.cli_import import run_import
from app.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = Settings(**overrides)
    if not settings.database_url:
        require_pgserver()  # now: inside uvicorn's start-up it would end as a traceback
    configure_logging(settings.log_level)
    base = f"http://{settings.host}:{settings.port}"
    print(f"Huikuan serving on {base}  (API docs: {base}/docs)", file=sys.stderr)
    if settings.bootstrap_api_key:
        # The key itself never goes to the logs: name the variable that holds it.
        print(
            'Authenticate with the bootstrap key: curl -H "Authorization: Bearer '
            f'$HUIKUAN_BOOTSTRAP_API_KEY" {base}/v1/customers',
            file=sys.stderr,
        )
    else:
        print(
            "Create a key with `huikuan apikey create --name me --scopes read,write,ingest,admin`"
            " or set HUIKUAN_BOOTSTRAP_API_KEY.",
            file=sys.stderr,
        )
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again. Handled here,
    # it ends the process as an exception would, so exit handlers run: the embedded
    # PostgreSQL stops with the last process using it (the default action would skip them).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    config = uvicorn.Config(
        create_web_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()
    return 0


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


async def _worker() -> int:
    settings = Settings()
    configure_logging(settings.log_level)
    runtime = await build_runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start_background()
    ops = _ops_server(settings, runtime)
    ops_task = asyncio.create_task(ops.serve()) if ops else None
    try:
        await stop.wait()
    finally:
        if ops is not None and ops_task is not None:
            ops.should_exit = True
            await ops_task
        await runtime.close()
    return 0


def _ops_server(settings: Settings, runtime: Runtime) -> uvicorn.Server | None:
    """Health and metrics for the worker, on HUIKUAN_WORKER_OPS_PORT (0: none)."""
    if not settings.worker_ops_port:
        return None
    config = uvicorn.Config(
        create_ops_app(runtime.platform),
        host=settings.host,
        port=settings.worker_ops_port,
        log_config=None,
    )
    return _OpsServer(config)


class _OpsServer(uvicorn.Server):
    """Leaves SIGINT/SIGTERM to the worker, which stops this server itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _migrate() -> int:
    from app.adapters.db.migrate import head_revision, upgrade

    settings = Settings()
    await upgrade(database_url(settings))
    print(f"database migrated to {head_revision()}")
    return 0


async def _apikey(args: argparse.Namespace) -> int:
    from app.domain.errors import DomainError
    from app.services.access import api_keys
    from app.services.pagination import PageRequest
    from app.services.unit_of_work import in_transaction

    settings = Settings(bootstrap_api_key=None)
    runtime = await build_runtime(settings, with_background=False)
    platform = runtime.platform
    try:
        if args.action == "create":
            created = await in_transaction(
                platform.uow(),
                api_keys.create_api_key,
                platform.clock,
                platform.ids,
                args.name,
                args.scopes.split(","),
                fixed_actor=args.fixed_actor,
            )
            print(f"id:     {created.key.id}")
            print(f"scopes: {','.join(sorted(created.key.scopes))}")
            if created.key.fixed_actor:
                print(f"actor:  always {created.key.name!r}, whatever X-Actor says")
            print(f"key:    {created.secret}   (shown once: store it now)")
        elif args.action == "list":
            after = None
            while True:
                page = await in_transaction(
                    platform.uow(), api_keys.list_api_keys, PageRequest(500, after)
                )
                for key in page.items:
                    state = "revoked" if key.revoked_at else "active"
                    fixed = "  (fixed actor)" if key.fixed_actor else ""
                    scopes = ",".join(sorted(key.scopes))
                    print(f"{key.id}  {state:8}  {scopes:28}  {key.name}{fixed}")
                if page.next_cursor is None:
                    break
                after = (str(page.items[-1].id),)
        else:
            key = await in_transaction(
                platform.uow(), api_keys.revoke_api_key, platform.clock, UUID(args.id)
            )
            print(f"revoked {key.id} ({key.name})")
    except (DomainError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await runtime.close()
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="huikuan", description=__doc__)
    commands = root.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="API + scheduler + relay in one process (default)")
    serve.add_argument("--host", help="default HUIKUAN_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default HUIKUAN_PORT or 8000")
    commands.add_parser("worker", help="scheduler + relay, no API")
    commands.add_parser("migrate", help="apply database migrations")
    apikey = commands.add_parser("apikey", help="manage API keys")
    actions = apikey.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key (its secret is printed once)")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes", required=True, help="comma-separated: read,write,ingest,admin,audit"
    )
    create.add_argument(
        "--fixed-actor",
        action="store_true",
        help="the key always acts as its own name, whatever X-Actor says (integrations)",
    )
    actions.add_parser("list", help="list keys")
    revoke = actions.add_parser("revoke", help="revoke a key")
    revoke.add_argument("id")
    add_import_parser(commands)
    return root


def configuration_problems(error: ValidationError) -> str:
    """One line per bad setting, named as in the environment; never the value (it may be
    a secret)."""
    lines = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper()
        setting = name if name == "DATABASE_URL" else f"HUIKUAN_{name}"
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"  {setting}: {message}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except ValidationError as error:
        print(
            f"huikuan: bad configuration, not starting:\n{configuration_problems(error)}",
            file=sys.stderr,
        )
        return 2
    except EmbeddedPostgresMissing as error:
        print(error, file=sys.stderr)
        return 2


def run(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = args.command or "serve"
    if command == "import":  # a client of a running service: no settings, no database
        with contextlib.suppress(KeyboardInterrupt):
            return run_import(args)
        return 130
    if command == "serve":
        if args.command is None:
            args.host = args.port = None
        return _serve(args)
    configure_logging(Settings().log_level)
    with contextlib.suppress(KeyboardInterrupt):
        if command == "worker":
            return asyncio.run(_worker())
        if command == "migrate":
            return asyncio.run(_migrate())
        return asyncio.run(_apikey(args))
    return 130


if __name__ == "__main__":
    raise SystemExit(main())
