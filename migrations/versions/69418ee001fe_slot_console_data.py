"""slot: console_data (indexes for the console's shipment search)

Revision ID: 69418ee001fe
Revises: e2346381bb8e
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "69418ee001fe"
down_revision: str | None = "e2346381bb8e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_shipment_recent": ["merchant_id", "updated_at", "id"],
    "ix_shipment_status_recent": ["merchant_id", "status", "updated_at"],
    "ix_shipment_tracking_number": ["merchant_id", "tracking_number"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "shipment", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="shipment")
