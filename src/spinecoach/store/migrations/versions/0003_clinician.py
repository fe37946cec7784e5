"""clinician side: stored traces and cues, note visibility, plan templates, messages

Revision ID: 0003_clinician
Revises: 0005_security
Create Date: 2026-12-07 10:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_clinician"
down_revision = "0005_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exercise_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("traces", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("cues", sa.JSON(), nullable=True))
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visibility", sa.String(length=10), nullable=False, server_default="private")
        )
    op.create_table(
        "plan_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["clinician_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_templates_clinician_id"), ["clinician_id"], unique=False
        )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["sender_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_patient_id"))
    op.drop_table("messages")
    with op.batch_alter_table("plan_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_templates_clinician_id"))
    op.drop_table("plan_templates")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_column("visibility")
    with op.batch_alter_table("exercise_results", schema=None) as batch_op:
        batch_op.drop_column("cues")
        batch_op.drop_column("traces")
