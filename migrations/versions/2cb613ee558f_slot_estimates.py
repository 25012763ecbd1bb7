"""slot: estimates (schema changes of the estimates area; empty until that area needs one)

Revision ID: 2cb613ee558f
Revises: 767013ce0ee0
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

revision: str = "2cb613ee558f"
down_revision: str | None = "767013ce0ee0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
