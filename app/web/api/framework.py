"""How a /api/v1 operation runs: key check, path ids, query and body validation, one transaction, JSON answers.

Each operation is declared once (`Operation`), and both the router and the OpenAPI document are built from the
declarations, so the document lists exactly the inputs, answers and error codes the code has.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import reading, writing
from app.web.api import idempotency
from app.web.api.errors import ApiError, invalid, not_found
from app.web.apiauth import Unauthorized, authenticate

MAX_BODY = 256 * 1024
MAX_ID = 2**31 - 1
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Call:
    """What a handler gets: the shop, the validated inputs, the open connection and the request's time."""

    request: Request
    merchant_id: int
    conn: AsyncConnection
    now: datetime
    ids: dict[str, int | str]
    query: Any = None
    body: Any = None

    @property
    def settings(self) -> Any:
        return self.request.app.state.runtime.settings


@dataclass
class Reply:
    status: int
    payload: BaseModel | None = None


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_ids: dict[str, str] = field(default_factory=dict)  # name -> "int" or "str"
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


def model_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    errors = []
    for e in exc.errors():
        path = ".".join(str(p) for p in e["loc"])
        name = f"{prefix}.{path}" if prefix and path else prefix or path or "body"
        errors.append({"field": name, "reason": e["msg"].removeprefix("Value error, ")})
    return errors


def _nul_field(value: Any, path: str) -> str | None:
    """The first string holding a NUL character (which no database text column takes), else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _nul_field(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


async def read_body(request: Request, model: type[BaseModel]) -> BaseModel:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise ApiError(415, f"Content-Type must be application/json, not {media or 'missing'!r}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, f"body larger than {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, f"body larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"body is not valid JSON: {exc}") from None
    nul = _nul_field(parsed, "")
    if nul is not None:
        raise invalid(nul or "body", "must not contain NUL characters")
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise ApiError(422, "validation failed", model_errors(exc)) from None


def read_query(request: Request, model: type[BaseModel]) -> BaseModel:
    values = dict(request.query_params)
    nul = _nul_field(values, "")
    if nul is not None:
        raise invalid(nul, "must not contain NUL characters")
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ApiError(422, "validation failed", model_errors(exc)) from None


def read_ids(request: Request, op: Operation) -> dict[str, int | str]:
    ids: dict[str, int | str] = {}
    for name, kind in op.path_ids.items():
        raw = str(request.path_params[name])
        if kind == "str":
            if not 1 <= len(raw) <= 64 or "\x00" in raw:
                raise not_found(name.removesuffix("_id"))
            ids[name] = raw
            continue
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
            raise not_found(name.removesuffix("_id"))
        ids[name] = int(raw)
    return ids


async def run(request: Request, op: Operation) -> Response:
    try:
        merchant_id = await authenticate(request)
    except Unauthorized as exc:
        return ApiError(401, exc.reason).response()
    try:
        ids = read_ids(request, op)
        query = read_query(request, op.query) if op.query else None
        body = await read_body(request, op.body) if op.body else None
        key = idempotency.key_of(request) if op.idempotent else None
        return await _execute(request, op, merchant_id, ids, query, body, key)
    except ApiError as exc:
        return exc.response()


async def _execute(
    request: Request, op: Operation, merchant_id: int, ids: dict[str, int | str], query: Any, body: Any, key: Any
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


def build_routes(operations: list[Operation]) -> list[BaseRoute]:
    """One route per path (so a wrong method gets 405 with every allowed method in `Allow`)."""
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method] = op
    routes: list[BaseRoute] = []
    for path, methods in by_path.items():

        async def endpoint(request: Request, methods: dict[str, Operation] = methods) -> Response:
            method = "GET" if request.method == "HEAD" else request.method  # Starlette drops a HEAD answer's body
            return await run(request, methods[method])

        routes.append(Route(path, endpoint, methods=list(methods)))
    known = list(routes)

    async def no_such_path(request: Request) -> Response:
        """Unknown paths under the API answer in JSON; a known path with another method gets 405 and `Allow`."""
        for route in known:
            if isinstance(route, Route) and route.path_regex.match(request.url.path):
                allowed = ", ".join(sorted(route.methods or ()))
                error = ApiError(405, f"{request.method} is not allowed here; use {allowed}").response()
                error.headers["Allow"] = allowed
                return error
        return ApiError(404, f"no such API path: {request.url.path}").response()

    routes.append(Route(f"{prefix(operations)}/{{rest:path}}", no_such_path, methods=list(ALL_METHODS)))
    return routes


ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def prefix(operations: list[Operation]) -> str:
    """The path all operations share (`/api/v1`)."""
    return "/" + "/".join(operations[0].path.strip("/").split("/")[:2])
