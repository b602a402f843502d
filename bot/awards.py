"""Scoring one thing a member did: the one ledger-entry builder and the one `award`.

`ledger_entry` is how every ledger entry is made, from a command or from a batch of
activity: at an instant, counted in that instant's local week and month. `mark_active` is
the one definition of an active member: someone who, on a local day, posted, reacted (both
marked by the activity batches), thanked someone, submitted an idea, or voted on an idea
or a poll (marked here). The digest, the participation shape, the chart, `/admin stats`,
the customers line and the exports' active days all read these days. `award` is what
every command that scores does (kudos, solutions, ideas and their milestones, idea and
poll votes, moderators' point adjustments): no points for an excluded member, one entry,
recorded once under its source key (a redelivery writes nothing), and every member whose
counters moved is marked for the rank and badge review that follows the command.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from storage import ledger, member_counters
from storage.ledger import DayMark, Entry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.community import CommunityView, LocalCalendar
    from bot.events import MemberRef
    from storage.members import MemberInfo


def ledger_entry(
    calendar: LocalCalendar,
    *,
    member_id: int,
    kind: str,
    points: int,
    source_key: str,
    at: datetime,
    **extra: Any,
) -> Entry:
    """A ledger entry at `at`, counted in that moment's week and month (local time)."""
    _day, week, month = calendar.of(at)
    return Entry(
        member_id=member_id,
        kind=kind,
        points=points,
        source_key=source_key,
        occurred_at=at,
        week=week,
        month=month,
        **extra,
    )


# Entries whose actor (who thanked, voted or proposed) was active on the entry's day.
ACTIVE_KINDS = frozenset({"kudos", "idea_submitted", "idea_vote", "poll_vote"})


async def mark_active(ctx: Awarding, member_id: int, at: datetime) -> None:
    """Count `member_id` active on the local day of `at` (once a day, however often)."""
    day = ctx.community.calendar().of(at)[0]
    opened = await ledger.mark_active_days(
        ctx.session, ctx.community.id, [DayMark(member_id, day, 0)]
    )
    await member_counters.open_days(ctx.session, opened)
    if opened:
        touch(ctx.touched, member_id, ctx.invoker if member_id == ctx.caller.id else None)


def touch(touched: dict[int, MemberRef | None], member_id: int, ref: MemberRef | None) -> None:
    """Mark a member for review, keeping the platform account already known for them."""
    if ref is not None or member_id not in touched:
        touched[member_id] = ref


class Awarding(Protocol):
    """Where an award is made: a command's context (`bot.context.CommandContext`)."""

    session: AsyncSession
    community: CommunityView
    caller: MemberInfo
    invoker: MemberRef
    touched: dict[int, MemberRef | None]

    def entry(
        self, *, member_id: int, kind: str, points: int, source_key: str, **extra: Any
    ) -> Entry: ...


async def award(
    ctx: Awarding,
    *,
    member_id: int,
    excluded: bool,
    kind: str,
    points: int,
    source_key: str,
    ref: MemberRef | None = None,
    **extra: Any,
) -> Entry | None:
    """Record `points` (none if the member is excluded) for `member_id` under `source_key`.

    Returns the entry written, or None when that key was already recorded (the same
    interaction delivered twice). When the entry moved someone's counters, the member and
    everyone its `effects` name are marked for review: `ref` is the member's platform
    account when known, the caller's is the invoker."""
    entry = ctx.entry(
        member_id=member_id,
        kind=kind,
        points=0 if excluded else points,
        source_key=source_key,
        **extra,
    )
    if not await ledger.record(ctx.session, ctx.community.id, [entry]):
        return None
    if kind in ACTIVE_KINDS:
        await mark_active(ctx, entry.actor_id or ctx.caller.id, entry.occurred_at)
    if entry.points or entry.effects:
        touch(ctx.touched, member_id, ref)
        for other, _counter, _delta in entry.effects:
            touch(ctx.touched, other, ctx.invoker if other == ctx.caller.id else None)
    return entry
