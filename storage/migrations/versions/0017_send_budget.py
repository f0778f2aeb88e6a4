"""Telegram's bot-wide send limit, one budget for all workers (issue 18 point 4)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 01:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    budget = op.create_table(
        "send_budget",
        sa.Column("lane", sa.String(length=16), nullable=False),
        sa.Column("next_slot", sa.Float(), nullable=False),
        sa.Column("shift", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("lane"),
    )
    # the lanes' rows, free from the start (bot/telegram/send_budget.py adds any missing too)
    op.bulk_insert(
        budget, [{"lane": lane, "next_slot": 0.0, "shift": 0.0} for lane in ("gate", "normal")]
    )


def downgrade() -> None:
    op.drop_table("send_budget")
