"""The `ordertrail` command: migrate, serve, worker, demo, create-merchant, create-api-key."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from app.settings import ROOT, Settings, get_settings


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        lines = [f"  ORDERTRAIL_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()]
        sys.exit("Invalid settings:\n" + "\n".join(lines))


def cmd_migrate(_args: argparse.Namespace) -> None:
    from app.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    print(f"database is up to date: {settings.database_url.split('@')[-1]}")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.runtime import tune_gc
    from app.web.app import create_app

    settings = load_settings()
    app = create_app(settings, scheduler=not args.no_scheduler)
    tune_gc()  # what is alive now is frozen out of the collector's full passes (app.runtime.tune_gc)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=True)


def cmd_worker(_args: argparse.Namespace) -> None:
    from app.channels import default_channels
    from app.runtime import Runtime, run_worker
    from app.scheduler import build_scheduler

    settings = load_settings()

    async def run() -> None:
        rt = Runtime.create(settings)
        rt.channels.update(default_channels(settings))
        scheduler = build_scheduler(rt)
        scheduler.start()
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
            await rt.close()

    run_worker(run())  # uvloop and the collector set for polling (app.runtime.tune_gc)


def cmd_demo(args: argparse.Namespace) -> None:
    from app.demo_server import run_demo

    db = ROOT / "var" / "demo.db"
    if args.reset and db.exists():
        for suffix in ("", "-wal", "-shm"):
            (db.parent / (db.name + suffix)).unlink(missing_ok=True)
    os.environ.setdefault("ORDERTRAIL_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    os.environ.setdefault("ORDERTRAIL_BASE_URL", f"http://127.0.0.1:{args.port}")
    os.environ.setdefault("ORDERTRAIL_SMTP_PORT", str(args.smtp_port))
    get_settings.cache_clear()
    run_demo(load_settings(), port=args.port, smtp_port=args.smtp_port)


def owner_password(password_file: str | None) -> str:
    """The first owner's password: the first line of --password-file, else typed twice at a prompt."""
    if password_file:
        with open(password_file, encoding="utf-8") as handle:
            return handle.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password for the shop's owner (at least 10 characters): ")
    if getpass.getpass("Repeat the password: ") != first:
        sys.exit("the two passwords differ")
    return first


def cmd_create_merchant(args: argparse.Namespace) -> None:
    from app.merchants import create_merchant, owner_problem

    if problem := owner_problem(args.owner_email, None):
        sys.exit(problem)
    password = owner_password(args.password_file)
    if problem := owner_problem(args.owner_email, password):
        sys.exit(problem)
    settings = load_settings()
    key = asyncio.run(
        create_merchant(
            settings.database_url, slug=args.slug, name=args.name, owner_email=args.owner_email, owner_password=password
        )
    )
    print(f"created shop {args.slug!r} with owner {args.owner_email.strip().lower()}")
    print(f"API key (shown once): {key}")
    print(f"console: {settings.base_url}/console/login")


def cmd_create_api_key(args: argparse.Namespace) -> None:
    from app.merchants import add_api_key

    settings = load_settings()
    key = asyncio.run(add_api_key(settings.database_url, slug=args.slug, name=args.name))
    print(f"API key for {args.slug!r} (shown once): {key}")


def cmd_import(args: argparse.Namespace) -> None:
    from app.integrations.csv_import import run_cli

    raise SystemExit(run_cli(load_settings(), path=args.path, shop=args.shop))


def cmd_analytics_backfill(_args: argparse.Namespace) -> None:
    from app.analytics.rollup import backfill
    from app.db import make_engine

    async def run() -> int:
        engine = make_engine(load_settings().database_url)
        try:
            return await backfill(engine)
        finally:
            await engine.dispose()

    print(f"analytics rollups recounted: {asyncio.run(run())} merchant-days")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ordertrail", description="Branded order tracking and proactive updates.")
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(func=cmd_migrate)
    serve = sub.add_parser("serve", help="web server (and the scheduler unless --no-scheduler)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-scheduler", action="store_true")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("worker", help="poll carriers and send notifications, no web").set_defaults(func=cmd_worker)
    demo = sub.add_parser("demo", help="demo shop on SQLite with the sandbox carrier and local mail/SMS catchers")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--smtp-port", type=int, default=8025)
    demo.add_argument("--reset", action="store_true", help="start from an empty demo database")
    demo.set_defaults(func=cmd_demo)
    merchant = sub.add_parser("create-merchant", help="create a shop with its owner and print its first API key")
    merchant.add_argument("slug")
    merchant.add_argument("name")
    merchant.add_argument("--owner-email", required=True, help="the owner's console sign-in")
    merchant.add_argument("--password-file", help="read the owner's password from this file (else prompted)")
    merchant.set_defaults(func=cmd_create_merchant)
    imp = sub.add_parser("import", help="import orders and shipments from a CSV file (re-running changes nothing)")
    imp.add_argument("path", help="the CSV file")
    imp.add_argument("--shop", required=True, help="the shop's slug")
    imp.set_defaults(func=cmd_import)
    sub.add_parser(
        "analytics-backfill", help="recount the dashboard's daily rollups of every closed day from the raw rows"
    ).set_defaults(func=cmd_analytics_backfill)
    key = sub.add_parser("create-api-key", help="add an API key to a shop")
    key.add_argument("slug")
    key.add_argument("--name", default="api")
    key.set_defaults(func=cmd_create_api_key)
    return root


def main(argv: Sequence[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "apscheduler", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
