"""slot: integrations (schema changes of the integrations area; empty until that area needs one)

Revision ID: a2e1a87783d2
Revises: a033a528b603
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

revision: str = "a2e1a87783d2"
down_revision: str | None = "a033a528b603"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
