"""Supervisors' flags on a patient, shown on the case card with earlier cases (issue 17, point 5)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 23:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("patient_id", "kind"),
    )
    with op.batch_alter_table("patient_flags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_flags_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_flags_expires_at"))
    op.drop_table("patient_flags")
