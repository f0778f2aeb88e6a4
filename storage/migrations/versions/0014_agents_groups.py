"""Several agents' groups and /transfer (issue 18 point 3, issue 17 point 6)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: the default group (bot/agents_groups.py), where every case opened before stays
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agents_chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("former_topics", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("agent_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_chat_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("groups", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("groups")
    with op.batch_alter_table("agent_outbox", schema=None) as batch_op:
        batch_op.drop_column("group_chat_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("former_topics")
        batch_op.drop_column("agents_chat_id")
