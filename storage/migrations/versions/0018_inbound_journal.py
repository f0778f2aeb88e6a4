"""The webhook's journal: an update's redacted copy kept with its claim until its turn commits
(issue 18, the surge: updates acknowledged at once, crises handled first)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 04:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
        # the journal proper: the few claims still holding a copy (cleared at the commit)
        batch_op.create_index(
            "ix_inbound_claims_journal",
            ["worker"],
            unique=False,
            postgresql_where=sa.text("payload IS NOT NULL"),
            sqlite_where=sa.text("payload IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_claims_journal")
        batch_op.drop_column("payload")
