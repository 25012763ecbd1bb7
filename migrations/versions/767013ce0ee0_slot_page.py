"""slot: page (schema changes of the page area; empty until that area needs one)

Revision ID: 767013ce0ee0
Revises: 4f08301dcb7b
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

revision: str = "767013ce0ee0"
down_revision: str | None = "4f08301dcb7b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
