"""What each parcel of an order carries: shipment_item (an item of the order, by SKU or product id and variant, and
how many), so a split order's page shows each parcel with its own items

Revision ID: a7e3f1c9d2b4
Revises: c6d2a9e4f183
Create Date: 2026-11-24 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a7e3f1c9d2b4"
down_revision: str | None = "c6d2a9e4f183"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shipment_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("sku", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("product_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("variant", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shipment_item_shipment_id", "shipment_item", ["shipment_id"])


def downgrade() -> None:
    op.drop_index("ix_shipment_item_shipment_id", table_name="shipment_item")
    op.drop_table("shipment_item")
