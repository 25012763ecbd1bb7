"""Filled-in shapes give exactly what rendering the whole template gives, for every trigger and language and for
awkward values (markup, quotes, empty fields, several items, the stand-in mark itself); a changed brand is a
new shape."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.i18n import SUPPORTED
from app.notify.rules import TRIGGERS
from app.notify.samples import sample_context
from notifications.prerender import Prerendered
from notifications.render import render_email
from tests.factories import SAMPLE_SHOP

SHOP = SAMPLE_SHOP


def variants(trigger: str, locale: str) -> list[dict[str, Any]]:
    base = sample_context(trigger, locale, SHOP, base_url="http://x.test")
    returning = sample_context(trigger, locale, SHOP, base_url="http://x.test", first_order=False)
    awkward = copy.deepcopy(base)
    awkward.update(
        first_name='<Zoë & "Jo">',
        order={"number": "A&B <1>  'x'"},
        latest={"description": "Held <b>at</b> customs & co", "location": ""},
        items=[
            {"title": "Vase <large>", "quantity": 2, "url": "https://acme.example/p?a=1&b=2"},
            {"title": "Mug", "quantity": 0, "url": ""},
        ],
        carrier_name="",
        estimate="",
        tracking_number="\x1a0\x1a",
    )
    bare = copy.deepcopy(base)
    bare.update(first_name="", latest=None, items=[], shop_link="", unsubscribe_url="")
    marked_shop = copy.deepcopy(base)
    marked_shop["shop"] = {**SHOP, "name": "Mark \x1a0\x1a shop"}
    # Values the HTML parser would not keep as written (CSS is inlined once per shape, values put in afterwards).
    parsed = copy.deepcopy(base)
    parsed.update(
        first_name="  ",
        order={"number": "A\r\nB\rC"},
        latest={"description": "\nHeld\x00 at customs", "location": 'Zoë\xa0& Co > "x"'},
        tracking_number="1Z 999",
    )
    return [base, returning, awkward, bare, marked_shop, parsed]


@pytest.mark.parametrize("locale", SUPPORTED)
def test_filled_shapes_equal_whole_renders(locale: str) -> None:
    shapes = Prerendered()
    for trigger in TRIGGERS:
        for ctx in variants(trigger, locale):
            for _ in range(2):  # the first call renders the shape, the second fills it from memory
                assert shapes.render_email(trigger, ctx, locale) == render_email(trigger, ctx, locale), (trigger, ctx)


def test_recipients_of_one_shape_share_it_and_get_their_own_values() -> None:
    shapes = Prerendered()
    first = sample_context("shipped", "fr", SHOP, base_url="http://x.test")
    second = {**first, "first_name": "Camille", "order": {"number": "2077"}}
    one, two = shapes.render_email("shipped", first, "fr"), shapes.render_email("shipped", second, "fr")
    assert len(shapes.shapes) == 1
    assert "Alex" in one.text and "Camille" in two.text and "Alex" not in two.text
    assert "#2077" in two.subject and "#1042" in one.subject


def test_a_changed_brand_is_a_new_shape() -> None:
    shapes = Prerendered()
    ctx = sample_context("delivered", "en", SHOP, base_url="http://x.test")
    before = shapes.render_email("delivered", ctx, "en")
    rebranded = {**ctx, "shop": {**SHOP, "primary_color": "#aa0000", "name": "Acme Two"}}
    after = shapes.render_email("delivered", rebranded, "en")
    assert len(shapes.shapes) == 2
    assert "#aa0000" in after.html and "#aa0000" not in before.html and "Acme Two" in after.subject
    assert after == render_email("delivered", rebranded, "en")


def test_least_recently_used_shapes_are_dropped() -> None:
    shapes = Prerendered(kept=2)
    ctx = sample_context("delivered", "en", SHOP, base_url="http://x.test")
    for locale in ("en", "fr", "de"):
        shapes.render_email("delivered", {**ctx, "locale": locale}, locale)
    assert [key[1] for key in shapes.shapes] == ["fr", "de"]
