"""analytics: per-score feedback counts in the order-day rollup, cancellation-reason, attribution, transit-month rollups

Revision ID: d4a7c9e2b531
Revises: c3e58f1a7b20
Create Date: 2026-11-22 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d4a7c9e2b531"
down_revision: str | None = "c3e58f1a7b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORE_COLUMNS = tuple(f"rating_{score}" for score in range(1, 6))


def upgrade() -> None:
    with op.batch_alter_table("analytics_order_day") as batch:
        for name in SCORE_COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "analytics_cancellation_day",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("saved", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "carrier", "day", "reason"),
    )
    op.create_table(
        "analytics_attribution_day",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("later_order_id", sa.Integer(), nullable=False),
        sa.Column("within_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "carrier", "day", "product_id", "later_order_id"),
    )
    op.create_table(
        "analytics_transit_month",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("carrier", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("shipments", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "month", "carrier", "service", "hours"),
    )
    # Rows rolled up before these columns and tables existed are incomplete: forget how far the rollups reach, so
    # that the next scheduled refresh backfills every day.
    op.execute("DELETE FROM analytics_rollup_state")


def downgrade() -> None:
    op.drop_table("analytics_transit_month")
    op.drop_table("analytics_attribution_day")
    op.drop_table("analytics_cancellation_day")
    with op.batch_alter_table("analytics_order_day") as batch:
        for name in SCORE_COLUMNS:
            batch.drop_column(name)
