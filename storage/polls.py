"""Queries about polls: numbering, creating, ballots, counts and closing.

Every change that must happen once is one conditional statement the database arbitrates:
the next number is an atomic `last_number + 1` on the community's counter row, and closing
is `UPDATE ... WHERE closed_at IS NULL`, so a deadline and a moderator (or two processes)
can never both close a poll. A vote reads its poll with a shared lock (PostgreSQL; SQLite
serialises writers anyway), so a ballot is never written after the close that counts it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
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


def voter_of(poll: Poll, member_id: int) -> str:
    """The key of a member's ballot in `poll`: the member itself for a public poll; for an
    open anonymous one, a hash under the poll's secret that only this member's vote
    recomputes (and nobody once the secret is erased at close)."""
    if not poll.anonymous:
        return f"m{member_id}"
    return _keyed(poll, f"ballot:{member_id}")


def anonymous_vote_key(poll: Poll, member_id: int) -> str:
    """The ledger source key of a member's first vote in an anonymous poll: another hash
    under the poll's secret, so the ledger row neither names the poll nor matches a ballot."""
    return f"anonymous-vote:{_keyed(poll, f'ledger:{member_id}')}"


def _keyed(poll: Poll, message: str) -> str:
    if poll.voter_key is None:
        raise ValueError(f"poll {poll.id} is anonymous and closed: its voters are unlinked")
    return hmac.new(bytes.fromhex(poll.voter_key), message.encode(), hashlib.sha256).hexdigest()


def new_voter_key() -> str:
    return secrets.token_hex(32)


async def ballot(session: AsyncSession, poll: Poll, member_id: int) -> Marks:
    rows = await session.execute(
        select(PollMark.option_index, PollMark.weight)
        .where(PollMark.poll_id == poll.id, PollMark.voter == voter_of(poll, member_id))
        .order_by(PollMark.option_index)
    )
    return tuple((index, weight) for index, weight in rows)


async def save_ballot(
    session: AsyncSession, poll: Poll, member_id: int, marks: Marks, at: datetime
) -> bool:
    """Replace a member's ballot with `marks` (none: withdraw it); True if it is their first.

    The header row is written first: on PostgreSQL its upsert locks it, so two ballots of
    one member arriving at once are applied one after the other, never mixed. An anonymous
    ballot carries no member and no time of its own (the poll's opening stands for it), so
    that nothing lines it up with its voter's ledger row.
    """
    assert poll.id is not None
    table = PollBallot.__table__
    voter = voter_of(poll, member_id)
    first = False
    if marks:
        stmt = dialect_insert(session, table)
        existed = await session.scalar(
            select(PollBallot.cast_at).where(
                PollBallot.poll_id == poll.id, PollBallot.voter == voter
            )
        )
        first = existed is None
        when = poll.created_at if poll.anonymous else at
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["poll_id", "voter"],
                set_={"changed_at": stmt.excluded.changed_at},
            ).values(
                poll_id=poll.id,
                voter=voter,
                member_id=None if poll.anonymous else member_id,
                cast_at=when,
                changed_at=when,
            )
        )
    await session.execute(
        delete(PollMark).where(PollMark.poll_id == poll.id, PollMark.voter == voter)
    )
    if marks:
        await session.execute(
            PollMark.__table__.insert(),
            [
                {"poll_id": poll.id, "voter": voter, "option_index": i, "weight": w}
                for i, w in marks
            ],
        )
    else:
        await session.execute(
            delete(PollBallot).where(PollBallot.poll_id == poll.id, PollBallot.voter == voter)
        )
    return first


async def unlink_voters(session: AsyncSession, poll: Poll) -> None:
    """An anonymous poll that closes: erase its secret and give every ballot a random voter,
    written again in the order of those random keys, so neither a hash nor the order the
    rows were stored in leads back to a member."""
    assert poll.id is not None
    marks = await all_ballots(session, poll.id)
    await session.execute(delete(PollMark).where(PollMark.poll_id == poll.id))
    await session.execute(delete(PollBallot).where(PollBallot.poll_id == poll.id))
    await session.execute(
        update(Poll)
        .where(Poll.id == poll.id)
        .values(voter_key=None)
        .execution_options(synchronize_session=False)
    )
    poll.voter_key = None
    shuffled = sorted((secrets.token_hex(16), ballot) for ballot in marks)
    if not shuffled:
        return
    await session.execute(
        PollBallot.__table__.insert(),
        [
            {
                "poll_id": poll.id,
                "voter": voter,
                "cast_at": poll.created_at,
                "changed_at": poll.created_at,
            }
            for voter, _ in shuffled
        ],
    )
    await session.execute(
        PollMark.__table__.insert(),
        [
            {"poll_id": poll.id, "voter": voter, "option_index": i, "weight": w}
            for voter, ballot in shuffled
            for i, w in ballot
        ],
    )


async def forget_ballots(session: AsyncSession, member_id: int) -> int:
    """Erase a member's ballots: every public one, and those in anonymous polls still open
    (the only ones that can still be found). Returns how many were erased."""
    open_anonymous = list(
        await session.scalars(
            select(Poll).where(Poll.anonymous.is_(True), Poll.voter_key.is_not(None))
        )
    )
    voters = [(p.id, voter_of(p, member_id)) for p in open_anonymous]
    public = await session.execute(
        select(PollBallot.poll_id, PollBallot.voter).where(PollBallot.member_id == member_id)
    )
    erased = 0
    for poll_id, voter in [*voters, *public.all()]:
        await session.execute(
            delete(PollMark).where(PollMark.poll_id == poll_id, PollMark.voter == voter)
        )
        result = await session.execute(
            delete(PollBallot).where(PollBallot.poll_id == poll_id, PollBallot.voter == voter)
        )
        erased += result.rowcount or 0
    return erased


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
        select(PollMark.voter, PollMark.option_index, PollMark.weight)
        .where(PollMark.poll_id == poll_id)
        .order_by(PollMark.voter, PollMark.option_index)
    )
    by_member: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for voter, index, weight in rows:
        by_member[voter].append((index, weight))
    return [tuple(marks) for marks in by_member.values()]


async def named_ballots(session: AsyncSession, poll_id: int) -> list[tuple[str, Marks]]:
    """(voter's name, ballot) for a poll whose votes are public, by name.

    Only for polls that are not anonymous: the caller checks, this query cannot know why
    it is asked.
    """
    rows = await session.execute(
        select(Member.display_name, PollBallot.member_id, PollMark.option_index, PollMark.weight)
        .join(
            PollBallot,
            (PollBallot.poll_id == PollMark.poll_id) & (PollBallot.voter == PollMark.voter),
        )
        .join(Member, Member.id == PollBallot.member_id)
        .where(PollMark.poll_id == poll_id, Member.hidden.is_(False))
        .order_by(func.lower(Member.display_name), PollBallot.member_id, PollMark.option_index)
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
