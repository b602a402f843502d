"""What a scored event is worth: the pure rules, with no storage and no platform.

Each function takes what the rule needs to know and returns the points (0 means the event
is recorded for activity but earns nothing). Keeping them pure makes every rule testable
on its own.
"""

from __future__ import annotations

from datetime import datetime

from bot.community import CommunityView
from bot.config import ScoringSettings
from bot.events import ChannelRef


def channel_excluded(community: CommunityView, channel: ChannelRef) -> bool:
    names = {channel.id.lower(), channel.name.lower().lstrip("#")}
    return bool(names & community.excluded_channels)


def message_points(
    scoring: ScoringSettings,
    *,
    text: str | None,
    at: datetime,
    last_scored: datetime | None,
    author_excluded: bool,
    in_excluded_channel: bool,
) -> int:
    """Points for a posted message: the cooldown is judged on the platform's event time."""
    if author_excluded or in_excluded_channel:
        return 0
    if text is not None and len(text.strip()) < scoring.message_min_length:
        return 0
    # Events may arrive out of order: a message far enough before the last scored one
    # scores too, so the cooldown is a distance in event time, in either direction.
    if last_scored is not None and abs((at - last_scored).total_seconds()) < (
        scoring.message_cooldown_seconds
    ):
        return 0
    return scoring.message_points


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
