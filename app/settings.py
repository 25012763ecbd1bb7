"""Runtime settings from the environment or `.env` (prefix ORDERTRAIL_), validated at start-up."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-key-change-me-0000000000000000"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERTRAIL_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'ordertrail.db'}"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEV_SECRET
    # Key for carrier credentials at rest (url-safe base64 of 32 bytes); derived from secret_key in development.
    credentials_key: str = ""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_connections: int = Field(default=4, ge=1, le=32)
    mail_from: str = "updates@ordertrail.localhost"

    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_api_base_url: str = ""  # empty: Twilio itself; the demo points it at the local fake API

    sandbox_carrier_url: str = ""  # empty: the sandbox API mounted in this app at /sandbox-carrier
    sandbox_speed: float = Field(default=60.0, gt=0)
    sandbox_api_key: str = "sandbox"

    poll_interval_seconds: float = Field(default=10.0, gt=0)
    dispatch_interval_seconds: float = Field(default=5.0, gt=0)
    # Shipments per claimed chunk (one transaction): a chunk's fixed costs made 500 cost ~10 % more per shipment
    # than 1,000 (bench/README.md); rate limits fail calls fast rather than let a chunk outlast its lease.
    poll_batch_size: int = Field(default=1000, ge=1, le=10_000)
    dispatch_batch_size: int = Field(default=200, ge=1, le=10_000)
    redis_url: str = ""  # shared rate limits for the lookup form; in-memory when empty
    uploads_dir: Path = ROOT / "var" / "uploads"  # merchant logos (re-encoded), served from our own origin

    # Outbound webhooks: https to public addresses only. Development may allow http and named private networks.
    webhook_allow_http: bool = False
    webhook_allowed_networks: str = ""  # comma-separated CIDRs, e.g. "10.0.5.0/24"
    # A carrier account's own base address (set by a merchant) must be a public address, unless listed here
    # (e.g. an aggregator the operator runs in a private network).
    carrier_allowed_networks: str = ""  # comma-separated CIDRs

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path/to.db or postgresql+asyncpg://user@host/db")
        return value

    @field_validator("webhook_allowed_networks", "carrier_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not a network; use CIDR like 10.0.5.0/24") from None
        return value

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an absolute http(s) URL, e.g. https://track.example.com")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                raise ValueError("ORDERTRAIL_SECRET_KEY must be set to 32+ random characters in production")
            if not self.credentials_key:
                raise ValueError("ORDERTRAIL_CREDENTIALS_KEY must be set in production")
            if self.webhook_allow_http:
                raise ValueError("ORDERTRAIL_WEBHOOK_ALLOW_HTTP must stay off in production")
        return self

    @property
    def sandbox_url(self) -> str:
        return (self.sandbox_carrier_url or f"{self.base_url}/sandbox-carrier").rstrip("/")

    @property
    def sms_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from_number)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
