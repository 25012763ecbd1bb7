"""Sign-in throttling, password reset and staff invitations over HTTP, with the emails caught by a real SMTP server."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from app.db import reading, writing
from app.models import ConsoleSession, Invitation, LoginThrottle, User
from app.security import throttle
from app.security.sessions import COOKIE
from tests.console.mail import link_in, wait_for_mail
from tests.console_support import TEST_PASSWORD, TOKEN, create_user, login_form_token, sign_in
from tests.factories import make_merchant


async def _try(client, email: str, password: str):  # type: ignore[no-untyped-def]
    token = await login_form_token(client)
    return await client.post("/console/login", data={"email": email, "password": password, "csrf_token": token})


async def _last_failure(engine, seconds_ago: float) -> None:  # type: ignore[no-untyped-def]
    """Pretend the last failure of every key happened `seconds_ago` (the test cannot wait 30 s)."""
    async with writing(engine) as conn:
        moment = datetime.now(UTC) - timedelta(seconds=seconds_ago)
        await conn.execute(update(LoginThrottle.__table__).values(last_failure_at=moment))


def test_delay_grows_and_is_capped() -> None:
    assert [throttle.delay_after(n) for n in range(1, 10)] == [0, 0, 1, 2, 4, 8, 16, 30, 30]


async def test_failed_sign_ins_are_slowed_progressively_never_locked(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    for _ in range(3):
        wrong = await _try(client, email, "wrong password 123")
        assert wrong.status_code == 401 and "Wrong email or password." in wrong.text
    await _last_failure(runtime.engine, 0)
    slowed = await _try(client, email, TEST_PASSWORD)  # even the right password waits its turn
    assert slowed.status_code == 429 and "Try again in 1 s" in slowed.text and slowed.headers["retry-after"] == "1"
    await _last_failure(runtime.engine, 1.1)
    assert (await _try(client, email, "wrong password 123")).status_code == 401  # 4th failure: 2 s
    await _last_failure(runtime.engine, 0)
    assert "Try again in 2 s" in (await _try(client, email, TEST_PASSWORD)).text
    for _ in range(6):  # many more failures: capped at 30 s
        await _last_failure(runtime.engine, 31)
        assert (await _try(client, email, "wrong password 123")).status_code == 401
    await _last_failure(runtime.engine, 0)
    assert "Try again in 30 s" in (await _try(client, email, TEST_PASSWORD)).text
    await _last_failure(runtime.engine, 31)
    ok = await _try(client, email, TEST_PASSWORD)
    assert ok.status_code == 303  # never a lockout
    async with reading(runtime.engine) as conn:
        keys = {r.key for r in (await conn.execute(select(LoginThrottle.__table__))).all()}
    assert throttle.account_key(email) not in keys  # success clears the account's count


async def test_one_address_guessing_many_accounts_is_slowed(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    for n in range(3):
        await _try(client, f"nobody{n}@shop.test", "guess guess guess")
    email = await create_user(runtime.engine, merchant_id)
    await _last_failure(runtime.engine, 0)
    answer = await _try(client, email, TEST_PASSWORD)
    assert answer.status_code == 429  # the client address has failed three times


async def test_password_reset_by_one_time_link(client, runtime, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    assert (await _try(client, email, TEST_PASSWORD)).status_code == 303  # a browser signed in as that user
    page = await client.get("/console/reset")
    token = TOKEN.search(page.text).group(1)
    known = await client.post("/console/reset", data={"email": email, "csrf_token": token})
    unknown = await client.post("/console/reset", data={"email": "nobody@shop.test", "csrf_token": token})
    assert known.status_code == unknown.status_code == 200
    pairs = ((known, email), (unknown, "nobody@shop.test"))
    same = [re.sub(r'nonce="[^"]+"', "", a.text).replace(e, "X") for a, e in pairs]
    assert same[0] == same[1]  # the same answer whether or not the address has an account
    mail = await wait_for_mail(catcher, email)
    link = link_in(mail, "/console/reset/")
    path = urlsplit(link).path
    again = await client.post("/console/reset", data={"email": email, "csrf_token": token})
    assert again.status_code == 200
    await asyncio.sleep(0.3)
    assert not any("nobody@shop.test" in m.recipients for m in catcher.messages)
    assert sum(email in m.recipients for m in catcher.messages) == 1  # at most one email a minute
    form = await client.get(path)
    assert form.status_code == 200
    form_token = TOKEN.search(form.text).group(1)
    short = await client.post(path, data={"password": "short", "confirm": "short", "csrf_token": form_token})
    assert short.status_code == 400 and "at least 10 characters" in short.text
    new_password = "a brand new passphrase"
    done = await client.post(path, data={"password": new_password, "confirm": new_password, "csrf_token": form_token})
    assert done.status_code == 303 and done.headers["location"] == "/console/login?reset=1"
    assert (await client.get(path)).status_code == 404  # one time only
    async with reading(runtime.engine) as conn:
        assert (await conn.execute(select(ConsoleSession.__table__))).first() is None  # signed out everywhere
    assert (await _try(client, email, TEST_PASSWORD)).status_code == 401
    assert (await _try(client, email, new_password)).status_code == 303


async def test_expired_reset_link_is_refused(client, runtime, mailbox) -> None:
    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    token = await login_form_token(client)
    page = await client.get("/console/reset")
    token = TOKEN.search(page.text).group(1)
    await client.post("/console/reset", data={"email": email, "csrf_token": token})
    path = urlsplit(link_in(await wait_for_mail(catcher, email), "/console/reset/")).path
    from app.models import PasswordReset

    async with writing(runtime.engine) as conn:
        await conn.execute(update(PasswordReset.__table__).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    assert (await client.get(path)).status_code == 404


async def test_owner_invites_staff_who_sets_a_password(client, runtime, mailbox, base_url) -> None:
    import httpx

    catcher, _ = mailbox
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    bad = await client.post("/console/team/invite", data={"email": "not an email", "csrf_token": csrf})
    assert bad.status_code == 400 and "Email" in bad.text and 'value="not an email"' in bad.text
    sent = await client.post("/console/team/invite", data={"email": "Sam@Example.com", "csrf_token": csrf})
    assert sent.status_code == 200 and "Invitation sent to sam@example.com" in sent.text
    mail = await wait_for_mail(catcher, "sam@example.com")
    assert "Acme Shop" in mail.message["subject"]
    path = urlsplit(link_in(mail, "/console/invite/")).path
    async with httpx.AsyncClient(base_url=base_url) as invitee:
        form = await invitee.get(path)
        assert form.status_code == 200 and "sam@example.com" in form.text
        token = TOKEN.search(form.text).group(1)
        password = "staff member passphrase"
        joined = await invitee.post(path, data={"password": password, "confirm": password, "csrf_token": token})
        assert joined.status_code == 303 and invitee.cookies.get(COOKIE)
        assert (await invitee.get(path)).status_code == 404
        team = await invitee.get("/console/team")
        assert team.status_code == 200 and "sam@example.com" in team.text and "Invite staff" not in team.text
        staff_csrf = TOKEN.search(team.text).group(1)
        refused = await invitee.post("/console/team/invite", data={"email": "x@shop.test", "csrf_token": staff_csrf})
        assert refused.status_code == 403 and "owner" in refused.text
    async with reading(runtime.engine) as conn:
        staff = (await conn.execute(select(User.__table__).where(User.__table__.c.email == "sam@example.com"))).one()
        invitation = (await conn.execute(select(Invitation.__table__))).one()
    assert staff.role == "staff" and staff.merchant_id == merchant_id and invitation.accepted_at is not None
    removed = await client.post(f"/console/team/{staff.id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 303
    async with reading(runtime.engine) as conn:
        left = (await conn.execute(select(ConsoleSession.__table__.c.user_id))).scalars().all()
        users = (await conn.execute(select(User.__table__.c.email))).scalars().all()
    assert staff.id not in left and "sam@example.com" not in users


async def test_api_key_lifecycle_over_http(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    empty = await client.post("/console/api-keys", data={"name": " ", "csrf_token": csrf})
    assert empty.status_code == 400 and "1 to 100 characters" in empty.text
    made = await client.post("/console/api-keys", data={"name": "warehouse", "csrf_token": csrf})
    key = made.text.split('id="new-key">')[1].split("<")[0]
    assert key.startswith("otk_")
    listing = await client.get("/console/api-keys")
    assert key not in listing.text and "warehouse" in listing.text  # shown once
    headers = {"Authorization": f"Bearer {key}"}
    body = {"order_number": "A-1", "tracking_number": "SBDL29000000001", "carrier": "sandbox"}
    assert (await client.post("/api/v1/shipments", json=body, headers=headers)).status_code == 201
    key_id = int(listing.text.split('data-key-id="')[1].split('"')[0])
    revoked = await client.post(f"/console/api-keys/{key_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert (await client.post("/api/v1/shipments", json=body, headers=headers)).status_code == 401
