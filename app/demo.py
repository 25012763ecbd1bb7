"""The demo shop: a branded merchant with ~20 orders on the sandbox carrier at every stage of delivery, a console
owner, a catalogue with recommendation rules, save offers and a delivered history."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import writing
from app.demo_catalog import OWNER_EMAIL, seed_catalogue, seed_history, seed_owner
from app.ingest.schemas import AddressIn, CustomerIn, ItemIn, ParcelItemIn, ShipmentIn
from app.ingest.shipments import create_shipment
from app.models import ApiKey, Merchant
from app.security.apikeys import new_api_key
from carriers.sandbox.scenarios import make_number

DEMO_SLUG = "lumiere"

# (scenario, scenario-hours already elapsed, customer, locale, city, postal code, items)
DEMO_ORDERS: tuple[tuple[str, float, str, str, str, str, tuple[str, ...]], ...] = (
    ("DL", 70, "Camille Martin", "fr", "Bordeaux", "33000", ("candle", "vase")),
    ("OD", 54, "Jonas Weber", "de", "Bordeaux", "33800", ("throw",)),
    ("EX", 56, "Ana García", "es", "Bordeaux", "33100", ("mug", "mug")),
    ("FA", 58, "Oliver Smith", "en", "Bordeaux", "33200", ("vase",)),
    ("PU", 62, "Yuki Tanaka", "ja", "Bordeaux", "33300", ("candle",)),
    ("RT", 115, "Ivan Petrov", "ru", "Bordeaux", "33400", ("throw", "candle")),
    ("ST", 150, "Emma Johnson", "en", "Bordeaux", "33000", ("mug",)),
    ("CU", 42, "Lucas Tremblay", "fr", "Bordeaux", "33000", ("vase", "throw")),
    ("LT", 66, "Sofia Rossi", "en", "Bordeaux", "33500", ("candle",)),
    ("LB", 2, "Noah Brown", "en", "Bordeaux", "33600", ("mug",)),
    ("NF", 1, "Mia Müller", "de", "Bordeaux", "33700", ("throw",)),
    ("DL", 12, "Léa Dubois", "fr", "Bordeaux", "33000", ("candle",)),
    ("DL", 25, "Hugo Bernard", "fr", "Bordeaux", "33000", ("vase", "mug")),
    ("DL", 35, "Chloé Petit", "fr", "Bordeaux", "33000", ("throw",)),
    ("DL", 46, "Liam Wilson", "en", "Bordeaux", "33000", ("candle", "mug")),
    ("OD", 51.5, "Elena Ivanova", "ru", "Bordeaux", "33000", ("vase",)),
    ("FA", 5, "Carmen López", "es", "Bordeaux", "33000", ("mug",)),
    ("DL", 0.5, "Sakura Ito", "ja", "Bordeaux", "33000", ("candle", "throw")),
    ("EX", 20, "Paul Schneider", "de", "Bordeaux", "33000", ("vase",)),
    ("DL", 64, "Grace Taylor", "en", "Bordeaux", "33000", ("throw", "mug", "candle")),
)

# The later parcels of a split order, by the order's place in DEMO_ORDERS: (scenario, hours elapsed, items carried).
# The order's first parcel carries the rest of its items.
DEMO_LATER_PARCELS: dict[int, tuple[tuple[str, float, tuple[str, ...]], ...]] = {
    20: (("OD", 51.5, ("candle",)),),
}

PRODUCTS = {
    "candle": "Beeswax pillar candle",
    "vase": "Hand-thrown stoneware vase",
    "throw": "Linen throw, terracotta",
    "mug": "Speckled glaze mug",
}


@dataclass
class DemoShop:
    merchant_id: int
    api_key: str | None
    links: list[tuple[str, str, str]]  # (order number, scenario title, tracking url)
    owner_email: str = ""
    owner_password: str = ""  # new at every start of the demo


async def seed_demo(engine: AsyncEngine, *, base_url: str, secret_key: str, speed: float) -> DemoShop:
    """Create the demo shop once; later runs return its links without adding anything."""
    from carriers.sandbox.scenarios import SCENARIOS

    merchants = Merchant.__table__
    async with writing(engine) as conn:
        merchant_id = (await conn.execute(select(merchants.c.id).where(merchants.c.slug == DEMO_SLUG))).scalar()
        api_key = None
        if merchant_id is None:
            merchant_id = (await conn.execute(merchants.insert().values(_merchant(base_url)))).inserted_primary_key[0]
            api_key, prefix, digest = new_api_key()
            await conn.execute(
                ApiKey.__table__.insert().values(
                    merchant_id=merchant_id, name="demo", prefix=prefix, key_hash=digest, created_at=datetime.now(UTC)
                )
            )
        owner_password = await seed_owner(conn, int(merchant_id))
        await seed_catalogue(conn, int(merchant_id), base_url)
        await seed_history(conn, int(merchant_id), secret_key)
    now = datetime.now(UTC)
    links = []
    for serial, (scenario, hours, name, locale, city, postal, items) in enumerate(DEMO_ORDERS, start=1):
        started = now - timedelta(hours=hours / speed)
        order_number = f"LUM-{1000 + serial}"
        later = DEMO_LATER_PARCELS.get(serial, ())
        held_back = {p for _, _, carried in later for p in carried}
        data = ShipmentIn(
            order_number=order_number,
            tracking_number=make_number(scenario, started, serial),
            carrier="sandbox",
            customer=CustomerIn(name=name, email=_demo_email(name), locale=locale, timezone="Europe/Paris"),
            address=AddressIn(city=city, postal_code=postal, country="FR"),
            items=[
                ItemIn(title=PRODUCTS[p], sku=p.upper(), product_id=p, image_url=f"{base_url}/static/demo/{p}.svg")
                for p in items
            ],
            promised_by=(started + timedelta(hours=72 / speed)).date() if speed < 24 else date.today(),
            parcel_items=[ParcelItemIn(sku=p.upper()) for p in items if p not in held_back] if later else None,
        )
        made = await _create_once(engine, int(merchant_id), data, secret_key)
        links.append((order_number, SCENARIOS[scenario].title, f"{base_url}/t/{made}"))
        for parcel, (later_scenario, later_hours, carried) in enumerate(later, start=1):
            later_start = now - timedelta(hours=later_hours / speed)
            data = ShipmentIn(
                order_number=order_number,
                tracking_number=make_number(later_scenario, later_start, serial + 100 * parcel),
                carrier="sandbox",
                parcel_items=[ParcelItemIn(sku=p.upper()) for p in carried],
            )
            made = await _create_once(engine, int(merchant_id), data, secret_key, parcel=parcel)
            links.append((order_number, f"Parcel {parcel + 1} of this split order", f"{base_url}/t/{made}"))
    return DemoShop(int(merchant_id), api_key, links, OWNER_EMAIL, owner_password)


async def _create_once(
    engine: AsyncEngine, merchant_id: int, data: ShipmentIn, secret_key: str, *, parcel: int = 0
) -> str:
    """The order's `parcel`-th shipment (0: its first), created unless the demo made it on an earlier start."""
    from app.models import Order, Shipment
    from app.security.tokens import derive_token

    orders, shipments = Order.__table__, Shipment.__table__
    async with writing(engine) as conn:
        existing = (
            await conn.execute(
                select(shipments.c.ref, shipments.c.token_version)
                .join(orders, orders.c.id == shipments.c.order_id)
                .where(orders.c.merchant_id == merchant_id, orders.c.number == data.order_number)
                .order_by(shipments.c.id)
            )
        ).all()
    if len(existing) > parcel:
        return derive_token(secret_key, existing[parcel].ref, existing[parcel].token_version)
    made = await create_shipment(engine, merchant_id=merchant_id, data=data, secret_key=secret_key)
    return made.token


def _demo_email(name: str) -> str:
    """'Léa Dubois' → 'lea@example.com' (plain ASCII, as most mail systems still expect)."""
    first = unicodedata.normalize("NFKD", name.split()[0]).encode("ascii", "ignore").decode()
    return f"{first.lower()}@example.com"


def _merchant(base_url: str) -> dict[str, object]:
    return {
        "slug": DEMO_SLUG,
        "name": "Maison Lumière",
        "website_url": "https://lumiere.example.com",
        "logo_url": f"{base_url}/static/demo/logo.svg",
        "primary_color": "#7a2e1f",
        "accent_color": "#f2c14e",
        "font": "system",
        "support_email": "help@lumiere.example.com",
        "support_phone": "+33 5 56 00 00 00",
        "support_url": "https://lumiere.example.com/help",
        "return_policy_url": "https://lumiere.example.com/returns",
        "announcement": "Free returns for 60 days on every order.",
        "default_locale": "en",
        "timezone": "Europe/Paris",
        "sender_name": "Maison Lumière",
        "reply_to": "help@lumiere.example.com",
        "created_at": datetime.now(UTC),
    }
