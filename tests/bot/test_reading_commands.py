"""Commands that only read (`/rank`, `/leaderboard`, `/profile`) are answered on SQLite
without waiting for the write lock that a burst's batch holds; anything they would have to
write (a member seen for the first time) sends them the ordinary way, which records it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bot import core as core_module
from bot.actions import Reply
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.events import ChannelRef, CommandInvoked, MemberRef, MessagePosted
from storage.db import Database
from storage.members import roles_of
from storage.models import Member
from storage.models.moderation import SeenModerator
from storage.models.runtime import InteractionReceipt

pytestmark = pytest.mark.backends("sqlite")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GENERAL = ChannelRef("1", "general")
HELD = 2.0  # seconds the batch below holds the write lock
_ids = itertools.count()


def person(n: int) -> MemberRef:
    return MemberRef("discord", str(100 + n), f"member{n}")


def invoked(who: MemberRef, text: str, mentions: tuple[MemberRef, ...] = ()) -> CommandInvoked:
    n = next(_ids)
    return CommandInvoked(
        platform="discord",
        space_id="900",
        at=NOW + timedelta(minutes=5),
        interaction_id=f"i{n}",
        channel=GENERAL,
        invoker=who,
        text=text,
        mentions=mentions,
        delivery=f"interaction:{n}",
    )


def said(actions: list) -> str:
    parts = []
    for action in actions:
        if isinstance(action, Reply):
            parts.append(action.text or "")
            if action.card is not None:
                parts += [action.card.title, action.card.body or ""]
                parts += [f"{field.name}: {field.value}" for field in action.card.fields]
    return "\n".join(parts)


async def count(db: Database, table: type) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
async def core(database_url: Callable[..., str]) -> Cercle:
    db = Database(database_url())
    core = Cercle(db, Settings(), ManualClock(NOW + timedelta(minutes=5)))
    # Two members who posted: the space and both are known to this process.
    await core.handle_many(
        [
            MessagePosted(
                platform="discord",
                space_id="900",
                at=NOW + timedelta(seconds=n),
                message_id=str(10_000 + n),
                channel=GENERAL,
                author=person(n),
                text="a message long enough to score",
            )
            for n in range(2)
        ]
    )
    yield core
    await db.dispose()


async def hold_the_write_lock(core: Cercle, began: asyncio.Event) -> None:
    """What a long batch of a burst does: hold the process's write lock."""
    async with core.db.transaction(serialized=True):
        began.set()
        await asyncio.sleep(HELD)


async def lock_held(core: Cercle) -> asyncio.Task[None]:
    """The batch above, started: it holds the lock when this returns."""
    began = asyncio.Event()
    batch = asyncio.create_task(hold_the_write_lock(core, began))
    await began.wait()
    return batch


async def test_rank_and_boards_are_answered_while_a_batch_holds_the_write_lock(
    core: Cercle,
) -> None:
    batch = await lock_held(core)
    loop = asyncio.get_running_loop()
    try:
        for text, expected in (
            ("/rank", "Points: 1"),
            ("/leaderboard all", "member0"),
            ("/profile", "member0"),
        ):
            mark = loop.time()
            answer = said(await core.handle(invoked(person(0), text)))
            assert loop.time() - mark < HELD / 4, text  # it did not wait for the batch
            assert expected in answer, (text, answer)
        assert not batch.done()
    finally:
        await batch


async def test_a_command_that_writes_still_waits_and_is_recorded(core: Cercle) -> None:
    batch = await lock_held(core)
    receipts = await count(core.db, InteractionReceipt)
    loop = asyncio.get_running_loop()
    mark = loop.time()
    thanks = invoked(person(0), "/thanks @101 for the help", mentions=(person(1),))
    answer = said(await core.handle(thanks))
    assert loop.time() - mark >= HELD / 2  # queued behind the batch, as before
    assert "thanked member1" in answer, answer
    await batch
    assert await count(core.db, InteractionReceipt) == receipts + 1


async def test_a_member_seen_for_the_first_time_is_answered_the_ordinary_way(
    core: Cercle,
) -> None:
    members = await count(core.db, Member)
    newcomer = person(7)
    answer = said(await core.handle(invoked(newcomer, "/rank")))
    assert "member7" in answer and "Points: 0" in answer
    # Their row was written with the answer: the next /rank reads it.
    assert await count(core.db, Member) == members + 1
    assert "Points: 0" in said(await core.handle(invoked(newcomer, "/rank")))


async def test_an_answer_read_twice_writes_nothing(core: Cercle) -> None:
    receipts = await count(core.db, InteractionReceipt)
    event = invoked(person(1), "/rank")
    first = said(await core.handle(event))
    again = said(await core.handle(event))  # a replayed delivery
    assert first == again and "Points: 1" in first
    assert await count(core.db, InteractionReceipt) == receipts


async def restarted(core: Cercle) -> Cercle:
    """Another process on the same database (or this one after a restart): nothing cached
    but the space, which the stream it receives told it about."""
    fresh = Cercle(core.db, Settings(), ManualClock(NOW + timedelta(minutes=5)))
    await fresh.handle(
        MessagePosted(
            platform="discord",
            space_id="900",
            at=NOW + timedelta(minutes=1),
            message_id="20000",
            channel=GENERAL,
            author=person(5),
            text="a message long enough to score",
        )
    )
    return fresh


async def test_a_stored_caller_new_to_this_process_does_not_wait(core: Cercle) -> None:
    fresh = await restarted(core)
    batch = await lock_held(fresh)
    loop = asyncio.get_running_loop()
    try:
        mark = loop.time()
        answer = said(await fresh.handle(invoked(person(0), "/rank")))
        assert loop.time() - mark < HELD / 4  # read, found unchanged, answered
        assert "member0" in answer and "Points: 1" in answer, answer
        assert not batch.done()
    finally:
        await batch


@pytest.mark.parametrize(
    "seen",
    [
        MemberRef("discord", "100", "Zoé"),  # renamed
        MemberRef("discord", "100", "member0", roles=("helper",)),  # given a role
    ],
    ids=["renamed", "new role"],
)
async def test_a_caller_changed_since_is_recorded_the_ordinary_way(
    core: Cercle, seen: MemberRef
) -> None:
    fresh = await restarted(core)
    batch = await lock_held(fresh)
    loop = asyncio.get_running_loop()
    mark = loop.time()
    answer = said(await fresh.handle(invoked(seen, "/rank")))
    assert loop.time() - mark >= HELD / 2  # it had something to write: queued
    assert "Points: 1" in answer, answer
    await batch
    async with core.db.transaction() as session:
        member = (await session.scalars(select(Member).where(Member.origin == "discord:100"))).one()
        assert member.display_name == seen.name
        assert await roles_of(session, member.id) == seen.roles


async def seen_moderators(db: Database) -> int:
    return await count(db, SeenModerator)


@pytest.mark.parametrize("still", [True, False], ids=["still a moderator", "no longer one"])
async def test_a_caller_last_seen_as_moderator_is_judged_on_what_is_stored(
    core: Cercle, still: bool
) -> None:
    """What the platform last showed of a caller new to this process is read with them:
    a moderator still one is answered without waiting; one who no longer is has their
    record taken off (`/team` stops naming them), the ordinary way."""
    admin = MemberRef("discord", "100", "member0", is_admin=True)
    assert "Points: 1" in said(await core.handle(invoked(admin, "/rank")))
    assert await seen_moderators(core.db) == 1
    fresh = await restarted(core)
    batch = await lock_held(fresh)
    loop = asyncio.get_running_loop()
    mark = loop.time()
    answer = said(await fresh.handle(invoked(admin if still else person(0), "/rank")))
    waited = loop.time() - mark
    assert "Points: 1" in answer, answer
    if still:
        assert waited < HELD / 4 and not batch.done()
    else:
        assert waited >= HELD / 2  # it had a record to take off: queued
    await batch
    assert await seen_moderators(core.db) == (1 if still else 0)


async def test_a_caller_with_roles_new_to_this_process_does_not_wait(core: Cercle) -> None:
    helper = MemberRef("discord", "101", "member1", roles=("helper", "Beta testers"))
    await core.handle(invoked(helper, "/rank"))  # the roles are recorded
    fresh = await restarted(core)
    batch = await lock_held(fresh)
    loop = asyncio.get_running_loop()
    try:
        mark = loop.time()
        answer = said(await fresh.handle(invoked(helper, "/rank")))
        assert loop.time() - mark < HELD / 4  # both roles read back as they are seen
        assert "member1" in answer and "Points: 1" in answer, answer
        # Seen with one role fewer, they are recorded the ordinary way.
        fewer = MemberRef("discord", "101", "member1", roles=("helper",))
        fresh.members.clear()
        mark = loop.time()
        assert "Points: 1" in said(await fresh.handle(invoked(fewer, "/rank")))
        assert loop.time() - mark >= HELD / 4
    finally:
        await batch
    async with core.db.transaction() as session:
        member = (await session.scalars(select(Member).where(Member.origin == "discord:101"))).one()
        assert await roles_of(session, member.id) == ("helper",)


class Statements:
    """Counts the statements sent to the database (each one a trip to SQLite's thread)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __enter__(self) -> Statements:
        event.listen(Engine, "before_cursor_execute", self._sent)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(Engine, "before_cursor_execute", self._sent)

    def _sent(self, _c: object, _cur: object, statement: str, *_: object) -> None:
        self.sent.append(statement)


@pytest.mark.parametrize(
    ("text", "expected", "budget"),
    [
        ("/rank @101", ["member1", "Points: 1", "Place: #1"], 4),
        ("/leaderboard week", ["member0", "member1"], 4),
        ("/leaderboard all", ["member0", "member1"], 4),
    ],
)
async def test_a_reading_command_by_a_caller_new_to_this_process_takes_few_statements(
    core: Cercle, text: str, expected: list[str], budget: int
) -> None:
    """At a million members each statement is a trip to the database that costs about a
    millisecond: the caller is read in one, the member a text mention names in one."""
    fresh = await restarted(core)
    with Statements() as statements:
        answer = said(await fresh.handle(invoked(person(0), text)))
    for part in expected:
        assert part in answer, answer
    assert len(statements.sent) <= budget, statements.sent


async def test_moderators_are_remembered_within_a_bound(
    core: Cercle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each member who used a command is remembered with their moderator record, so that
    it is written only when it changes: in a community of a hundred thousand that is
    bounded like the member cache, and a member forgotten is recorded again, once."""
    monkeypatch.setattr(core_module, "MODERATORS_REMEMBERED", 2)
    admins = [MemberRef("discord", str(300 + n), f"admin{n}", is_admin=True) for n in range(4)]
    for admin in admins:
        assert "admin" in said(await core.handle(invoked(admin, "/profile")))
    assert await seen_moderators(core.db) == 4
    assert len(core._moderators) == 2  # the last two
    assert "admin0" in said(await core.handle(invoked(admins[0], "/profile")))
    assert await seen_moderators(core.db) == 4
    assert len(core._moderators) == 2
