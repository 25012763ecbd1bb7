"""Run an ASGI app on a real loopback port inside the test's event loop (real sockets, no mocks)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serve(app: Any, *, port: int | None = None) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 until the block exits; yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", loop="none")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        state = getattr(app, "state", None)  # the lifespan is off: stop what the app started in the background
        if state is not None:
            from app.web.page_events import close_page_events

            await close_page_events(state)
