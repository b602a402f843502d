"""The welcome: when a member joins, Cercle greets them (in `welcome.channel`, the default
channel, or by direct message with `welcome.direct_message`) with the way to `/rules` and
`/help` and a checklist of first steps from `welcome.checklist`. Doing every step (posting,
replying, reading the rules) earns the welcome badge, announced like any badge.

A community with more than `welcome.max_members` members gets no welcome, so a large
server is not flooded; a member who leaves and comes back is not welcomed twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, Card, DirectMessage, PostToChannel
from bot.community import CommunityView
from bot.config import ChecklistStep, Settings, WelcomeSettings
from bot.events import Event, MemberJoined, MessagePosted
from bot.text import member_text
from storage import member_counters
from storage import moderation as store
from storage.members import MemberInfo

BADGE = "welcome"


def badge_name(welcome: WelcomeSettings, locale: str) -> str:
    return welcome.badge_name_fr if locale == "fr" else welcome.badge_name


def step_text(community: CommunityView, step: ChecklistStep) -> str:
    if community.locale == "fr" and step.text_fr:
        return step.text_fr
    if step.text:
        return step.text
    return community.t(f"welcome.step.{step.key}", channel=step.channel or "")


def welcome_text(community: CommunityView, welcome: WelcomeSettings, name: str) -> str:
    steps = "\n".join(f"☐ {step_text(community, s)}" for s in welcome.checklist)
    return community.t(
        "welcome.text",
        member=member_text(name, 50),
        community=community.slug,
        steps=steps,
        badge=badge_name(welcome, community.locale),
    )


async def greet(
    session: AsyncSession,
    community: CommunityView,
    settings: Settings,
    events: Sequence[Event],
    members: Mapping[tuple[str, str], MemberInfo],
) -> list[Action]:
    """Welcome the members who joined in this batch (once each, small communities only)."""
    welcome = settings.welcome
    joined = [e for e in events if isinstance(e, MemberJoined) and not e.member.is_bot]
    if not welcome.enabled or not joined or not welcome.checklist:
        return []
    if await store.present_members(session, community.id) > welcome.max_members:
        return []
    actions: list[Action] = []
    for event in joined:
        ref = event.member
        info = members.get((ref.platform, ref.user_id))
        steps = [s.key for s in welcome.checklist]
        if info is None or not await store.start_checklist(session, community.id, info.id, steps):
            continue
        text = welcome_text(community, welcome, info.name)
        if welcome.direct_message:
            actions.append(DirectMessage(ref.platform, ref.user_id, info.name, text))
        else:
            channel = (welcome.channel or "").lstrip("#") or None
            actions.append(PostToChannel(ref.platform, channel, text=text))
    return actions


def _done_by(step: ChecklistStep, event: MessagePosted) -> bool:
    if step.done_by == "post":
        return step.channel is None or step.channel.lstrip("#").lower() in (
            event.channel.name.lower(),
            event.channel.id.lower(),
        )
    return step.done_by == "reply" and bool(event.reply_to or event.thread_id)


async def progress(
    session: AsyncSession,
    community: CommunityView,
    settings: Settings,
    events: Sequence[Event],
    members: Mapping[tuple[str, str], MemberInfo],
    now: datetime,
) -> list[Action]:
    """Tick the steps the batch's messages complete; a finished checklist earns the badge."""
    if not settings.welcome.enabled:
        return []
    posts: dict[int, list[MessagePosted]] = {}
    for event in events:
        if isinstance(event, MessagePosted) and not event.author.is_bot:
            info = members.get((event.author.platform, event.author.user_id))
            if info is not None:
                posts.setdefault(info.id, []).append(event)
    pending = await store.pending_steps(session, community.id, posts)
    actions: list[Action] = []
    for member_id, steps in pending.items():
        done = {
            s.key
            for s in settings.welcome.checklist
            if s.key in steps and any(_done_by(s, e) for e in posts[member_id])
        }
        actions += await _tick(
            session, community, settings, member_id, steps, done, now, posts[member_id][0].platform
        )
    return actions


async def rules_read(
    session: AsyncSession,
    community: CommunityView,
    settings: Settings,
    member_id: int,
    platform: str,
    now: datetime,
) -> list[Action]:
    """The member ran `/rules`: the `rules` steps of their checklist are done."""
    if not settings.welcome.enabled:
        return []
    steps = (await store.pending_steps(session, community.id, [member_id])).get(member_id, set())
    done = {s.key for s in settings.welcome.checklist if s.key in steps and s.done_by == "rules"}
    return await _tick(session, community, settings, member_id, steps, done, now, platform)


async def _tick(
    session: AsyncSession,
    community: CommunityView,
    settings: Settings,
    member_id: int,
    pending: set[str],
    done: set[str],
    now: datetime,
    platform: str,
) -> list[Action]:
    if not done:
        return []
    await store.complete_steps(session, community.id, member_id, done, now)
    if pending - done:
        return []
    given = await member_counters.award_badges(session, community.id, [(member_id, BADGE)], now)
    if not given:
        return []
    standing = (await member_counters.members_by_id(session, [member_id]))[member_id]
    if standing.hidden:  # never announced in a channel
        return []
    name = badge_name(settings.welcome, community.locale)
    card = Card(
        kind="badge",
        title=community.t("badge.earned.title", member=standing.display_name, badge=name),
        body=community.t("welcome.badge_body"),
    )
    return [PostToChannel(platform, community.announce_channel, card=card)]
