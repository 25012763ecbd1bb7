"""Reading a /api/v1 request's inputs: path ids, query string and JSON body, each bad one a precise error."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from app.web.api.errors import ApiError, invalid, not_found

MAX_BODY = 256 * 1024
MAX_ID = 2**31 - 1


def model_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Pydantic's errors as {field: dotted path, reason}."""
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
    """The JSON body as `model` (strict types): 415, 413, 400 or 422 when it cannot be."""
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
    """The query string as `model` (text converted to the field types); 422 naming each bad parameter."""
    values = dict(request.query_params)
    nul = _nul_field(values, "")
    if nul is not None:
        raise invalid(nul, "must not contain NUL characters")
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ApiError(422, "validation failed", model_errors(exc)) from None


def read_ids(request: Request, names: tuple[str, ...]) -> dict[str, int]:
    """Path ids as numbers; anything that cannot be a row id (or is beyond a 32-bit key) is simply not found."""
    ids: dict[str, int] = {}
    for name in names:
        raw = str(request.path_params[name])
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
            raise not_found(name.removesuffix("_id"))
        ids[name] = int(raw)
    return ids
