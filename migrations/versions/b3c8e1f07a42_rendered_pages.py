"""Stored tracking pages (rendered_page) and the shop's page revision, moved by triggers on the shop's row, its
products and its recommendation rules

Revision ID: b3c8e1f07a42
Revises: a91c4e7d2f58
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.pages import drop_page_revision_ddl, page_revision_ddl

revision: str = "b3c8e1f07a42"
down_revision: str | None = "a91c4e7d2f58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("merchant") as batch:
        batch.add_column(sa.Column("page_revision", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "rendered_page",
        sa.Column("shipment_id", sa.Integer(), sa.ForeignKey("shipment.id"), primary_key=True),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("shop_revision", sa.Integer(), nullable=False),
        sa.Column("html", sa.LargeBinary(), nullable=False),
        sa.Column("product_ids", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("valid_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("rendered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_rendered_page_valid_until", "rendered_page", ["valid_until"])
    for statement in page_revision_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_page_revision_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_rendered_page_valid_until", table_name="rendered_page")
    op.drop_table("rendered_page")
    with op.batch_alter_table("merchant") as batch:
        batch.drop_column("page_revision")
