"""Badges: milestones from the config (first solution, 10 kudos, 7-day streak, ...),
each awarded once per member and announced when earned."""

from __future__ import annotations

from collections.abc import Sequence

from bot import i18n
from bot.actions import Card, PostToChannel
from bot.community import CommunityView
from bot.config import Badge
from bot.features.ranks import Standing


def badge_name(badge: Badge, locale: str) -> str:
    return badge.name_fr if locale == "fr" and badge.name_fr else badge.name


def qualifying(member: object, badges: Sequence[Badge]) -> list[Badge]:
    """Badges whose threshold the member's counters reach, held or not."""
    return [b for b in badges if getattr(member, b.metric) >= b.threshold]


def earned(member: object, badges: Sequence[Badge], held: set[str]) -> list[Badge]:
    """Badges the member now qualifies for and does not hold yet."""
    return [b for b in qualifying(member, badges) if b.key not in held]


def badge_card(
    community: CommunityView, member: Standing, badge: Badge, platform: str
) -> PostToChannel:
    name = badge_name(badge, community.locale)
    card = Card(
        kind="badge",
        title=community.t("badge.earned.title", member=member.display_name, badge=name),
        body=i18n.plural(community.locale, f"badge.metric.{badge.metric}", badge.threshold),
    )
    return PostToChannel(platform, community.announce_channel, card=card)
