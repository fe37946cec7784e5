"""reminder_settings: the person's reminder times, weekdays and time zone (calendar file)

Revision ID: 0011_journey2
Revises: 0009_locale
Create Date: 2026-12-07 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_journey2"
down_revision = "0009_locale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_settings",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), primary_key=True),
        sa.Column("daily_time", sa.String(length=5), nullable=True),
        sa.Column("breaks_on", sa.Boolean(), nullable=False),
        sa.Column("break_days", sa.JSON(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reminder_settings")
