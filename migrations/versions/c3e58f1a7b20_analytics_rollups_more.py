"""analytics: feedback scores in the order-day rollup, a recommendation-day rollup, an index of active shipments

Revision ID: c3e58f1a7b20
Revises: b7d41c2e9a10
Create Date: 2026-11-22 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c3e58f1a7b20"
down_revision: str | None = "b7d41c2e9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FEEDBACK_COLUMNS = ("rated", "rating_total", "rating_squares")
ACTIVE = sa.text("status NOT IN ('delivered', 'returned', 'expired')")


def upgrade() -> None:
    with op.batch_alter_table("analytics_order_day") as batch:
        for name in FEEDBACK_COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "analytics_recommendation_day",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "carrier", "day", "product_id"),
    )
    op.create_index(
        "ix_shipment_active",
        "shipment",
        ["merchant_id", "created_at"],
        postgresql_include=["id", "order_id", "carrier", "status", "last_event_at", "tracking_number"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
    # Rows rolled up before these columns and table existed are incomplete: forget how far the rollups reach, so
    # that the next scheduled refresh backfills every day.
    op.execute("DELETE FROM analytics_rollup_state")


def downgrade() -> None:
    op.drop_index("ix_shipment_active", table_name="shipment")
    op.drop_table("analytics_recommendation_day")
    with op.batch_alter_table("analytics_order_day") as batch:
        for name in FEEDBACK_COLUMNS:
            batch.drop_column(name)
