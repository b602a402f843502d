"""The responsiveness numbers of a digest and `/admin stats`: questions asked in a span,
how many got their first response within the target, the median time to that first
response and how many were closed by an accepted solution, for the whole community and
for each help channel, counted by the database over the `ix_question_asked` range (which
covers every column read: the question rows themselves are never visited).

A question still inside its target time with no response is not counted against the
share answered in time: it may yet be answered in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.questions import Question

# The key of the numbers for the whole community (a help channel's key is its name).
ALL = ""


@dataclass(frozen=True)
class Responsiveness:
    asked: int = 0
    due: int = 0  # answered, or past the target without a response
    in_time: int = 0  # first response within the target
    answered: int = 0
    solved: int = 0
    median_seconds: float | None = None

    @property
    def in_time_share(self) -> float | None:
        return self.in_time / self.due if self.due else None


async def responsiveness(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
    target_seconds: int,
) -> dict[str, Responsiveness]:
    """The numbers of the questions asked in [start, end): the whole community under
    `ALL`, each help channel under its name."""
    q = Question.__table__.c
    channel = case((q.in_help_channel, func.lower(q.channel_name)), else_=literal(ALL))
    span = and_(q.community_id == community_id, q.asked_at >= start, q.asked_at < end)
    answered = q.response_seconds.is_not(None)
    not_due_after = now - timedelta(seconds=target_seconds)
    rows = await session.execute(
        select(
            channel.label("channel"),
            func.count(),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((q.response_seconds <= target_seconds, 1), else_=0)),
            func.sum(case((q.solved_at.is_not(None), 1), else_=0)),
            # Unanswered and asked within the target of `now`: not due yet.
            func.sum(case((and_(~answered, q.asked_at > not_due_after), 1), else_=0)),
        )
        .where(span)
        .group_by(channel)
    )
    found: dict[str, Responsiveness] = {}
    totals = [0, 0, 0, 0, 0]
    for name, asked, n_answered, in_time, solved, pending in rows:
        counts = [int(asked), int(n_answered or 0), int(in_time or 0), int(solved or 0)]
        counts.append(int(pending or 0))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        if name != ALL:
            found[name] = await _numbers(session, span, counts, q.channel_name, name)
    found[ALL] = await _numbers(session, span, totals, None, None)
    return found


async def _numbers(
    session: AsyncSession, span: Any, counts: list[int], column: Any, name: str | None
) -> Responsiveness:
    """The counts of one channel (or all), with the median read by the database: the
    middle one or two response times in order."""
    asked, answered, in_time, solved, pending = counts
    median = None
    if answered:
        q = Question.__table__.c
        where = [span, q.response_seconds.is_not(None)]
        if column is not None:
            where += [q.in_help_channel, func.lower(column) == name]
        middle = (answered - 1) // 2
        values = list(
            await session.scalars(
                select(q.response_seconds)
                .where(*where)
                .order_by(q.response_seconds)
                .offset(middle)
                .limit(1 if answered % 2 else 2)
            )
        )
        median = sum(values) / len(values) if values else None
    return Responsiveness(asked, asked - pending, in_time, answered, solved, median)
