"""Shopper requests change state with a note (final states stay final); survey answers counted per reason."""

from __future__ import annotations

import pytest

from app.catalog.shopper_requests import RequestChangeInvalid, answer_request, list_requests, survey_summary
from app.db import reading, writing
from tests.console_data.seed import add_change_request, add_order, add_survey
from tests.factories import make_merchant


async def test_request_states_and_notes(engine) -> None:
    shop, _ = await make_merchant(engine, "acme")
    other, _ = await make_merchant(engine, "other")
    async with writing(engine) as conn:
        order = await add_order(conn, shop, "A-1")
        swap = await add_change_request(conn, shop, order, "swap", {"item": "Vase", "to": "blue"})
        cancel = await add_change_request(conn, shop, order, "cancel", {"reason": "too_slow"})
    async with writing(engine) as conn:
        assert not await answer_request(conn, merchant_id=other, request_id=swap, state="accepted", note="")
        assert await answer_request(conn, merchant_id=shop, request_id=swap, state="accepted", note=" Sent Monday ")
    for state, note, bad in (("open", "", "state"), ("lost", "", "state"), ("done", "x" * 1001, "note")):
        async with writing(engine) as conn:
            with pytest.raises(RequestChangeInvalid) as caught:
                await answer_request(conn, merchant_id=shop, request_id=swap, state=state, note=note)
        assert set(caught.value.errors) == {bad}
    async with writing(engine) as conn:
        assert await answer_request(conn, merchant_id=shop, request_id=cancel, state="declined", note="Already packed")
        with pytest.raises(RequestChangeInvalid, match="only become nothing"):
            await answer_request(conn, merchant_id=shop, request_id=cancel, state="done", note="")
    async with reading(engine) as conn:
        rows = {row.id: row for row in await list_requests(conn, merchant_id=shop)}
        assert (rows[swap].state, rows[swap].merchant_note, rows[swap].resolved_at) == ("accepted", "Sent Monday", None)
        assert rows[cancel].state == "declined" and rows[cancel].resolved_at is not None
        assert [row.id for row in await list_requests(conn, merchant_id=shop, state="declined")] == [cancel]
        assert [row.id for row in await list_requests(conn, merchant_id=shop, kind="swap")] == [swap]
        assert await list_requests(conn, merchant_id=other) == []


async def test_survey_summary_counts_reasons_and_averages_scores(engine) -> None:
    shop, _ = await make_merchant(engine, "acme")
    other, _ = await make_merchant(engine, "other")
    async with writing(engine) as conn:
        orders = [await add_order(conn, shop, f"A-{n}") for n in range(6)]
        answers = [("too_slow", True), ("too_slow", False), ("too_slow", True), ("price", False), ("mistake", False)]
        for order, (reason, saved) in zip(orders, answers, strict=False):
            await add_survey(conn, shop, order, "cancel_reason", value=reason, saved=saved)
        await add_survey(conn, shop, orders[0], "feedback", rating=5, comment="Lovely")
        await add_survey(conn, shop, orders[1], "feedback", rating=2, comment="Box was crushed")
        await add_survey(conn, shop, orders[2], "feedback", rating=4)
        theirs = await add_order(conn, other, "Z-1")
        await add_survey(conn, other, theirs, "feedback", rating=1, comment="Not yours")
    async with reading(engine) as conn:
        summary = await survey_summary(conn, merchant_id=shop)
        empty = await survey_summary(conn, merchant_id=await _new_shop(engine))
    assert [(r.reason, r.count, r.saved) for r in summary.reasons] == [
        ("too_slow", 3, 2),
        ("mistake", 1, 0),
        ("price", 1, 0),
    ]
    assert (summary.feedback_count, summary.average_rating) == (3, 3.67)
    assert {c.comment for c in summary.comments} == {"Lovely", "Box was crushed", ""}
    assert (empty.feedback_count, empty.average_rating, empty.reasons) == (0, None, [])


async def _new_shop(engine) -> int:
    shop, _ = await make_merchant(engine, "empty")
    return shop
