"""slot: analytics (schema changes of the analytics area; empty until that area needs one)

Revision ID: 66d9b558f41b
Revises: a2e1a87783d2
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

revision: str = "66d9b558f41b"
down_revision: str | None = "a2e1a87783d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
