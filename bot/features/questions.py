"""Which messages are questions, and which message is a question's first response.

A question is a message that starts a conversation (not a reply, not inside another
message's thread) in one of the community's help channels, or, outside them and outside
excluded channels, one whose text ends with "?" (`responsiveness.question_mark`). Its first
response is the earliest message by another member who is not a bot that replies to it or
is in its thread; an accepted solution closes it (and counts as a response when none was
seen). Everything is recorded from the facts of each message (`storage.questions`), so a
redelivered message counts once and the order of delivery does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.community import CommunityView
from bot.config import ResponsivenessSettings
from bot.events import ChannelRef, MessagePosted
from bot.features import scoring
from storage import questions as store
from storage.questions import Asked


def message_ref(platform: str, message_id: str) -> str:
    return f"{platform}:{message_id}"


def starts_conversation(post: MessagePosted) -> bool:
    """Not a reply and not inside another message's thread (a Discord thread's first
    message has the thread's own id)."""
    return post.reply_to is None and post.thread_id in (None, post.message_id)


def in_help_channel(community: CommunityView, channel: ChannelRef) -> bool:
    names = {channel.id.lower(), channel.name.lower().lstrip("#")}
    return bool(names & community.help_channels)


def is_question(
    community: CommunityView, rules: ResponsivenessSettings, post: MessagePosted
) -> bool:
    if not starts_conversation(post):
        return False
    if in_help_channel(community, post.channel):
        return True
    if not rules.question_mark or post.text is None or not post.text.rstrip().endswith("?"):
        return False
    names = {post.channel.id.lower(), post.channel.name.lower().lstrip("#")}
    excluded = {c.lower().lstrip("#") for c in rules.excluded_channels}
    return not (names & excluded) and not scoring.channel_excluded(community, post.channel)


def seconds_between(asked_at: datetime, at: datetime) -> int:
    return int((at - asked_at).total_seconds())


async def record_posts(
    session: AsyncSession,
    community: CommunityView,
    rules: ResponsivenessSettings,
    posts: Sequence[tuple[MessagePosted, int]],
) -> None:
    """Record the questions among `posts` (each with its author's member id), then the
    responses among them: a question and its answer may arrive in the same batch."""
    asked = [
        Asked(
            message_ref(post.platform, post.message_id),
            post.channel.id,
            post.channel.name.lstrip("#")[:100],
            in_help_channel(community, post.channel),
            author_id,
            post.at,
        )
        for post, author_id in posts
        if is_question(community, rules, post)
    ]
    await store.record(session, community.id, asked)
    replies = [(post, author_id, _targets(post)) for post, author_id in posts if _targets(post)]
    if not replies:
        return
    wanted = {ref for _, _, targets in replies for ref in targets}
    questions = await store.asked_of(session, community.id, wanted)
    for post, author_id, targets in replies:
        for ref in targets:
            found = questions.get(ref)
            if found is None:
                continue
            asker_id, asked_at = found
            if asker_id != author_id and post.at >= asked_at:
                seconds = seconds_between(asked_at, post.at)
                await store.respond(session, community.id, ref, author_id, post.at, seconds)


def _targets(post: MessagePosted) -> set[str]:
    """The messages this one may respond to: the one it replies to, its thread's first."""
    ids = {post.reply_to, post.thread_id} - {None, post.message_id}
    return {message_ref(post.platform, i) for i in ids if i is not None}


async def solved(
    session: AsyncSession,
    community_id: int,
    question_ref: str,
    solver_id: int,
    at: datetime,
) -> None:
    """An accepted solution closes the question; with no response seen before, the
    solution is its first response."""
    found = (await store.asked_of(session, community_id, [question_ref])).get(question_ref)
    if found is None:
        return
    _, asked_at = found
    if at >= asked_at:
        seconds = seconds_between(asked_at, at)
        await store.respond(
            session, community_id, question_ref, solver_id, at, seconds, solved=True
        )


async def deleted(session: AsyncSession, community_id: int, refs: Sequence[str]) -> None:
    await store.forget(session, community_id, refs)
