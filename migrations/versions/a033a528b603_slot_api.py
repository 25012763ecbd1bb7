"""slot: api (schema changes of the api area; empty until that area needs one)

Revision ID: a033a528b603
Revises: 69418ee001fe
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

revision: str = "a033a528b603"
down_revision: str | None = "69418ee001fe"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
