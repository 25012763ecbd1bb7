"""slot: notify (schema changes of the notify area; empty until that area needs one)

Revision ID: 4f08301dcb7b
Revises: 5e27c2aaa4dd
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

revision: str = "4f08301dcb7b"
down_revision: str | None = "5e27c2aaa4dd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
