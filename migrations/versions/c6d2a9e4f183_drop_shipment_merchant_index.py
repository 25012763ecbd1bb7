"""The shipment index on merchant_id alone dropped: five other shipment indexes begin with merchant_id and serve the
same look-ups, and on PostgreSQL every poll's update of a shipment (its schedule and status are indexed, so the
update is never in place) wrote an entry into this one as well

Revision ID: c6d2a9e4f183
Revises: b3c8e1f07a42
Create Date: 2026-11-24 01:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c6d2a9e4f183"
down_revision: str | None = "b3c8e1f07a42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_shipment_merchant_id", table_name="shipment")


def downgrade() -> None:
    op.create_index("ix_shipment_merchant_id", "shipment", ["merchant_id"])
