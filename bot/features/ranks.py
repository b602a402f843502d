"""The rank ladder: which step a member stands on, and what changes when they move.

A member holds the highest rank whose every requirement they meet (points, active days,
accepted solutions, kudos received). Crossing up announces the promotion and grants the
rank's role on the platform; a reversal that drops them below demotes them and revokes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot import i18n
from bot.actions import Action, Card, DirectMessage, GrantRole, PostToChannel, RevokeRole
from bot.community import CommunityView
from bot.config import Rank
from bot.platforms import traits
from storage.counters import MEMBER_COUNTERS


class Standing(Protocol):
    """What rank decisions read of a member: a `storage.models.Member`, or the row of its
    counters the review selects (`storage.member_counters.standings`)."""

    @property
    def display_name(self) -> str: ...

    @property
    def points(self) -> int: ...


@dataclass(frozen=True)
class Progress:
    rank: Rank
    next_rank: Rank | None
    # What is still missing for the next rank, as (requirement, have, need).
    missing: tuple[tuple[str, int, int], ...]


# Requirement name -> the member counter it is judged on. A rank sets each as its
# `min_<name>` setting, and `rank.need.<name>` describes what is missing.
REQUIREMENTS: dict[str, str] = {
    "points": "points",
    "active_days": "active_days",
    "solutions": "solutions",
    "kudos": "kudos_received",
}
_UNKNOWN = set(REQUIREMENTS.values()) - set(MEMBER_COUNTERS)
if _UNKNOWN:
    raise RuntimeError(f"rank requirements on unknown member counters: {sorted(_UNKNOWN)}")


def requirements(rank: Rank) -> tuple[tuple[str, str, int], ...]:
    """(requirement name, member counter, minimum) for each requirement the rank sets."""
    pairs = (
        (name, counter, getattr(rank, f"min_{name}")) for name, counter in REQUIREMENTS.items()
    )
    return tuple(p for p in pairs if p[2] > 0)


def meets(member: Standing, rank: Rank) -> bool:
    return all(getattr(member, counter) >= need for _, counter, need in requirements(rank))


Steps = tuple[tuple[Rank, tuple[tuple[str, int], ...]], ...]


def steps(ladder: Sequence[Rank]) -> Steps:
    """The ladder above its first step, highest first, each rank with its (counter,
    minimum) pairs: worked out once for a batch rather than once per member."""
    return tuple(
        (rank, tuple((counter, need) for _, counter, need in requirements(rank)))
        for rank in reversed(ladder[1:])
    )


def rank_of(member: Standing, ladder: Sequence[Rank], above: Steps | None = None) -> Rank:
    """The highest rank of the ladder whose requirements the member meets, or the rank
    they keep from an import if that is higher (`above`: `steps(ladder)`, when the caller
    checks many members)."""
    earned = _earned(member, ladder, above)
    # A rank kept from another bot by an import holds until the member earns a higher one.
    floor = getattr(member, "rank_floor", None)
    if floor is not None and floor != earned.name:
        names = [rank.name for rank in ladder]
        if floor in names and names.index(floor) > names.index(earned.name):
            return ladder[names.index(floor)]
    return earned


def _earned(member: Standing, ladder: Sequence[Rank], above: Steps | None) -> Rank:
    for rank, needs in steps(ladder) if above is None else above:
        for counter, need in needs:
            if getattr(member, counter) < need:
                break
        else:
            return rank
    return ladder[0]


def shown_rank(member: Standing, ladder: Sequence[Rank]) -> Rank:
    """The member's rank as shown: with rolling windows, the rank they hold (reviewed
    weekly by `rank_review`, which their counters alone cannot say); else `rank_of`."""
    held = getattr(member, "rank", None)
    if uses_windows(ladder):
        for rank in ladder:
            if rank.name == held:
                return rank
    return rank_of(member, ladder)


def progress(member: Standing, ladder: Sequence[Rank]) -> Progress:
    rank = shown_rank(member, ladder)
    index = list(ladder).index(rank)
    next_rank = ladder[index + 1] if index + 1 < len(ladder) else None
    missing: tuple[tuple[str, int, int], ...] = ()
    if next_rank is not None:
        missing = tuple(
            (name, getattr(member, counter), need)
            for name, counter, need in requirements(next_rank)
            if getattr(member, counter) < need
        )
    return Progress(rank, next_rank, missing)


def rank_name(rank: Rank, locale: str) -> str:
    """The rank as members read it: its `name_fr` in French, else the catalog's name for a
    default rank (`rank.names.<name>`), else its configured name."""
    if locale == "fr" and rank.name_fr:
        return rank.name_fr
    key = "rank.names." + "_".join(re.findall(r"\w+", rank.name.casefold()))
    return i18n.t(locale, key) if i18n.has(key, locale) else rank.name


def rank_name_of(ladder: Sequence[Rank], locale: str, name: str) -> str:
    """`rank_name` of the ladder's rank called `name` (a name no longer in it as is)."""
    found = next((rank for rank in ladder if rank.name == name), None)
    return rank_name(found, locale) if found is not None else name


def role_for(rank: Rank, platform: str) -> str | None:
    """The rank's role on `platform` (its `roles` entry), if it has one."""
    role = rank.roles.get(platform)
    if role is None and traits(platform).ranks_are_roles:
        return rank.name
    return role


def rank_change_actions(
    community: CommunityView,
    ladder: Sequence[Rank],
    member: Standing,
    old: str | None,
    new: Rank,
    platform: str,
    user_id: str | None,
) -> list[Action]:
    """Announce and apply one member's move from rank `old` to rank `new`."""
    names = [r.name for r in ladder]
    old_index = names.index(old) if old in names else 0
    promoted = names.index(new.name) > old_index
    actions: list[Action] = []
    old_rank = ladder[old_index]
    if user_id is not None:
        old_role, new_role = role_for(old_rank, platform), role_for(new, platform)
        if old_role and old_role != new_role and old_index > 0:
            actions.append(RevokeRole(platform, user_id, member.display_name, old_role))
        if new_role and new_role != old_role and names.index(new.name) > 0:
            actions.append(GrantRole(platform, user_id, member.display_name, new_role))
    if promoted:
        card = Card(
            kind="promotion",
            title=community.t(
                "rank.promoted.title",
                member=member.display_name,
                rank=rank_name(new, community.locale),
            ),
            body=community.t(
                "rank.promoted.body",
                member=member.display_name,
                rank=rank_name(new, community.locale),
                points=i18n.points(community.locale, member.points),
            ),
        )
        actions.insert(0, PostToChannel(platform, community.announce_channel, card=card))
    elif user_id is not None:
        actions.append(
            DirectMessage(
                platform,
                user_id,
                member.display_name,
                community.t(
                    "rank.demoted",
                    rank=rank_name(new, community.locale),
                    old=rank_name(old_rank, community.locale),
                ),
            )
        )
    return actions


# Rolling-window requirement name -> the window number it is judged on
# (`storage.rank_windows`); a rank sets each as `min_<name>`.
WINDOWED: tuple[str, ...] = (
    "points_30d",
    "active_days_30d",
    "solutions_90d",
    "kudos_received_90d",
)


def uses_windows(ladder: Sequence[Rank]) -> bool:
    return any(getattr(rank, f"min_{name}") for rank in ladder for name in WINDOWED)


def full_steps(ladder: Sequence[Rank]) -> Steps:
    """`steps` with the rolling windows too: what a member must meet to reach each rank."""
    return tuple(
        (
            rank,
            needs
            + tuple(
                (name, getattr(rank, f"min_{name}"))
                for name in WINDOWED
                if getattr(rank, f"min_{name}")
            ),
        )
        for rank, needs in steps(ladder)
    )


class Windowed:
    """A member's standing with their rolling-window numbers beside their counters."""

    def __init__(self, standing: Standing, numbers: dict[str, int]) -> None:
        self._standing = standing
        self._numbers = numbers

    def __getattr__(self, name: str) -> object:
        if name in WINDOWED:
            return self._numbers.get(name, 0)
        return getattr(self._standing, name)


def reviewed_rank(ladder: Sequence[Rank], held: str | None, all_time: Rank, full: Rank) -> Rank:
    """The rank a member moves to between reviews: up at once to the highest rank whose
    every requirement (windows included) they meet; down at once only to what their
    all-time counters allow (a correction); a shortfall of a rolling window alone waits for
    the weekly review (`bot.features.rank_review`)."""
    names = [rank.name for rank in ladder]
    if held not in names:
        return full
    held_index = names.index(held)
    if names.index(full.name) > held_index:
        return full
    if names.index(all_time.name) < held_index:
        return all_time
    return ladder[held_index]
