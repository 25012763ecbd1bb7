"""REST API v1: create and read shipments with a merchant API key; precise 401/404/422 answers."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import reading
from app.ingest.schemas import ShipmentIn
from app.ingest.shipments import CarrierUnknown, create_shipment
from app.models import Order, Shipment, TrackingEvent
from app.security.tokens import derive_token
from app.web.apiauth import Unauthorized, authenticate

MAX_BODY = 256 * 1024
SH, ORD, EV = Shipment.__table__, Order.__table__, TrackingEvent.__table__


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def validation_errors(exc: ValidationError) -> JSONResponse:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "reason": e["msg"].removeprefix("Value error, ")}
        for e in exc.errors()
    ]
    return error(422, "validation failed", errors=errors)


async def read_json(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ValueError(f"body larger than {MAX_BODY} bytes")
    return json.loads(body)


def shipment_json(row: Any, order_number: str, base_url: str, secret_key: str) -> dict[str, Any]:
    token = derive_token(secret_key, row.ref, row.token_version)
    return {
        "id": row.id,
        "order_number": order_number,
        "carrier": row.carrier,
        "tracking_number": row.tracking_number,
        "status": row.status,
        "substatus": row.substatus,
        "estimated_delivery": {
            "earliest": row.estimate_earliest.isoformat() if row.estimate_earliest else None,
            "latest": row.estimate_latest.isoformat() if row.estimate_latest else None,
        },
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "tracking_url": f"{base_url}/t/{token}",
        "created_at": row.created_at.isoformat(),
    }


async def create(request: Request) -> Response:
    try:
        merchant_id = await authenticate(request)
    except Unauthorized as exc:
        return error(401, exc.reason)
    try:
        data = ShipmentIn.model_validate(await read_json(request))
    except ValidationError as exc:
        return validation_errors(exc)
    except (ValueError, UnicodeDecodeError) as exc:
        return error(400, f"body is not valid JSON: {exc}")
    rt = request.app.state.runtime
    try:
        made = await create_shipment(rt.engine, merchant_id=merchant_id, data=data, secret_key=rt.settings.secret_key)
    except CarrierUnknown as exc:
        return error(422, "validation failed", errors=[{"field": "carrier", "reason": str(exc)}])
    body = await _load(request, merchant_id, made.shipment_id)
    return JSONResponse(body, status_code=201 if made.created else 200)


async def get_one(request: Request) -> Response:
    try:
        merchant_id = await authenticate(request)
    except Unauthorized as exc:
        return error(401, exc.reason)
    try:
        shipment_id = int(request.path_params["shipment_id"])
    except ValueError:
        return error(404, "no such shipment")
    body = await _load(request, merchant_id, shipment_id, with_events=True)
    return JSONResponse(body) if body else error(404, "no such shipment")


async def _load(request: Request, merchant_id: int, shipment_id: int, *, with_events: bool = False) -> dict[str, Any]:
    rt = request.app.state.runtime
    async with reading(rt.engine) as conn:
        row = (
            await conn.execute(
                select(SH, ORD.c.number.label("order_number"))
                .join(ORD, ORD.c.id == SH.c.order_id)
                .where(SH.c.id == shipment_id, SH.c.merchant_id == merchant_id)
            )
        ).first()
        if row is None:
            return {}
        body = shipment_json(row, row.order_number, rt.settings.base_url, rt.settings.secret_key)
        if with_events:
            events = await conn.execute(
                select(EV).where(EV.c.shipment_id == shipment_id).order_by(EV.c.occurred_at.desc())
            )
            body["events"] = [
                {
                    "time": e.occurred_at.isoformat(),
                    "status": e.status,
                    "carrier_code": e.carrier_code,
                    "description": e.description,
                    "location": e.location,
                }
                for e in events
            ]
    return body


routes: list[BaseRoute] = [
    Route("/api/v1/shipments", create, methods=["POST"]),
    Route("/api/v1/shipments/{shipment_id}", get_one, methods=["GET"]),
]
