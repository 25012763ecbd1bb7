"""Requests console page over HTTP: answering with a note, errors keep the note, other shops 404, CSRF 403."""

from __future__ import annotations

from app.db import writing
from tests.console_data.seed import add_change_request, add_order, add_survey


async def test_answering_requests_and_survey_summary(console, runtime) -> None:
    async with writing(runtime.engine) as conn:
        order = await add_order(conn, console.shop, "A-1")
        swap = await add_change_request(conn, console.shop, order, "swap", {"item": "Vase", "to": "<b>blue</b>"})
        await add_survey(conn, console.shop, order, "cancel_reason", value="too_slow", saved=True)
        await add_survey(conn, console.shop, order, "feedback", rating=4, comment="Quick")
        theirs_order = await add_order(conn, console.other, "Z-1")
        theirs = await add_change_request(conn, console.other, theirs_order, "cancel", {})
    page = await console.client.get("/console/requests")
    assert page.status_code == 200
    assert "&lt;b&gt;blue&lt;/b&gt;" in page.text and "<b>blue</b>" not in page.text
    assert "too_slow" in page.text and "Average score 4.0 out of 5 from 1 answers" in page.text and "Quick" in page.text
    long_note = "x" * 1001
    bad = await console.client.post(
        f"/console/requests/{swap}", data=console.form(state="accepted", note=long_note), headers=console.origin
    )
    assert bad.status_code == 400 and "is longer than 1000 characters" in bad.text and long_note in bad.text
    done = await console.client.post(
        f"/console/requests/{swap}",
        data=console.form(state="accepted", note="Swapping to blue"),
        headers=console.origin,
    )
    assert done.status_code == 303
    after = await console.client.get("/console/requests", params={"state": "accepted"})
    assert "Your note: Swapping to blue" in after.text
    assert (
        await console.client.post(f"/console/requests/{swap}", data={"state": "done"}, headers=console.origin)
    ).status_code == 403
    other = await console.client.post(
        f"/console/requests/{theirs}", data=console.form(state="done", note=""), headers=console.origin
    )
    assert other.status_code == 404
