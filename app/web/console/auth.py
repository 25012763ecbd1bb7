"""Sign-in, sign-out, password reset and invitation acceptance."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import reading, writing
from app.models import Invitation, Merchant, PasswordReset, User
from app.security import csrf, throttle
from app.security.passwords import (
    hash_password_off_loop,
    needs_rehash,
    password_problem,
    verify_password_off_loop,
)
from app.security.sessions import (
    ABSOLUTE_TIMEOUT,
    COOKIE,
    aware,
    end_session,
    end_user_sessions,
    purge_expired,
    start_session,
)
from app.security.tokens import token_hash
from app.web.console.framework import (
    CONSOLE_LOCALES,
    console_locale,
    engine_of,
    forbidden,
    now_utc,
    page,
    render,
    safe_next,
)
from notifications.base import EmailMessageSpec
from notifications.render import environment

log = logging.getLogger(__name__)

LOGIN_COOKIE = "ot_login"  # double-submit token for forms shown before there is a session
RESET_VALID = timedelta(hours=1)
RESET_EVERY = timedelta(minutes=1)
U = User.__table__.c


def set_session_cookie(request: Request, response: Response, raw: str) -> None:
    response.set_cookie(
        COOKIE,
        raw,
        max_age=int(ABSOLUTE_TIMEOUT.total_seconds()),
        path="/console",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _anonymous_token(request: Request) -> str:
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)


def _render_anonymous(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A page shown before sign-in, carrying a double-submit CSRF token in a cookie and in its form."""
    token = _anonymous_token(request)
    response = render(request, name, {**context, "csrf_token": token}, status_code=status_code)
    response.set_cookie(
        LOGIN_COOKIE, token, path="/console", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


async def _anonymous_forgery(request: Request) -> str | None:
    if problem := csrf.origin_problem(request):
        return problem
    form = await request.form()
    presented = form.get(csrf.FORM_FIELD)
    if not csrf.tokens_match(request.cookies.get(LOGIN_COOKIE, ""), presented if isinstance(presented, str) else None):
        return "the form's security token is missing or out of date; reload the page and try again"
    return None


def client_address(request: Request) -> str:
    """The peer address (uvicorn already applied X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"


async def login(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        blank = {"email": "", "error": "", "error_args": {}, "next": next_path}
        return _render_anonymous(request, "console/login.html", blank)
    if problem := await _anonymous_forgery(request):
        return forbidden(request, problem)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()[:254]
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")) or None)
    keys = [throttle.account_key(email), throttle.address_key(client_address(request))]
    now = now_utc()
    engine = engine_of(request)
    async with reading(engine) as conn:
        wait = await throttle.wait_seconds(conn, keys, now=now)
        user = (await conn.execute(select(User.__table__).where(U.email == email))).first() if not wait else None
    context = {"email": email, "next": next_path, "error_args": {}}
    if wait:
        error = "Too many failed sign-ins. Try again in %(seconds)s s."
        return _render_anonymous(
            request,
            "console/login.html",
            {**context, "error": error, "error_args": {"seconds": wait}},
            429,
            {"Retry-After": str(wait)},
        )
    ok = await verify_password_off_loop(user.password_hash if user else None, password)
    ok = ok and user is not None and user.disabled_at is None
    if not ok or user is None:
        async with writing(engine) as conn:
            await throttle.record_failure(conn, keys, now=now)
        return _render_anonymous(request, "console/login.html", {**context, "error": "Wrong email or password."}, 401)
    rehashed = await hash_password_off_loop(password) if needs_rehash(user.password_hash) else None
    async with writing(engine) as conn:
        if old := request.cookies.get(COOKIE):
            await end_session(conn, old)  # rotate: a session id set before sign-in is never reused
        await purge_expired(conn, now=now)
        await throttle.clear(conn, throttle.account_key(email))
        values: dict[str, Any] = {"last_login_at": now}
        if rehashed:
            values["password_hash"] = rehashed
        await conn.execute(update(User.__table__).where(U.id == user.id).values(**values))
        raw = await start_session(conn, user_id=user.id, merchant_id=user.merchant_id, now=now)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(request, response, raw)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


@page()
async def logout(request: Request) -> Response:
    async with writing(engine_of(request)) as conn:
        await end_session(conn, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@page()
async def choose_language(request: Request) -> Response:
    form = await request.form()
    locale = str(form.get("locale", ""))
    if locale in CONSOLE_LOCALES:
        async with writing(engine_of(request)) as conn:
            await conn.execute(update(User.__table__).where(U.id == request.state.user.id).values(locale=locale))
    return RedirectResponse(safe_next(str(form.get("next", "")) or None), status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/console/shipments", status_code=303)


async def send_console_email(rt: Any, *, to: str, template: str, context: dict[str, Any], locale: str) -> bool:
    """Send templates/{template}.html + .txt (subject = the html's `subject` block) through the email channel."""
    env = environment(locale)
    html_template = env.get_template(f"{template}.html")
    subject = "".join(html_template.blocks["subject"](html_template.new_context(context))).strip()
    spec = EmailMessageSpec(
        to=to,
        subject=" ".join(subject.split()),
        text=env.get_template(f"{template}.txt").render(context),
        html=html_template.render(context),
        sender=rt.settings.mail_from,
        sender_name="OrderTrail",
    )
    result = await rt.channels["email"].send(spec)
    if not result.ok:
        log.warning("console email %s not sent (%s)", template, result.error_code or "error")
    return bool(result.ok)


# Password reset -------------------------------------------------------------------------------------------------


async def reset_request(request: Request) -> Response:
    if request.method == "GET":
        return _render_anonymous(request, "console/reset_request.html", {"email": "", "sent": False})
    if problem := await _anonymous_forgery(request):
        return forbidden(request, problem)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()[:254]
    task = BackgroundTask(_send_reset, request.app.state.runtime, email, console_locale(request))
    response = _render_anonymous(request, "console/reset_request.html", {"email": email, "sent": True})
    response.background = task  # same answer, same time, whether or not the address has an account
    return response


async def _send_reset(rt: Any, email: str, locale: str) -> None:
    now = now_utc()
    async with writing(rt.engine) as conn:
        user = (await conn.execute(select(User.__table__).where(U.email == email))).first()
        if user is None or user.disabled_at is not None:
            return
        resets = PasswordReset.__table__
        recent = select(resets.c.id).where(resets.c.user_id == user.id, resets.c.created_at > now - RESET_EVERY)
        if (await conn.execute(recent)).first():
            return  # one email a minute at most, however often the form is sent
        raw = secrets.token_urlsafe(32)
        await conn.execute(
            PasswordReset.__table__.insert().values(
                user_id=user.id, token_hash=token_hash(raw), created_at=now, expires_at=now + RESET_VALID
            )
        )
    link = f"{rt.settings.base_url}/console/reset/{raw}"
    await send_console_email(rt, to=email, template="console/reset_email", context={"link": link}, locale=locale)


async def _live_reset(request: Request, raw: str, now: datetime) -> Any:
    table = PasswordReset.__table__
    async with reading(engine_of(request)) as conn:
        row = (await conn.execute(select(table).where(table.c.token_hash == token_hash(raw)))).first()
    if row is None or row.used_at is not None or aware(row.expires_at) <= now:
        return None
    return row


async def reset_password(request: Request) -> Response:
    raw = request.path_params["token"]
    now = now_utc()
    reset = await _live_reset(request, raw, now)
    if reset is None:
        return render(request, "console/reset_invalid.html", {}, status_code=404)
    if request.method == "GET":
        return _render_anonymous(request, "console/reset_password.html", {"errors": {}})
    if problem := await _anonymous_forgery(request):
        return forbidden(request, problem)
    form = await request.form()
    errors = _new_password_errors(str(form.get("password", "")), str(form.get("confirm", "")))
    if errors:
        return _render_anonymous(request, "console/reset_password.html", {"errors": errors}, 400)
    table = PasswordReset.__table__
    new_hash = await hash_password_off_loop(str(form.get("password")))
    async with writing(engine_of(request)) as conn:
        used = await conn.execute(
            update(table).where(table.c.id == reset.id, table.c.used_at.is_(None)).values(used_at=now)
        )
        if used.rowcount != 1:
            return render(request, "console/reset_invalid.html", {}, status_code=404)
        await conn.execute(update(User.__table__).where(U.id == reset.user_id).values(password_hash=new_hash))
        await end_user_sessions(conn, reset.user_id)
        email = (await conn.execute(select(U.email).where(U.id == reset.user_id))).scalar_one()
        await throttle.clear(conn, throttle.account_key(email))
    return RedirectResponse("/console/login?reset=1", status_code=303)


def _new_password_errors(password: str, confirm: str) -> dict[str, str]:
    if problem := password_problem(password):
        return {"password": problem}
    if password != confirm:
        return {"confirm": "does not match the password"}
    return {}


# Invitations ----------------------------------------------------------------------------------------------------


async def _live_invitation(request: Request, raw: str, now: datetime) -> Any:
    table, shop = Invitation.__table__, Merchant.__table__
    query = (
        select(table, shop.c.name.label("shop_name"))
        .join(shop, shop.c.id == table.c.merchant_id)
        .where(table.c.token_hash == token_hash(raw))
    )
    async with reading(engine_of(request)) as conn:
        row = (await conn.execute(query)).first()
    if row is None or row.accepted_at is not None or aware(row.expires_at) <= now:
        return None
    return row


async def accept_invitation(request: Request) -> Response:
    raw = request.path_params["token"]
    now = now_utc()
    invitation = await _live_invitation(request, raw, now)
    if invitation is None:
        return render(request, "console/invite_invalid.html", {}, status_code=404)
    context = {"invitation": invitation, "errors": {}}
    if request.method == "GET":
        return _render_anonymous(request, "console/invite_accept.html", context)
    if problem := await _anonymous_forgery(request):
        return forbidden(request, problem)
    form = await request.form()
    errors = _new_password_errors(str(form.get("password", "")), str(form.get("confirm", "")))
    if errors:
        return _render_anonymous(request, "console/invite_accept.html", {**context, "errors": errors}, 400)
    table = Invitation.__table__
    password_hash = await hash_password_off_loop(str(form.get("password")))
    async with writing(engine_of(request)) as conn:
        if (await conn.execute(select(U.id).where(U.email == invitation.email))).first():
            return _render_anonymous(
                request,
                "console/invite_accept.html",
                {**context, "errors": {"email": "already has an account; sign in instead"}},
                409,
            )
        taken = await conn.execute(
            update(table).where(table.c.id == invitation.id, table.c.accepted_at.is_(None)).values(accepted_at=now)
        )
        if taken.rowcount != 1:
            return render(request, "console/invite_invalid.html", {}, status_code=404)
        user_id = (
            await conn.execute(
                User.__table__.insert().values(
                    merchant_id=invitation.merchant_id,
                    email=invitation.email,
                    password_hash=password_hash,
                    role=invitation.role,
                    locale=console_locale(request),
                    created_at=now,
                    last_login_at=now,
                )
            )
        ).inserted_primary_key[0]
        raw_session = await start_session(conn, user_id=int(user_id), merchant_id=invitation.merchant_id, now=now)
    response = RedirectResponse("/console/", status_code=303)
    set_session_cookie(request, response, raw_session)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


routes: list[BaseRoute] = [
    Route("/", home),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/language", choose_language, methods=["POST"]),
    Route("/reset", reset_request, methods=["GET", "POST"]),
    Route("/reset/{token}", reset_password, methods=["GET", "POST"]),
    Route("/invite/{token}", accept_invitation, methods=["GET", "POST"]),
]
