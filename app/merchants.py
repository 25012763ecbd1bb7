"""Creating shops and API keys from the command line."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from app.db import make_engine, writing
from app.models import ApiKey, Merchant
from app.security.apikeys import new_api_key

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


async def create_merchant(database_url: str, *, slug: str, name: str) -> str:
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
