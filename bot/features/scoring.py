"""What a scored event is worth: the pure rules, with no storage and no platform.

Each function takes what the rule needs to know and returns the points (0 means the event
is recorded for activity but earns nothing). Keeping them pure makes every rule testable
on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.community import CommunityView
from bot.config import ScoringSettings
from bot.events import ChannelRef


def channel_excluded(community: CommunityView, channel: ChannelRef) -> bool:
    names = {channel.id.lower(), channel.name.lower().lstrip("#")}
    return bool(names & community.excluded_channels)


def cooldown_window(scoring: ScoringSettings, at: datetime) -> int | None:
    """The cooldown window an event time falls in (None when there is no cooldown).

    Windows are aligned on the clock (09:00:00-09:00:59, 09:01:00-...), so whether a message
    scores depends only on the messages written in its window, never on the order in which
    the platform delivers them or on which process handles them.
    """
    seconds = scoring.message_cooldown_seconds
    return int(at.timestamp() // seconds) if seconds else None


def window_bounds(scoring: ScoringSettings, window: int) -> tuple[datetime, datetime]:
    """The [start, end) instants of a cooldown window, in UTC."""
    seconds = scoring.message_cooldown_seconds
    start = datetime.fromtimestamp(window * seconds, UTC)
    return start, start + timedelta(seconds=seconds)


def message_points(
    scoring: ScoringSettings,
    *,
    text: str | None,
    window_taken: bool,
    author_excluded: bool,
    in_excluded_channel: bool,
) -> int:
    """Points for a posted message: at most one scored message per member and cooldown
    window, judged on the platform's event time."""
    if author_excluded or in_excluded_channel:
        return 0
    if text is not None and len(text.strip()) < scoring.message_min_length:
        return 0
    if window_taken:
        return 0
    return scoring.message_points


def message_weight(
    scoring: ScoringSettings, channel: ChannelRef, roles: frozenset[str] | tuple[str, ...]
) -> float:
    """`scoring.channel_weights` of the channel times the highest `scoring.role_weights`
    among the author's roles (1.0 where none is set)."""
    weight = 1.0
    if scoring.channel_weights:
        names = (channel.name.lower().lstrip("#"), channel.id.lower())
        channels = {k.lower().lstrip("#"): v for k, v in scoring.channel_weights.items()}
        weight = next((channels[n] for n in names if n in channels), 1.0)
    if scoring.role_weights:
        wanted = {k.lower(): v for k, v in scoring.role_weights.items()}
        found = [wanted[r.lower()] for r in roles if r.lower() in wanted]
        if found:
            weight *= max(found)
    return weight


def weighted(points: int, weight: float) -> int:
    """Points times a weight, rounded half up to a whole number."""
    return int(points * weight + 0.5) if points else 0


def reaction_points(
    scoring: ScoringSettings,
    *,
    self_reaction: bool,
    reactor_is_bot: bool,
    author_excluded: bool,
    in_excluded_channel: bool,
    already_awarded: int,
) -> int:
    """Points a message's author gets from one more distinct reactor."""
    if self_reaction or reactor_is_bot or author_excluded or in_excluded_channel:
        return 0
    if already_awarded >= scoring.reaction_cap_per_message:
        return 0
    return scoring.reaction_points
