"""What every console page shares: the signed-in user, CSRF and Origin checks, the layout and the nav.

    @page()                      signed-in users of the shop (owner or staff)
    @page(owner_only=True)       owners only; staff get a 403 page

Not signed in → 303 to /console/login?next=…; an unsafe method without the session's CSRF token (form field
`csrf_token` or header `X-CSRF-Token`) or from another origin → 403 with a page saying why.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from app.db import reading, writing
from app.models import Merchant
from app.security import csrf
from app.security.sessions import COOKIE, SessionInfo, aware, find_session, needs_touch, touch_session
from app.web.templating import render_page
from notifications.render import translations

Endpoint = Callable[[Request], Awaitable[Response]]

CONSOLE_LOCALES = ("en", "fr")
MAX_UPLOAD_BYTES = 4 * 1024 * 1024

# (path, label) of every console section, in menu order; labels are translated in the template.
NAV: tuple[tuple[str, str], ...] = (
    ("/console/shipments", "Shipments"),
    ("/console/analytics", "Analytics"),
    ("/console/requests", "Requests"),
    ("/console/branding", "Branding"),
    ("/console/notifications", "Notifications"),
    ("/console/carriers", "Carriers"),
    ("/console/catalog", "Catalog"),
    ("/console/imports", "Imports"),
    ("/console/webhooks", "Webhooks"),
    ("/console/api-keys", "API keys"),
    ("/console/team", "Team"),
)


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    id: int
    merchant_id: int
    email: str
    role: str
    locale: str
    csrf_token: str

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def now_utc() -> datetime:
    return datetime.now(UTC)


def engine_of(request: Request) -> Any:
    return request.app.state.runtime.engine


def page(*, owner_only: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Decorate a console endpoint: sign-in required, CSRF + Origin checked on unsafe methods."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            info = await _current_session(request)
            if info is None:
                return login_redirect(request)
            user = ConsoleUser(info.user_id, info.merchant_id, info.email, info.role, info.locale, info.csrf_token)
            request.state.user = user
            request.state.merchant = await _merchant(request, info.merchant_id)
            unsafe = request.method not in csrf.SAFE_METHODS
            if unsafe and _declared_size(request) > MAX_UPLOAD_BYTES:
                return too_large(request)
            if unsafe and (problem := await request_forgery_problem(request, user.csrf_token)):
                return forbidden(request, problem)
            if owner_only and not user.is_owner:
                return forbidden(request, "only the shop's owner can do this")
            return await endpoint(request)

        return guarded

    return decorate


async def _current_session(request: Request) -> SessionInfo | None:
    raw = request.cookies.get(COOKIE, "")
    if not raw:
        return None
    now = now_utc()
    engine = engine_of(request)
    async with reading(engine) as conn:
        info = await find_session(conn, raw, now=now)
    if info is not None and needs_touch(info, now):
        async with writing(engine) as conn:
            await touch_session(conn, info.id_hash, now=now)
    return info


async def _merchant(request: Request, merchant_id: int) -> Any:
    table = Merchant.__table__
    async with reading(engine_of(request)) as conn:
        return (await conn.execute(select(table).where(table.c.id == merchant_id))).one()


async def request_forgery_problem(request: Request, expected_token: str) -> str | None:
    """Why an unsafe request is refused as cross-site, or None when its Origin and CSRF token are right."""
    if problem := csrf.origin_problem(request):
        return problem
    presented = request.headers.get(csrf.HEADER)
    if presented is None and _is_form(request):
        form = await request.form(max_part_size=MAX_UPLOAD_BYTES)
        value = form.get(csrf.FORM_FIELD)
        presented = value if isinstance(value, str) else None
    if not csrf.tokens_match(expected_token, presented):
        return "the form's security token is missing or out of date; reload the page and try again"
    return None


def _declared_size(request: Request) -> int:
    try:
        return int(request.headers.get("content-length", "0"))
    except ValueError:
        return 0


def too_large(request: Request) -> HTMLResponse:
    """Refused before reading the body: nothing this large is ever accepted by a console form."""
    message = "the form is larger than the 4 MB limit"
    return render(request, "console/base.html", {"error_title": "Too large", "error_message": message}, 413)


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(target, safe='')}", status_code=303)


def safe_next(value: str | None, default: str = "/console/") -> str:
    """Only same-site console paths are followed after sign-in (no open redirects)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def console_locale(request: Request) -> str:
    user = getattr(request.state, "user", None)
    if user is not None and user.locale in CONSOLE_LOCALES:
        return str(user.locale)
    from app.i18n import from_accept_language

    chosen = request.query_params.get("lang") or from_accept_language(request.headers.get("accept-language", ""))
    return chosen if chosen in CONSOLE_LOCALES else "en"


def aware_rows(rows: Any) -> list[dict[str, Any]]:
    """Rows as dicts with every datetime timezone-aware (SQLite hands back naive UTC)."""
    return [{k: aware(v) if isinstance(v, datetime) else v for k, v in row._mapping.items()} for row in rows]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a console template (extends console/base.html) with the user, shop, CSRF token, nav and locale."""
    user = getattr(request.state, "user", None)
    merchant = getattr(request.state, "merchant", None)
    full = {
        "user": user,
        "merchant": merchant,
        "csrf_token": user.csrf_token if user else context.get("csrf_token", ""),
        "nav": NAV if user else (),
        "current_path": request.url.path,
        "console_locales": CONSOLE_LOCALES,
        "error_title": "",
        "error_message": "",
        "zone": _zone(merchant.timezone) if merchant is not None else ZoneInfo("UTC"),
        **context,
    }
    locale = console_locale(request)
    # `_()` output is trusted by Jinja (never escaped); messages that may quote what was typed go through `tr`,
    # which translates to a plain string that autoescaping then escapes.
    full["tr"] = translations(locale).gettext
    response = render_page(request, name, full, locale=locale, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    return response


def forbidden(request: Request, reason: str) -> HTMLResponse:
    """A 403 page that says why (cross-site request, missing token, owner-only action)."""
    return render(
        request,
        "console/base.html",
        {"error_title": "Not allowed", "error_message": reason},
        status_code=403,
    )


def not_found(request: Request) -> HTMLResponse:
    return render(
        request,
        "console/base.html",
        {"error_title": "Not found", "error_message": "There is nothing here for your shop."},
        status_code=404,
    )


def field_errors_text(errors: dict[str, str]) -> str:
    return "; ".join(f"{field}: {reason}" for field, reason in errors.items())
