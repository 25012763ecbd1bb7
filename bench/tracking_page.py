"""Tracking-page benchmark: the page of a shipment with 20 events and 4 recommendations under load on loopback
(uvicorn, one worker, wrk at 32 connections) against a bare Starlette plaintext endpoint on the same server in the
same run. Warm = repeated views (rendered page cached); cold = every view rendered (cache off).

Run: .venv/bin/python -m bench.tracking_page [--seconds 8] [--connections 32] [--postgres URL]
SQLite (a temporary file) by default; with --postgres, a temporary database made on that server and dropped after.
Needs `wrk` (apt-get install wrk). Targets: warm >= 50 % of bare req/s, cold >= 20 %, p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_for(database: Path | str):
    """Settings on a SQLite file (a Path) or a database URL (a str)."""
    from app.settings import Settings

    return Settings(
        _env_file=None,
        environment="development",
        database_url=database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}",
        base_url="http://127.0.0.1",
        secret_key="bench-secret-key-0123456789abcdef0123456789",
    )


async def seed(database: Path | str) -> str:
    """One shop, a catalogue with rules giving 4 recommendations, one order, one shipment with 20 events."""
    from app.db import make_engine, writing
    from app.models import LineItem, Merchant, Order, Product, RecommendationRule, Shipment, TrackingEvent, metadata
    from app.security.tokens import derive_token, new_ref, token_hash

    settings = settings_for(database)
    engine = make_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    now = datetime.now(UTC)
    ref = new_ref()
    async with writing(engine) as conn:
        merchant_id = (
            await conn.execute(
                Merchant.__table__.insert().values(
                    slug="bench",
                    name="Bench Shop",
                    website_url="https://shop.example.com",
                    created_at=now,
                    support_email="help@shop.example.com",
                    announcement="Free returns",
                    header_links=[],
                    primary_color="#1f4e79",
                    accent_color="#f5a623",
                    font="system",
                    timezone="Europe/Paris",
                )
            )
        ).inserted_primary_key[0]
        order_id = (
            await conn.execute(
                Order.__table__.insert().values(
                    merchant_id=merchant_id,
                    number="5001",
                    customer_name="Alex Doe",
                    customer_email="a@example.com",
                    locale="en",
                    timezone="Europe/Paris",
                    city="Bordeaux",
                    postal_code="33000",
                    country="FR",
                    placed_at=now,
                    created_at=now,
                    updated_at=now,
                    promised_by=date.today() + timedelta(days=3),
                )
            )
        ).inserted_primary_key[0]
        await conn.execute(
            LineItem.__table__.insert(),
            [{"order_id": order_id, "title": f"Item {i}", "quantity": 1, "product_id": f"p{i}"} for i in range(2)],
        )
        products = []
        for i in range(2, 8):
            products.append(
                (
                    await conn.execute(
                        Product.__table__.insert().values(
                            merchant_id=merchant_id,
                            external_id=f"p{i}",
                            title=f"Product {i}",
                            price_cents=1900,
                            url=f"https://shop.example.com/p/{i}",
                            currency="EUR",
                            collections="all",
                            updated_at=now,
                        )
                    )
                ).inserted_primary_key[0]
            )
        await conn.execute(
            RecommendationRule.__table__.insert(),
            [
                {"merchant_id": merchant_id, "when_kind": "product", "when_value": "p0", "product_id": p, "position": i}
                for i, p in enumerate(products[:4])
            ],
        )
        shipment_id = (
            await conn.execute(
                Shipment.__table__.insert().values(
                    merchant_id=merchant_id,
                    order_id=order_id,
                    carrier="sandbox",
                    tracking_number="SBDL29412345001",
                    ref=ref,
                    token_version=0,
                    token_hash=token_hash(derive_token(settings.secret_key, ref, 0)),
                    status="in_transit",
                    substatus="arrived_at_facility",
                    status_changed_at=now,
                    shipped_at=now - timedelta(days=2),
                    updated_at=now,
                    created_at=now,
                    next_poll_at=None,
                )
            )
        ).inserted_primary_key[0]
        await conn.execute(
            TrackingEvent.__table__.insert(),
            [
                {
                    "shipment_id": shipment_id,
                    "fingerprint": f"f{i}",
                    "occurred_at": now - timedelta(hours=40 - i * 2),
                    "status": "in_transit",
                    "substatus": "arrived_at_facility" if i % 2 else "departed_facility",
                    "description": f"Scan {i}: parcel processed at facility",
                    "location": "Paris-Nord sorting centre",
                    "created_at": now,
                }
                for i in range(20)
            ],
        )
    await engine.dispose()
    return derive_token(settings.secret_key, ref, 0)


def serve(database: Path | str, port: int, cache: bool) -> None:
    """The server process: the real app plus a bare plaintext endpoint, uvicorn with one worker."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    from app.web.app import create_app
    from app.web.page_cache import PageCache

    async def bare(request: object) -> PlainTextResponse:
        return PlainTextResponse("Hello, world!")

    extra = [Mount("/bare", Starlette(routes=[Route("/", bare)]))]
    app = create_app(settings_for(database), extra_mounts=extra)
    if not cache:
        app.state.page_cache = PageCache(max_entries=0)  # every view is a first view: query + render
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, workers=1)


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    """(requests per second, p99 latency in ms)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    return rps, p99


def run_mode(database: Path | str, token: str, cache: bool, seconds: int, connections: int) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mode = "warm" if cache else "cold"
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.tracking_page", "--serve", str(database), str(port), mode], cwd=ROOT, env=env
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/bare/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        page = httpx.get(f"{base}/t/{token}")
        assert page.status_code == 200 and page.text.count('class="recs"') == 1, page.status_code
        assert page.text.count("/r/") == 4 and page.text.count("<time ") == 20, "page lacks recs or events"
        wrk(f"{base}/t/{token}", 2, connections)  # warm-up: JIT-free Python still fills caches and pools
        bare_rps, bare_p99 = wrk(f"{base}/bare/", seconds, connections)
        page_rps, page_p99 = wrk(f"{base}/t/{token}", seconds, connections)
        return {
            "bare_rps": bare_rps,
            "bare_p99": bare_p99,
            "page_rps": page_rps,
            "page_p99": page_p99,
            "bytes": len(page.content),
        }
    finally:
        server.terminate()
        server.wait(10)


@contextmanager
def temporary_database(postgres_url: str | None) -> Iterator[Path | str]:
    """A SQLite file in a temporary folder, or a fresh PostgreSQL database next to `postgres_url`'s (dropped after)."""
    if not postgres_url:
        with tempfile.TemporaryDirectory() as folder:
            yield Path(folder) / "bench.db"
        return
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    name = f"tracking_page_bench_{os.getpid()}"
    asyncio.run(_admin(url.render_as_string(hide_password=False), f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(url.render_as_string(hide_password=False), f'DROP DATABASE IF EXISTS "{name}"'))


async def _admin(url: str, statement: str) -> None:
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", metavar="URL", help="postgresql+asyncpg://… (a database is made there)")
    parser.add_argument("--serve", nargs=3, metavar=("DB", "PORT", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        where = args.serve[0]
        serve(where if "://" in where else Path(where), int(args.serve[1]), args.serve[2] == "warm")
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with temporary_database(args.postgres) as database:
        token = asyncio.run(seed(database))
        kind = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"tracking page bench ({kind}): uvicorn 1 worker, wrk {args.connections} connections, "
            f"{args.seconds}s per run"
        )
        for cache in (False, True):
            r = run_mode(database, token, cache, args.seconds, args.connections)
            mode, target = ("warm", 0.50) if cache else ("cold", 0.20)
            ratio = r["page_rps"] / r["bare_rps"]
            verdict = "ok" if ratio >= target and r["page_p99"] < 50 else "MISSED"
            print(
                f"{mode}: page {r['page_rps']:.0f} req/s (p99 {r['page_p99']:.1f} ms, {r['bytes']:.0f} B) | "
                f"bare {r['bare_rps']:.0f} req/s (p99 {r['bare_p99']:.1f} ms) | ratio {ratio:.0%} "
                f"(target {target:.0%}, p99 < 50 ms): {verdict}"
            )


if __name__ == "__main__":
    main()
