"""Poll-sweep benchmark: N active shipments polled once through the real pipeline against a fake carrier process,
compared with the fastest bare aiohttp loop (one number per request) on SQLite and PostgreSQL, over HTTP and HTTPS.

Run: .venv/bin/python -m bench.poll_sweep [--shipments 100000] [--postgres URL] [--schemes http,https]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import ssl
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import uvloop
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import make_engine, reading, writing
from app.models import CarrierAccountRow, Merchant, Notification, Order, Shipment, TrackingEvent, metadata
from app.runtime import Runtime, tune_gc
from app.security.crypto import key_from_settings, seal
from app.security.tokens import derive_token, token_hash
from app.settings import Settings
from app.tracking.poller import poll_once
from carriers.http import make_client
from carriers.result import TrackResult
from carriers.sandbox.adapter import Adapter as SandboxAdapter
from carriers.sandbox.parse import parse
from carriers.sandbox.scenarios import SCENARIOS, Scenario, make_number
from carriers.sandbox.server import journey
from carriers.status import Status

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-key"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
SEED_CHUNK = 2_000
# Scenarios with real journeys; each shipment is seeded as last seen one step before its newest scan.
SCENARIO_CODES = ("DL", "OD", "EX", "FA", "PU", "RT", "CU", "LT")
SINCE_LAST_POLL = timedelta(hours=1)
TARGET = 0.5  # the sweep's shipments/s over the fastest bare loop's requests/s (issue 3)
RSS_GROWTH_LIMIT_MB = 1.0  # "worker memory stays flat": growth over the sweep once its first quarter is done
STEADY_FROM = 0.25  # by then the fixed-size caches (SQLite's page cache, 2 MB a connection) have filled


# --- the shipments: numbers, journeys and the state a previous poll left -------------------------------------------


@dataclass(frozen=True)
class Planned:
    """Shipment `index`: its number, scenario and start, and the step that happened since the last poll."""

    index: int
    number: str
    scenario: Scenario
    started: datetime
    step: int


@cache
def _fresh_steps(code: str) -> tuple[int, ...]:
    """Steps that can be the new one: the step before it leaves the shipment active (not terminal)."""
    scenario = SCENARIOS[code]
    statuses = [parse_status(s.code) for s in scenario.steps]
    return tuple(k for k in range(1, len(scenario.steps)) if not statuses[k - 1].terminal)


def parse_status(code: str) -> Status:
    from carriers.sandbox.codes import lookup

    return lookup(code)[0][0]


def plan(index: int, now: datetime) -> Planned:
    """Deterministic: the same index always gives the same number, journey and new step for a given `now`."""
    code = SCENARIO_CODES[index % len(SCENARIO_CODES)]
    steps = _fresh_steps(code)
    rest = index // len(SCENARIO_CODES)
    step = steps[rest % len(steps)]
    block = rest // len(steps)
    serial, shift = block % 1000, block // 1000  # 1,000 serials per start minute, then the next minute back
    if shift >= 29:
        raise ValueError("too many shipments for the number plan (at most ~1.5 million)")
    scenario = SCENARIOS[code]
    # Step `step` happened 30 (+shift) minutes ago: after the previous poll (an hour ago), before now.
    started = now - timedelta(hours=scenario.steps[step].hours, minutes=30 + shift)
    started = started.replace(second=0, microsecond=0)
    return Planned(index, make_number(code, started, serial), scenario, started, step)


def carrier_view(item: Planned, at: datetime) -> TrackResult:
    """What the sandbox carrier says about the shipment at `at`, parsed the way the adapter parses it."""
    body = {"results": [journey(item.number, item.scenario, item.started, at, 1.0)]}
    return parse(json.dumps(body).encode())[0]


def events_expected(item: Planned, now: datetime) -> int:
    return sum(1 for step in item.scenario.steps if item.started + timedelta(hours=step.hours) <= now)


# --- seeding with Core executemany, in chunks so the worker never holds all shipments -----------------------------


async def seed(engine: AsyncEngine, count: int, now: datetime) -> int:
    """Insert `count` due shipments with the history a poll one hour ago stored; returns the merchant id."""
    async with writing(engine) as conn:
        merchant = {"slug": "bench", "name": "Bench Shop", "created_at": now - timedelta(days=30)}
        merchant_id = int((await conn.execute(Merchant.__table__.insert().values(merchant))).inserted_primary_key[0])
    for start in range(0, count, SEED_CHUNK):
        items = [plan(i, now) for i in range(start, min(start + SEED_CHUNK, count))]
        async with writing(engine) as conn:
            await _seed_chunk(conn, merchant_id, items, now)
    return merchant_id


async def use_batch_size(engine: AsyncEngine, merchant_id: int, size: int, now: datetime) -> None:
    """The shop's own sandbox account, asking the carrier for `size` numbers per call (its `batch_size` option)."""
    sealed = seal(key_from_settings("", SECRET_KEY), merchant_id, "sandbox", {"api_key": API_KEY})
    row = {
        "merchant_id": merchant_id,
        "carrier": "sandbox",
        "label": f"{size} per call",
        "credentials": sealed,
        "base_url": "",
        "options": {"batch_size": size},
        "created_at": now,
    }
    async with writing(engine) as conn:
        await conn.execute(CarrierAccountRow.__table__.insert().values(row))


async def _seed_chunk(conn: Any, merchant_id: int, items: list[Planned], now: datetime) -> None:
    orders = [_order_row(merchant_id, item) for item in items]
    insert_orders = Order.__table__.insert().returning(Order.__table__.c.id, sort_by_parameter_order=True)
    order_ids = (await conn.execute(insert_orders, orders)).scalars()
    previous = [carrier_view(item, now - SINCE_LAST_POLL) for item in items]
    shipments = [
        _shipment_row(merchant_id, order_id, item, seen, now)
        for order_id, item, seen in zip(order_ids, items, previous, strict=True)
    ]
    table = Shipment.__table__
    ids = (await conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), shipments)).scalars()
    events = [
        _event_row(shipment_id, item, event, now)
        for shipment_id, item, seen in zip(ids, items, previous, strict=True)
        for event in seen.events
    ]
    await conn.execute(TrackingEvent.__table__.insert(), events)


def _order_row(merchant_id: int, item: Planned) -> dict[str, Any]:
    return {
        "merchant_id": merchant_id,
        "number": f"B{item.index:07d}",
        "customer_name": "Alex Doe",
        "customer_email": f"c{item.index}@example.com",
        "customer_phone": "",
        "locale": "en",
        "timezone": "Europe/Paris",
        "city": "Bordeaux",
        "postal_code": "33000",
        "country": "FR",
        "placed_at": item.started,
        "created_at": item.started,
    }


def _shipment_row(merchant_id: int, order_id: int, item: Planned, seen: TrackResult, now: datetime) -> dict[str, Any]:
    ref = uuid.UUID(int=item.index).hex
    newest = seen.events[0].time
    return {
        "merchant_id": merchant_id,
        "order_id": order_id,
        "carrier": "sandbox",
        "tracking_number": item.number,
        "ref": ref,
        "token_version": 0,
        "token_hash": token_hash(derive_token(SECRET_KEY, ref, 0)),
        "status": seen.status.value,
        "substatus": seen.substatus,
        "action_required": seen.events[0].action_required,
        "status_changed_at": newest,
        "service": "",
        "estimate_earliest": seen.estimate.earliest if seen.estimate else None,
        "estimate_latest": seen.estimate.latest if seen.estimate else None,
        "first_estimate": seen.estimate.earliest if seen.estimate else None,
        "signed_by": "",
        "last_event_at": newest,
        # Due now, spread over the last minute as real schedules are.
        "next_poll_at": now - timedelta(seconds=item.index % 60),
        "poll_failures": 0,
        "last_error": "",
        "created_at": item.started,
        "updated_at": now - SINCE_LAST_POLL,
    }


def _event_row(shipment_id: int, item: Planned, event: Any, now: datetime) -> dict[str, Any]:
    return {
        "shipment_id": shipment_id,
        "fingerprint": event.fingerprint("sandbox", item.number),
        "occurred_at": event.time,
        "status": event.status.value,
        "substatus": event.substatus,
        "carrier_code": event.carrier_code,
        "description": event.description,
        "location": event.location,
        "local_time": event.local_time,
        "action_required": event.action_required,
        "created_at": now - SINCE_LAST_POLL,
    }


# --- the sweep through the real pipeline, and the bare client loop ---------------------------------------------------


@dataclass
class SweepResult:
    shipments: int = 0
    ticks: int = 0
    status_changes: int = 0
    notifications: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    max_claimed: int = 0
    rss_marks: list[tuple[int, float]] = field(default_factory=list)  # (shipments polled, current RSS MB) per tick

    @property
    def rate(self) -> float:
        return self.shipments / self.seconds if self.seconds else 0.0

    def rss_at(self, shipments: int) -> float:
        """The worker's RSS after the first tick that had polled at least `shipments`."""
        return next((rss for done, rss in self.rss_marks if done >= shipments), self.rss_marks[-1][1])


async def sweep(rt: Runtime, *, now: datetime, pollers: int = 1) -> SweepResult:
    """Poll every due shipment once, tick after tick of `poll_batch_size` claimed shipments, until none is due.

    `pollers` tick loops run side by side in this one process, as that many workers would: the leases keep
    them apart, and one's database write overlaps another's carrier calls.
    """
    result = SweepResult()

    async def poller() -> None:
        while (report := await poll_once(rt, now=now)).claimed:
            result.ticks += 1
            result.shipments += report.claimed
            result.max_claimed = max(result.max_claimed, report.largest_chunk)
            result.status_changes += report.status_changes
            result.notifications += report.notifications
            for kind, count in report.errors.items():
                result.errors[kind] = result.errors.get(kind, 0) + count
            result.rss_marks.append((result.shipments, current_rss_mb()))

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(poller() for _ in range(pollers)))
    result.seconds, result.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return result


@dataclass
class BareResult:
    shipments: int
    requests: int
    seconds: float
    cpu_seconds: float
    label: str = ""

    @property
    def rate(self) -> float:
        return self.shipments / self.seconds if self.seconds else 0.0

    @property
    def request_rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def batches(count: int, now: datetime, size: int) -> Iterator[list[str]]:
    for start in range(0, count, size):
        yield [plan(i, now).number for i in range(start, min(start + size, count))]


async def bare_loop(
    base_url: str,
    count: int,
    now: datetime,
    *,
    size: int,
    concurrency: int,
    tls: Any,
    work: Callable[[bytes], object] | None = None,
    get: bool = False,
) -> BareResult:
    """Plain aiohttp POSTs of the same batches at the same concurrency: read each body, and by default nothing else
    (`work` adds a step per body, e.g. json.loads or the carrier's parse, to show where the sweep's time goes).
    `get`: plain GETs of one number each instead (no request body at all)."""
    if get and size != 1:
        raise ValueError("the GET loop asks for one number per request")
    pending = iter(list(batches(count, now, size)))  # numbers built before the clock starts: not the client's cost
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    done = [0, 0]
    connector = aiohttp.TCPConnector(limit=concurrency, ssl=tls if tls is not None else False)

    async def worker(session: aiohttp.ClientSession) -> None:
        for numbers in pending:
            if get:
                request = session.get(f"{base_url}/v1/track/{numbers[0]}", headers=headers)
            else:
                payload = json.dumps({"tracking_numbers": numbers}).encode()
                request = session.post(f"{base_url}/v1/track", data=payload, headers=headers)
            async with request as response:
                body = await response.read()
                response.raise_for_status()
            if work is not None:
                work(body)
            done[0] += 1
            done[1] += len(numbers)

    async with aiohttp.ClientSession(connector=connector) as session:
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    label = "1-number GETs" if get else f"{size}-number POSTs"
    return BareResult(done[1], done[0], seconds, cpu_seconds, label)


# --- the fake carrier process, with a self-signed certificate for HTTPS ---------------------------------------------


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with `cryptography` (no openssl command needed)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    moment = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - timedelta(minutes=5))
        .not_valid_after(moment + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certfile, keyfile


@dataclass
class Carrier:
    base_url: str
    tls: ssl.SSLContext | None

    async def stats(self, *, reset: bool = False) -> dict[str, int]:
        async with httpx.AsyncClient(verify=self.tls or True) as client:
            if reset:
                response = await client.post(f"{self.base_url}/_control/reset")
            else:
                response = await client.get(f"{self.base_url}/_control/stats")
            response.raise_for_status()
            return dict(response.json())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def carrier_process(now: datetime, scheme: str) -> AsyncIterator[Carrier]:
    """The fake carrier in its own process (its own event loop and core), on a free loopback port."""
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        command = [sys.executable, "-m", "bench.fake_carrier", "--port", str(port), "--now", now.isoformat()]
        command += ["--api-key", API_KEY]
        tls = None
        if scheme == "https":
            certfile, keyfile = make_certificate(Path(folder))
            command += ["--certfile", str(certfile), "--keyfile", str(keyfile)]
            tls = ssl.create_default_context(cafile=str(certfile))
        process = await asyncio.create_subprocess_exec(*command, cwd=ROOT)
        carrier = Carrier(f"{scheme}://127.0.0.1:{port}", tls)
        try:
            await _wait_ready(carrier, process)
            yield carrier
        finally:
            process.terminate()
            await process.wait()


async def _wait_ready(carrier: Carrier, process: asyncio.subprocess.Process) -> None:
    for _ in range(200):
        if process.returncode is not None:
            raise RuntimeError(f"fake carrier exited with {process.returncode}")
        try:
            await carrier.stats()
            return
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise RuntimeError("fake carrier did not start")


# --- databases -------------------------------------------------------------------------------------------------------


@asynccontextmanager
async def fresh_database(kind: str, postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """An empty schema: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite+aiosqlite:///{folder}/bench.db")
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
            try:
                yield engine
            finally:
                await engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres_url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(postgres_url, connect_args={"server_settings": {"search_path": schema}})
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


class SeededCopies:
    """The shipments seeded once per database, then a fresh copy of that state for each sweep: a file copy on
    SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL (seeding 100k shipments takes far longer than a sweep)."""

    def __init__(self, folder: Path, postgres_url: str) -> None:
        self.folder = folder
        self.postgres_url = postgres_url
        self.seeded: dict[str, tuple[str, int, float]] = {}  # kind → (template, merchant id, seconds to seed)
        self.tag = uuid.uuid4().hex[:10]

    async def seed(self, kind: str, count: int, now: datetime) -> None:
        started = time.perf_counter()
        if kind == "sqlite":
            template = str(self.folder / "template.db")
            engine = make_engine(f"sqlite+aiosqlite:///{template}")
        else:
            template = f"bench_tpl_{self.tag}"
            await self._admin(f'CREATE DATABASE "{template}"')
            engine = make_engine(self._url(template))
        try:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
            merchant_id = await seed(engine, count, now)
            async with engine.connect() as conn:
                # Statistics, as in service (autovacuum; app.sqlite_statistics), copied with the template; without
                # them PostgreSQL planned the claim's join to the orders as a scan of every order, per claim.
                await conn.exec_driver_sql("ANALYZE")
                await conn.commit()
                if kind == "sqlite":
                    await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            await engine.dispose()
        self.seeded[kind] = (template, merchant_id, time.perf_counter() - started)

    @asynccontextmanager
    async def copy(self, kind: str) -> AsyncIterator[tuple[AsyncEngine, int]]:
        template, merchant_id, _ = self.seeded[kind]
        name = f"bench_run_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            target = self.folder / f"{name}.db"
            shutil.copyfile(template, target)
            engine = make_engine(f"sqlite+aiosqlite:///{target}")
            try:
                yield engine, merchant_id
            finally:
                await engine.dispose()
                _remove_sqlite(target)
            return
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        engine = make_engine(self._url(name))
        try:
            yield engine, merchant_id
        finally:
            await engine.dispose()
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def drop(self) -> None:
        if "postgres" in self.seeded:
            await self._admin(f'DROP DATABASE IF EXISTS "{self.seeded["postgres"][0]}" WITH (FORCE)')

    def _url(self, database: str) -> str:
        return make_url(self.postgres_url).set(database=database).render_as_string(hide_password=False)

    async def _admin(self, statement: str) -> None:
        admin = make_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                await conn.exec_driver_sql(statement)
        finally:
            await admin.dispose()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def runtime_for(engine: AsyncEngine, carrier: Carrier, *, batch_size: int) -> Runtime:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="test",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key=SECRET_KEY,
        sandbox_carrier_url=carrier.base_url,
        sandbox_api_key=API_KEY,
        sandbox_speed=1.0,
        poll_batch_size=batch_size,
    )
    return Runtime(settings=settings, engine=engine, http=make_client(verify=carrier.tls or True))


@dataclass
class Check:
    """What the database and the carrier say after a sweep."""

    still_due: int
    leased: int
    events: int  # after a sweep: the events it added
    outbox: int
    polled_numbers: int
    distinct_numbers: int
    requests: int


async def check(engine: AsyncEngine, carrier: Carrier, now: datetime) -> Check:
    sh = Shipment.__table__.c
    async with reading(engine) as conn:
        due = await conn.scalar(select(func.count()).where(sh.next_poll_at.is_not(None), sh.next_poll_at <= now))
        leased = await conn.scalar(select(func.count()).where(sh.lease_until.is_not(None)))
        events = await conn.scalar(select(func.count()).select_from(TrackingEvent.__table__))
        outbox = await conn.scalar(select(func.count()).select_from(Notification.__table__))
    stats = await carrier.stats()
    counts = (int(due or 0), int(leased or 0), int(events or 0), int(outbox or 0))
    return Check(
        *counts, polled_numbers=stats["numbers"], distinct_numbers=stats["distinct"], requests=stats["requests"]
    )


# --- the run ---------------------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@dataclass
class Row:
    scheme: str
    database: str
    per_request: int
    sweep: SweepResult
    bare: BareResult  # the bare loop of the same request shape
    fastest: BareResult  # the fastest bare loop of this scheme: one number per request, GET or POST
    check: Check
    seed_seconds: float
    rss: tuple[float, float, float, float]  # peak before, peak after, current before, current after

    @property
    def ratio(self) -> float:
        """The issue's measure: the sweep's shipments/s over the fastest bare loop's requests/s."""
        return self.sweep.rate / max(self.fastest.request_rate, 1e-9)

    @property
    def cpu_us(self) -> float:
        return self.sweep.cpu_seconds / max(self.sweep.shipments, 1) * 1e6

    @property
    def rss_growth(self) -> float:
        return self.rss[3] - self.rss[2]

    @property
    def steady_growth(self) -> float:
        """RSS growth from the end of the sweep's first quarter to its end: what grows with the shipments polled,
        not the caches of fixed size that fill during the first ticks."""
        if not self.sweep.rss_marks:
            return self.rss_growth
        return self.rss[3] - self.sweep.rss_at(int(self.sweep.shipments * STEADY_FROM))


async def measure_database(
    copies: SeededCopies, kind: str, carrier: Carrier, args: argparse.Namespace, now: datetime, per_request: int
) -> tuple[Any, ...]:
    async with copies.copy(kind) as (engine, merchant_id):
        await use_batch_size(engine, merchant_id, per_request, now)
        rt = runtime_for(engine, carrier, batch_size=args.batch)
        seeded = (await check(engine, carrier, now)).events
        await carrier.stats(reset=True)
        before = (peak_rss_mb(), current_rss_mb())
        result = await sweep(rt, now=now, pollers=args.pollers)
        after = (peak_rss_mb(), current_rss_mb())
        await rt.http.aclose()
        found = await check(engine, carrier, now)
        found.events -= seeded
    return result, found, copies.seeded[kind][2], (before[0], after[0], before[1], after[1])


async def bare_loops(
    carrier: Carrier, args: argparse.Namespace, now: datetime, size: int, *, get: bool = False
) -> BareResult:
    """The fastest of `--bare-runs` bare loops for this request shape, then the loop plus json.loads and parse."""
    concurrency = SandboxAdapter.max_concurrency
    runs = [
        await bare_loop(
            carrier.base_url, args.shipments, now, size=size, concurrency=concurrency, tls=carrier.tls, get=get
        )
        for _ in range(args.bare_runs)
    ]
    rates = ", ".join(f"{b.request_rate:,.0f} req/s ({cpu_us(b):.0f} µs CPU per request)" for b in runs)
    print(f"{carrier.base_url.split(':')[0]} bare aiohttp loop, {runs[0].label}: {rates}", flush=True)
    if get:
        return max(runs, key=lambda b: b.rate)
    if args.breakdown:
        for label, work in (("+ json.loads", json.loads), ("+ sandbox parse", parse)):
            step = await bare_loop(
                carrier.base_url, args.shipments, now, size=size, concurrency=concurrency, tls=carrier.tls, work=work
            )
            print(
                f"  bare loop {label}: {step.requests / step.seconds:,.0f} req/s, {step.rate:,.0f} shipments/s "
                f"({cpu_us(step):.0f} µs CPU per request)",
                flush=True,
            )
    return max(runs, key=lambda b: b.rate)


def cpu_us(bare: BareResult) -> float:
    return bare.cpu_seconds / max(bare.requests, 1) * 1e6


async def run(args: argparse.Namespace) -> list[Row]:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    databases = [d for d in args.databases.split(",") if d != "postgres" or args.postgres]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        copies = SeededCopies(Path(folder), args.postgres)
        try:
            for kind in databases:
                await copies.seed(kind, args.shipments, now)
                print(f"{kind}: seeded {args.shipments:,} shipments in {copies.seeded[kind][2]:.0f}s", flush=True)
            for scheme in args.schemes.split(","):
                async with carrier_process(now, scheme) as carrier:
                    # The baseline: the fastest bare loop, plain GETs or POSTs of one number per request.
                    shapes = {1: await bare_loops(carrier, args, now, 1)}
                    fastest = max(shapes[1], await bare_loops(carrier, args, now, 1, get=True), key=lambda b: b.rate)
                    for size in [int(n) for n in args.per_request.split(",")]:
                        if size not in shapes:
                            shapes[size] = await bare_loops(carrier, args, now, size)
                        for kind in databases:
                            result, found, seed_seconds, rss = await measure_database(
                                copies, kind, carrier, args, now, size
                            )
                            rows.append(
                                Row(scheme, kind, size, result, shapes[size], fastest, found, seed_seconds, rss)
                            )
                            print(describe(rows[-1]), flush=True)
        finally:
            await copies.drop()
    return rows


def describe(row: Row) -> str:
    s = row.sweep
    return (
        f"{row.scheme}/{row.database} {row.per_request}/request: {s.shipments:,} shipments in {s.seconds:.1f}s "
        f"({s.rate:,.0f}/s, {row.cpu_us:.0f} µs CPU each), {s.ticks} ticks, "
        f"{s.status_changes:,} status changes, {s.notifications:,} notifications, errors {s.errors}; "
        f"seeded in {row.seed_seconds:.1f}s; {row.check}"
    )


def table(rows: list[Row], shipments: int) -> str:
    """Shipments/s of the sweep against the fastest one-number bare loop's requests/s (the issue's measure), with
    the bare loop of the sweep's own request shape alongside; worker CPU and memory."""
    head = (
        "| scheme | database | numbers/request | sweep s | sweep shipments/s | fastest bare loop req/s | ratio | "
        "worker CPU µs/shipment | bare CPU µs/request | same-shape bare req/s | sweep req/s | polled once | "
        "new events | peak RSS before → after MB | RSS before → at 25 % → after MB |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for row in rows:
        s, c, b, f = row.sweep, row.check, row.bare, row.fastest
        once = "yes" if c.polled_numbers == c.distinct_numbers == shipments == s.shipments and not c.still_due else "NO"
        sweep_requests = c.requests / s.seconds if s.seconds else 0.0
        lines.append(
            f"| {row.scheme} | {row.database} | {row.per_request} | {s.seconds:.1f} | {s.rate:,.0f} | "
            f"{f.request_rate:,.0f} ({f.label}) | {row.ratio:.1%} | {row.cpu_us:.0f} | {cpu_us(f):.0f} | "
            f"{b.request_rate:,.0f} | {sweep_requests:,.0f} | {once} | {c.events:,} | "
            f"{row.rss[0]:.0f} → {row.rss[1]:.0f} | {row.rss[2]:.1f} → {row.rss[3] - row.steady_growth:.1f} → "
            f"{row.rss[3]:.1f} |"
        )
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> str:
    """Per scheme and database: (a) the sweep at the carrier's own batch size, (b) one number per request, each
    against the fastest bare loop (one number per request); the worker's CPU; its memory over the sweep."""
    lines = [
        f"Target: sweep shipments/s >= {TARGET:.0%} of the fastest bare loop's requests/s; RSS growth after the "
        f"first {STEADY_FROM:.0%} of the sweep <= {RSS_GROWTH_LIMIT_MB:.0f} MB"
    ]
    for row in rows:
        s, f = row.sweep, row.fastest
        shape = "(a) carrier batch" if row.per_request > 1 else "(b) same shape"
        verdict = "ok" if row.ratio >= TARGET else "MISSED"
        growth, steady = row.rss_growth, row.steady_growth
        memory = "ok" if steady <= RSS_GROWTH_LIMIT_MB else f"GROWTH > {RSS_GROWTH_LIMIT_MB:.0f} MB"
        lines.append(
            f"{row.scheme}/{row.database} {shape}, {row.per_request} number(s)/request: {s.rate:,.0f} shipments/s "
            f"vs {f.request_rate:,.0f} req/s ({f.label}) = {row.ratio:.1%} {verdict}; worker CPU {row.cpu_us:.0f} µs/"
            f"shipment (bare {cpu_us(f):.0f} µs/request); RSS {row.rss[2]:.1f} → {row.rss[3]:.1f} MB "
            f"({growth:+.1f}; {steady:+.1f} after the first {STEADY_FROM:.0%}) {memory}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="One full poll sweep vs a bare aiohttp loop (see bench/README.md).")
    parser.add_argument("--shipments", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=Settings.model_fields["poll_batch_size"].default)
    parser.add_argument("--postgres", default=os.environ.get("ORDERTRAIL_TEST_POSTGRES_URL", ""))
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--schemes", default="http,https")
    parser.add_argument(
        "--per-request", default="50,1", help="numbers per carrier call, comma-separated (max 50; 50 is the sandbox's)"
    )
    parser.add_argument("--bare-runs", type=int, default=2)
    parser.add_argument("--breakdown", action="store_true", help="also time the bare loop plus json.loads and parse")
    parser.add_argument("--pollers", type=int, default=1, help="poll_once loops side by side in the worker process")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop", help="event loop of the worker")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    python = sys.version.split()[0]
    print(
        f"{args.shipments:,} shipments, poll batch {args.batch}, {args.pollers} poll_once loop(s), "
        f"{args.loop} event loop, {os.cpu_count()} CPUs, Python {python}"
    )
    # The bare loops and the sweep share the process, hence the event loop: the comparison stays like for like.
    tune_gc()  # as app.runtime.run_worker does for the worker
    rows = uvloop.run(run(args)) if args.loop == "uvloop" else asyncio.run(run(args))
    print()
    print(table(rows, args.shipments))
    print()
    print(verdicts(rows))


if __name__ == "__main__":
    main()
