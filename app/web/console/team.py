"""Team: the shop's users, staff invitations by email (owner only), removing staff."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select, update
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.db import reading, writing
from app.models import Invitation, PasswordReset, User
from app.security.sessions import end_user_sessions
from app.security.tokens import token_hash
from app.web.console.auth import send_console_email
from app.web.console.framework import aware_rows, console_locale, engine_of, not_found, now_utc, page, render

INVITATION_VALID = timedelta(days=7)
U = User.__table__.c
I = Invitation.__table__.c  # noqa: E741


async def _team(request: Request) -> dict[str, Any]:
    merchant_id = request.state.user.merchant_id
    now = now_utc()
    async with reading(engine_of(request)) as conn:
        users = (
            await conn.execute(
                select(U.id, U.email, U.role, U.created_at, U.last_login_at)
                .where(U.merchant_id == merchant_id, U.disabled_at.is_(None))
                .order_by(U.role != "owner", U.email)
            )
        ).all()
        invitations = (
            await conn.execute(
                select(I.id, I.email, I.created_at, I.expires_at)
                .where(I.merchant_id == merchant_id, I.accepted_at.is_(None), I.expires_at > now)
                .order_by(I.created_at.desc())
            )
        ).all()
    return {"members": aware_rows(users), "invitations": aware_rows(invitations)}


async def _page(request: Request, *, status: int = 200, **extra: Any) -> Response:
    context = {"email": "", "error": "", "sent_to": "", **extra, **await _team(request)}
    return render(request, "console/team.html", context, status_code=status)


@page()
async def team(request: Request) -> Response:
    return await _page(request)


def _email_problem(email: str) -> str | None:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


@page(owner_only=True)
async def invite(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()[:254]
    if problem := _email_problem(email):
        return await _page(request, email=email, error=problem, status=400)
    user = request.state.user
    now = now_utc()
    raw = secrets.token_urlsafe(32)
    async with writing(engine_of(request)) as conn:
        if (await conn.execute(select(U.id).where(U.email == email))).first():
            return await _page(request, email=email, error="already has a console account", status=409)
        await conn.execute(
            Invitation.__table__.insert().values(
                merchant_id=user.merchant_id,
                email=email,
                role="staff",
                token_hash=token_hash(raw),
                invited_by=user.id,
                created_at=now,
                expires_at=now + INVITATION_VALID,
            )
        )
    rt = request.app.state.runtime
    context = {
        "link": f"{rt.settings.base_url}/console/invite/{raw}",
        "shop_name": request.state.merchant.name,
        "inviter": user.email,
        "days": INVITATION_VALID.days,
    }
    response = await _page(request, sent_to=email)
    locale = console_locale(request)
    response.background = BackgroundTask(
        send_console_email, rt, to=email, template="console/invite_email", context=context, locale=locale
    )
    return response


@page(owner_only=True)
async def cancel_invitation(request: Request) -> Response:
    async with writing(engine_of(request)) as conn:
        done = await conn.execute(
            delete(Invitation.__table__).where(
                I.id == request.path_params["invitation_id"],
                I.merchant_id == request.state.user.merchant_id,
                I.accepted_at.is_(None),
            )
        )
    if done.rowcount != 1:
        return not_found(request)
    return RedirectResponse("/console/team", status_code=303)


@page(owner_only=True)
async def remove_member(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    merchant_id = request.state.user.merchant_id
    async with writing(engine_of(request)) as conn:
        target = (await conn.execute(select(U.id, U.role).where(U.id == user_id, U.merchant_id == merchant_id))).first()
        if target is None:
            return not_found(request)
        if target.role == "owner":
            return await _page(request, error="the owner cannot be removed", status=400)
        await end_user_sessions(conn, user_id)
        await conn.execute(delete(PasswordReset.__table__).where(PasswordReset.__table__.c.user_id == user_id))
        await conn.execute(update(Invitation.__table__).where(I.invited_by == user_id).values(invited_by=None))
        await conn.execute(delete(User.__table__).where(U.id == user_id, U.merchant_id == merchant_id))
    return RedirectResponse("/console/team", status_code=303)


routes: list[BaseRoute] = [
    Route("/team", team),
    Route("/team/invite", invite, methods=["POST"]),
    Route("/team/invitations/{invitation_id:int}/cancel", cancel_invitation, methods=["POST"]),
    Route("/team/{user_id:int}/remove", remove_member, methods=["POST"]),
]
