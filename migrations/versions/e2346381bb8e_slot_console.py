"""slot: console (schema changes of the console area; empty until that area needs one)

Revision ID: e2346381bb8e
Revises: 2cb613ee558f
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

revision: str = "e2346381bb8e"
down_revision: str | None = "2cb613ee558f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
