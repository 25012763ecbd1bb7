"""The demo shop's console owner, product catalogue, recommendation rules, save offers and a delivered history
(which teaches the learned delivery windows and the bought-together recommendations)."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.product_input import ProductValues
from app.catalog.products import upsert_products
from app.catalog.rules import create_rule
from app.models import LineItem, Order, RecommendationRule, SaveOffer, Shipment, User
from app.security.passwords import hash_password
from app.security.tokens import derive_token, new_ref, token_hash

OWNER_EMAIL = "owner@lumiere.example.com"

# external id → (title, price in cents, collections); the first four are the ones demo orders contain.
CATALOGUE = {
    "candle": ("Beeswax pillar candle", 2400, "candles"),
    "vase": ("Hand-thrown stoneware vase", 5800, "ceramics"),
    "throw": ("Linen throw, terracotta", 8900, "textiles"),
    "mug": ("Speckled glaze mug", 2200, "ceramics"),
    "trimmer": ("Brass wick trimmer", 1800, "candles"),
    "tray": ("Oak serving tray", 4600, "kitchen"),
    "napkins": ("Linen napkins, set of four", 3200, "textiles"),
    "bowl": ("Stoneware salad bowl", 4400, "ceramics"),
}
RULES = (("product", "candle", "trimmer"), ("collection", "textiles", "napkins"), ("product", "vase", "bowl"))
OFFERS = {
    "changed_mind": ("contact", "", "https://lumiere.example.com/help", "Tell us what would change your mind."),
    "shipping_cost": ("free_shipping", "FREESHIP", "", "Keep your order and shipping is on us."),
    "too_slow": ("priority_shipping", "", "", "We'll upgrade you to priority shipping at no cost."),
    "found_cheaper": ("discount", "STAY10", "", "10 % off if you keep your order."),
    "payment_problem": ("contact", "", "https://lumiere.example.com/help", "We can help with payment."),
    "other": ("similar_products", "", "https://lumiere.example.com/new", "Have a look at what's new."),
}
# Usually bought together, for the history: candle with trimmer or mug, textiles together, ceramics together.
BASKETS = (("candle", "trimmer"), ("candle", "mug"), ("throw", "napkins"), ("vase", "bowl"), ("mug", "bowl"))


async def seed_owner(conn: AsyncConnection, merchant_id: int) -> str:
    """The console owner, with a fresh random password each time the demo starts (printed, never stored in clear)."""
    users = User.__table__
    password = secrets.token_urlsafe(12)
    found = (await conn.execute(select(users.c.id).where(users.c.email == OWNER_EMAIL))).scalar()
    if found is None:
        await conn.execute(
            users.insert().values(
                merchant_id=merchant_id, email=OWNER_EMAIL, password_hash=hash_password(password), role="owner"
            )
        )
    else:
        await conn.execute(users.update().where(users.c.id == found).values(password_hash=hash_password(password)))
    return password


async def seed_catalogue(conn: AsyncConnection, merchant_id: int, base_url: str) -> None:
    products = [
        ProductValues(
            external_id=key,
            sku=key.upper(),
            title=title,
            url=f"https://lumiere.example.com/products/{key}",
            image_url=f"{base_url}/static/demo/{key}.svg" if key in ("candle", "vase", "throw", "mug") else "",
            price_cents=price,
            currency="EUR",
            collections=collections,
        )
        for key, (title, price, collections) in CATALOGUE.items()
    ]
    await upsert_products(conn, merchant_id=merchant_id, products=products)
    rules = RecommendationRule.__table__
    if not (await conn.execute(select(func.count()).where(rules.c.merchant_id == merchant_id))).scalar():
        for when_kind, when_value, recommend in RULES:
            await create_rule(
                conn, merchant_id=merchant_id, when_kind=when_kind, when_value=when_value, recommend=recommend
            )
    offers = SaveOffer.__table__
    if not (await conn.execute(select(func.count()).where(offers.c.merchant_id == merchant_id))).scalar():
        await conn.execute(
            offers.insert(),
            [
                {"merchant_id": merchant_id, "reason": reason, "kind": kind, "code": code, "url": url, "message": text}
                for reason, (kind, code, url, text) in OFFERS.items()
            ],
        )


async def seed_history(conn: AsyncConnection, merchant_id: int, secret_key: str, *, count: int = 120) -> None:
    """Delivered orders of the past three months: 1–3 delivery days from Bordeaux, a few late."""
    orders = Order.__table__
    if (
        await conn.execute(
            select(orders.c.id).where(orders.c.merchant_id == merchant_id, orders.c.number == "LUM-0001")
        )
    ).first():
        return
    rng = random.Random(11)
    now = datetime.now(UTC)
    for serial in range(1, count + 1):
        shipped = now - timedelta(days=rng.randint(10, 90), hours=rng.randint(0, 8))
        days = rng.choices((1, 2, 3, 5), weights=(30, 55, 12, 3))[0]
        delivered = shipped + timedelta(days=days + (2 if (shipped.weekday() + days) >= 6 else 0))
        postal = rng.choice(("33000", "33800", "75011", "69002", "13001"))
        order_id = (
            await conn.execute(
                orders.insert().values(
                    merchant_id=merchant_id,
                    number=f"LUM-{serial:04d}",
                    customer_name="Past customer",
                    customer_email=f"customer{serial}@example.com",
                    postal_code=postal,
                    city="",
                    country="FR",
                    placed_at=shipped - timedelta(days=1),
                    source="demo",
                    created_at=shipped - timedelta(days=1),
                )
            )
        ).inserted_primary_key[0]
        basket = rng.choice(BASKETS)
        await conn.execute(
            LineItem.__table__.insert(),
            [{"order_id": order_id, "title": CATALOGUE[p][0], "sku": p.upper(), "product_id": p} for p in basket],
        )
        ref = new_ref()
        await conn.execute(
            Shipment.__table__.insert().values(
                merchant_id=merchant_id,
                order_id=order_id,
                carrier="sandbox",
                tracking_number=f"HIST{serial:08d}",
                ref=ref,
                token_hash=token_hash(derive_token(secret_key, ref, 0)),
                status="delivered",
                origin_country="FR",
                origin_postal_code="33000",
                shipped_at=shipped,
                delivered_at=delivered,
                last_event_at=delivered,
                status_changed_at=delivered,
                next_poll_at=None,
                created_at=shipped,
                updated_at=delivered,
            )
        )
