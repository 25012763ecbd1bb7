"""Console tables: shop users, server-side sessions, invitations, password resets and login throttling."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.core import utcnow


class User(SQLModel, table=True):
    """A person who signs in to the console for one shop (owner or staff)."""

    __tablename__ = "console_user"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="staff", max_length=8)  # owner, staff
    locale: str = Field(default="en", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    disabled_at: datetime | None = None


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random id, the table only its SHA-256."""

    __tablename__ = "console_session"

    id_hash: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="console_user.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class Invitation(SQLModel, table=True):
    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    email: str = Field(max_length=254)
    role: str = Field(default="staff", max_length=8)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: int | None = Field(default=None, foreign_key="console_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="console_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per key (account email or client address): a growing delay, never a lockout."""

    __tablename__ = "login_throttle"

    key: str = Field(max_length=300, primary_key=True)
    failures: int = Field(default=0)
    last_failure_at: datetime = Field(default_factory=utcnow)
