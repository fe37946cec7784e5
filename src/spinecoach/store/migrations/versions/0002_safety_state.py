"""safety state history (issue 10 §1)

Revision ID: 0002_safety_state
Revises: 0001
Create Date: 2026-12-07 10:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_safety_state"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("exercise_id", sa.String(length=80), nullable=True),
        sa.Column("pain", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("safety_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_states_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("safety_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_states_person_id"))
    op.drop_table("safety_states")
