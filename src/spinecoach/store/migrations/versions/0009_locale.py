"""a person's language and country (translations, emergency number)

Revision ID: 0009_locale
Revises: 0007_scale_out
Create Date: 2026-12-07 13:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_locale"
down_revision = "0007_scale_out"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("country")
        batch_op.drop_column("locale")
