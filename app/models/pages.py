"""Stored tracking pages: a page rendered when a message with its link is sent (`rendered_page`), and the shop's
page revision that tells every process when branding or catalogue changed (kept by database triggers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Column, Index, LargeBinary, event
from sqlmodel import Field, SQLModel

from app.models.core import utcnow


class RenderedPage(SQLModel, table=True):
    """A shipment's page as rendered for its order's language, valid while the page's version and the shop's
    `merchant.page_revision` are those it was rendered at, and until `valid_until`."""

    __tablename__ = "rendered_page"
    __table_args__ = (Index("ix_rendered_page_valid_until", "valid_until"),)

    shipment_id: int = Field(primary_key=True, foreign_key="shipment.id")
    locale: str = Field(max_length=10)
    version: str = Field(max_length=120)
    shop_revision: int
    html: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # zlib-compressed, nonce placeholder inside
    product_ids: str = Field(default="", max_length=200)  # the recommendations shown, comma-separated
    valid_until: datetime
    rendered_at: datetime = Field(default_factory=utcnow)


# Tables whose rows a tracking page shows beside its own data; a write to any of them moves the shop's revision.
REVISION_TABLES = ("product", "recommendation_rule")

_SQLITE_ROW_TRIGGER = """
CREATE TRIGGER {table}_page_revision_{op} AFTER {verb} ON {table}
BEGIN UPDATE merchant SET page_revision = page_revision + 1 WHERE id IN ({ids}); END
"""
_SQLITE_MERCHANT_TRIGGER = """
CREATE TRIGGER merchant_page_revision AFTER UPDATE ON merchant WHEN NEW.page_revision = OLD.page_revision
BEGIN UPDATE merchant SET page_revision = OLD.page_revision + 1 WHERE id = NEW.id; END
"""
_POSTGRES_FUNCTIONS = (
    """
CREATE OR REPLACE FUNCTION page_revision_of_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE merchant SET page_revision = page_revision + 1 WHERE id IN (SELECT DISTINCT merchant_id FROM changed_rows);
  RETURN NULL;
END $$
""",
    """
CREATE OR REPLACE FUNCTION page_revision_of_merchant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.page_revision = OLD.page_revision THEN
    NEW.page_revision := OLD.page_revision + 1;
  END IF;
  RETURN NEW;
END $$
""",
)
_POSTGRES_STATEMENT_TRIGGER = """
CREATE TRIGGER {table}_page_revision_{op} AFTER {verb} ON {table} REFERENCING {side} TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION page_revision_of_changed_rows()
"""
_POSTGRES_MERCHANT_TRIGGER = """
CREATE TRIGGER merchant_page_revision BEFORE UPDATE ON merchant
FOR EACH ROW EXECUTE FUNCTION page_revision_of_merchant()
"""
_OPERATIONS = (
    ("insert", "INSERT", "NEW.merchant_id", "NEW"),
    ("update", "UPDATE", "OLD.merchant_id, NEW.merchant_id", "NEW"),
    ("delete", "DELETE", "OLD.merchant_id", "OLD"),
)


def page_revision_ddl(dialect: str) -> list[str]:
    """The statements that keep `merchant.page_revision` moving: any write to the shop's row, its products or its
    recommendation rules, by any process, bumps it in the same transaction (SQLite: per row; PostgreSQL: once per
    statement and shop)."""
    if dialect == "sqlite":
        rows = [
            _SQLITE_ROW_TRIGGER.format(table=table, op=op, verb=verb, ids=ids)
            for table in REVISION_TABLES
            for op, verb, ids, _side in _OPERATIONS
        ]
        return [*rows, _SQLITE_MERCHANT_TRIGGER]
    if dialect == "postgresql":
        statements = [
            _POSTGRES_STATEMENT_TRIGGER.format(table=table, op=op, verb=verb, side=side)
            for table in REVISION_TABLES
            for op, verb, _ids, side in _OPERATIONS
        ]
        return [*_POSTGRES_FUNCTIONS, *statements, _POSTGRES_MERCHANT_TRIGGER]
    return []


def page_revision_triggers() -> dict[str, str]:
    """The triggers `page_revision_ddl` makes, on either database: name → table."""
    found = {f"{table}_page_revision_{op}": table for table in REVISION_TABLES for op, *_ in _OPERATIONS}
    return {**found, "merchant_page_revision": "merchant"}


def drop_page_revision_ddl(dialect: str) -> list[str]:
    """The statements undoing `page_revision_ddl`."""
    if dialect == "postgresql":
        drops = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in page_revision_triggers().items()]
        functions = ("page_revision_of_changed_rows", "page_revision_of_merchant")
        return [*drops, *(f"DROP FUNCTION IF EXISTS {function}()" for function in functions)]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in page_revision_triggers()]


def _install(dialect: str) -> None:
    for statement in page_revision_ddl(dialect):
        event.listen(SQLModel.metadata, "after_create", DDL(statement).execute_if(dialect=dialect))


_install("sqlite")
_install("postgresql")
