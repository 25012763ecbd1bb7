"""Run an ASGI app on a real loopback port inside the test's event loop (real sockets, no mocks)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    """A port nothing listens on right now (for a server started later on a fixed port, or one that must be down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bound_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to host:port (a free port when 0) for a server to listen on: the port stays ours from here
    on, where a port looked up first could be taken by another process (a parallel test worker) before the server
    binds it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, which stops as soon as it is told to: uvicorn looks at `should_exit` every 0.1 s, then waits
    a fixed 0.1 s and for connections in 0.1 s steps, up to a third of a second for each server a test starts. The
    shutdown is the same (listeners closed, every connection asked to close once its response is sent, then every
    connection and task waited for), in steps of 5 ms."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stop = asyncio.Event()

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        while self.server_state.connections or self.server_state.tasks:  # noqa: ASYNC110 (uvicorn has no event)
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


@asynccontextmanager
async def serve_on(app: Any, sock: socket.socket) -> AsyncIterator[str]:
    """Serve `app` on the bound socket until the block exits; yields its base URL."""
    host, port = sock.getsockname()[:2]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off", loop="none"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        server.stop.set()
        await task
        sock.close()


@asynccontextmanager
async def serve(app: Any, *, port: int | None = None) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 (on a free port unless given one) until the block exits; yields its base URL."""
    try:
        async with serve_on(app, bound_socket("127.0.0.1", port or 0)) as url:
            yield url
    finally:
        state = getattr(app, "state", None)  # the lifespan is off: stop what the app started in the background
        if state is not None:
            from app.web.page_events import close_page_events

            await close_page_events(state)
