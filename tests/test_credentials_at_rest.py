"""Carrier credentials at rest: sealed with AES-GCM bound to shop and carrier; never readable from the table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.db import reading, writing
from app.models import CarrierAccountRow
from app.security.crypto import CredentialsError, key_from_settings, seal, unseal
from carriers.errors import CarrierAuthError
from tests.factories import make_merchant

SECRET = {"client_id": "ups-client-7731", "client_secret": "very-secret-value-1234"}


def test_sealed_credentials_open_only_for_their_shop_and_carrier() -> None:
    key = key_from_settings("", "a-secret-key-for-tests-0123456789")
    blob = seal(key, 7, "ups", SECRET)
    assert b"very-secret-value" not in blob and b"ups-client" not in blob
    assert unseal(key, 7, "ups", blob) == SECRET
    for merchant, carrier in ((8, "ups"), (7, "fedex")):
        with pytest.raises(CredentialsError):
            unseal(key, merchant, carrier, blob)
    other_key = key_from_settings("", "another-secret-key-0123456789abcd")
    with pytest.raises(CredentialsError):
        unseal(other_key, 7, "ups", blob)


async def test_runtime_decrypts_for_the_adapter_and_the_table_holds_no_secret(runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    blob = seal(runtime.credentials_key, merchant_id, "ups", SECRET)
    async with writing(runtime.engine) as conn:
        await conn.execute(
            CarrierAccountRow.__table__.insert().values(
                merchant_id=merchant_id, carrier="ups", credentials=blob, options={}, created_at=datetime.now(UTC)
            )
        )
    async with reading(runtime.engine) as conn:
        stored = (await conn.execute(select(CarrierAccountRow.__table__))).one()
    assert b"very-secret-value" not in bytes(stored.credentials)
    adapter = await runtime.adapter("ups", None, merchant_id)
    assert adapter.account.credentials == SECRET and SECRET["client_id"] not in adapter.account.key
    # Another shop has no UPS account: a clear auth error, not someone else's credentials.
    other_id, _ = await make_merchant(runtime.engine, "other")
    with pytest.raises(CarrierAuthError, match="no ups account"):
        await runtime.adapter("ups", None, other_id)
