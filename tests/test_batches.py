"""What the hot paths note (handled updates, sent deliveries, message ids) is written many at a
time: one transaction for what was noted together, and a failed write does not stop the next."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.batches import BatchWriter


async def test_items_noted_together_share_one_write(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writes: list[list[int]] = []

    async def write(session: AsyncSession, items: list[int]) -> None:
        writes.append(list(items))

    batch = BatchWriter[int](sessions, write, "numbers")
    for n in range(50):
        batch.add(n)
    await batch.flush()
    assert writes == [list(range(50))]
    batch.add(50)
    await batch.flush()
    assert writes == [list(range(50)), [50]]


async def test_a_failed_write_is_logged_without_its_items_and_the_next_goes_on(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    writes: list[list[str]] = []

    async def write(session: AsyncSession, items: list[str]) -> None:
        if "fail" in items:
            raise OperationalError("INSERT", {"chat": "secret-chat-id"}, Exception("locked"))
        writes.append(list(items))

    batch = BatchWriter[str](sessions, write, "ids")
    batch.add("fail")
    await batch.flush()
    batch.add("next")
    await batch.flush()
    assert writes == [["next"]]
    assert "1 ids not written: OperationalError" in caplog.text
    assert "secret-chat-id" not in caplog.text
    assert batch.pending == [] and batch.writing == []


async def test_a_write_the_database_lost_goes_again_whole_once_it_answers(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    tries: list[list[int]] = []

    async def write(session: AsyncSession, items: list[int]) -> None:
        tries.append(list(items))
        if len(tries) <= 2:  # the database restarting: the connection is gone
            raise OperationalError("DELETE", {"chat": "secret-chat-id"}, ConnectionResetError())

    batch = BatchWriter[int](sessions, write, "sent deliveries")
    batch.RETRY_EVERY = 0.01
    for delivery in (1, 2, 3):
        batch.add(delivery)
    await batch.flush()
    assert tries == [[1, 2, 3]] * 3
    assert "3 sent deliveries not written yet, the database is away" in caplog.text
    assert "not written:" not in caplog.text
    assert "secret-chat-id" not in caplog.text


async def test_a_database_away_too_long_gives_the_batch_up_and_says_so(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    async def write(session: AsyncSession, items: list[int]) -> None:
        raise OperationalError("DELETE", {}, ConnectionResetError())

    batch = BatchWriter[int](sessions, write, "sent deliveries")
    batch.RETRY_EVERY, batch.RETRY_FOR = 0.01, 0.05
    batch.add(1)
    await batch.flush()
    assert "1 sent deliveries not written: OperationalError" in caplog.text
    assert batch.pending == [] and batch.writing == []
