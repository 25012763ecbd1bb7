"""analytics: feedback scores in the order-day rollup (count, sum, squares); rollups recounted on the next refresh

Revision ID: c3e58f1a7b20
Revises: b7d41c2e9a10
Create Date: 2026-11-22 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3e58f1a7b20"
down_revision: str | None = "b7d41c2e9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FEEDBACK_COLUMNS = ("rated", "rating_total", "rating_squares")


def upgrade() -> None:
    with op.batch_alter_table("analytics_order_day") as batch:
        for name in FEEDBACK_COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    # Rows rolled up before these columns existed hold no scores: forget how far the rollups reach, so that the
    # next scheduled refresh backfills every day.
    op.execute("DELETE FROM analytics_rollup_state")


def downgrade() -> None:
    with op.batch_alter_table("analytics_order_day") as batch:
        for name in FEEDBACK_COLUMNS:
            batch.drop_column(name)
