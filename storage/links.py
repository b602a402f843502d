"""Joining two accounts of one person into one member, and splitting them again.

`join` moves everything the joined member earned to the member it joins: its ledger rows
(as the member and as the actor, remembered in `linked_row`), its week and month totals,
active days and daily gains (added to the other's), its counters, badges and reaction
state, and its platform account. The points counter is then recomputed from the one
ledger. `split` gives back exactly what `join` moved, from the snapshot and the
remembered rows; what the person earned while linked stays with the member they were.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.counters import LEDGER_COUNTERS
from storage.dialect import insert_ignore, insert_or_add
from storage.models import (
    Contribution,
    Identity,
    Member,
    MemberBadge,
    MemberDay,
    MemberTotal,
    ReactionAward,
    ReactionState,
)
from storage.models.digests import MemberDayGain
from storage.models.links import LinkCode, LinkedRow, MemberLink
from storage.models.questions import Question


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def issue_code(
    session: AsyncSession,
    community_id: int,
    member_id: int,
    platform: str,
    code: str,
    expires_at: datetime,
) -> None:
    """Keep a member's new code (their earlier ones stop working)."""
    await session.execute(delete(LinkCode).where(LinkCode.member_id == member_id))
    session.add(
        LinkCode(
            community_id=community_id,
            code_hash=code_hash(code),
            member_id=member_id,
            platform=platform,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def find_code(session: AsyncSession, community_id: int, code: str) -> LinkCode | None:
    return await session.get(LinkCode, (community_id, code_hash(code)), with_for_update=True)


async def use_code(session: AsyncSession, code: LinkCode) -> None:
    await session.delete(code)
    await session.flush()


async def link_of(session: AsyncSession, member_id: int) -> MemberLink | None:
    """The link that joined `member_id` (the row of its own), if any."""
    return await session.get(MemberLink, member_id)


async def links_into(session: AsyncSession, member_id: int) -> list[MemberLink]:
    rows = await session.scalars(select(MemberLink).where(MemberLink.into_id == member_id))
    return list(rows.all())


async def platforms_of(session: AsyncSession, community_id: int, member_id: int) -> set[str]:
    rows = await session.scalars(
        select(Identity.platform).where(
            Identity.community_id == community_id, Identity.member_id == member_id
        )
    )
    return set(rows.all())


async def _snapshot(session: AsyncSession, member: Member) -> dict[str, Any]:
    mid = member.id
    totals = await session.execute(
        select(MemberTotal.period, MemberTotal.period_start, MemberTotal.points).where(
            MemberTotal.member_id == mid
        )
    )
    days = await session.execute(
        select(MemberDay.day, MemberDay.messages).where(MemberDay.member_id == mid)
    )
    gains = await session.execute(
        select(
            MemberDayGain.day, MemberDayGain.points, MemberDayGain.solutions, MemberDayGain.kudos
        ).where(MemberDayGain.member_id == mid)
    )
    badges = await session.execute(
        select(MemberBadge.badge, MemberBadge.awarded_at).where(MemberBadge.member_id == mid)
    )
    return {
        "counters": {c: getattr(member, c) for c in LEDGER_COUNTERS},
        "last_scored_message_at": _iso(member.last_scored_message_at),
        "totals": [[p, s.isoformat(), n] for p, s, n in totals],
        "days": [[d.isoformat(), n] for d, n in days],
        "gains": [[d.isoformat(), p, s, k] for d, p, s, k in gains],
        "badges": [[b, _iso(at)] for b, at in badges],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def _add_aggregates(
    session: AsyncSession, community_id: int, member_id: int, snap: dict[str, Any], sign: int
) -> None:
    """Add (sign 1) or take away (sign -1) a snapshot's totals, days and gains."""
    if snap["totals"]:
        await session.execute(
            insert_or_add(
                session,
                MemberTotal.__table__,
                ["community_id", "period", "period_start", "member_id"],
                ["points"],
            ),
            [
                {
                    "community_id": community_id,
                    "period": p,
                    "period_start": date.fromisoformat(s),
                    "member_id": member_id,
                    "points": sign * n,
                }
                for p, s, n in snap["totals"]
            ],
        )
    if snap["days"]:
        await session.execute(
            insert_or_add(session, MemberDay.__table__, ["member_id", "day"], ["messages"]),
            [
                {
                    "member_id": member_id,
                    "day": date.fromisoformat(d),
                    "community_id": community_id,
                    "messages": sign * n,
                }
                for d, n in snap["days"]
            ],
        )
    if snap["gains"]:
        await session.execute(
            insert_or_add(
                session,
                MemberDayGain.__table__,
                ["community_id", "day", "member_id"],
                ["points", "solutions", "kudos"],
            ),
            [
                {
                    "community_id": community_id,
                    "day": date.fromisoformat(d),
                    "member_id": member_id,
                    "points": sign * p,
                    "solutions": sign * s,
                    "kudos": sign * k,
                }
                for d, p, s, k in snap["gains"]
            ],
        )


async def _drop_aggregates(session: AsyncSession, member_id: int) -> None:
    for table in (MemberTotal, MemberDay, MemberDayGain, MemberBadge):
        await session.execute(delete(table).where(table.member_id == member_id))


async def _recount_days(session: AsyncSession, member: Member) -> None:
    """Active days from the member's day rows (a day both accounts were active is one)."""
    member.active_days = int(
        await session.scalar(
            select(func.count()).select_from(MemberDay).where(MemberDay.member_id == member.id)
        )
        or 0
    )
    member.last_active_day = await session.scalar(
        select(func.max(MemberDay.day)).where(MemberDay.member_id == member.id)
    )


async def _points_from_ledger(session: AsyncSession, member: Member) -> None:
    member.points = int(
        await session.scalar(
            select(func.coalesce(func.sum(Contribution.points), 0)).where(
                Contribution.community_id == member.community_id,
                Contribution.member_id == member.id,
            )
        )
        or 0
    )


async def _move_reactions(
    session: AsyncSession, community_id: int, old: int, new: int, platform: str | None
) -> None:
    """Reaction state, questions asked and first responses of `old` become `new`'s (only
    on `platform`'s messages if given)."""
    for table, column in (
        (ReactionState, ReactionState.reactor_id),
        (ReactionAward, ReactionAward.reactor_id),
        (ReactionAward, ReactionAward.author_id),
        # Questions asked and first responses given follow their messages too.
        (Question, Question.asker_id),
        (Question, Question.responder_id),
    ):
        query = update(table).where(table.community_id == community_id, column == old)
        if platform is not None:
            query = query.where(table.message_ref.startswith(platform + ":"))
        await session.execute(query.values({column.key: new}))


async def join(
    session: AsyncSession,
    into: Member,
    joined: Member,
    platform: str,
    user_id: str,
    at: datetime,
) -> None:
    """`joined` (the account `platform`/`user_id`) becomes part of `into`."""
    cid = into.community_id
    assert into.id is not None and joined.id is not None
    snap = await _snapshot(session, joined)
    snap["into_days"] = [
        d.isoformat()
        for d in await session.scalars(select(MemberDay.day).where(MemberDay.member_id == into.id))
    ]
    for role, column in (("member", Contribution.member_id), ("actor", Contribution.actor_id)):
        await session.execute(
            insert(LinkedRow).from_select(
                ["contribution_id", "role", "member_id"],
                select(Contribution.id, literal(role, String(8)), column).where(
                    Contribution.community_id == cid, column == joined.id
                ),
            )
        )
        await session.execute(
            update(Contribution)
            .where(Contribution.community_id == cid, column == joined.id)
            .values({column.key: into.id})
        )
    await _add_aggregates(session, cid, into.id, snap, +1)
    for badge, awarded in snap["badges"]:
        await session.execute(
            insert_ignore(session, MemberBadge.__table__, ["member_id", "badge"]).values(
                member_id=into.id,
                badge=badge,
                community_id=cid,
                awarded_at=datetime.fromisoformat(awarded),
            )
        )
    await _drop_aggregates(session, joined.id)
    await _move_reactions(session, cid, joined.id, into.id, None)
    for counter in LEDGER_COUNTERS:
        setattr(into, counter, getattr(into, counter) + getattr(joined, counter))
        setattr(joined, counter, 0)
    latest = [t for t in (into.last_scored_message_at, joined.last_scored_message_at) if t]
    into.last_scored_message_at = max(latest) if latest else None
    into.streak_days = max(into.streak_days, joined.streak_days)
    joined.last_scored_message_at, joined.active_days, joined.streak_days = None, 0, 0
    joined.last_active_day, joined.rank = None, None
    await session.execute(
        update(Identity)
        .where(
            Identity.community_id == cid,
            Identity.platform == platform,
            Identity.user_id == user_id,
        )
        .values(member_id=into.id)
    )
    session.add(
        MemberLink(
            member_id=joined.id,
            community_id=cid,
            into_id=into.id,
            platform=platform,
            user_id=user_id,
            linked_at=at,
            snapshot=json.dumps(snap),
        )
    )
    await session.flush()
    await _points_from_ledger(session, into)
    await _recount_days(session, into)
    await session.flush()


async def split(session: AsyncSession, link: MemberLink, into: Member, joined: Member) -> None:
    """Give `joined` back what `join` moved to `into`, and its account."""
    cid = link.community_id
    assert into.id is not None and joined.id is not None
    snap = json.loads(link.snapshot)
    for role, column in (("member", Contribution.member_id), ("actor", Contribution.actor_id)):
        moved = select(LinkedRow.contribution_id).where(
            LinkedRow.member_id == joined.id, LinkedRow.role == role
        )
        await session.execute(
            update(Contribution)
            .where(Contribution.id.in_(moved), column == into.id)
            .values({column.key: joined.id})
        )
    await session.execute(delete(LinkedRow).where(LinkedRow.member_id == joined.id))
    await _add_aggregates(session, cid, into.id, snap, -1)
    await _add_aggregates(session, cid, joined.id, snap, +1)
    # Days only the joined account was active on, before the link, leave the other.
    own = set(snap["into_days"])
    before = link.linked_at.date().isoformat()
    gone = [date.fromisoformat(d) for d, _ in snap["days"] if d not in own and d < before]
    if gone:
        await session.execute(
            delete(MemberDay).where(MemberDay.member_id == into.id, MemberDay.day.in_(gone))
        )
    await session.execute(
        delete(MemberTotal).where(MemberTotal.member_id == into.id, MemberTotal.points == 0)
    )
    for badge, awarded in snap["badges"]:
        session.add(
            MemberBadge(
                member_id=joined.id,
                badge=badge,
                community_id=cid,
                awarded_at=datetime.fromisoformat(awarded),
            )
        )
    await _move_reactions(session, cid, into.id, joined.id, link.platform)
    for counter, value in snap["counters"].items():
        setattr(into, counter, getattr(into, counter) - value)
        setattr(joined, counter, value)
    last = snap["last_scored_message_at"]
    joined.last_scored_message_at = datetime.fromisoformat(last) if last else None
    await session.execute(
        update(Identity)
        .where(
            Identity.community_id == cid,
            Identity.platform == link.platform,
            Identity.user_id == link.user_id,
        )
        .values(member_id=joined.id)
    )
    await session.delete(link)
    await session.flush()
    await _points_from_ledger(session, into)
    await _points_from_ledger(session, joined)
    await _recount_days(session, into)
    await _recount_days(session, joined)
    await session.flush()
