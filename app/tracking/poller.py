"""One poll tick: claim due shipments, ask each carrier account for its batch, apply what came back."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.runtime import Runtime
from app.tracking.apply import ApplyReport, apply_results
from app.tracking.checkpoint import checkpoint_wal
from app.tracking.claim import claim_due
from carriers.errors import CarrierError
from carriers.result import ErrorKind, TrackResult

log = logging.getLogger("ordertrail.poll")

# Claim→fetch→apply loops side by side in one poll_once. Chunks stay whole (`limit` each): a chunk's fixed cost
# (claim, transaction, notification look-ups) made 100-shipment chunks cost ~1.6x the CPU per shipment of 500.
PIPELINES = 2
CHUNKS_PER_LOOP = 2


@dataclass
class PollReport:
    claimed: int = 0
    groups: int = 0
    chunks: int = 0
    largest_chunk: int = 0
    applied: list[ApplyReport] = field(default_factory=list)

    @property
    def status_changes(self) -> int:
        return sum(r.status_changes for r in self.applied)

    @property
    def notifications(self) -> int:
        return sum(r.notifications for r in self.applied)

    @property
    def errors(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for report in self.applied:
            for kind, count in report.errors.items():
                totals[kind] += count
        return dict(totals)


async def poll_once(rt: Runtime, *, now: datetime | None = None, limit: int | None = None) -> PollReport:
    """Poll due shipments in claimed chunks of `limit` (default: the `poll_batch_size` setting), one transaction each.

    `PIPELINES` claim→fetch→apply loops run side by side, so one chunk's database write overlaps another's carrier
    calls; the claim leases keep them (and other workers) apart. Each loop takes `CHUNKS_PER_LOOP` chunks at most,
    so one call polls up to PIPELINES × CHUNKS_PER_LOOP × limit shipments and returns.
    """
    now = now or datetime.now(UTC)
    chunk = limit or rt.settings.poll_batch_size
    report = PollReport()

    async def pipeline() -> None:
        for _ in range(CHUNKS_PER_LOOP):
            claimed = await claim_due(rt.engine, now=now, limit=chunk)
            if claimed:
                await _poll_chunk(rt, claimed, now, report)
            if len(claimed) < chunk:  # nothing more is due
                return

    await asyncio.gather(*(pipeline() for _ in range(PIPELINES)))
    return report


async def _poll_chunk(rt: Runtime, claimed: list[Any], now: datetime, report: PollReport) -> None:
    groups: dict[tuple[str, int | None, int], list[Any]] = defaultdict(list)
    for ship in claimed:
        account_key = None if ship.carrier_account_id else ship.merchant_id
        groups[(ship.carrier, ship.carrier_account_id, account_key or 0)].append(ship)
    report.claimed += len(claimed)
    report.groups += len(groups)
    report.chunks += 1
    report.largest_chunk = max(report.largest_chunk, len(claimed))
    report.applied.extend(await asyncio.gather(*(_poll_group(rt, key, ships, now) for key, ships in groups.items())))


async def _poll_group(rt: Runtime, key: tuple[str, int | None, int], ships: list[Any], now: datetime) -> ApplyReport:
    carrier, account_id, _ = key
    numbers = [s.tracking_number for s in ships]
    retry_after: float | None = None
    try:
        adapter = await rt.adapter(carrier, account_id, ships[0].merchant_id)
        results = await adapter.track(numbers)
    except CarrierError as exc:
        log.warning("%s poll of %d shipments failed: %s", carrier, len(ships), exc)
        results = [TrackResult.failed(n, exc.kind, str(exc)) for n in numbers]
        retry_after = exc.retry_after
    except KeyError as exc:  # carrier code not installed
        results = [TrackResult.failed(n, ErrorKind.UNAVAILABLE, f"carrier not installed: {exc}") for n in numbers]
    applied = await apply_results(
        rt.engine,
        carrier=carrier,
        shipments=ships,
        results=results,
        now=now,
        speed=rt.speed_for(carrier),
        retry_after=retry_after,
    )
    await rt.pages_changed(applied.changed_orders)
    await checkpoint_wal(rt.engine)  # SQLite: after the writer lock is released, so the next batch writes meanwhile
    return applied
