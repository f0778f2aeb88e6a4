"""Several webhook workers on one PostgreSQL: each background job run by one worker (issue 18)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 01:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# the worker whose connection wrote the row (storage/job_locks.py sets it on each connection)
WORKER_DEFAULT = "NULLIF(current_setting('helpline.worker', true), '')::bigint"


def upgrade() -> None:
    op.create_table(
        "job_claims",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("item", sa.BigInteger(), nullable=False),
        sa.Column("worker", sa.BigInteger(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    default = sa.text(WORKER_DEFAULT) if postgresql else None
    with op.batch_alter_table("patient_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("worker", sa.BigInteger(), nullable=True, server_default=default)
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_deliveries", schema=None) as batch_op:
        batch_op.drop_column("worker")
    op.drop_table("job_claims")
