"""posture assessments, desk questionnaire, desk breaks, sitting monitor; session kind

Revision ID: 0004_posture
Revises: 0006_domain_safety
Create Date: 2026-12-07 10:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_posture"
down_revision = "0006_domain_safety"
branch_labels = None
depends_on = None


def _person_table(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_person_id"), ["person_id"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="routine")
        )
        batch_op.add_column(sa.Column("break_at", sa.String(length=5), nullable=True))
    _person_table(
        "posture_assessments",
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.String(length=20), nullable=False),
        sa.Column("view", sa.String(length=20), nullable=False),
        sa.Column("input_name", sa.String(length=400), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("unmeasurable", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
    )
    _person_table(
        "desk_questionnaires",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("advice", sa.JSON(), nullable=False),
    )
    _person_table(
        "desk_break_plans",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("breaks", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    _person_table(
        "posture_monitor_logs",
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.JSON(), nullable=False),
        sa.Column("nudges", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "posture_monitor_logs",
        "desk_break_plans",
        "desk_questionnaires",
        "posture_assessments",
    ):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_person_id"))
        op.drop_table(name)
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("break_at")
        batch_op.drop_column("kind")
