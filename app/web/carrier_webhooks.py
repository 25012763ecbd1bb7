"""POST /webhooks/carriers/{carrier}/{account_id}: verify a carrier push on its raw bytes, store it once, answer 200.

Processing runs after the answer (a background task, unless `app.state.carrier_push_inline` is False) and on the
scheduler's push tick; either way through app.tracking.push.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.runtime import Runtime
from app.security.crypto import CredentialsError
from app.tracking import push

log = logging.getLogger("ordertrail.push")

MAX_BODY = 1024 * 1024
KICK_LIMIT = 20


class BodyTooLarge(Exception):
    """The request body is over MAX_BODY bytes."""


def answer(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def read_capped(request: Request, limit: int = MAX_BODY) -> bytes:
    """The raw body, refused as soon as it is known to exceed `limit` (declared length or bytes streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def kick(rt: Runtime) -> None:
    """Process what just arrived without waiting for the next tick; failures are left to the tick."""
    try:
        await push.process_inbox(rt, limit=KICK_LIMIT)
    except Exception:
        log.exception("processing pushes after a delivery failed; the scheduler will retry")


async def receive(request: Request) -> JSONResponse:
    carrier: str = request.path_params["carrier"]
    account_id: int = request.path_params["account_id"]
    rt: Runtime = request.app.state.runtime
    module = push.webhook_module(carrier)
    if module is None:
        return answer(404, "unknown carrier or account")
    try:
        account = await push.push_account(rt, carrier, account_id)
    except CredentialsError:
        # Our key is wrong, not the sender: a 5xx makes the carrier redeliver once the key is fixed.
        log.error("%s account %d: credentials cannot be decrypted; push refused", carrier, account_id)
        return answer(503, "temporarily unable to verify pushes")
    if account is None:
        return answer(404, "unknown carrier or account")
    try:
        raw = await read_capped(request)
    except BodyTooLarge:
        return answer(413, f"body larger than {MAX_BODY} bytes")
    token = request.query_params.get("token", "")
    if not account.secret:
        log.warning("%s account %d has no webhook secret; push refused", carrier, account_id)
    if not module.verify_webhook(raw, request.headers, account.secret, url_token=token):
        presented = push.credential_presented(carrier, request.headers, token)
        return answer(401, "signature does not match" if presented else "signature missing")
    stored = await push.store_delivery(rt.engine, account, raw, now=datetime.now(UTC))
    inline = getattr(request.app.state, "carrier_push_inline", True)
    background = BackgroundTask(kick, rt) if stored and inline else None
    return JSONResponse({"received": True, "duplicate": not stored}, background=background)
