"""Questions and their first responses: written from the facts of each message, so that a
redelivered message, or one delivered out of order, never changes a number twice.

A question is inserted unless present; a response only ever moves `first_response_at`
earlier (the earliest response seen wins), and only when it comes from someone other
than the asker and not before the question.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore
from storage.models import Member
from storage.models.questions import Question


@dataclass(frozen=True)
class Asked:
    """A question as it is recorded."""

    message_ref: str
    channel_id: str
    channel_name: str
    in_help_channel: bool
    asker_id: int
    asked_at: datetime


async def record(session: AsyncSession, community_id: int, asked: Sequence[Asked]) -> None:
    """Record these questions; one already recorded is left as it is."""
    if not asked:
        return
    table = Question.__table__
    await session.execute(
        insert_ignore(session, table, ["community_id", "message_ref"]),  # type: ignore[arg-type]
        [{"community_id": community_id, **vars(q)} for q in asked],
    )


async def asked_of(
    session: AsyncSession, community_id: int, refs: Collection[str]
) -> dict[str, tuple[int, datetime]]:
    """(asker, asked at) of those of these messages that are questions."""
    if not refs:
        return {}
    rows = await session.execute(
        select(Question.message_ref, Question.asker_id, Question.asked_at).where(
            Question.community_id == community_id, Question.message_ref.in_(sorted(refs))
        )
    )
    return {ref: (asker, at) for ref, asker, at in rows}


async def respond(
    session: AsyncSession,
    community_id: int,
    ref: str,
    responder_id: int,
    at: datetime,
    seconds: int,
    *,
    solved: bool = False,
) -> None:
    """`responder_id` responded to the question `ref` at `at`, `seconds` after it was asked:
    kept if it is the earliest response by someone other than the asker."""
    q = Question.__table__.c
    await session.execute(
        update(Question)
        .where(
            q.community_id == community_id,
            q.message_ref == ref,
            q.asker_id != responder_id,
            q.asked_at <= at,
            or_(q.first_response_at.is_(None), q.first_response_at > at),
        )
        .values(first_response_at=at, response_seconds=seconds, responder_id=responder_id)
    )
    if solved:
        await session.execute(
            update(Question)
            .where(q.community_id == community_id, q.message_ref == ref, q.solved_at.is_(None))
            .values(solved_at=at)
        )


async def forget(session: AsyncSession, community_id: int, refs: Collection[str]) -> None:
    """These messages were deleted: those that were questions are no longer counted."""
    if refs:
        await session.execute(
            delete(Question).where(
                Question.community_id == community_id, Question.message_ref.in_(sorted(refs))
            )
        )


@dataclass(frozen=True)
class Open:
    """A question nobody has responded to."""

    message_ref: str
    channel_id: str
    channel_name: str
    asker: str
    asked_at: datetime


async def unanswered(
    session: AsyncSession,
    community_id: int,
    asked_before: datetime,
    channel: tuple[str, str] | None = None,
    limit: int = 20,
) -> tuple[list[Open], int]:
    """The questions asked by `asked_before` with no response yet, oldest first (at
    most `limit`), and how many there are in all; `channel` (its id and name) narrows
    them to one channel."""
    q = Question.__table__.c
    where = [
        q.community_id == community_id,
        q.first_response_at.is_(None),
        q.solved_at.is_(None),
        q.asked_at <= asked_before,
    ]
    if channel is not None:
        channel_id, name = channel
        name = name.lower().lstrip("#")
        where.append(or_(q.channel_id == channel_id, func.lower(q.channel_name) == name))
    total = await session.scalar(select(func.count()).select_from(Question).where(*where))
    rows = await session.execute(
        select(q.message_ref, q.channel_id, q.channel_name, Member.display_name, q.asked_at)
        .join(Member, Member.id == q.asker_id)
        .where(*where)
        .order_by(q.asked_at, q.message_ref)
        .limit(limit)
    )
    found = [Open(ref, cid, name, asker or "—", at) for ref, cid, name, asker, at in rows]
    return found, int(total or 0)
