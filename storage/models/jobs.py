"""Background jobs across several workers (issue 18, storage/job_locks.py): what a worker is in
the middle of, for the worker that takes its job over."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, utcnow


class JobClaim(Base):
    """The one item a job's holder is sending now (an agents' group's outbox row): set before
    the send, deleted with the row once Telegram took it. A worker taking the job over while
    the claim's worker is still alive waits for it rather than send the row a second time."""

    __tablename__ = "job_claims"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # the job's lock name
    item: Mapped[int] = mapped_column(BigInteger)
    worker: Mapped[int] = mapped_column(BigInteger)
    since: Mapped[datetime] = mapped_column(default=utcnow)
