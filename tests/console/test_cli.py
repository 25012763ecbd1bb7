"""`ordertrail create-merchant` creates the shop with its owner, who can then sign in to the console."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cli import main
from app.db import reading
from app.models import User
from app.settings import get_settings
from tests.console_support import login_form_token


@pytest.fixture
def cli_database(engine, database, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ORDERTRAIL_DATABASE_URL", database.url)
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_create_merchant_with_owner_who_can_sign_in(cli_database, tmp_path, capsys, client) -> None:
    import asyncio

    secret = tmp_path / "password.txt"
    secret.write_text("owner passphrase 42\n")
    args = ["create-merchant", "plume", "Plume", "--owner-email", "Owner@Plume.example", "--password-file", str(secret)]
    await asyncio.to_thread(main, args)
    printed = capsys.readouterr().out
    assert "owner owner@plume.example" in printed and "otk_" in printed and "passphrase" not in printed
    async with reading(cli_database) as conn:
        owner = (await conn.execute(select(User.__table__))).one()
    assert owner.role == "owner" and owner.password_hash.startswith("$argon2id$")
    token = await login_form_token(client)
    data = {"email": "owner@plume.example", "password": "owner passphrase 42", "csrf_token": token}
    assert (await client.post("/console/login", data=data)).status_code == 303


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_weak_password_creates_nothing(cli_database, tmp_path) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text("short\n")
    with pytest.raises(SystemExit, match="at least 10 characters"):
        main(["create-merchant", "plume", "Plume", "--owner-email", "o@plume.example", "--password-file", str(secret)])
