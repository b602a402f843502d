"""Queries about polls: numbering, creating, ballots, counts and closing.

Every change that must happen once is one conditional statement the database arbitrates:
the next number is an atomic `last_number + 1` on the community's counter row, and closing
is `UPDATE ... WHERE closed_at IS NULL`, so a deadline and a moderator (or two processes)
can never both close a poll. A vote reads its poll with a shared lock (PostgreSQL; SQLite
serialises writers anyway), so a ballot is never written after the close that counts it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import sequences
from storage.dialect import dialect_insert
from storage.models import Member
from storage.models.polls import Poll, PollBallot, PollMark, PollOption, PollSequence

Marks = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class OptionTotal:
    option_index: int
    marks: int  # ballots that name the option
    weight: int  # the sum of their weights (points, for a budget poll)


async def next_number(session: AsyncSession, community_id: int) -> int:
    """Allocate the community's next poll number (atomic; never given twice)."""
    return await sequences.next_number(session, PollSequence.__table__, community_id)


async def create(session: AsyncSession, poll: Poll, labels: Sequence[str]) -> Poll:
    session.add(poll)
    await session.flush()
    assert poll.id is not None
    session.add_all(
        PollOption(poll_id=poll.id, option_index=i, label=label) for i, label in enumerate(labels)
    )
    await session.flush()
    return poll


async def find(
    session: AsyncSession, community_id: int, number: int, *, lock: bool = False
) -> Poll | None:
    """The poll `number` of a community; `lock` holds it against a concurrent close."""
    query = select(Poll).where(Poll.community_id == community_id, Poll.number == number)
    if lock:
        query = query.with_for_update(read=True)
    return await session.scalar(query)


async def labels(session: AsyncSession, poll_id: int) -> list[str]:
    rows = await session.scalars(
        select(PollOption.label)
        .where(PollOption.poll_id == poll_id)
        .order_by(PollOption.option_index)
    )
    return list(rows.all())


async def member_name(session: AsyncSession, member_id: int) -> str:
    name = await session.scalar(select(Member.display_name).where(Member.id == member_id))
    return name or "?"


async def ballot(session: AsyncSession, poll_id: int, member_id: int) -> Marks:
    rows = await session.execute(
        select(PollMark.option_index, PollMark.weight)
        .where(PollMark.poll_id == poll_id, PollMark.member_id == member_id)
        .order_by(PollMark.option_index)
    )
    return tuple((index, weight) for index, weight in rows)


async def save_ballot(
    session: AsyncSession, poll_id: int, member_id: int, marks: Marks, at: datetime
) -> bool:
    """Replace a member's ballot with `marks` (none: withdraw it); True if it is their first.

    The header row is written first: on PostgreSQL its upsert locks it, so two ballots of
    one member arriving at once are applied one after the other, never mixed.
    """
    table = PollBallot.__table__
    first = False
    if marks:
        stmt = dialect_insert(session, table)
        existed = await session.scalar(
            select(PollBallot.cast_at).where(
                PollBallot.poll_id == poll_id, PollBallot.member_id == member_id
            )
        )
        first = existed is None
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["poll_id", "member_id"],
                set_={"changed_at": stmt.excluded.changed_at},
            ).values(poll_id=poll_id, member_id=member_id, cast_at=at, changed_at=at)
        )
    await session.execute(
        delete(PollMark).where(PollMark.poll_id == poll_id, PollMark.member_id == member_id)
    )
    if marks:
        await session.execute(
            PollMark.__table__.insert(),
            [
                {"poll_id": poll_id, "member_id": member_id, "option_index": i, "weight": w}
                for i, w in marks
            ],
        )
    else:
        await session.execute(
            delete(PollBallot).where(
                PollBallot.poll_id == poll_id, PollBallot.member_id == member_id
            )
        )
    return first


async def voter_count(session: AsyncSession, poll_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(PollBallot).where(PollBallot.poll_id == poll_id)
    )
    return int(count or 0)


async def option_totals(
    session: AsyncSession, poll_id: int, *, first_choices: bool = False
) -> list[OptionTotal]:
    """Per option, how many ballots name it and the sum of their weights (by index).

    `first_choices` counts only marks of weight 1: in a ranked poll, the first preferences
    (rankings are always numbered from 1).
    """
    query = select(PollMark.option_index, func.count(), func.sum(PollMark.weight)).where(
        PollMark.poll_id == poll_id
    )
    if first_choices:
        query = query.where(PollMark.weight == 1)
    rows = await session.execute(
        query.group_by(PollMark.option_index).order_by(PollMark.option_index)
    )
    return [OptionTotal(index, int(count), int(weight or 0)) for index, count, weight in rows]


async def all_ballots(session: AsyncSession, poll_id: int) -> list[Marks]:
    """Every current ballot of a poll, in no meaningful order (no voter attached)."""
    rows = await session.execute(
        select(PollMark.member_id, PollMark.option_index, PollMark.weight)
        .where(PollMark.poll_id == poll_id)
        .order_by(PollMark.member_id, PollMark.option_index)
    )
    by_member: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for member_id, index, weight in rows:
        by_member[member_id].append((index, weight))
    return [tuple(marks) for marks in by_member.values()]


async def named_ballots(session: AsyncSession, poll_id: int) -> list[tuple[str, Marks]]:
    """(voter's name, ballot) for a poll whose votes are public, by name.

    Only for polls that are not anonymous: the caller checks, this query cannot know why
    it is asked.
    """
    rows = await session.execute(
        select(Member.display_name, PollMark.member_id, PollMark.option_index, PollMark.weight)
        .join(Member, Member.id == PollMark.member_id)
        .where(PollMark.poll_id == poll_id)
        .order_by(func.lower(Member.display_name), PollMark.member_id, PollMark.option_index)
    )
    named: dict[int, tuple[str, list[tuple[int, int]]]] = {}
    for name, member_id, index, weight in rows:
        named.setdefault(member_id, (name, []))[1].append((index, weight))
    return [(name, tuple(marks)) for name, marks in named.values()]


async def close(session: AsyncSession, poll_id: int, at: datetime, closed_by: int | None) -> bool:
    """Close a poll; False when it was already closed (so the caller posts nothing)."""
    result = await session.execute(
        update(Poll)
        .where(Poll.id == poll_id, Poll.closed_at.is_(None))  # type: ignore[union-attr]
        .values(closed_at=at, closed_by=closed_by)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
