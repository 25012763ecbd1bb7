"""analytics: daily rollups for the dashboard (orders, visitors, funnel, shipments, transit) and how far they reach

Revision ID: b7d41c2e9a10
Revises: 66d9b558f41b
Create Date: 2026-11-22 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b7d41c2e9a10"
down_revision: str | None = "66d9b558f41b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(*extra: sa.Column) -> list[sa.Column]:
    return [
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *extra,
    ]


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "analytics_order_day",
        *_key(sa.Column("holdout", sa.Boolean(), nullable=False)),
        *_counts("orders", "views", "view_squares", "visited_orders", "cancelled"),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "carrier", "day", "holdout"),
    )
    op.create_table(
        "analytics_visitor_day",
        *_key(sa.Column("visitor", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False)),
        sa.Column("previous_day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "carrier", "day", "visitor"),
    )
    op.create_index(
        "ix_analytics_visitor_day_visitor", "analytics_visitor_day", ["merchant_id", "carrier", "visitor", "day"]
    )
    op.create_table(
        "analytics_visitor_span",
        *_key(sa.Column("previous_day", sa.Date(), nullable=False)),
        *_counts("visitors"),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "carrier", "day", "previous_day"),
    )
    op.create_table(
        "analytics_funnel_day",
        *_key(
            sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
            sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        ),
        *_counts("queued", "sent", "failed", "undelivered", "delivered", "opened", "clicked"),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "carrier", "day", "trigger", "channel"),
    )
    op.create_table(
        "analytics_shipment_day",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("carrier", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        *_counts("shipments", "delivered", "with_promise", "on_time_promise", "with_estimate", "on_time_estimate"),
        *_counts("exception_shipments", "exception_events", "failed_attempt_shipments", "failed_attempt_events"),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "day", "carrier"),
    )
    op.create_table(
        "analytics_transit_day",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("carrier", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        *_counts("shipments"),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id", "day", "carrier", "service", "hours"),
    )
    op.create_table(
        "analytics_rollup_state",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("closed_before", sa.Date(), nullable=False),
        sa.Column("refreshed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("merchant_id"),
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_visitor_day_visitor", table_name="analytics_visitor_day")
    tables = ("rollup_state", "transit_day", "shipment_day", "funnel_day", "visitor_span", "visitor_day", "order_day")
    for table in tables:
        op.drop_table(f"analytics_{table}")
