"""slot: analytics (indexes the dashboard queries read through)

Revision ID: 66d9b558f41b
Revises: a2e1a87783d2
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "66d9b558f41b"
down_revision: str | None = "a2e1a87783d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INDEXES = (
    ("ix_shop_order_merchant_placed", "shop_order", ["merchant_id", "placed_at"]),
    ("ix_shipment_merchant_created", "shipment", ["merchant_id", "created_at"]),
    ("ix_notification_merchant_created", "notification", ["merchant_id", "created_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
