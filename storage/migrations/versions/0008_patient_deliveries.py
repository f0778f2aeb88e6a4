"""Patients' replies on their way, durable: a crash no longer loses the replies queued

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("patient_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_deliveries_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_deliveries_created_at"))
    op.drop_table("patient_deliveries")
