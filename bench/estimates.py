"""Delivery-estimate benchmark: a synthetic multi-carrier history (spreads per route, weekends, public holidays,
late outliers) written to SQLite through the models; the real fit on the oldest 80 %, the real window for each of
the newest 20 %: how often the window holds the real delivery day, and how wide it is.

Run: .venv/bin/python -m bench.estimates [--shipments 40000] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path

from app.db import make_engine, reading, writing
from app.estimates import forget, learned_window, refit
from app.estimates.calendar import DeliveryCalendar
from app.models import Merchant, Order, Shipment, metadata

# (carrier, service, base delivery days, origin (country, postal), destination country)
LANES = [
    ("ups", "UPS Ground", 3, ("US", "94107"), "US"),
    ("ups", "UPS 2nd Day Air", 2, ("US", "94107"), "US"),
    ("fedex", "FedEx Ground", 3, ("US", "60601"), "US"),
    ("usps", "Priority Mail", 2, ("US", "10001"), "US"),
    ("usps", "Ground Advantage", 4, ("US", "10001"), "US"),
    ("laposte", "Colissimo", 2, ("FR", "69002"), "FR"),
    ("dhl", "Paket", 1, ("DE", "10115"), "DE"),
    ("royalmail", "Tracked 48", 2, ("GB", "M1 1AE"), "GB"),
]
DESTINATIONS = {
    "US": ["02108", "10001", "30301", "60601", "73301", "80202", "94107", "98101"],
    "FR": ["13001", "31000", "33000", "44000", "59000", "67000", "75011", "06000"],
    "DE": ["10115", "20095", "50667", "60311", "70173", "80331", "01067", "04109"],
    "GB": ["SW1A 1AA", "EH1 1YZ", "B1 1AA", "LS1 1UR", "BS1 4DJ", "CF10 1EP", "G1 1XQ", "NE1 7RU"],
}


@dataclass(frozen=True)
class Parcel:
    lane: int
    destination: str
    shipped: date
    delivered: date


def transit_days(rng: random.Random, base: int) -> int:
    """Most parcels arrive on the lane's usual day, some a day later, few a day early, a tail very late."""
    roll = rng.random()
    if roll < 0.02:
        return max(0, base - 1)
    if roll < 0.72:
        return base
    if roll < 0.94:
        return base + 1
    if roll < 0.975:
        return base + 2
    return base + rng.randint(3, 8)


def history(count: int, seed: int, start: date) -> list[Parcel]:
    rng = random.Random(seed)
    parcels: list[Parcel] = []
    for index in range(count):
        lane_index = rng.randrange(len(LANES))
        carrier, _service, base, _origin, country = LANES[lane_index]
        postal = rng.choice(DESTINATIONS[country])
        distance = DESTINATIONS[country].index(postal) % 3  # farther regions take longer
        shipped = start + timedelta(days=index * 365 // count)
        while shipped.weekday() == 6:  # warehouses ship Monday to Saturday
            shipped += timedelta(days=1)
        calendar = DeliveryCalendar(carrier, country)
        delivered = calendar.add_business_days(shipped, max(1, transit_days(rng, base + distance)))
        parcels.append(Parcel(lane_index, postal, shipped, delivered))
    return parcels


async def write(url: str, parcels: list[Parcel], delivered_upto: int) -> int:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with writing(engine) as conn:
        merchant_id = (
            await conn.execute(Merchant.__table__.insert().values(slug="bench", name="Bench"))
        ).inserted_primary_key[0]
        orders, shipments = [], []
        for index, parcel in enumerate(parcels):
            carrier, service, _base, origin, country = LANES[parcel.lane]
            orders.append(
                {
                    "id": index + 1,
                    "merchant_id": merchant_id,
                    "number": str(index + 1),
                    "country": country,
                    "postal_code": parcel.destination,
                }
            )
            done = index < delivered_upto
            shipments.append(
                {
                    "merchant_id": merchant_id,
                    "order_id": index + 1,
                    "carrier": carrier,
                    "service": service,
                    "tracking_number": f"B{index:09d}",
                    "ref": uuid.uuid4().hex,
                    "token_hash": uuid.uuid4().hex,
                    "origin_country": origin[0],
                    "origin_postal_code": origin[1],
                    "shipped_at": datetime.combine(parcel.shipped, day_time(15), UTC),
                    "status": "delivered" if done else "in_transit",
                    "delivered_at": datetime.combine(parcel.delivered, day_time(14), UTC) if done else None,
                }
            )
        await conn.execute(Order.__table__.insert(), orders)
        await conn.execute(Shipment.__table__.insert(), shipments)
    await engine.dispose()
    return int(merchant_id)


async def evaluate(url: str, merchant_id: int, parcels: list[Parcel], days_in_transit: int) -> dict[str, float]:
    """Windows shown `days_in_transit` delivery days after shipping, for parcels not delivered by then."""
    engine = make_engine(url)
    forget()
    await refit(engine, merchant_id)
    contained, widths, calendar_widths, missing = 0, [], [], 0
    started = time.perf_counter()
    async with reading(engine) as conn:
        for parcel in parcels:
            carrier, service, _base, origin, country = LANES[parcel.lane]
            calendar = DeliveryCalendar(carrier, country)
            today = calendar.add_business_days(parcel.shipped, days_in_transit) if days_in_transit else parcel.shipped
            if today >= parcel.delivered:
                continue
            window = await learned_window(
                conn,
                merchant_id=merchant_id,
                carrier=carrier,
                service=service,
                origin=origin,
                destination=(country, parcel.destination),
                shipped_on=parcel.shipped,
                today=today,
                status="in_transit",
            )
            if window is None:
                missing += 1
                continue
            contained += window.earliest <= parcel.delivered <= window.latest
            widths.append(calendar.business_days_between(window.earliest, window.latest))
            calendar_widths.append((window.latest - window.earliest).days)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    shown = len(widths)
    return {
        "shown": shown,
        "no_window": missing,
        "contained": contained / shown if shown else 0.0,
        "median_width_delivery_days": statistics.median(widths) if widths else 0.0,
        "median_width_calendar_days": statistics.median(calendar_widths) if calendar_widths else 0.0,
        "us_per_window": elapsed / max(1, shown + missing) * 1e6,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shipments", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    parcels = history(args.shipments, args.seed, date(2025, 1, 2))
    split = len(parcels) * 8 // 10
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'estimates.db'}"
        merchant_id = await write(url, parcels, split)
        print(
            f"history: {split} delivered shipments to learn from, {len(parcels) - split} to estimate, "
            f"{len(LANES)} lanes × {len(DESTINATIONS['US'])} destinations"
        )
        print(
            f"{'when':<24}{'shown':>7}{'none':>6}{'contained':>11}{'width (delivery d)':>20}{'width (cal. d)':>16}"
            f"{'µs/window':>11}"
        )
        for days in (0, 1, 2, 3):
            result = await evaluate(url, merchant_id, parcels[split:], days)
            label = "at shipping" if days == 0 else f"after {days} delivery day(s)"
            print(
                f"{label:<24}{result['shown']:>7.0f}{result['no_window']:>6.0f}{result['contained']:>10.1%}"
                f"{result['median_width_delivery_days']:>20.1f}{result['median_width_calendar_days']:>16.1f}"
                f"{result['us_per_window']:>11.0f}"
            )
        print("target: ≥ 95 % contained with a median width ≤ 2 days")


if __name__ == "__main__":
    asyncio.run(main())
