"""After scoring: the members whose counters moved are checked against the rank ladder and
the badges, and what they earned (or lost) becomes announcements and role changes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, PostToChannel
from bot.community import CommunityView
from bot.config import Badge, Settings
from bot.events import MemberRef
from bot.features import badges, ranks
from storage import member_counters, rank_windows
from storage.members import user_id_on


async def review(
    session: AsyncSession,
    community: CommunityView,
    settings: Settings,
    touched: dict[int, MemberRef | None],
    platform: str,
    now: datetime,
) -> list[Action]:
    if not touched:
        return []
    ladder = settings.ranks
    above = ranks.steps(ladder)
    counters = {c for _, needs in above for c, _ in needs} | {b.metric for b in settings.badges}
    members = await member_counters.standings(session, touched, counters)
    windows: dict[int, dict[str, int]] = {}
    full = ranks.full_steps(ladder) if ranks.uses_windows(ladder) else None
    if full is not None:
        windows = await rank_windows.windowed(
            session, community.id, touched, now.astimezone(UTC).date(), community.local_day(now)
        )
    actions: list[Action] = []
    candidates: dict[int, list[Badge]] = {}
    new_ranks: dict[int, tuple[str | None, str]] = {}
    for member_id, ref in touched.items():
        member = members[member_id]
        if member.is_bot:
            continue
        rank = ranks.rank_of(member, ladder, above)
        if full is not None:
            best = ranks.rank_of(ranks.Windowed(member, windows[member_id]), ladder, full)
            rank = ranks.reviewed_rank(ladder, member.rank, rank, best)
        if member.rank != rank.name:
            new_ranks[member_id] = (member.rank, rank.name)
            # A member's first rank is the ladder's first step: nothing to announce.
            if member.rank is not None or rank is not ladder[0]:
                user_id = ref.user_id if ref is not None and ref.platform == platform else None
                if user_id is None:
                    user_id = await user_id_on(session, community.id, member_id, platform)
                changes = ranks.rank_change_actions(
                    community, ladder, member, member.rank, rank, platform, user_id
                )
                if member.hidden:  # never announced in a channel; roles and DMs still go
                    changes = [a for a in changes if not isinstance(a, PostToChannel)]
                actions += changes
        reached = badges.qualifying(member, settings.badges)
        if reached:
            candidates[member_id] = reached
    # Only members whose counters reach some badge can have earned one.
    held = await member_counters.badges_of(session, candidates)
    new_badges = [
        (member_id, badge.key)
        for member_id, reached in candidates.items()
        for badge in reached
        if badge.key not in held[member_id]
    ]
    await member_counters.set_ranks(session, community.id, new_ranks, now)
    given = await member_counters.award_badges(session, community.id, new_badges, now)
    by_key = {b.key: b for b in settings.badges}
    for member_id, key in new_badges:
        # A member who chose to be hidden is never announced in a channel.
        if (member_id, key) in given and not members[member_id].hidden:
            actions.append(badges.badge_card(community, members[member_id], by_key[key], platform))
    return actions
