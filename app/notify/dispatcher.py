"""One dispatch tick: claim due outbox rows, check, render, send through the channel, record the outcome.

`checkpoint` lets a caller observe each stage of a tick (after claim, before send, after send, after commit);
the crash test uses it to kill the process at each one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from jinja2 import TemplateError

from app.notify import outbox
from app.notify.compose import Loaded, context, email_spec, load, sms_message
from app.notify.overrides import OverrideError, record_errors
from app.notify.policy import DailyCap, deferral, hold
from app.runtime import Runtime
from notifications.base import SendResult

log = logging.getLogger("ordertrail.dispatch")

Checkpoint = Callable[[str], None]
# Messages in flight per channel and tick, when the channel does not say (`in_flight`): an HTTP API is bounded
# here; an SMTP channel by its connection pool.
IN_FLIGHT = {"sms": 32}


def _no_checkpoint(_stage: str) -> None:
    return None


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def outcome_name(result: SendResult) -> str:
    if result.ok:
        return "sent"
    if result.error_code == "deferred":
        return "deferred"
    return "retry" if result.retryable else "failed"


def in_flight(rt: Runtime) -> dict[str, int]:
    sizes = dict(IN_FLIGHT)
    for name, channel in rt.channels.items():
        size = getattr(channel, "in_flight", None)
        if isinstance(size, int) and size > 0:
            sizes[name] = size
    return sizes


async def dispatch_once(
    rt: Runtime,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    checkpoint: Checkpoint = _no_checkpoint,
    lease: timedelta = outbox.LEASE,
) -> DispatchReport:
    at = now or datetime.now(UTC)
    rows = await outbox.claim(rt.engine, now=at, limit=limit or rt.settings.dispatch_batch_size, lease=lease)
    report = DispatchReport(claimed=len(rows))
    if not rows:
        return report
    checkpoint("after_claim")
    data = await load(rt.engine, rows)
    cap = await DailyCap.load(rt.engine, data, at)
    errors: list[OverrideError] = []
    checkpoint("before_send")
    gates = {name: asyncio.Semaphore(size) for name, size in in_flight(rt).items()}
    results = await asyncio.gather(*(_send_one(rt, row, data, cap, at, errors, gates) for row in rows))
    checkpoint("after_send")
    outcomes = list(zip(rows, results, strict=True))
    await outbox.record(rt.engine, outcomes, now=datetime.now(UTC) if now is None else now)
    checkpoint("after_commit")
    _pages_to_store(rt, outcomes)
    await record_errors(rt.engine, errors, at)
    for _, result in outcomes:
        key = outcome_name(result)
        report.outcomes[key] = report.outcomes.get(key, 0) + 1
    return report


def _pages_to_store(rt: Runtime, outcomes: list[tuple[Any, SendResult]]) -> None:
    """The shipments whose message just left: shoppers open its link soon after, so their pages are rendered
    ahead by the worker's page job (app.web.stored_pages.store_pending)."""
    rt.queue_pages(row.shipment_id for row, result in outcomes if result.ok and row.shipment_id)


async def _send_one(
    rt: Runtime,
    row: Any,
    data: Loaded,
    cap: DailyCap,
    now: datetime,
    errors: list[OverrideError],
    gates: dict[str, asyncio.Semaphore] | None = None,
) -> SendResult:
    stop = hold(row, data, now)
    if stop is not None:
        return stop
    channel = rt.channels.get(row.channel)
    if channel is None:
        return SendResult.permanent(f"the {row.channel} channel is not configured", code="no_channel")
    gate = (gates or {}).get(row.channel)
    if gate is None:
        return await _render_and_send(rt, channel, row, data, cap, now, errors)
    # Rendered once a sending slot is free: each message is built while the others are on the wire, instead of
    # every message of the tick being built before the first one leaves.
    async with gate:
        return await _render_and_send(rt, channel, row, data, cap, now, errors)


async def _render_and_send(
    rt: Runtime, channel: Any, row: Any, data: Loaded, cap: DailyCap, now: datetime, errors: list[OverrideError]
) -> SendResult:
    try:
        ctx = context(row, data, rt.settings)
        if row.channel == "email":
            message: Any = email_spec(row, ctx, data, rt.settings, errors)
        else:
            message = sms_message(row, ctx, data, rt.settings, errors)
    except (TemplateError, KeyError, ValueError) as exc:
        log.warning("notification %s could not be rendered: %s", row.id, exc)
        return SendResult.permanent(f"template error: {exc}", code="template")
    tomorrow = cap.take(row.merchant_id, now)
    if tomorrow is not None:
        return deferral(tomorrow, now, "the shop's daily message cap is reached")
    result: SendResult = await channel.send(message)
    if not result.ok and not result.in_doubt:
        cap.give_back(row.merchant_id)
    if result.in_doubt:
        log.warning("notification %s in doubt (provider may have accepted it); will resend", row.id)
    return result
