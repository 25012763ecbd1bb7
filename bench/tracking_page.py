"""Tracking-page benchmark: the page of a shipment with 20 events and 4 recommendations under load on loopback
(uvicorn, one worker, wrk at 32 connections) against a bare Starlette plaintext endpoint on the same server in the
same run. Three modes:
- page not stored, built on view: every view the first view of another of `--pages` seeded pages, nothing about
  it in memory or stored (rendered-page cache off; its order's recommendations and its scans' formatted times never
  seen): the fallback for a page the worker has not stored;
- cold (first views, stored): the same first views after every page was rendered ahead as the worker does when a
  message with its link leaves or its shipment is created (app.web.stored_pages; the time that took is printed);
- warm: repeated views of one page (rendered page cached in memory).

Run: .venv/bin/python -m bench.tracking_page [--seconds 8] [--connections 32] [--pages 40000] [--postgres URL]
SQLite (a temporary file) by default; with --postgres, a temporary database made on that server and dropped after.
Needs `wrk` (apt-get install wrk). Targets: warm >= 50 % of bare req/s, cold (first views, stored) >= 20 %, p99 <
50 ms. The built-on-view mode is the fallback for a page not stored (bench/README.md says when), measured for
reference.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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


BOUGHT, RECOMMENDED_POOL = 200, 12


def basket(n: int) -> tuple[int, int]:
    """The two products of the n-th order, popular ones more often (over 10,000 orders, ~6,300 different baskets:
    about a third of orders hold a basket an earlier order held)."""
    draw = random.Random(n)
    first, second = (int(BOUGHT * draw.random() ** 2) for _ in range(2))
    return first, second if second != first else (first + 1) % BOUGHT


async def seed(database: Path | str, pages: int = 1) -> list[str]:
    """One shop with a catalogue whose rules give 4 recommendations, and `pages` orders, each with 2 items and one
    shipment with 20 events (each page's scans at its own times). Returns the pages' tokens, in order."""
    from sqlalchemy import select, text

    from app.db import make_engine, writing
    from app.models import LineItem, Merchant, Order, Product, RecommendationRule, Shipment, TrackingEvent, metadata
    from app.security.tokens import derive_token, new_ref, token_hash

    settings = settings_for(database)
    engine = make_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    now = datetime.now(UTC)
    refs = [new_ref() for _ in range(pages)]
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
        # 200 products shoppers buy (each order holds two, see `basket`) and 12 the rules recommend (4 for each)
        products = []
        for i in range(BOUGHT + RECOMMENDED_POOL):
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
                {
                    "merchant_id": merchant_id,
                    "when_kind": "product",
                    "when_value": f"p{bought}",
                    "product_id": products[BOUGHT + (bought + j) % RECOMMENDED_POOL],
                    "position": j,
                }
                for bought in range(BOUGHT)
                for j in range(4)
            ],
        )
        OR, SH = Order.__table__, Shipment.__table__
        for first in range(0, pages, 2000):
            chunk = range(first, min(first + 2000, pages))
            await conn.execute(
                OR.insert(),
                [
                    {
                        "merchant_id": merchant_id,
                        "number": str(5001 + n),
                        "customer_name": "Alex Doe",
                        "customer_email": "a@example.com",
                        "locale": "en",
                        "timezone": "Europe/Paris",
                        "city": "Bordeaux",
                        "postal_code": "33000",
                        "country": "FR",
                        "placed_at": now,
                        "created_at": now,
                        "updated_at": now,
                        "promised_by": date.today() + timedelta(days=3),
                    }
                    for n in chunk
                ],
            )
            numbers = [str(5001 + n) for n in chunk]
            rows = await conn.execute(select(OR.c.number, OR.c.id).where(OR.c.number.in_(numbers)))
            order_of = dict(rows.all())
            await conn.execute(
                LineItem.__table__.insert(),
                [
                    {"order_id": order_of[str(5001 + n)], "title": f"Item {i}", "quantity": 1, "product_id": f"p{i}"}
                    for n in chunk
                    for i in basket(n)
                ],
            )
            await conn.execute(
                SH.insert(),
                [
                    {
                        "merchant_id": merchant_id,
                        "order_id": order_of[str(5001 + n)],
                        "carrier": "sandbox",
                        "tracking_number": f"SBDL{29412345001 + n}",
                        "ref": refs[n],
                        "token_version": 0,
                        "token_hash": token_hash(derive_token(settings.secret_key, refs[n], 0)),
                        "status": "in_transit",
                        "substatus": "arrived_at_facility",
                        "status_changed_at": now,
                        "shipped_at": now - timedelta(days=2),
                        "updated_at": now,
                        "created_at": now,
                        "next_poll_at": None,
                    }
                    for n in chunk
                ],
            )
            rows = await conn.execute(select(SH.c.ref, SH.c.id).where(SH.c.ref.in_([refs[n] for n in chunk])))
            shipment_of = dict(rows.all())
            await conn.execute(
                TrackingEvent.__table__.insert(),
                [
                    {
                        "shipment_id": shipment_of[refs[n]],
                        "fingerprint": f"f{i}",
                        # every page's scans at their own moments: a first view formats times never shown before
                        # (page n's scans are 0.173 s × n before the hour marks, 2 h apart: no two pages share one
                        # for n < 41,618)
                        "occurred_at": now - timedelta(hours=40 - i * 2, milliseconds=173 * n),
                        "status": "in_transit",
                        "substatus": "arrived_at_facility" if i % 2 else "departed_facility",
                        "description": f"Scan {i}: parcel processed at facility",
                        "location": "Paris-Nord sorting centre",
                        "created_at": now,
                    }
                    for n in chunk
                    for i in range(20)
                ],
            )
    async with writing(engine) as conn:
        await conn.execute(text("ANALYZE"))  # statistics, as in service (autovacuum; app.sqlite_statistics)
    await engine.dispose()
    return [derive_token(settings.secret_key, ref, 0) for ref in refs]


def serve(database: Path | str, port: int, cache: bool) -> None:
    """The server process: the real app plus a bare plaintext endpoint, uvicorn with one worker."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    from app.runtime import tune_gc
    from app.web.app import create_app
    from app.web.page_cache import PageCache

    async def bare(request: object) -> PlainTextResponse:
        return PlainTextResponse("Hello, world!")

    extra = [Mount("/bare", Starlette(routes=[Route("/", bare)]))]
    app = create_app(settings_for(database), extra_mounts=extra)
    if not cache:
        app.state.page_cache = PageCache(max_entries=0)  # every view is a first view: query + render
    tune_gc()  # as `ordertrail serve` does
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, workers=1)


# Each wrk thread walks its own stretch of the pages' paths from `base` on, one path a request: a cold view is the
# first view of its page (nothing about it in memory yet), as a shopper opening a link from an email.
ROTATE_LUA = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = "/t/" .. line end
  local base, count = tonumber(args[2]), tonumber(args[3])
  at = base + id * math.floor((#paths - base) / count)
end
function request()
  at = at + 1
  if at > #paths then at = 1 end
  return wrk.format("GET", paths[at])
end
"""


def wrk(url: str, seconds: int, connections: int, rotate: tuple[Path, int] | None = None) -> tuple[float, float, int]:
    """(requests per second, p99 latency in ms, requests made); `rotate` = (tokens file, first page index): each
    request views the next page in turn instead of `url` again."""
    threads = 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if rotate is not None:
        script = rotate[0].with_suffix(".lua")
        script.write_text(ROTATE_LUA)
        command += ["-s", str(script), url, "--", str(rotate[0]), str(rotate[1]), str(threads)]
    else:
        command.append(url)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    made = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    return rps, p99, made


def run_mode(database: Path | str, tokens: list[str], cache: bool, seconds: int, connections: int) -> dict[str, float]:
    """Warm: the first page viewed again and again. Cold: every request the first view of another page (the
    warm-up views the first quarter of the pages, the measured run the rest)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mode = "warm" if cache else "cold"
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.tracking_page", "--serve", str(database), str(port), mode], cwd=ROOT, env=env
    )
    try:
        with tempfile.TemporaryDirectory() as folder:
            listing = Path(folder) / "tokens.txt"
            listing.write_text("\n".join(tokens) + "\n")
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/bare/", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            page = httpx.get(f"{base}/t/{tokens[0]}")
            assert page.status_code == 200 and page.text.count('class="recs"') == 1, page.status_code
            assert page.text.count("/r/") == 4 and page.text.count("<time ") == 20, "page lacks recs or events"
            measured_from = len(tokens) // 4
            # warm-up: JIT-free Python still fills caches and pools
            wrk(f"{base}/t/{tokens[0]}", 2, connections, None if cache else (listing, 1))
            bare_rps, bare_p99, _ = wrk(f"{base}/bare/", seconds, connections)
            rotate = None if cache else (listing, measured_from)
            page_rps, page_p99, made = wrk(f"{base}/t/{tokens[0]}", seconds, connections, rotate)
        if not cache and made > len(tokens) - measured_from:
            print(f"note: {made} cold views of {len(tokens) - measured_from} pages: some were second views")
        return {
            "bare_rps": bare_rps,
            "bare_p99": bare_p99,
            "page_rps": page_rps,
            "page_p99": page_p99,
            "bytes": len(page.content),
        }
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # reported, not hidden: a clean stop flushes the page events
            server.kill()
            server.wait()
            print("note: the server did not stop within 10 s of SIGTERM and was killed")


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
    parser.add_argument("--pages", type=int, default=40_000, help="pages seeded; cold views each see a new one")
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
        tokens = asyncio.run(seed(database, args.pages))
        kind = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"tracking page bench ({kind}): uvicorn 1 worker, wrk {args.connections} connections, "
            f"{args.seconds}s per run"
        )
        built = run_mode(database, tokens, False, args.seconds, args.connections)
        report("page not stored, built on view", built, None)
        stored, seconds, size = asyncio.run(render_ahead(database))
        print(f"rendered ahead: {stored} pages in {seconds:.1f} s ({stored / seconds:.0f}/s), {size:.0f} B stored each")
        report("cold (first views, stored)", run_mode(database, tokens, False, args.seconds, args.connections), 0.20)
        report("warm", run_mode(database, tokens, True, args.seconds, args.connections), 0.50)


def report(mode: str, r: dict[str, float], target: float | None) -> None:
    """One mode's line; `target` None for the built-on-view fallback, measured for reference (a page's first view
    meets its stored rendering in service: see bench/README.md)."""
    ratio = r["page_rps"] / r["bare_rps"]
    if target is None:
        verdict = "for reference, no target"
    else:
        verdict = f"target {target:.0%}, p99 < 50 ms: " + ("ok" if ratio >= target and r["page_p99"] < 50 else "MISSED")
    print(
        f"{mode}: page {r['page_rps']:.0f} req/s (p99 {r['page_p99']:.1f} ms, {r['bytes']:.0f} B) | "
        f"bare {r['bare_rps']:.0f} req/s (p99 {r['bare_p99']:.1f} ms) | ratio {ratio:.0%} ({verdict})"
    )


async def render_ahead(database: Path | str) -> tuple[int, float, float]:
    """Every seeded page rendered and stored as the worker does when a message with its link leaves: (pages
    stored, seconds taken, mean bytes stored per page)."""
    from types import SimpleNamespace

    from sqlalchemy import func, select

    from app.db import reading
    from app.models import RenderedPage, Shipment
    from app.runtime import Runtime
    from app.web.stored_pages import store_pages

    runtime = Runtime.create(settings_for(database))
    try:
        async with reading(runtime.engine) as conn:
            ids = list((await conn.execute(select(Shipment.__table__.c.id))).scalars())
        started = time.perf_counter()
        stored = await store_pages(SimpleNamespace(runtime=runtime), ids)
        seconds = time.perf_counter() - started
        async with reading(runtime.engine) as conn:
            size = (await conn.execute(select(func.avg(func.length(RenderedPage.__table__.c.html))))).scalar_one()
        return stored, seconds, float(size)
    finally:
        await runtime.http.aclose()
        await runtime.engine.dispose()


if __name__ == "__main__":
    main()
