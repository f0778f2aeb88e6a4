"""What a backlog holds is kept out of the garbage collector's full passes while it lasts, and
collected once it is gone (bot/telegram/backlog_gc.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.telegram.backlog_gc import BacklogFreezer


class Cycle:
    """Garbage only the collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the tests as they were


async def test_a_backlog_is_frozen_while_it_lasts_and_collected_once_gone() -> None:
    line = list(range(5))
    freezer = BacklogFreezer([line, []], at_least=5)
    garbage = Cycle()
    gone = weakref.ref(garbage)
    await freezer.check()
    assert freezer.frozen and gc.get_freeze_count() > 0
    del garbage
    gc.collect()
    assert gone() is not None  # frozen with the backlog: no full pass looks at it
    line.clear()
    await freezer.check()
    assert not freezer.frozen
    assert gone() is None  # the backlog gone: unfrozen and collected


async def test_below_the_backlog_nothing_is_frozen() -> None:
    freezer = BacklogFreezer([list(range(4))], at_least=5)
    await freezer.check()
    assert not freezer.frozen and gc.get_freeze_count() == 0
