"""Integration tables: API idempotency records, the Shopify webhook inbox, CSV import runs, outbound webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.core import utcnow


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a create with an `Idempotency-Key`, replayed for the same key and body."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("merchant_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)  # SHA-256 of method, path and body
    status_code: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ShopifyInbox(SQLModel, table=True):
    """A verified Shopify webhook, stored as received and processed out of the request."""

    __tablename__ = "shopify_inbox"
    __table_args__ = (
        UniqueConstraint("merchant_id", "event_id"),
        Index("ix_shopify_inbox_pending", "processed_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    event_id: str = Field(max_length=100)
    topic: str = Field(max_length=40)
    body: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    attempts: int = Field(default=0)
    processed_at: datetime | None = None
    error: str = Field(default="", max_length=500)


class ImportRun(SQLModel, table=True):
    """One CSV import (command line or console upload) and its per-row report."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    filename: str = Field(default="", max_length=255)
    file_sha256: str = Field(default="", max_length=64)
    rows_total: int = Field(default=0)
    rows_imported: int = Field(default=0)
    rows_unchanged: int = Field(default=0)
    rows_failed: int = Field(default=0)
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    created_at: datetime = Field(default_factory=utcnow)


class WebhookEndpoint(SQLModel, table=True):
    """A merchant URL that receives signed events; the signing secret is sealed at rest."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    url: str = Field(max_length=500)
    description: str = Field(default="", max_length=200)
    secret: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event to one endpoint: an outbox row, claimed with a lease and retried with backoff."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    state: str = Field(default="pending", max_length=12)  # pending, delivered, failed
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    last_status: int | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_delivery.id", index=True)
    started_at: datetime = Field(default_factory=utcnow)
    status_code: int | None = None
    error: str = Field(default="", max_length=500)
    duration_ms: int = Field(default=0)
