"""A scripted carrier for adapter tests: canned replies by path prefix, every request recorded."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

Reply = httpx.Response | Exception


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
    return httpx.Response(status, content=content, headers={"content-type": "application/json", **(headers or {})})


def unique(prefix: str = "id") -> str:
    """A fresh credential id, so the module-wide token cache and rate buckets never leak between tests."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class ScriptedCarrier:
    """Routes by path prefix to a queue of replies (the last one repeats) and records what was asked."""

    def __init__(self, routes: dict[str, list[Reply]]) -> None:
        self.routes = {prefix: list(queue) for prefix, queue in routes.items()}
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for prefix, queue in self.routes.items():
            if request.url.path.startswith(prefix):
                item = queue.pop(0) if len(queue) > 1 else queue[0]
                if isinstance(item, Exception):
                    raise item
                return item
        return reply(404, {"unexpected": request.url.path})

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def hits(self, prefix: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith(prefix)]
