"""Console sign-in: sessions in the table, cookie flags, rotation, timeouts, CSRF and Origin checks, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.db import reading, writing
from app.models import ConsoleSession
from app.security.sessions import COOKIE, hash_session_id
from tests.console_support import TEST_PASSWORD, create_user, login_form_token, sign_in
from tests.factories import make_merchant


async def _session_rows(engine) -> list:  # type: ignore[no-untyped-def]
    async with reading(engine) as conn:
        return list((await conn.execute(select(ConsoleSession.__table__))).all())


async def test_console_pages_redirect_to_login_when_signed_out(client) -> None:
    answer = await client.get("/console/api-keys?x=1")
    assert answer.status_code in (303, 404)
    language = await client.post("/console/language", data={"locale": "fr"})
    assert language.status_code == 303
    assert language.headers["location"] == "/console/login?next=%2Fconsole%2Flanguage"


async def test_sign_in_sets_a_hashed_session_and_a_strict_cookie(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    raw = client.cookies.get(COOKIE)
    rows = await _session_rows(runtime.engine)
    assert len(rows) == 1 and rows[0].id_hash == hash_session_id(raw) and rows[0].id_hash != raw
    assert rows[0].csrf_token == csrf and rows[0].merchant_id == merchant_id
    # the Set-Cookie flags, read from a fresh sign-in
    email = await create_user(runtime.engine, merchant_id)
    token = await login_form_token(client)
    answer = await client.post("/console/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token})
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; https below


async def test_session_is_rotated_at_sign_in(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    await sign_in(client, runtime.engine, merchant_id)
    first = client.cookies.get(COOKIE)
    await sign_in(client, runtime.engine, merchant_id)
    second = client.cookies.get(COOKIE)
    assert first != second
    hashes = {row.id_hash for row in await _session_rows(runtime.engine)}
    assert hashes == {hash_session_id(second)}  # the old id is gone from the table


async def test_cookie_is_secure_behind_https(runtime) -> None:
    import httpx

    from app.web.app import create_app

    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    app = create_app(runtime.settings, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://shop.test") as https:
        token = await login_form_token(https)
        answer = await https.post(
            "/console/login",
            data={"email": email, "password": TEST_PASSWORD, "csrf_token": token},
            headers={"Origin": "https://shop.test"},
        )
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE))
    assert answer.status_code == 303 and "Secure" in cookie


async def test_idle_and_absolute_timeouts_end_the_session(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    table = ConsoleSession.__table__
    ok = await client.post("/console/language", data={"locale": "fr", "csrf_token": csrf, "next": "/console/team"})
    assert ok.status_code == 303 and ok.headers["location"] == "/console/team"
    now = datetime.now(UTC)
    async with writing(runtime.engine) as conn:
        await conn.execute(update(table).values(last_seen_at=now - timedelta(hours=2, minutes=1)))
    idle = await client.post("/console/language", data={"locale": "en", "csrf_token": csrf})
    assert idle.headers["location"].startswith("/console/login")
    async with writing(runtime.engine) as conn:
        await conn.execute(update(table).values(last_seen_at=now, expires_at=now - timedelta(seconds=1)))
    expired = await client.post("/console/language", data={"locale": "en", "csrf_token": csrf})
    assert expired.headers["location"].startswith("/console/login")
    await sign_in(client, runtime.engine, merchant_id)
    assert len(await _session_rows(runtime.engine)) == 1  # dead sessions are purged at the next sign-in


async def test_missing_or_wrong_csrf_token_is_403_with_reason(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    missing = await client.post("/console/language", data={"locale": "fr"})
    assert missing.status_code == 403 and "security token is missing" in missing.text
    wrong = await client.post("/console/language", data={"locale": "fr", "csrf_token": csrf[:-2] + "xx"})
    assert wrong.status_code == 403
    header = await client.post("/console/language", data={"locale": "fr"}, headers={"X-CSRF-Token": csrf})
    assert header.status_code == 303


async def test_foreign_origin_is_403_even_with_the_token(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {"locale": "fr", "csrf_token": csrf}
    evil = await client.post("/console/language", data=data, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "another origin" in evil.text
    referer = await client.post("/console/language", data=data, headers={"Referer": "https://evil.example/x"})
    assert referer.status_code == 403
    same = await client.post("/console/language", data=data, headers={"Origin": str(client.base_url).rstrip("/")})
    assert same.status_code == 303


async def test_login_form_itself_needs_its_token_and_same_origin(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    await login_form_token(client)
    no_token = await client.post("/console/login", data={"email": email, "password": TEST_PASSWORD})
    assert no_token.status_code == 403
    token = await login_form_token(client)
    cross = await client.post(
        "/console/login",
        data={"email": email, "password": TEST_PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403 and COOKIE not in client.cookies


async def test_sign_out_deletes_the_session(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    out = await client.post("/console/logout", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert await _session_rows(runtime.engine) == []


async def test_next_only_follows_console_paths(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    email = await create_user(runtime.engine, merchant_id)
    token = await login_form_token(client)
    answer = await client.post(
        "/console/login",
        data={"email": email, "password": TEST_PASSWORD, "csrf_token": token, "next": "//evil.example/"},
    )
    assert answer.headers["location"] == "/console/"


async def test_fetch_metadata_decides_for_browsers(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {"locale": "en", "csrf_token": csrf}
    null_same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}  # what a no-referrer page's form post sends
    assert (await client.post("/console/language", data=data, headers=null_same)).status_code == 303
    for site in ("cross-site", "same-site"):
        refused = await client.post("/console/language", data=data, headers={"Sec-Fetch-Site": site})
        assert refused.status_code == 403 and "another site" in refused.text
    assert (await client.post("/console/language", data=data, headers={"Origin": "null"})).status_code == 403


async def test_console_speaks_french_after_the_switch(client, runtime) -> None:
    login = await client.get("/console/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Connectez-vous à votre boutique" in login.text and 'lang="fr"' in login.text
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {"locale": "fr", "csrf_token": csrf, "next": "/console/team"}
    switched = await client.post("/console/language", data=data)
    assert switched.headers["location"] == "/console/team"
    page = await client.get("/console/branding")
    assert "Identité visuelle et page de suivi" in page.text and "Se déconnecter" in page.text
    refused = await client.post("/console/api-keys", data={"name": ""})
    assert refused.status_code == 403 and "jeton de sécurité" in refused.text


async def test_reflected_input_in_error_messages_is_escaped(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    data = {"locale": "en", "csrf_token": csrf}
    evil = await client.post("/console/language", data=data, headers={"Origin": "https://<script>alert(1)</script>"})
    assert evil.status_code == 403 and "<script>alert(1)" not in evil.text and "&lt;script&gt;" in evil.text
    bad_email = {"email": "<script>alert(2)</script>@x", "csrf_token": csrf}
    invite = await client.post("/console/team/invite", data=bad_email)
    assert invite.status_code == 400 and "<script>alert(2)" not in invite.text
