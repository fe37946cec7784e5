"""server-side web sign-ins and shared login-attempt counting

Revision ID: 0005_security
Revises: 0004_posture
Create Date: 2026-12-07 10:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_security"
down_revision = "0004_posture"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("web_sign_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sign_ins_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_web_sign_ins_person_id"), ["person_id"], unique=False)
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempts_at"), ["at"], unique=False)
        batch_op.create_index("ix_login_attempts_kind_key", ["kind", "key"], unique=False)


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("web_sign_ins")
