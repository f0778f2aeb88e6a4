"""Several webhook workers on one PostgreSQL: each update once, in order, throttled (issue 18.1)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 01:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the updates claimed by the workers (storage/inbound.py): ids, checksums, keyed hashes
    op.create_table(
        "inbound_claims",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=True),
        sa.Column("worker", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", "fingerprint"),
    )
    with op.batch_alter_table("inbound_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_claims_claimed_at"), ["claimed_at"], unique=False
        )
        batch_op.create_index("ix_inbound_claims_chat_key", ["chat_key", "update_id"], unique=False)
    # each patient's messages in the flood window, counted by every worker
    op.create_table(
        "inbound_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("admitted", sa.Boolean(), nullable=False),
        sa.Column("answerable", sa.Boolean(), nullable=False),
        sa.Column("album", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbound_throttle", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_throttle_chat_key", ["chat_key", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_throttle", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_throttle_chat_key")
    op.drop_table("inbound_throttle")
    with op.batch_alter_table("inbound_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_claims_chat_key")
        batch_op.drop_index(batch_op.f("ix_inbound_claims_claimed_at"))
    op.drop_table("inbound_claims")
