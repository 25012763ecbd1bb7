"""Delivery-day arithmetic, postal regions and window choice, checked against hand-counted examples."""

from __future__ import annotations

from collections import Counter
from datetime import date

from app.estimates.calendar import DeliveryCalendar
from app.estimates.model import TransitHistogram
from app.estimates.regions import region


def test_weekdays_and_weekends_per_carrier() -> None:
    ups = DeliveryCalendar("ups", "US")  # Monday to Friday
    friday, monday = date(2026, 11, 6), date(2026, 11, 9)
    assert ups.business_days_between(friday, monday) == 1
    assert ups.add_business_days(friday, 1) == monday
    laposte = DeliveryCalendar("laposte", "FR")  # delivers on Saturdays too
    assert laposte.business_days_between(friday, monday) == 2
    assert laposte.add_business_days(friday, 1) == date(2026, 11, 7)


def test_public_holidays_of_the_destination_are_skipped() -> None:
    france = DeliveryCalendar("laposte", "FR")
    # 2026-07-14 (Tuesday) is Bastille Day: Monday 13th → Wednesday 15th is one delivery day, not two.
    assert france.business_days_between(date(2026, 7, 13), date(2026, 7, 15)) == 1
    assert france.add_business_days(date(2026, 7, 13), 1) == date(2026, 7, 15)
    # The same dates into Germany count both days.
    assert DeliveryCalendar("laposte", "DE").business_days_between(date(2026, 7, 13), date(2026, 7, 15)) == 2
    # Thanksgiving 2026 is Thursday 26 November.
    assert DeliveryCalendar("ups", "US").add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)


def test_zero_days_moves_to_the_next_delivery_day_and_same_day_is_zero() -> None:
    ups = DeliveryCalendar("ups", "US")
    assert ups.add_business_days(date(2026, 11, 7), 0) == date(2026, 11, 9)  # Saturday → Monday
    assert ups.business_days_between(date(2026, 11, 9), date(2026, 11, 9)) == 0
    assert DeliveryCalendar("ups", "").business_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 2


def test_postal_regions() -> None:
    assert region("FR", "75011") == "FR-75"
    assert region("us", "94107-1234") == "US-941"
    assert region("GB", "SW1A 1AA") == "GB-SW"
    assert region("GB", "M1 1AE") == "GB-M"
    assert region("CA", "K1A 0B1") == "CA-K"
    assert region("DE", "") == "DE"
    assert region("NZ", "6011") == "NZ-60"


def test_window_is_the_shortest_range_holding_the_target_share() -> None:
    # 400 samples: target = 0.95 + 1.5/20 × 0.05 = 0.95375; days 3–4 hold 390/400 = 97.5 %.
    assert TransitHistogram(Counter({3: 300, 4: 90, 5: 10})).window() == (3, 4, 0.975)
    # 100 samples: target 0.9575; 2–4 hold only 95 %, so the window grows to 2–5.
    assert TransitHistogram(Counter({2: 10, 3: 70, 4: 15, 5: 5})).window() == (2, 5, 1.0)
    # Ties go to the earliest range: {1: 50, 2: 50} at n=100 needs both days.
    assert TransitHistogram(Counter({1: 50, 2: 50})).window() == (1, 2, 1.0)


def test_too_little_history_gives_no_window() -> None:
    assert TransitHistogram(Counter({3: 29})).window() is None
    assert TransitHistogram(Counter({3: 30})).window() == (3, 3, 1.0)


def test_conditioning_on_days_already_in_transit() -> None:
    histogram = TransitHistogram(Counter({2: 60, 3: 30, 4: 10}))
    later = histogram.given_at_least(3)
    assert later.counts == Counter({3: 30, 4: 10})
    assert later.total == 40
