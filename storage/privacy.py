"""What Cercle keeps about one member, and erasing it: the queries behind `/privacy` and
`cercle privacy export|forget`.

`summary` counts what is kept; `everything` gathers it for the member's own export (their
profile, identities, every ledger row, badges, ideas, idea votes, poll ballots, event
answers, attendances and events hosted, thanks given and received with reasons); `forget`
erases every name, platform id, idea text, event description, reason text and ballot of
the member. The member row stays as a nameless, hidden stub, so that what others earned
from them (a reaction they gave, with an anonymous reactor now) and the community's past
numbers keep adding up; a later post by the same account starts a new member.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import moderation as moderation_store
from storage import polls as poll_store
from storage.models import (
    Community,
    Contribution,
    Exclusion,
    Identity,
    Member,
    MemberBadge,
    MemberRole,
    RankChange,
)
from storage.models.digests import Customer
from storage.models.events import Event, EventAnswer, EventAttendance
from storage.models.ideas import Idea, IdeaDraft, IdeaEvent, IdeaVolunteer, IdeaVote
from storage.models.links import LinkCode, LinkedRow, MemberLink
from storage.models.polls import Poll, PollBallot, PollOption

FORGOTTEN = "forgotten"
# What stands for an erased idea's title (language-neutral: it is stored, not rendered).
ERASED = "—"


async def find_by_name(session: AsyncSession, community_id: int, name: str) -> list[Member]:
    """Members of a community whose name is `name` (case-insensitive), never forgotten ones."""
    rows = await session.scalars(
        select(Member).where(
            Member.community_id == community_id,
            func.lower(Member.display_name) == name.lower(),
            or_(Member.visibility.is_(None), Member.visibility != FORGOTTEN),
        )
    )
    return list(rows.all())


async def identities(session: AsyncSession, member_id: int) -> list[tuple[str, str]]:
    """Every platform account of the member (several once accounts are linked)."""
    rows = await session.execute(
        select(Identity.platform, Identity.user_id)
        .where(Identity.member_id == member_id)
        .order_by(Identity.platform, Identity.user_id)
    )
    return [(p, u) for p, u in rows]


async def departed_before(
    session: AsyncSession, cutoff: datetime, limit: int = 500
) -> list[tuple[int, int, str, datetime]]:
    """Members who left before `cutoff` and are not forgotten yet: (id, community id,
    community slug, when they left), the oldest departures first."""
    rows = await session.execute(
        select(Member.id, Member.community_id, Community.slug, Member.left_at)
        .join(Community, Community.id == Member.community_id)
        .where(
            Member.left_at.is_not(None),
            Member.left_at <= cutoff,
            Member.visibility.is_distinct_from(FORGOTTEN),
        )
        .order_by(Member.left_at)
        .limit(limit)
    )
    return [(int(i), int(c), slug, left) for i, c, slug, left in rows]


async def set_visibility(session: AsyncSession, member_id: int, choice: str) -> None:
    """`public` or `hidden`, as the member chose it."""
    await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(visibility=choice, hidden=choice == "hidden")
        .execution_options(synchronize_session=False)
    )


async def _count(session: AsyncSession, query: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def summary(session: AsyncSession, member_id: int) -> dict[str, int]:
    """How many of each thing Cercle keeps about the member."""
    return {
        "contributions": await _count(
            session, select(Contribution.id).where(Contribution.member_id == member_id)
        ),
        "ideas": await _count(session, select(Idea.id).where(Idea.author_id == member_id)),
        "votes": await _count(
            session, select(IdeaVote.idea_id).where(IdeaVote.member_id == member_id)
        ),
        "ballots": len(await _ballots(session, member_id)),
        "thanks": await _count(
            session,
            select(Contribution.id).where(
                Contribution.kind == "kudos",
                or_(Contribution.member_id == member_id, Contribution.actor_id == member_id),
            ),
        ),
    }


async def _ballots(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    """The member's poll ballots that can still be found: every public one, and those in
    anonymous polls still open (a closed anonymous poll's ballots name nobody)."""
    polls = list(
        await session.scalars(
            select(Poll).where(
                or_(
                    Poll.id.in_(
                        select(PollBallot.poll_id).where(PollBallot.member_id == member_id)
                    ),
                    Poll.voter_key.is_not(None),
                )
            )
        )
    )
    found: list[dict[str, Any]] = []
    for poll in sorted(polls, key=lambda p: p.number):
        marks = await poll_store.ballot(session, poll, member_id)
        if not marks:
            continue
        labels = dict(
            (
                await session.execute(
                    select(PollOption.option_index, PollOption.label).where(
                        PollOption.poll_id == poll.id
                    )
                )
            ).all()
        )
        found.append(
            {
                "poll": poll.number,
                "question": poll.question,
                "anonymous": poll.anonymous,
                "choices": [{"option": labels.get(i, str(i)), "weight": w} for i, w in marks],
            }
        )
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(model: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(model, name)) for name in fields}


async def everything(session: AsyncSession, member_id: int) -> dict[str, Any]:
    """All Cercle keeps about the member, as plain JSON-ready data."""
    member = await session.get(Member, member_id)
    assert member is not None
    names = dict(
        (
            await session.execute(
                select(Member.id, Member.display_name).where(
                    Member.community_id == member.community_id
                )
            )
        ).all()
    )
    ledger = list(
        await session.scalars(
            select(Contribution)
            .where(Contribution.member_id == member_id)
            .order_by(Contribution.occurred_at, Contribution.id)
        )
    )
    thanks = list(
        await session.scalars(
            select(Contribution)
            .where(
                Contribution.kind == "kudos",
                or_(Contribution.member_id == member_id, Contribution.actor_id == member_id),
            )
            .order_by(Contribution.occurred_at, Contribution.id)
        )
    )
    badges = await session.execute(
        select(MemberBadge.badge, MemberBadge.awarded_at)
        .where(MemberBadge.member_id == member_id)
        .order_by(MemberBadge.awarded_at)
    )
    ideas = list(
        await session.scalars(select(Idea).where(Idea.author_id == member_id).order_by(Idea.number))
    )
    votes = await session.execute(
        select(Idea.number, IdeaVote.choice, IdeaVote.voted_at)
        .join(Idea, Idea.id == IdeaVote.idea_id)
        .where(IdeaVote.member_id == member_id)
        .order_by(Idea.number)
    )
    ledger_fields = ("kind", "points", "occurred_at", "channel_id", "message_ref", "reason")
    return {
        "profile": {
            "name": member.display_name,
            "visibility": "hidden" if member.hidden else "public",
            "joined_at": _plain(member.joined_at),
            "left_at": _plain(member.left_at),
            "points": member.points,
            "rank": member.rank,
            "messages": member.messages,
            "solutions": member.solutions,
            "kudos_received": member.kudos_received,
            "kudos_given": member.kudos_given,
            "ideas_submitted": member.ideas_submitted,
            "poll_votes": member.poll_votes,
            "events_attended": member.events_attended,
            "active_days": member.active_days,
            "last_active_day": _plain(member.last_active_day),
        },
        "identities": [
            {"platform": p, "user_id": u} for p, u in await identities(session, member_id)
        ],
        "ledger": [
            {**_row(row, ledger_fields), "from": names.get(row.actor_id)}
            if row.actor_id not in (None, member_id)
            else _row(row, ledger_fields)
            for row in ledger
        ],
        "badges": [{"badge": b, "awarded_at": _plain(at)} for b, at in badges],
        "rank_history": await _rank_history(session, member_id),
        "ideas": [
            _row(i, ("number", "title", "description", "category", "status", "created_at"))
            for i in ideas
        ],
        "idea_votes": [{"idea": n, "choice": c, "voted_at": _plain(at)} for n, c, at in votes],
        "poll_ballots": await _ballots(session, member_id),
        **await _events(session, member_id),
        "warnings": await moderation_store.warnings_export(session, member_id),
        "thanks_given": [
            {"to": names.get(t.member_id), "reason": t.reason, "at": _plain(t.occurred_at)}
            for t in thanks
            if t.actor_id == member_id
        ],
        "thanks_received": [
            {"from": names.get(t.actor_id), "reason": t.reason, "at": _plain(t.occurred_at)}
            for t in thanks
            if t.member_id == member_id
        ],
    }


async def _events(session: AsyncSession, member_id: int) -> dict[str, list[dict[str, Any]]]:
    """The member's answers to events, the events they were at, and those they hosted."""
    answers = await session.execute(
        select(Event.number, Event.title, EventAnswer.status, EventAnswer.answered_at)
        .join(Event, Event.id == EventAnswer.event_id)
        .where(EventAnswer.member_id == member_id)
        .order_by(Event.number)
    )
    attended = await session.execute(
        select(Event.number, Event.title, EventAttendance.at, EventAttendance.how)
        .join(Event, Event.id == EventAttendance.event_id)
        .where(EventAttendance.member_id == member_id)
        .order_by(Event.number)
    )
    hosted = await session.scalars(
        select(Event).where(Event.host_id == member_id).order_by(Event.number)
    )
    return {
        "event_answers": [
            {"event": n, "title": t, "answer": a, "answered_at": _plain(at)}
            for n, t, a, at in answers
        ],
        "events_attended": [
            {"event": n, "title": t, "at": _plain(at), "how": how} for n, t, at, how in attended
        ],
        "events_hosted": [
            _row(e, ("number", "title", "description", "starts_at", "ends_at", "cancelled_at"))
            for e in hosted.all()
        ],
    }


async def _rank_history(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    """Each change of the member's rank, oldest first, with those of the accounts linked
    into them (their ranks before the link)."""
    joined = select(MemberLink.member_id).where(MemberLink.into_id == member_id)
    rows = await session.scalars(
        select(RankChange)
        .where(or_(RankChange.member_id == member_id, RankChange.member_id.in_(joined)))
        .order_by(RankChange.at, RankChange.id)
    )
    return [{"from": row.from_rank, "to": row.to_rank, "at": _plain(row.at)} for row in rows.all()]


async def forget(session: AsyncSession, member_id: int) -> list[tuple[str, str]]:
    """Erase every name, platform id, idea text, reason text and ballot of the member.

    Kept, without anything that names them: their ledger rows (the community's past
    numbers; what others earned from them), their counters and days, and the idea votes
    that others' idea scores are made of. The member row becomes a hidden stub with no
    name and an origin no account can match, so the same account posting again is a new
    member with nothing. Returns the member's platform accounts (platform, user id), for
    the platforms that keep rows of their own about an account (`bot.ports.erases_accounts`)."""
    member = await session.get(Member, member_id)
    assert member is not None
    platform, _, user_id = member.origin.partition(":")
    accounts = {*await identities(session, member_id), (platform, user_id)}
    for platform, user_id in accounts:  # a customer record names the account
        await session.execute(
            delete(Customer).where(Customer.platform == platform, Customer.user_id == user_id)
        )
    await poll_store.forget_ballots(session, member_id)
    # An event they host keeps its title (the community's calendar), not their description;
    # their answers and attendances stay in the counts, naming nobody.
    await session.execute(update(Event).where(Event.host_id == member_id).values(description=""))
    await moderation_store.forget(session, member_id)
    await session.execute(delete(Identity).where(Identity.member_id == member_id))
    await session.execute(delete(MemberRole).where(MemberRole.member_id == member_id))
    await session.execute(delete(IdeaVolunteer).where(IdeaVolunteer.member_id == member_id))
    await session.execute(delete(IdeaDraft).where(IdeaDraft.author_id == member_id))
    await session.execute(
        delete(Exclusion).where(
            Exclusion.community_id == member.community_id,
            Exclusion.kind == "member",
            Exclusion.value == str(member_id),
        )
    )
    await session.execute(
        update(Idea)
        .where(Idea.author_id == member_id)
        .values(title=ERASED, description="", category=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(IdeaEvent)
        .where(IdeaEvent.actor_id == member_id, IdeaEvent.reason.is_not(None))
        .values(reason=None)
        .execution_options(synchronize_session=False)
    )
    # Reasons they wrote, and reasons written about them (thanks, point adjustments).
    await session.execute(
        update(Contribution)
        .where(
            or_(Contribution.member_id == member_id, Contribution.actor_id == member_id),
            Contribution.reason.is_not(None),
        )
        .values(reason=None)
        .execution_options(synchronize_session=False)
    )
    # Linked accounts: the member rows they came from (kept, emptied, for `/link remove`)
    # still carry their first account and name; after a forget there is nothing to split.
    joined = list(
        await session.scalars(select(MemberLink.member_id).where(MemberLink.into_id == member_id))
    )
    await session.execute(delete(LinkedRow).where(LinkedRow.member_id.in_([member_id, *joined])))
    await session.execute(
        delete(MemberLink).where(
            or_(MemberLink.into_id == member_id, MemberLink.member_id == member_id)
        )
    )
    await session.execute(delete(LinkCode).where(LinkCode.member_id == member_id))
    for stub in (member_id, *joined):
        await session.execute(
            update(Member)
            .where(Member.id == stub)
            .values(
                display_name="",
                origin=f"{FORGOTTEN}:{stub}",
                hidden=True,
                visibility=FORGOTTEN,
            )
            .execution_options(synchronize_session=False)
        )
    session.expire(member)
    return sorted(accounts)
