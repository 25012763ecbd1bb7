"""Merchants' own subject and body for a trigger (TemplateOverride), rendered in Jinja's sandbox.

A broken override never blocks a message: the default template is used and the error is stored on the
override (`last_error`) for the merchant to see in the console.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import writing
from app.models import TemplateOverride
from notifications.render import render_untrusted

# The variables an override may use (no tokens, no secrets, nothing else of the database).
VARIABLES = (
    "first_name",
    "shop",
    "order",
    "status_label",
    "estimate",
    "new_date",
    "tracking_url",
    "tracking_number",
    "carrier_name",
    "items",
)


class OverrideError(Exception):
    def __init__(self, override_id: int, message: str) -> None:
        super().__init__(message)
        self.override_id = override_id
        self.message = message[:500]


def sandbox_context(ctx: dict[str, Any]) -> dict[str, Any]:
    return {key: ctx.get(key, "") for key in VARIABLES}


def render_override(override: Any, ctx: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the override with this message's values; raises OverrideError."""
    values = sandbox_context(ctx)
    try:
        subject = render_untrusted(override.subject, values) if override.subject else ""
        body = render_untrusted(override.body, values)
    except TemplateError as exc:
        raise OverrideError(override.id, f"{type(exc).__name__}: {exc}") from exc
    if not body.strip():
        raise OverrideError(override.id, "the template rendered an empty message")
    return " ".join(subject.split()), body


def check_template(subject: str, body: str, ctx: dict[str, Any]) -> str:
    """The error a template would raise with sample values, or '' when it renders."""
    try:
        render_override(type("Draft", (), {"id": 0, "subject": subject, "body": body})(), ctx)
    except OverrideError as exc:
        return exc.message
    return ""


async def record_errors(engine: AsyncEngine, errors: list[OverrideError], now: datetime) -> None:
    """Store each failing override's latest error where the merchant sees it."""
    if not errors:
        return
    table = TemplateOverride.__table__
    rows = [{"b_id": e.override_id, "last_error": e.message, "last_error_at": now} for e in errors]
    async with writing(engine) as conn:
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        values = {"last_error": bindparam("last_error"), "last_error_at": bindparam("last_error_at")}
        await conn.execute(stmt.values(values), rows)
