"""Claims asked for together take one INSERT (storage/claim_batch.py), and still tell a new
update from a copy: within one batch, and of a row already there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram.types import Update
from sqlalchemy import text

from bot.telegram.middlewares import claim_of
from storage.inbound import Claim, SharedInbound, Verdict
from tests.cluster_inbound_helpers import PATIENT, WebhookWorker, two_workers, worker_settings
from tests.fake_parser import KeywordParser
from tests.telegram_emulator import BotAPIEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


def claims(emulator: BotAPIEmulator, count: int) -> list[Claim]:
    return [
        claim_of(Update.model_validate(emulator.push_text(PATIENT + n, "bonjour")))
        for n in range(count)
    ]


async def test_claims_asked_together_take_one_statement_and_copies_are_told_apart(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    settings = worker_settings(emulator, rasa_url, database_url)
    async with two_workers(settings, fake_nlu) as (one, two):
        inbound, other = one.intake.inbound, two.intake.inbound
        await inbound.start()
        await other.start()
        fresh = claims(emulator, 40)
        before = inbound.batch.statements
        copy = Claim(fresh[0].update_id, fresh[0].fingerprint, fresh[0].chat)
        verdicts = await asyncio.gather(
            *(inbound.claim(c, "{}") for c in fresh), inbound.claim(copy, "{}")
        )
        assert inbound.batch.statements - before == 1
        assert verdicts[:40] == [Verdict.NEW] * 40
        assert verdicts[40] is Verdict.IN_FLIGHT  # the same update twice in one batch
        # posted again to the other worker while the first holds it: not handled twice
        again = Claim(fresh[1].update_id, fresh[1].fingerprint, fresh[1].chat)
        assert await other.claim(again, "{}") is Verdict.IN_FLIGHT
        rows = await one.rows("SELECT count(*) FROM inbound_claims WHERE payload = '{}'")
        assert rows == [(40,)]


async def ddl(worker: WebhookWorker, statement: str) -> None:
    async with worker.helpline.sessions() as session, session.begin():
        await session.execute(text(statement))


async def test_a_failed_insert_reaches_every_claim_of_its_batch(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    settings = worker_settings(emulator, rasa_url, database_url)
    async with two_workers(settings, fake_nlu) as (one, _):
        inbound: SharedInbound = one.intake.inbound
        await inbound.start()
        await ddl(one, "ALTER TABLE inbound_claims ADD CONSTRAINT small CHECK (update_id < 0)")
        results = await asyncio.gather(
            *(inbound.claim(c, None) for c in claims(emulator, 5)), return_exceptions=True
        )
        assert len(results) == 5
        assert all(isinstance(r, Exception) for r in results)
        await ddl(one, "ALTER TABLE inbound_claims DROP CONSTRAINT small")
        assert await inbound.claim(claims(emulator, 1)[0], None) is Verdict.NEW
