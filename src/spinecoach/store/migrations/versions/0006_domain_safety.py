"""plans keep the person's planning conditions and the exercises set aside because they hurt

Revision ID: 0006_domain_safety
Revises: 0002_safety_state
Create Date: 2026-12-07 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_domain_safety"
down_revision = "0002_safety_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("conditions", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("set_aside", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("set_aside")
        batch.drop_column("conditions")
