"""The patient's plan, letters and follow-ups (issue 19)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 23:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_plans",
        sa.Column("patient_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("exposed", sa.JSON(), nullable=False),
        sa.Column("done", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("patient_id"),
    )
    op.create_table(
        "patient_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("letter", sa.String(length=24), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("patient_followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_followups_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_patient_followups_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_followups_patient_id"))
        batch_op.drop_index(batch_op.f("ix_patient_followups_due_at"))
    op.drop_table("patient_followups")
    op.drop_table("patient_plans")
