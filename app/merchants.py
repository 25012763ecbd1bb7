"""Shops: creating them (with their first owner) and API keys from the command line, and checking the settings
merchants change in the console."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from app.db import make_engine, writing
from app.models import ApiKey, Merchant, User
from app.security.apikeys import new_api_key
from app.security.passwords import hash_password, password_problem

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def owner_problem(email: str, password: str | None) -> str | None:
    """Why the first owner's email or password is refused (password None: check the email only)."""
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        return f"owner email: {exc}"
    if password is not None and (problem := password_problem(password)):
        return f"owner password: {problem}"
    return None


async def create_merchant(
    database_url: str, *, slug: str, name: str, owner_email: str | None = None, owner_password: str | None = None
) -> str:
    """Create a shop (and its owner when given); returns the shop's first API key."""
    if not SLUG.match(slug):
        raise SystemExit("slug: 2-63 lowercase letters, digits and dashes, starting with a letter or digit")
    engine = make_engine(database_url)
    try:
        async with writing(engine) as conn:
            table = Merchant.__table__
            if (await conn.execute(select(table.c.id).where(table.c.slug == slug))).first():
                raise SystemExit(f"a shop with slug {slug!r} already exists")
            now = datetime.now(UTC)
            merchant_id = (
                await conn.execute(table.insert().values(slug=slug, name=name, created_at=now, **_defaults()))
            ).inserted_primary_key[0]
            if owner_email and owner_password:
                await _insert_owner(conn, int(merchant_id), owner_email, owner_password, now)
            return await _insert_key(conn, int(merchant_id), "default")
    finally:
        await engine.dispose()


async def add_api_key(database_url: str, *, slug: str, name: str) -> str:
    engine = make_engine(database_url)
    try:
        async with writing(engine) as conn:
            table = Merchant.__table__
            merchant_id = (await conn.execute(select(table.c.id).where(table.c.slug == slug))).scalar()
            if merchant_id is None:
                raise SystemExit(f"no shop with slug {slug!r}")
            return await _insert_key(conn, int(merchant_id), name)
    finally:
        await engine.dispose()


async def _insert_owner(conn: Any, merchant_id: int, email: str, password: str, now: datetime) -> None:
    users = User.__table__
    email = email.strip().lower()
    if (await conn.execute(select(users.c.id).where(users.c.email == email))).first():
        raise SystemExit(f"{email} already has a console account")
    await conn.execute(
        users.insert().values(
            merchant_id=merchant_id, email=email, password_hash=hash_password(password), role="owner", created_at=now
        )
    )


async def _insert_key(conn, merchant_id: int, name: str) -> str:  # type: ignore[no-untyped-def]
    key, prefix, digest = new_api_key()
    await conn.execute(
        ApiKey.__table__.insert().values(
            merchant_id=merchant_id, name=name, prefix=prefix, key_hash=digest, created_at=datetime.now(UTC)
        )
    )
    return key


def _defaults() -> dict[str, object]:
    columns = Merchant.model_fields
    skip = {"id", "slug", "name", "created_at"}
    return {k: f.get_default(call_default_factory=True) for k, f in columns.items() if k not in skip}


# Branding and page settings, as edited in the console ------------------------------------------------------------

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ORIGIN = re.compile(r"^https://[a-z0-9.-]+(:\d{1,5})?$")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_HEADER_LINKS = 5
URL_FIELDS = ("website_url", "support_url", "support_chat_url", "return_policy_url")


class SettingsForm:
    """Turns a submitted settings form into column values plus per-field reasons; keeps what was typed."""

    def __init__(self, form: Any) -> None:
        self.form = form
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, limit: int, required: bool = False) -> str:
        value = CONTROL.sub("", str(self.form.get(name, "") or "")).strip()
        self.values[name] = value
        if required and not value:
            self.errors[name] = "is required"
        elif len(value) > limit:
            self.errors[name] = f"must be at most {limit} characters (it has {len(value)})"
        return value

    def url(self, name: str) -> None:
        value = self.text(name, limit=500)
        if value and name not in self.errors and (reason := url_problem(value)):
            self.errors[name] = reason

    def number(self, name: str, low: int, high: int) -> None:
        raw = str(self.form.get(name, "")).strip()
        self.values[name] = raw
        try:
            value = int(raw)
        except ValueError:
            self.errors[name] = f"must be a whole number from {low} to {high}"
            return
        if not low <= value <= high:
            self.errors[name] = f"must be from {low} to {high}"
        else:
            self.values[name] = value

    def switch(self, name: str) -> None:
        self.values[name] = self.form.get(name) in ("on", "true", "1")

    def choice(self, name: str, allowed: Any, default: str) -> None:
        value = str(self.form.get(name, default) or default)
        self.values[name] = value
        if value not in allowed:
            self.errors[name] = "is not one of the offered choices"


def url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be a full web address starting with https://"
    if any(c.isspace() for c in value) or '"' in value or "<" in value:
        return "must not contain spaces, quotes or angle brackets"
    return None


def color_problem(value: str) -> str | None:
    return None if HEX_COLOR.match(value) else "must be a colour in #rrggbb form, e.g. #1f4e79"


def parse_branding(form: Any, *, fonts: Any, locales: Any, zones: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Column values and field errors for every branding-page setting of a shop."""
    f = SettingsForm(form)
    f.text("name", limit=200, required=True)
    slug = f.text("slug", limit=63, required=True).lower()
    f.values["slug"] = slug
    if slug and "slug" not in f.errors and not SLUG.match(slug):
        f.errors["slug"] = "2-63 lowercase letters, digits and dashes, starting with a letter or digit"
    for name in URL_FIELDS:
        f.url(name)
    for name in ("primary_color", "accent_color"):
        value = f.text(name, limit=7).lower()
        f.values[name] = value
        if problem := color_problem(value):
            f.errors[name] = problem
    f.choice("font", fonts, "system")
    email = f.text("support_email", limit=254)
    if email and "support_email" not in f.errors:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as exc:
            f.errors["support_email"] = str(exc)
    phone = f.text("support_phone", limit=40)
    if phone and "support_phone" not in f.errors and (reason := phone_problem(phone)):
        f.errors["support_phone"] = reason
    f.text("announcement", limit=500)
    f.choice("default_locale", locales, "en")
    f.choice("timezone", zones, "UTC")
    _custom_domain(f)
    _frame_ancestors(f)
    _header_links(f)
    f.switch("recommendations_enabled")
    f.switch("bought_together_enabled")
    f.number("holdout_percent", 0, 50)
    f.number("attribution_days", 1, 90)
    return f.values, f.errors


def phone_problem(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return "must be a phone number in international form, e.g. +33 1 23 45 67 89"
    return None if phonenumbers.is_possible_number(number) else "is not a possible phone number"


def _custom_domain(f: SettingsForm) -> None:
    value = f.text("custom_domain", limit=253).lower().rstrip(".")
    f.values["custom_domain"] = value or None
    if value and "custom_domain" not in f.errors and not HOSTNAME.match(value):
        f.errors["custom_domain"] = "must be a host name such as track.example.com (no https://, no path)"


def _frame_ancestors(f: SettingsForm) -> None:
    value = " ".join(f.text("frame_ancestors", limit=500).lower().split())
    f.values["frame_ancestors"] = value
    bad = [o for o in value.split() if not ORIGIN.match(o)]
    if bad and "frame_ancestors" not in f.errors:
        f.errors["frame_ancestors"] = f"{bad[0]!r} is not an https origin such as https://shop.example.com"


def _header_links(f: SettingsForm) -> None:
    links: list[dict[str, str]] = []
    for index in range(MAX_HEADER_LINKS):
        label = CONTROL.sub("", str(f.form.get(f"link_label_{index}", "") or "")).strip()
        url = str(f.form.get(f"link_url_{index}", "") or "").strip()
        if not label and not url:
            continue
        links.append({"label": label, "url": url})
        field = f"header_links.{index + 1}"
        if not label or not url:
            f.errors[field] = "needs both a label and an address"
        elif len(label) > 40:
            f.errors[field] = "label must be at most 40 characters"
        elif reason := url_problem(url):
            f.errors[field] = f"address {reason}"
    f.values["header_links"] = links


async def slug_or_domain_taken(conn: Any, merchant_id: int, values: dict[str, Any]) -> dict[str, str]:
    """Errors for a slug or custom domain already used by another shop."""
    table = Merchant.__table__
    errors: dict[str, str] = {}
    others = table.c.id != merchant_id
    if (await conn.execute(select(table.c.id).where(table.c.slug == values["slug"], others))).first():
        errors["slug"] = "is already used by another shop"
    domain = values.get("custom_domain")
    if domain and (await conn.execute(select(table.c.id).where(table.c.custom_domain == domain, others))).first():
        errors["custom_domain"] = "is already used by another shop"
    return errors
