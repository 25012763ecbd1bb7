"""A lean carrier server speaking the sandbox tracking API, for benchmarks: run it as its own process.

Replies are byte-for-byte what the sandbox server would say at a frozen `now`, but each journey is rendered once
per (scenario, start minute) and reused with the number spliced in, so the server stays cheap next to the client.
Run: python -m bench.fake_carrier --port 8901 --now 2026-01-01T12:00:00+00:00 [--certfile C --keyfile K]
"""

from __future__ import annotations

import argparse
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from carriers.sandbox.scenarios import decode
from carriers.sandbox.server import MAX_BATCH, journey

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
UNAUTHORIZED = b'{"error": {"code": "UNAUTHORIZED", "message": "Invalid API key"}}'


class FakeCarrier:
    """ASGI app: POST /v1/track (sandbox shape), GET /v1/track/{number} (one number, for the bare GET loop),
    GET /_control/stats, POST /_control/reset."""

    def __init__(self, *, api_key: str, now: datetime, speed: float = 1.0) -> None:
        self.api_key = api_key.encode()
        self.now = now
        self.speed = speed
        self._tails: dict[tuple[str, datetime] | None, bytes] = {}
        self.requests = 0
        self.numbers = 0
        self.distinct: set[str] = set()

    def entry(self, number: str) -> bytes:
        """One result object as JSON: a cached journey tail behind this number's own key."""
        decoded = decode(number)
        key = None if decoded is None or not decoded[0].found else (decoded[0].code, decoded[1])
        tail = self._tails.get(key)
        if tail is None:
            if decoded is None or key is None:
                body: dict[str, Any] = {"error": {"code": "NOT_FOUND", "message": "Tracking number not found"}}
            else:
                body = journey("", decoded[0], decoded[1], self.now, self.speed)
                body.pop("tracking_number")
            tail = json.dumps(body).encode()[1:]
            self._tails[key] = tail
        return b'{"tracking_number": ' + json.dumps(number).encode() + b", " + tail

    def track(self, body: bytes) -> tuple[int, bytes]:
        try:
            numbers = json.loads(body)["tracking_numbers"]
            if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
                raise TypeError("tracking_numbers must be a list of strings")
        except (ValueError, KeyError, TypeError) as exc:
            return 400, json.dumps({"error": {"code": "BAD_REQUEST", "message": str(exc)}}).encode()
        if len(numbers) > MAX_BATCH:
            message = f"at most {MAX_BATCH} tracking numbers per call"
            return 400, json.dumps({"error": {"code": "BAD_REQUEST", "message": message}}).encode()
        self.numbers += len(numbers)
        self.distinct.update(numbers)
        return 200, b'{"results": [' + b", ".join(self.entry(n) for n in numbers) + b"]}"

    def stats(self) -> bytes:
        return json.dumps({"requests": self.requests, "numbers": self.numbers, "distinct": len(self.distinct)}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        path, method = scope["path"], scope["method"]
        if path == "/v1/track" and method == "POST":
            self.requests += 1
            status, payload = self._authorised_track(scope, body)
        elif path.startswith("/v1/track/") and method == "GET":
            self.requests += 1
            status, payload = self._authorised_get(scope, path.removeprefix("/v1/track/"))
        elif path == "/_control/stats":
            status, payload = 200, self.stats()
        elif path == "/_control/reset" and method == "POST":
            self.requests, self.numbers = 0, 0
            self.distinct.clear()
            status, payload = 200, self.stats()
        else:
            status, payload = 404, b'{"error": {"code": "NOT_FOUND", "message": "no such route"}}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _authorised(self, scope: Scope) -> bool:
        supplied = dict(scope["headers"]).get(b"authorization", b"").removeprefix(b"Bearer ").strip()
        return hmac.compare_digest(supplied, self.api_key)

    def _authorised_track(self, scope: Scope, body: bytes) -> tuple[int, bytes]:
        if not self._authorised(scope):
            return 401, UNAUTHORIZED
        return self.track(body)

    def _authorised_get(self, scope: Scope, number: str) -> tuple[int, bytes]:
        """The same reply as a one-number POST, for a plain GET (no request body to send or read)."""
        if not self._authorised(scope):
            return 401, UNAUTHORIZED
        self.numbers += 1
        self.distinct.add(number)
        return 200, b'{"results": [' + self.entry(number) + b"]}"


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--now", required=True, help="the carrier's frozen clock, ISO 8601 with offset")
    parser.add_argument("--api-key", default="bench-key")
    parser.add_argument("--certfile", default="")
    parser.add_argument("--keyfile", default="")
    args = parser.parse_args()
    app = FakeCarrier(api_key=args.api_key, now=datetime.fromisoformat(args.now))
    tls = {"ssl_certfile": args.certfile, "ssl_keyfile": args.keyfile} if args.certfile else {}
    # uvloop + httptools: the fastest uvicorn stack, so the server is not what limits the client.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        **tls,
    )  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
