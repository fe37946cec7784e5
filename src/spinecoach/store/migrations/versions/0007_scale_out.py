"""live_presence: which worker process holds each running live session

Revision ID: 0007_scale_out
Revises: 0003_clinician
Create Date: 2026-12-07 13:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_scale_out"
down_revision = "0003_clinician"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_presence",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), primary_key=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("worker", sa.String(length=40), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("takes_sensor", sa.Boolean(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("live_presence")
