"""A local SMTP server (aiosmtpd) that keeps what it receives, and a page listing it: the demo's inbox."""

from __future__ import annotations

import asyncio
import html
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route


@dataclass
class CaughtMail:
    id: int
    received_at: datetime
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""


class MailCatcher:
    """aiosmtpd handler keeping the last `keep` messages in memory."""

    def __init__(self, keep: int = 500) -> None:
        self.messages: deque[CaughtMail] = deque(maxlen=keep)
        self._next = 1
        self.arrived = asyncio.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.messages.append(
            CaughtMail(self._next, datetime.now(UTC), str(envelope.mail_from), list(envelope.rcpt_tos), bytes(raw))
        )
        self._next += 1
        self.arrived.set()
        return "250 Message accepted for delivery"


async def start_smtp(catcher: MailCatcher, host: str, port: int) -> asyncio.AbstractServer:
    """Serve SMTP on host:port in the running loop (no thread), handing messages to `catcher`."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SMTP(catcher, enable_SMTPUTF8=True), host=host, port=port)


def viewer_app(catcher: MailCatcher) -> Starlette:
    async def index(request: Request) -> Response:
        rows = "".join(
            f"<tr><td>{m.received_at:%H:%M:%S}</td><td>{html.escape(', '.join(m.recipients))}</td>"
            f"<td><a href='{request.url_for('mail', mail_id=m.id)}'>"
            f"{html.escape(str(m.message['subject']))}</a></td></tr>"
            for m in reversed(catcher.messages)
        )
        empty = "<tr><td colspan=3>No mail yet: shipments send updates as the sandbox carrier scans them.</td></tr>"
        page = (
            "<!doctype html><meta charset=utf-8><title>Demo inbox</title>"
            "<link rel=stylesheet href='/static/css/tracking.css'><main class='wrap'><h1>Demo inbox</h1>"
            f"<p class=muted>{len(catcher.messages)} messages caught by the local SMTP server.</p>"
            f"<table class=card><tr><th>Time</th><th>To</th><th>Subject</th></tr>{rows or empty}</table></main>"
        )
        return HTMLResponse(page)

    async def one(request: Request) -> Response:
        mail_id = int(request.path_params["mail_id"])
        found = next((m for m in catcher.messages if m.id == mail_id), None)
        if found is None:
            return HTMLResponse("not found", status_code=404)
        if request.query_params.get("part") == "text":
            return Response(found.part("plain"), media_type="text/plain; charset=utf-8")
        return HTMLResponse(found.part("html"))

    return Starlette(routes=[Route("/", index), Route("/{mail_id:int}", one, name="mail")])


def summary(catcher: MailCatcher) -> list[dict[str, Any]]:
    return [{"id": m.id, "to": m.recipients, "subject": str(m.message["subject"])} for m in catcher.messages]
