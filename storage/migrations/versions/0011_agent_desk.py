"""Agents' availability, assignment and response-time targets (issue 17, points 1, 4, 8)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("break_suggested_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("handed_back_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("patient_waiting_since", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("sla_breaches", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("breached_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_cases_desk", ["status", "assigned_agent_id"], unique=False)
    # Telegram user ids outgrow PostgreSQL's 32-bit INTEGER; SQLite's has 64 bits already, and
    # changing a type there means rebuilding the table (whose DROP would cascade to the outbox)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "cases",
            "assigned_agent_id",
            existing_type=sa.Integer(),
            type_=sa.BigInteger(),
            existing_nullable=True,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "cases",
            "assigned_agent_id",
            existing_type=sa.BigInteger(),
            type_=sa.Integer(),
            existing_nullable=True,
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_desk")
        batch_op.drop_column("breached_at")
        batch_op.drop_column("sla_breaches")
        batch_op.drop_column("patient_waiting_since")
        batch_op.drop_column("handed_back_by")
        batch_op.drop_column("assigned_at")
    op.drop_table("agents")
