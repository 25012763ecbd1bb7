"""How a /api/v1 operation runs: key check, inputs, one transaction (with the idempotency record), a JSON answer.

Each operation is declared once (`Operation`), and both the router and the OpenAPI document are built from the
declarations, so the document lists exactly the inputs, answers and error codes the code has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.db import reading, writing
from app.web.api import idempotency
from app.web.api.errors import ApiError
from app.web.api.inputs import MAX_BODY, read_body, read_ids, read_query
from app.web.apiauth import Unauthorized, authenticate

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Call:
    """What a handler gets: the shop, the validated inputs, the open connection and the request's time."""

    request: Request
    merchant_id: int
    conn: AsyncConnection
    now: datetime
    ids: dict[str, int]
    query: Any = None
    body: Any = None

    @property
    def settings(self) -> Any:
        return self.request.app.state.runtime.settings


@dataclass
class Reply:
    """A success: its status and the model to send as JSON (None: no body)."""

    status: int
    payload: BaseModel | None = None


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass
class Operation:
    """One method on one path: its handler, inputs and answers (the router and the document both read it)."""

    method: str
    path: str
    handler: Handler
    summary: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_ids: tuple[str, ...] = ()  # numeric ids in the path, e.g. ("order_id",)
    idempotent: bool = False
    tag: str = ""
    errors: dict[int, str] = field(default_factory=dict)  # what the handler itself may answer
    example: dict[str, Any] | None = None  # a request body that succeeds (documented; sent by the schema tests)

    @property
    def error_codes(self) -> dict[int, str]:
        """Every non-success status the pipeline can answer for this operation, with its meaning."""
        codes = {401: "missing, malformed, invalid or revoked API key"}
        if self.path_ids:
            codes[404] = "no such resource in this shop"
        if self.body is not None:
            codes[400] = "body is not valid JSON"
            codes[413] = f"body larger than {MAX_BODY} bytes"
            codes[415] = "Content-Type is not application/json"
        if self.body is not None or self.query is not None or self.idempotent:
            codes[422] = "validation failed (each field at fault with the reason)"
        if self.idempotent:
            codes[409] = "a request with this Idempotency-Key is still being processed"
        for status, meaning in self.errors.items():
            codes[status] = f"{codes[status]}; or {meaning}" if status in codes else meaning
        return codes


async def run(request: Request, op: Operation) -> Response:
    """Answer `request` with `op`: 401 before anything else, then the inputs' errors, then the handler's reply."""
    try:
        merchant_id = await authenticate(request)
    except Unauthorized as exc:
        return ApiError(401, exc.reason).response()
    try:
        ids = read_ids(request, op.path_ids)
        query = read_query(request, op.query) if op.query else None
        body = await read_body(request, op.body) if op.body else None
        key = idempotency.key_of(request) if op.idempotent else None
        return await _execute(request, op, merchant_id, ids, query, body, key)
    except ApiError as exc:
        return exc.response()


async def _execute(
    request: Request, op: Operation, merchant_id: int, ids: dict[str, int], query: Any, body: Any, key: Any
) -> Response:
    engine = request.app.state.runtime.engine
    now = datetime.now(UTC)
    transaction = writing(engine) if op.method in WRITE_METHODS else reading(engine)
    fingerprint = idempotency.fingerprint(op.method, request.url.path, body) if key else ""
    async with transaction as conn:
        if key:
            stored = await idempotency.lookup(conn, merchant_id, key, fingerprint, now)
            if stored is not None:
                return stored
        reply = await op.handler(Call(request, merchant_id, conn, now, ids, query, body))
        content = reply.payload.model_dump(mode="json") if reply.payload is not None else None
        if key and 200 <= reply.status < 300:
            await idempotency.remember(conn, merchant_id, key, fingerprint, reply.status, content, now)
    if content is None:
        return Response(status_code=reply.status)
    return JSONResponse(content, status_code=reply.status)
