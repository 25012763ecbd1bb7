"""slot: console_data (schema changes of the console_data area; empty until that area needs one)

Revision ID: 69418ee001fe
Revises: e2346381bb8e
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

revision: str = "69418ee001fe"
down_revision: str | None = "e2346381bb8e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
