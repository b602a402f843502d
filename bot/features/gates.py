"""Who may submit ideas and vote: a minimum rank and a minimum tenure in the community.

`ideas.submit_min_rank`, `ideas.vote_min_rank` and `polls.vote_min_rank` name a rank of the
ladder; `ideas.submit_min_member_days`, `ideas.vote_min_member_days` and
`polls.vote_min_member_days` the days since the member joined (or, when the platform never
said, since their first day of activity). A member
below is refused before anything is written, with a message naming what they need; the
refusal of a button press is as private as any other reply to it. Moderators are never
gated: they run the community.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import func, select

from bot import i18n
from bot.context import CommandContext
from bot.errors import NotAllowed
from bot.features.ranks import rank_name
from storage.models import Member, MemberDay

Gate = Literal["idea_submit", "idea_vote", "poll_vote"]


def _limits(ctx: CommandContext, gate: Gate) -> tuple[str | None, int]:
    ideas, polls = ctx.settings.ideas, ctx.settings.polls
    if gate == "idea_submit":
        return ideas.submit_min_rank, ideas.submit_min_member_days
    if gate == "idea_vote":
        return ideas.vote_min_rank, ideas.vote_min_member_days
    return polls.vote_min_rank, polls.vote_min_member_days


async def require(ctx: CommandContext, gate: Gate) -> None:
    """Refuse (`NotAllowed`, nothing written) a member below the gate's rank or tenure."""
    min_rank, min_days = _limits(ctx, gate)
    if (min_rank is None and not min_days) or ctx.is_moderator:
        return
    row = (
        await ctx.session.execute(
            select(Member.rank, Member.joined_at).where(Member.id == ctx.caller.id)
        )
    ).one()
    ladder = ctx.settings.ranks
    names = [rank.name for rank in ladder]
    locale = ctx.community.locale
    action = ctx.t(f"gate.action.{gate}")
    if min_rank is not None and min_rank in names:
        held = names.index(row.rank) if row.rank in names else 0
        needed = names.index(min_rank)
        if held < needed:
            raise NotAllowed(
                "gate.rank",
                action=action,
                rank=rank_name(ladder[needed], locale),
                current=rank_name(ladder[held], locale),
            )
    if min_days:
        days = await _tenure_days(ctx, row.joined_at)
        if days < min_days:
            raise NotAllowed(
                "gate.days",
                action=action,
                days=i18n.plural(locale, "gate.unit.days", min_days),
                left=i18n.plural(locale, "gate.unit.days", min_days - max(days, 0)),
            )


async def _tenure_days(ctx: CommandContext, joined_at: datetime | None) -> int:
    """Whole days since the member joined; for one the platform never said joined (seen
    first by a message), since their first day of activity."""
    if joined_at is not None:
        return (ctx.at - joined_at).days
    first = await ctx.session.scalar(
        select(func.min(MemberDay.day)).where(MemberDay.member_id == ctx.caller.id)
    )
    return (ctx.community.local_day(ctx.at) - first).days if first is not None else 0
