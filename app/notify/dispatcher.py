"""One dispatch tick: claim due outbox rows, render, send through the channel, record the outcome."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jinja2 import TemplateError

from app.notify import outbox
from app.notify.compose import Loaded, context, email_spec, load, sms_message
from app.runtime import Runtime
from notifications.base import SendResult

log = logging.getLogger("ordertrail.dispatch")


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


async def dispatch_once(rt: Runtime, *, now: datetime | None = None, limit: int | None = None) -> DispatchReport:
    now = now or datetime.now(UTC)
    rows = await outbox.claim(rt.engine, now=now, limit=limit or rt.settings.dispatch_batch_size)
    report = DispatchReport(claimed=len(rows))
    if not rows:
        return report
    data = await load(rt.engine, rows)
    results = await asyncio.gather(*(_send_one(rt, row, data) for row in rows))
    outcomes = list(zip(rows, results, strict=True))
    await outbox.record(rt.engine, outcomes, now=datetime.now(UTC) if now is None else now)
    for _, result in outcomes:
        key = "sent" if result.ok else ("retry" if result.retryable else "failed")
        report.outcomes[key] = report.outcomes.get(key, 0) + 1
    return report


async def _send_one(rt: Runtime, row: Any, data: Loaded) -> SendResult:
    if (row.merchant_id, row.channel, row.recipient) in data.suppressed:
        return SendResult.permanent("recipient opted out of this channel", code="suppressed")
    order = data.orders[row.order_id]
    if order.cancelled_at is not None and row.trigger not in ("cancelled",):
        return SendResult.permanent("order cancelled", code="cancelled")
    channel = rt.channels.get(row.channel)
    if channel is None:
        return SendResult.permanent(f"the {row.channel} channel is not configured", code="no_channel")
    try:
        ctx = context(row, data, rt.settings)
        message = (
            email_spec(row, ctx, data, rt.settings) if row.channel == "email" else sms_message(row, ctx, rt.settings)
        )
    except (TemplateError, KeyError, ValueError) as exc:
        log.warning("notification %s could not be rendered: %s", row.id, exc)
        return SendResult.permanent(f"template error: {exc}", code="template")
    result: SendResult = await channel.send(message)
    if result.in_doubt:
        log.warning("notification %s in doubt (provider may have accepted it); will resend", row.id)
    return result
