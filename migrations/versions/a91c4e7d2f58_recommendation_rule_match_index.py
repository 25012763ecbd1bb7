"""recommendation_rule (merchant_id, when_value, when_kind): the rules an order meets are found by index, not by
reading all of a shop's rules; it replaces the index on merchant_id alone

Revision ID: a91c4e7d2f58
Revises: e5b8d2f4c613
Create Date: 2026-11-22 23:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a91c4e7d2f58"
down_revision: str | None = "e5b8d2f4c613"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_recommendation_rule_match", "recommendation_rule", ["merchant_id", "when_value", "when_kind"])
    op.drop_index("ix_recommendation_rule_merchant_id", table_name="recommendation_rule")


def downgrade() -> None:
    op.create_index("ix_recommendation_rule_merchant_id", "recommendation_rule", ["merchant_id"])
    op.drop_index("ix_recommendation_rule_match", table_name="recommendation_rule")
