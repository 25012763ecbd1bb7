"""CSV import of orders and shipments: each bad row reported with its line and reason, the others imported.

The file is streamed: adjacent rows with the same order_number form one order (one row per item or tracking
number), and orders are written in batches of transactions, each order in its own savepoint. Only non-empty cells
are applied, so importing the same file again changes nothing and is reported as "unchanged".
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.db import make_engine, reading, writing
from app.ingest.orders import add_shipment, detect_carrier, upsert_order
from app.ingest.parcel_items import set_parcel_items
from app.ingest.schemas import OrderIn, ParcelItemIn, check_carrier, clean_tracking_number
from app.models import ImportRun, Merchant
from app.settings import Settings

COLUMNS = [
    "order_number",
    "email",
    "name",
    "phone",
    "locale",
    "timezone",
    "city",
    "postal_code",
    "country",
    "placed_at",
    "promised_by",
    "currency",
    "total",
    "tracking_number",
    "carrier",
    "service",
    "sku",
    "title",
    "quantity",
    "product_id",
    "variant",
    "image_url",
    "product_url",
    "parcel_quantity",
]
ORDER_BATCH = 200
MAX_ERRORS_KEPT = 1000

Progress = Callable[[int, int], None]  # (rows read, bytes read)


@dataclass
class ImportReport:
    run_id: int = 0
    rows_total: int = 0
    rows_imported: int = 0
    rows_unchanged: int = 0
    rows_failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    file_sha256: str = ""

    def fail(self, line: int, reason: str) -> None:
        self.rows_failed += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"line": line, "error": reason})


@dataclass
class Row:
    line: int
    order: OrderIn
    shipment: tuple[str, str, str] | None  # (tracking number, carrier, service)
    parcel: ParcelItemIn | None = None  # the row's item, in the parcel of its tracking number or the nearest above


@dataclass
class Group:
    number: str
    rows: list[Row] = field(default_factory=list)


class HashingReader(io.RawIOBase):
    """A binary stream that counts and hashes what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.bytes_read += len(data)
        return len(data)


def _nested(cells: dict[str, str]) -> dict[str, Any]:
    """The row's non-empty cells as an OrderIn body (empty cells leave stored values alone)."""
    body: dict[str, Any] = {"number": cells["order_number"], "source": "csv"}
    customer = {k: cells[c] for k, c in (("email", "email"), ("name", "name"), ("phone", "phone")) if cells.get(c)}
    customer |= {k: cells[k] for k in ("locale", "timezone") if cells.get(k)}
    address = {k: cells[k] for k in ("city", "postal_code", "country") if cells.get(k)}
    if customer:
        body["customer"] = customer
    if address:
        body["address"] = address
    body |= {k: cells[k] for k in ("placed_at", "promised_by", "currency", "total") if cells.get(k)}
    if cells.get("title"):
        item = {
            k: cells[k] for k in ("sku", "title", "product_id", "variant", "image_url", "product_url") if cells.get(k)
        }
        item["quantity"] = cells.get("quantity") or "1"
        body["items"] = [item]
    return body


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"] if p not in ("items", 0, "customer", "address")]
    column = {"number": "order_number"}.get(loc[-1], loc[-1]) if loc else "row"
    return f"{column}: {first['msg']}"


def _parcel(cells: dict[str, str]) -> ParcelItemIn | None:
    """The row's item as its parcel carries it, when `parcel_quantity` is given. Raises ValueError naming it."""
    if not cells.get("parcel_quantity"):
        return None
    if not cells.get("title"):
        raise ValueError("parcel_quantity: the row has no item (title, and sku or product_id)")
    try:
        return ParcelItemIn(
            sku=cells.get("sku", ""),
            product_id=cells.get("product_id", ""),
            variant=cells.get("variant", ""),
            quantity=cells["parcel_quantity"],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"parcel_quantity: {first['msg'].removeprefix('Value error, ')}") from None


def parse_row(line: int, cells: dict[str, str]) -> Row:
    """One CSV row as an order part, an optional shipment and what of its item the parcel carries. Raises ValueError
    naming the column."""
    if not cells.get("order_number"):
        raise ValueError("order_number: required")
    try:
        order = OrderIn.model_validate(_nested(cells))
    except ValidationError as exc:
        raise ValueError(_reason(exc)) from None
    parcel = _parcel(cells)
    if not cells.get("tracking_number"):
        if cells.get("carrier"):
            raise ValueError("tracking_number: required when carrier is given")
        return Row(line, order, None, parcel)
    try:
        number = clean_tracking_number(cells["tracking_number"])
    except ValueError as exc:
        raise ValueError(f"tracking_number: {exc}") from None
    try:
        carrier = check_carrier(cells.get("carrier") or None) or detect_carrier(number)
    except ValueError as exc:
        raise ValueError(f"carrier: {exc}") from None
    if not carrier:
        raise ValueError("carrier: could not be recognised from the tracking number; fill in the carrier column")
    return Row(line, order, (number, carrier, cells.get("service", "")[:100]), parcel)


def merged_order(group: Group) -> OrderIn:
    """The group's rows as one order: the first non-empty value of each field, every row's item."""
    body: dict[str, Any] = {}
    items: list[dict[str, Any]] = []
    for row in group.rows:
        part = row.order.model_dump(exclude_unset=True)
        items += part.pop("items", [])
        for key, value in part.items():
            if isinstance(value, dict):
                body.setdefault(key, {})
                body[key] |= {k: v for k, v in value.items() if k not in body[key]}
            else:
                body.setdefault(key, value)
    if items:
        body["items"] = items[:200]
    return OrderIn.model_validate(body)


def read_groups(text: IO[str], report: ImportReport, progress: Callable[[int], None]) -> Iterator[Group]:
    """Adjacent rows with the same order number, bad rows reported (with their line) and left out."""
    reader = csv.DictReader(text)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "order_number" not in header:
        report.fail(1, "header: an 'order_number' column is required")
        return
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        report.errors.append({"line": 1, "error": f"columns ignored: {', '.join(unknown)}"})
    reader.fieldnames = header
    group: Group | None = None
    for cells in reader:
        report.rows_total += 1
        progress(report.rows_total)
        clean = {k: (v or "").strip() for k, v in cells.items() if k in COLUMNS and isinstance(v, str)}
        try:
            row = parse_row(reader.line_num, clean)
        except ValueError as exc:
            report.fail(reader.line_num, str(exc))
            continue
        if group is not None and group.number != row.order.number:
            yield group
            group = None
        group = group or Group(row.order.number)
        if row.parcel is not None and row.shipment is None and all(r.shipment is None for r in group.rows):
            note = "parcel_quantity ignored: no tracking number on this row or above it for this order"
            report.errors.append({"line": reader.line_num, "error": note})
            row.parcel = None
        group.rows.append(row)
    if group is not None:
        yield group


async def _apply_group(
    conn: AsyncConnection, merchant_id: int, group: Group, secret_key: str, now: datetime
) -> tuple[bool, dict[int, str]]:
    """Write one order, its shipments and what each parcel carries; (True when anything was created or changed,
    the parcel items left out by line)."""
    result = await upsert_order(conn, merchant_id=merchant_id, data=merged_order(group), now=now, secret_key=secret_key)
    changed = result.created or result.changed
    parcels: dict[int, list[Row]] = {}  # shipment id -> the rows naming what it carries
    shipment_id: int | None = None
    for row in group.rows:
        if row.shipment is not None:
            number, carrier, service = row.shipment
            created = await add_shipment(
                conn,
                merchant_id=merchant_id,
                order_id=result.order_id,
                tracking_number=number,
                carrier=carrier,
                service=service,
                now=now,
                secret_key=secret_key,
            )
            changed = changed or created.created
            shipment_id = created.shipment_id
        if row.parcel is not None and shipment_id is not None:
            parcels.setdefault(shipment_id, []).append(row)
    left_out: dict[int, str] = {}
    for parcel_id, rows in parcels.items():
        stored = await set_parcel_items(
            conn,
            order_id=result.order_id,
            shipment_id=parcel_id,
            wanted=[row.parcel for row in rows if row.parcel is not None],
            now=now,
            strict=False,
            places=[str(row.line) for row in rows],
        )
        left_out |= {int(line): reason for line, reason in stored.left_out.items()}
        changed = changed or stored.changed
    return changed, left_out


async def _write_batch(
    engine: AsyncEngine, merchant_id: int, batch: list[Group], secret_key: str, report: ImportReport
) -> None:
    now = datetime.now(UTC)
    async with writing(engine) as conn:
        for group in batch:
            try:
                async with conn.begin_nested():
                    changed, left_out = await _apply_group(conn, merchant_id, group, secret_key, now)
            except Exception as exc:  # one order's failure never costs the others
                for row in group.rows:
                    report.fail(row.line, f"not imported: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            for line, reason in left_out.items():
                report.errors.append({"line": line, "error": f"parcel_quantity ignored: {reason}"})
            if changed:
                report.rows_imported += len(group.rows)
            else:
                report.rows_unchanged += len(group.rows)


async def import_csv(
    engine: AsyncEngine,
    *,
    merchant_id: int,
    stream: IO[bytes],
    filename: str,
    secret_key: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV file (bytes, UTF-8 with or without BOM) and keep its report as an ImportRun row."""
    report = ImportReport()
    hashing = HashingReader(stream)
    text = io.TextIOWrapper(io.BufferedReader(hashing), encoding="utf-8-sig", errors="replace", newline="")
    notify = progress or (lambda rows, size: None)
    batch: list[Group] = []
    for group in read_groups(text, report, lambda rows: notify(rows, hashing.bytes_read)):
        batch.append(group)
        if len(batch) >= ORDER_BATCH:
            await _write_batch(engine, merchant_id, batch, secret_key, report)
            batch = []
    if batch:
        await _write_batch(engine, merchant_id, batch, secret_key, report)
    report.file_sha256 = hashing.digest.hexdigest()
    report.run_id = await _save_run(engine, merchant_id, filename, report)
    return report


async def _save_run(engine: AsyncEngine, merchant_id: int, filename: str, report: ImportReport) -> int:
    values = {
        "merchant_id": merchant_id,
        "filename": Path(filename).name[:255],
        "file_sha256": report.file_sha256,
        "rows_total": report.rows_total,
        "rows_imported": report.rows_imported,
        "rows_unchanged": report.rows_unchanged,
        "rows_failed": report.rows_failed,
        "errors": report.errors,
        "created_at": datetime.now(UTC),
    }
    async with writing(engine) as conn:
        return int((await conn.execute(ImportRun.__table__.insert().values(values))).inserted_primary_key[0])


async def recent_runs(engine: AsyncEngine, merchant_id: int, *, limit: int = 20) -> list[Any]:
    table = ImportRun.__table__
    query = select(table).where(table.c.merchant_id == merchant_id).order_by(table.c.id.desc()).limit(limit)
    async with reading(engine) as conn:
        return list((await conn.execute(query)).all())


async def get_run(engine: AsyncEngine, merchant_id: int, run_id: int) -> Any | None:
    table = ImportRun.__table__
    query = select(table).where(table.c.merchant_id == merchant_id, table.c.id == run_id)
    async with reading(engine) as conn:
        return (await conn.execute(query)).first()


async def _merchant_id(engine: AsyncEngine, slug: str) -> int | None:
    table = Merchant.__table__
    async with reading(engine) as conn:
        return (await conn.execute(select(table.c.id).where(table.c.slug == slug))).scalar()


async def _run(settings: Settings, path: Path, size: int, shop: str) -> ImportReport | None:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    engine = make_engine(settings.database_url)
    try:
        merchant_id = await _merchant_id(engine, shop)
        if merchant_id is None:
            return None
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
        with Progress(*columns) as bar, path.open("rb") as stream:
            task = bar.add_task(f"importing {path.name}", total=size)

            def advance(rows: int, size: int) -> None:
                if rows % 500 == 0:
                    bar.update(task, completed=size, description=f"importing {path.name}: {rows} rows")

            report = await import_csv(
                engine,
                merchant_id=merchant_id,
                stream=stream,
                filename=path.name,
                secret_key=settings.secret_key,
                progress=advance,
            )
            bar.update(task, completed=size, description=f"imported {path.name}: {report.rows_total} rows")
        return report
    finally:
        await engine.dispose()


def run_cli(settings: Settings, *, path: str | Path, shop: str) -> int:
    """`ordertrail import FILE --shop SLUG`: the exit status (0 when every row imported or unchanged)."""
    from rich.console import Console

    console = Console(stderr=True)
    file = Path(path)
    if not file.is_file():
        console.print(f"[red]{file}: no such file[/red]")
        return 2
    report = asyncio.run(_run(settings, file, file.stat().st_size, shop))
    if report is None:
        console.print(f"[red]no shop with slug {shop!r}[/red]")
        return 2
    console.print(
        f"{report.rows_total} rows: {report.rows_imported} imported, {report.rows_unchanged} unchanged, "
        f"{report.rows_failed} failed (import run {report.run_id})"
    )
    for error in report.errors[:50]:
        console.print(f"  line {error['line']}: {error['error']}", markup=False, highlight=False)
    if len(report.errors) > 50:
        console.print(f"  … and {len(report.errors) - 50} more in the console (Imports)")
    return 0 if report.rows_failed == 0 else 1
