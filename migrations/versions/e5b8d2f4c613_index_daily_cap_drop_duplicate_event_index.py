"""notification (merchant_id, sent_at) for the daily cap's count; the tracking-event shipment index dropped (the
unique (shipment_id, fingerprint) index serves the same lookups)

Revision ID: e5b8d2f4c613
Revises: d4a7c9e2b531
Create Date: 2026-11-22 21:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e5b8d2f4c613"
down_revision: str | None = "d4a7c9e2b531"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_notification_merchant_sent", "notification", ["merchant_id", "sent_at"])
    op.drop_index("ix_tracking_event_shipment_id", table_name="tracking_event")


def downgrade() -> None:
    op.create_index("ix_tracking_event_shipment_id", "tracking_event", ["shipment_id"])
    op.drop_index("ix_notification_merchant_sent", table_name="notification")
