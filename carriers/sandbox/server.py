"""The sandbox carrier's tracking API: a real HTTP service playing scripted journeys, with injectable faults.

POST /v1/track            {"tracking_numbers": [...]} (at most 50), header Authorization: Bearer <key>
POST /_control/faults     {"mode": "500"|"429"|"garbage"|"html"|"truncated"|"slow", "count": N,
                           "retry_after": s, "delay": s}: the next N track calls misbehave
GET  /_control/stats      request counters, for tests and the demo
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from carriers.sandbox.scenarios import Scenario, decode, real_time

MAX_BATCH = 50
FAULT_MODES = {"500", "429", "garbage", "html", "truncated", "slow"}


@dataclass
class Fault:
    mode: str
    retry_after: int = 1
    delay: float = 2.0


@dataclass
class SandboxState:
    api_key: str
    speed: float
    clock: Callable[[], datetime]
    faults: deque[Fault] = field(default_factory=deque)
    requests: int = 0
    numbers: int = 0


def journey(number: str, scenario: Scenario, started: datetime, now: datetime, speed: float) -> dict[str, Any]:
    """What the carrier knows of one number at `now`."""
    done = [step for step in scenario.steps if real_time(started, step.hours, speed) <= now]
    if not done:
        return {"tracking_number": number, "error": {"code": "NOT_FOUND", "message": "No information yet"}}
    events = [
        {
            "code": step.code,
            "description": step.description,
            "location": step.location,
            "time": real_time(started, step.hours, speed).astimezone(ZoneInfo(step.zone)).isoformat(),
        }
        for step in reversed(done)
    ]
    delayed = any(step.code == "DLY" for step in done)
    promise = scenario.steps[-1].hours if delayed else scenario.promise_hours
    estimate = real_time(started, promise, speed).astimezone(ZoneInfo("Europe/Paris")).date()
    body: dict[str, Any] = {
        "tracking_number": number,
        "status": done[-1].code,
        "events": events,
        "estimated_delivery": estimate.isoformat(),
    }
    if done[-1].code == "DLV" and scenario.signed_by:
        body["signed_by"] = scenario.signed_by
    return body


def lookup(number: str, state: SandboxState) -> dict[str, Any]:
    decoded = decode(number)
    if decoded is None or not decoded[0].found:
        return {"tracking_number": number, "error": {"code": "NOT_FOUND", "message": "Tracking number not found"}}
    scenario, started = decoded
    return journey(number, scenario, started, state.clock(), state.speed)


async def track(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    state.requests += 1
    supplied = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(supplied.encode(), state.api_key.encode()):
        return JSONResponse({"error": {"code": "UNAUTHORIZED", "message": "Invalid API key"}}, status_code=401)
    if state.faults:
        fault = state.faults.popleft()
        faulty = await _misbehave(fault)
        if faulty is not None:
            return faulty
    try:
        payload = json.loads(await request.body())
        numbers = payload["tracking_numbers"]
        if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
            raise TypeError("tracking_numbers must be a list of strings")
    except (ValueError, KeyError, TypeError) as exc:
        return JSONResponse({"error": {"code": "BAD_REQUEST", "message": str(exc)}}, status_code=400)
    if len(numbers) > MAX_BATCH:
        message = f"at most {MAX_BATCH} tracking numbers per call"
        return JSONResponse({"error": {"code": "BAD_REQUEST", "message": message}}, status_code=400)
    state.numbers += len(numbers)
    return JSONResponse({"results": [lookup(n, state) for n in numbers]})


async def _misbehave(fault: Fault) -> Response | None:
    if fault.mode == "500":
        return JSONResponse({"error": {"code": "INTERNAL", "message": "upstream failure"}}, status_code=500)
    if fault.mode == "429":
        headers = {"Retry-After": str(fault.retry_after)}
        return JSONResponse({"error": {"code": "RATE_LIMITED", "message": "slow down"}}, 429, headers=headers)
    if fault.mode == "garbage":
        return Response(b'{"results": [{"tracking_number": 12, "events": "nope"', media_type="application/json")
    if fault.mode == "truncated":
        return Response(b'{"results": [{"tracking_numb', media_type="application/json")
    if fault.mode == "html":
        return Response(b"<html><body>Service maintenance</body></html>", media_type="text/html")
    await asyncio.sleep(fault.delay)  # "slow": answer normally, late
    return None


async def add_faults(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    spec = await request.json()
    mode = str(spec.get("mode", ""))
    if mode not in FAULT_MODES:
        return JSONResponse({"error": f"mode must be one of {sorted(FAULT_MODES)}"}, status_code=400)
    fault = Fault(mode, int(spec.get("retry_after", 1)), float(spec.get("delay", 2.0)))
    state.faults.extend([fault] * int(spec.get("count", 1)))
    return JSONResponse({"queued": len(state.faults)})


async def stats(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    return JSONResponse({"requests": state.requests, "numbers": state.numbers, "faults_queued": len(state.faults)})


def create_sandbox_app(
    *, api_key: str = "sandbox", speed: float = 1.0, clock: Callable[[], datetime] | None = None
) -> Starlette:
    """The sandbox carrier as an ASGI app; `speed` scenario-hours pass per real hour."""
    app = Starlette(
        routes=[
            Route("/v1/track", track, methods=["POST"]),
            Route("/_control/faults", add_faults, methods=["POST"]),
            Route("/_control/stats", stats, methods=["GET"]),
        ]
    )
    app.state.sandbox = SandboxState(api_key=api_key, speed=speed, clock=clock or (lambda: datetime.now(UTC)))
    return app
