"""Settings: bad values are refused at start-up with the setting named; production refuses placeholder secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import Settings


def test_bad_database_url_and_base_url_are_named() -> None:
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, database_url="mysql://x/y", base_url="track.example.com")  # type: ignore[call-arg]
    fields = {e["loc"][0] for e in info.value.errors()}
    assert fields == {"database_url", "base_url"}


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="ORDERTRAIL_SECRET_KEY"):
        Settings(_env_file=None, environment="production")  # type: ignore[call-arg]


def test_plain_postgresql_url_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERTRAIL_DATABASE_URL", "postgresql://u@db/x")
    assert Settings(_env_file=None).database_url == "postgresql+asyncpg://u@db/x"  # type: ignore[call-arg]
