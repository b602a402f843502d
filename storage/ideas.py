"""Queries of the ideas feature: numbering, ideas, votes, history, volunteers and drafts.

Numbers come from one counter row per community, moved by a single
`UPDATE ... SET last_number = last_number + 1 RETURNING` (atomic on both backends, and
never moved back: a number shown once is never shown again for another idea). Vote counts
and the scores that `/idea list` sorts on are recounted from `idea_vote` in SQL after
each change, while the idea row is locked, so they are always what the votes say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import sequences
from storage.dialect import insert_ignore
from storage.models import Identity, Member
from storage.models.ideas import (
    Idea,
    IdeaDraft,
    IdeaEvent,
    IdeaSequence,
    IdeaVolunteer,
    IdeaVote,
)

FOR, AGAINST = "for", "against"

# (for, against) -> (top score, controversy score): the feature's ranking rules.
ScoreFunction = Callable[[int, int], tuple[float, float]]


# -- numbering and ideas ------------------------------------------------------------------


async def allocate_number(session: AsyncSession, community_id: int) -> int:
    """The community's next idea number, taken atomically from its counter row."""
    return await sequences.next_number(session, IdeaSequence.__table__, community_id)


async def create_idea(
    session: AsyncSession,
    community_id: int,
    author_id: int,
    title: str,
    description: str,
    category: str | None,
    at: datetime,
) -> Idea:
    idea = Idea(
        community_id=community_id,
        number=await allocate_number(session, community_id),
        author_id=author_id,
        title=title,
        description=description,
        category=category,
        created_at=at,
        updated_at=at,
    )
    session.add(idea)
    await session.flush()
    return idea


async def find_idea(
    session: AsyncSession, community_id: int, number: int, lock: bool = False
) -> Idea | None:
    """Idea `number` of the community; `lock` holds its row until the transaction ends
    (PostgreSQL), so two votes at once recount one after the other."""
    query = select(Idea).where(Idea.community_id == community_id, Idea.number == number)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def ideas_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Idea]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.scalars(select(Idea).where(Idea.id.in_(wanted)))
    return {row.id: row for row in rows if row.id is not None}


async def similarity_candidates(
    session: AsyncSession, community_id: int, statuses: Sequence[str]
) -> list[tuple[int, str, str]]:
    """(id, title, description) of every idea of the community with one of `statuses`,
    newest first: what a new idea is compared with (only the columns it needs)."""
    rows = await session.execute(
        select(Idea.id, Idea.title, Idea.description)
        .where(Idea.community_id == community_id, Idea.status.in_(statuses))
        .order_by(Idea.number.desc())
    )
    return [(row[0], row[1], row[2] or "") for row in rows]


async def ideas_of_author(
    session: AsyncSession, community_id: int, author_id: int, limit: int
) -> tuple[list[Idea], int]:
    """A member's ideas, newest first (at most `limit`), and how many they have in all."""
    where = (Idea.community_id == community_id, Idea.author_id == author_id)
    rows = await session.scalars(
        select(Idea).where(*where).order_by(Idea.number.desc()).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(Idea).where(*where))
    return list(rows), int(total or 0)


ORDERS = {
    "top": (Idea.score_top.desc(), (Idea.votes_for + Idea.votes_against).desc()),
    "controversial": (
        Idea.score_controversial.desc(),
        (Idea.votes_for + Idea.votes_against).desc(),
    ),
    "new": (Idea.created_at.desc(),),
}


async def ranked_ideas(
    session: AsyncSession, community_id: int, statuses: Sequence[str], sort: str, limit: int
) -> tuple[list[Idea], int]:
    """The first `limit` ideas with one of `statuses` in the order `sort` (top, new,
    controversial), and how many match in all."""
    where = (Idea.community_id == community_id, Idea.status.in_(statuses))
    rows = await session.scalars(
        select(Idea).where(*where).order_by(*ORDERS[sort], Idea.number.desc()).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(Idea).where(*where))
    return list(rows), int(total or 0)


async def recent_votes(
    session: AsyncSession, community_id: int, statuses: Sequence[str], since: datetime
) -> list[tuple[int, str, datetime]]:
    """(idea id, choice, time) of every vote cast or changed since `since` on the ideas
    with one of `statuses` (the trending sort weighs them by age)."""
    rows = await session.execute(
        select(IdeaVote.idea_id, IdeaVote.choice, IdeaVote.voted_at)
        .join(Idea, Idea.id == IdeaVote.idea_id)
        .where(
            IdeaVote.community_id == community_id,
            IdeaVote.voted_at >= since,
            Idea.status.in_(statuses),
        )
    )
    return [(idea_id, choice, at) for idea_id, choice, at in rows]


async def newest_ideas(
    session: AsyncSession,
    community_id: int,
    statuses: Sequence[str],
    limit: int,
    exclude: Iterable[int] = (),
) -> list[Idea]:
    query = select(Idea).where(Idea.community_id == community_id, Idea.status.in_(statuses))
    left_out = sorted(set(exclude))
    if left_out:
        query = query.where(Idea.id.not_in(left_out))
    rows = await session.scalars(query.order_by(Idea.number.desc()).limit(limit))
    return list(rows)


async def count_in(session: AsyncSession, community_id: int, statuses: Sequence[str]) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(Idea)
        .where(Idea.community_id == community_id, Idea.status.in_(statuses))
    )
    return int(total or 0)


async def merged_into(session: AsyncSession, idea_id: int) -> list[int]:
    """Numbers of the ideas merged into this one as duplicates."""
    rows = await session.scalars(
        select(Idea.number).where(Idea.merged_into_id == idea_id).order_by(Idea.number)
    )
    return list(rows)


# -- votes ----------------------------------------------------------------------------------


async def vote_of(session: AsyncSession, idea_id: int, member_id: int) -> IdeaVote | None:
    return await session.get(IdeaVote, (idea_id, member_id))


async def set_vote(
    session: AsyncSession,
    community_id: int,
    idea_id: int,
    member_id: int,
    choice: str | None,
    at: datetime,
) -> None:
    """Make the member's vote `choice` (None retracts it)."""
    current = await vote_of(session, idea_id, member_id)
    if choice is None:
        if current is not None:
            await session.delete(current)
    elif current is None:
        session.add(
            IdeaVote(
                idea_id=idea_id,
                member_id=member_id,
                community_id=community_id,
                choice=choice,
                voted_at=at,
            )
        )
    else:
        current.choice, current.voted_at = choice, at
    await session.flush()


@dataclass(frozen=True)
class Counts:
    votes_for: int
    votes_against: int


async def recount(session: AsyncSession, idea: Idea, scores: ScoreFunction) -> Counts:
    """Count the idea's votes again and store the counts and the scores derived from them."""
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((IdeaVote.choice == FOR, 1), else_=0)), 0),
                func.coalesce(func.sum(case((IdeaVote.choice == AGAINST, 1), else_=0)), 0),
            ).where(IdeaVote.idea_id == idea.id)
        )
    ).one()
    counts = Counts(int(row[0]), int(row[1]))
    idea.votes_for, idea.votes_against = counts.votes_for, counts.votes_against
    idea.score_top, idea.score_controversial = scores(counts.votes_for, counts.votes_against)
    await session.flush()
    return counts


async def voters(
    session: AsyncSession, idea_id: int, limit: int, choice: str | None = None
) -> tuple[list[int], int]:
    """Member ids of the idea's voters, supporters first then earliest first (at most
    `limit`), and how many voters there are in all."""
    where = [IdeaVote.idea_id == idea_id]
    if choice is not None:
        where.append(IdeaVote.choice == choice)
    rows = await session.scalars(
        select(IdeaVote.member_id)
        .where(*where)
        .order_by(case((IdeaVote.choice == FOR, 0), else_=1), IdeaVote.voted_at, IdeaVote.member_id)
        .limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(IdeaVote).where(*where))
    return list(rows), int(total or 0)


async def merge_votes(
    session: AsyncSession, duplicate: Idea, target: Idea, extra_supporter: int | None
) -> int:
    """Move the duplicate's votes onto the target, one vote per member: a member who
    already voted on the target keeps that vote, and the target's author gets none.
    `extra_supporter` (the duplicate's author) counts as a supporter of the target unless
    they voted there already or wrote it. Returns how many votes the target gained."""
    assert duplicate.id is not None and target.id is not None
    already = set(
        await session.scalars(select(IdeaVote.member_id).where(IdeaVote.idea_id == target.id))
    )
    moving = await session.execute(
        select(IdeaVote.member_id, IdeaVote.choice, IdeaVote.voted_at).where(
            IdeaVote.idea_id == duplicate.id
        )
    )
    rows = [
        {
            "idea_id": target.id,
            "member_id": member_id,
            "community_id": target.community_id,
            "choice": choice,
            "voted_at": voted_at,
        }
        for member_id, choice, voted_at in moving
        if member_id not in already and member_id != target.author_id
    ]
    if (
        extra_supporter is not None
        and extra_supporter not in already
        and extra_supporter != target.author_id
        and all(row["member_id"] != extra_supporter for row in rows)
    ):
        rows.append(
            {
                "idea_id": target.id,
                "member_id": extra_supporter,
                "community_id": target.community_id,
                "choice": FOR,
                "voted_at": duplicate.created_at,
            }
        )
    await session.execute(delete(IdeaVote).where(IdeaVote.idea_id == duplicate.id))
    if rows:
        await session.execute(
            insert_ignore(session, IdeaVote.__table__, ["idea_id", "member_id"]), rows
        )
    return len(rows)


async def repoint_merged(session: AsyncSession, old: Idea, new: Idea) -> None:
    """Ideas merged into `old` are merged into `new` from now on."""
    await session.execute(
        update(Idea).where(Idea.merged_into_id == old.id).values(merged_into_id=new.id)
    )


# -- history ----------------------------------------------------------------------------------


async def add_event(
    session: AsyncSession,
    idea: Idea,
    kind: str,
    from_value: str | None,
    to_value: str,
    actor_id: int,
    reason: str | None,
    at: datetime,
    other_idea_id: int | None = None,
) -> None:
    assert idea.id is not None
    session.add(
        IdeaEvent(
            community_id=idea.community_id,
            idea_id=idea.id,
            kind=kind,
            from_value=from_value,
            to_value=to_value,
            other_idea_id=other_idea_id,
            actor_id=actor_id,
            reason=reason,
            at=at,
        )
    )
    await session.flush()


async def history(session: AsyncSession, idea_id: int, limit: int = 20) -> list[IdeaEvent]:
    """The idea's latest `limit` events, oldest first."""
    rows = await session.scalars(
        select(IdeaEvent)
        .where(IdeaEvent.idea_id == idea_id)
        .order_by(IdeaEvent.at.desc(), IdeaEvent.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


async def histories(
    session: AsyncSession, idea_ids: Iterable[int], limit: int = 20
) -> dict[int, list[IdeaEvent]]:
    """`history` of many ideas in one query: each idea's latest `limit` events, oldest first."""
    wanted = sorted(set(idea_ids))
    found: dict[int, list[IdeaEvent]] = {i: [] for i in wanted}
    if not wanted:
        return found
    rows = await session.scalars(
        select(IdeaEvent).where(IdeaEvent.idea_id.in_(wanted)).order_by(IdeaEvent.at, IdeaEvent.id)
    )
    for event in rows:
        found[event.idea_id].append(event)
    return {i: events[-limit:] for i, events in found.items()}


# -- volunteers -------------------------------------------------------------------------------


async def add_volunteer(session: AsyncSession, idea: Idea, member_id: int, at: datetime) -> bool:
    """Put the member on the idea's testers list; False if they were on it already."""
    table = IdeaVolunteer.__table__
    result = await session.execute(
        insert_ignore(session, table, ["idea_id", "member_id"]).returning(table.c.member_id),
        [
            {
                "idea_id": idea.id,
                "member_id": member_id,
                "community_id": idea.community_id,
                "volunteered_at": at,
            }
        ],
    )
    return bool(result.all())


async def move_volunteers(session: AsyncSession, duplicate: Idea, target: Idea) -> None:
    """Volunteers of a duplicate stay volunteers, on the idea it was merged into."""
    rows = await session.execute(
        select(IdeaVolunteer.member_id, IdeaVolunteer.volunteered_at).where(
            IdeaVolunteer.idea_id == duplicate.id
        )
    )
    moved = [
        {
            "idea_id": target.id,
            "member_id": member_id,
            "community_id": target.community_id,
            "volunteered_at": volunteered_at,
        }
        for member_id, volunteered_at in rows
    ]
    if moved:
        await session.execute(
            insert_ignore(session, IdeaVolunteer.__table__, ["idea_id", "member_id"]), moved
        )


async def volunteers(session: AsyncSession, idea_id: int, limit: int) -> tuple[list[int], int]:
    """Member ids of the idea's volunteers, earliest first (at most `limit`), and the total."""
    where = IdeaVolunteer.idea_id == idea_id
    rows = await session.scalars(
        select(IdeaVolunteer.member_id)
        .where(where)
        .order_by(IdeaVolunteer.volunteered_at, IdeaVolunteer.member_id)
        .limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(IdeaVolunteer).where(where))
    return list(rows), int(total or 0)


async def volunteer_counts(session: AsyncSession, idea_ids: Iterable[int]) -> dict[int, int]:
    wanted = sorted(set(idea_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(IdeaVolunteer.idea_id, func.count())
        .where(IdeaVolunteer.idea_id.in_(wanted))
        .group_by(IdeaVolunteer.idea_id)
    )
    return {idea_id: int(count) for idea_id, count in rows}


# -- drafts -----------------------------------------------------------------------------------


async def create_draft(
    session: AsyncSession,
    community_id: int,
    author_id: int,
    title: str,
    description: str,
    category: str | None,
    at: datetime,
) -> IdeaDraft:
    draft = IdeaDraft(
        community_id=community_id,
        author_id=author_id,
        title=title,
        description=description,
        category=category,
        created_at=at,
    )
    session.add(draft)
    await session.flush()
    return draft


async def find_draft(session: AsyncSession, community_id: int, draft_id: int) -> IdeaDraft | None:
    draft = await session.get(IdeaDraft, draft_id)
    return draft if draft is not None and draft.community_id == community_id else None


async def delete_draft(session: AsyncSession, draft: IdeaDraft) -> None:
    await session.delete(draft)
    await session.flush()


async def purge_drafts(session: AsyncSession, community_id: int, before: datetime) -> None:
    """Forget drafts nobody confirmed in time (their text is not kept for nothing)."""
    await session.execute(
        delete(IdeaDraft).where(
            IdeaDraft.community_id == community_id, IdeaDraft.created_at < before
        )
    )


# -- members ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """Where to send a member a direct message."""

    member_id: int
    platform: str
    user_id: str
    name: str


async def names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Member.id, Member.display_name).where(Member.id.in_(wanted))
    )
    # A forgotten member has no name: callers show their placeholder, never a blank.
    return {member_id: name for member_id, name in rows if name}


async def contacts(
    session: AsyncSession, community_id: int, member_ids: Sequence[int], platform: str
) -> list[Contact]:
    """A contact for each member, in the order given: their account on `platform` when
    they have one there, else their first linked account elsewhere."""
    if not member_ids:
        return []
    rows = await session.execute(
        select(Identity.member_id, Identity.platform, Identity.user_id, Member.display_name)
        .join(Member, Member.id == Identity.member_id)
        .where(Identity.community_id == community_id, Identity.member_id.in_(set(member_ids)))
        .order_by(Identity.platform, Identity.user_id)
    )
    best: dict[int, Contact] = {}
    for member_id, on, user_id, name in rows:
        if member_id not in best or (on == platform and best[member_id].platform != platform):
            best[member_id] = Contact(member_id, on, user_id, name)
    return [best[m] for m in member_ids if m in best]


async def erase_member_text(session: AsyncSession, community_id: int, member_id: int) -> None:
    """A member asked to be forgotten: their ideas keep their number, status and votes (the
    community's record) but lose their text, and their drafts go."""
    await session.execute(
        update(Idea)
        .where(Idea.community_id == community_id, Idea.author_id == member_id)
        .values(title="—", description="")
    )
    await session.execute(
        delete(IdeaDraft).where(
            IdeaDraft.community_id == community_id, IdeaDraft.author_id == member_id
        )
    )
