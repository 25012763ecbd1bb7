"""One-click unsubscribe (RFC 8058): POST works without login or cookies; GET only shows a confirm button."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from starlette.requests import Request
from starlette.responses import Response

from app.db import reading, writing
from app.models import Merchant, Notification, Suppression
from app.notify.compose import unsubscribe_token
from app.web.branding import branding
from app.web.public import choose_locale, not_found
from app.web.templating import render_page

N = Notification.__table__.c


async def _recipient(request: Request) -> tuple[int, str, str, object] | None:
    """(merchant id, channel, recipient, merchant) when the link's token matches, else None."""
    params = request.path_params
    try:
        merchant_id, notification_id = int(params["merchant_id"]), int(request.query_params.get("r", ""))
    except ValueError:
        return None
    channel = params["channel"]
    rt = request.app.state.runtime
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(N.recipient).where(N.id == notification_id, N.merchant_id == merchant_id, N.channel == channel)
            )
        ).first()
        merchant = (
            await conn.execute(select(Merchant.__table__).where(Merchant.__table__.c.id == merchant_id))
        ).first()
    if row is None or merchant is None:
        return None
    expected = unsubscribe_token(rt.settings.secret_key, merchant_id, channel, row.recipient)
    if not hmac.compare_digest(expected, params["token"]):
        return None
    return merchant_id, channel, row.recipient, merchant


async def unsubscribe(request: Request) -> Response:
    found = await _recipient(request)
    if found is None:
        return not_found(request)
    merchant_id, channel, recipient, merchant = found
    done = request.method == "POST"
    if done:
        rt = request.app.state.runtime
        values = {
            "merchant_id": merchant_id,
            "channel": channel,
            "recipient": recipient,
            "reason": "unsubscribe",
            "created_at": datetime.now(UTC),
        }
        async with writing(rt.engine) as conn:
            insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
            await conn.execute(insert(Suppression.__table__).values(values).on_conflict_do_nothing())
    context = {"shop": branding(merchant), "done": done, "action": str(request.url)}
    return render_page(request, "pages/unsubscribe.html", context, locale=choose_locale(request))
