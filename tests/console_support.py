"""Signing in to the console from tests: a user for the shop, then the real login form over HTTP."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import reading, writing
from app.models import ConsoleSession, User
from app.security import passwords
from app.security.sessions import COOKIE, hash_session_id

TEST_PASSWORD = "correct horse battery staple"
_hashes: dict[int, str] = {}


def hash_of_test_password() -> str:
    """TEST_PASSWORD hashed once per hasher configuration (argon2 is slow on purpose)."""
    key = id(passwords._hasher)
    if key not in _hashes:
        _hashes[key] = passwords.hash_password(TEST_PASSWORD)
    return _hashes[key]


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def create_user(engine: AsyncEngine, merchant_id: int, *, role: str = "owner", email: str = "") -> str:
    """A console user for the shop with TEST_PASSWORD; returns its email."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@shop.test"
    async with writing(engine) as conn:
        await conn.execute(
            User.__table__.insert().values(
                merchant_id=merchant_id,
                email=email,
                password_hash=hash_of_test_password(),
                role=role,
                created_at=datetime.now(UTC),
            )
        )
    return email


async def login_form_token(client: httpx.AsyncClient) -> str:
    page = await client.get("/console/login")
    page.raise_for_status()
    match = TOKEN.search(page.text)
    assert match, "the login page has no CSRF token"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, engine: AsyncEngine, merchant_id: int, *, role: str = "owner") -> str:
    """Create a user for the shop, sign in through the login form and return the session's CSRF token.
    The session cookie stays on `client`."""
    email = await create_user(engine, merchant_id, role=role)
    token = await login_form_token(client)
    answer = await client.post(
        "/console/login",
        data={"email": email, "password": TEST_PASSWORD, "csrf_token": token, "next": "/console/"},
        headers={"Origin": str(client.base_url).rstrip("/")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, f"sign-in failed: {answer.status_code}"
    raw = client.cookies.get(COOKIE, path="/console") or client.cookies.get(COOKIE)
    assert raw, "no session cookie after sign-in"
    table = ConsoleSession.__table__
    async with reading(engine) as conn:
        csrf = (await conn.execute(select(table.c.csrf_token).where(table.c.id_hash == hash_session_id(raw)))).scalar()
    assert csrf
    return str(csrf)
