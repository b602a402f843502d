"""Slack event payloads as the core's events.

Ids are stable whatever the delivery: a message is `<channel>:<ts>` (a ts is unique in its
channel only), so a retried delivery (X-Slack-Retry-Num), or the same event reaching two
processes, yields the same event and the ledger's unique source keys count it once.
Bot messages, Cercle's own and every subtype that is not a member writing (joins, topic
changes, ...) are ignored; direct messages with Cercle are not community activity.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot.events import (
    ChannelRef,
    Event,
    MemberJoined,
    MemberRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

PLATFORM = "slack"
# Subtypes that are still a member writing something.
WRITTEN_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}
COMMUNITY_CHANNEL_TYPES = {"channel", "group", None}

MemberLookup = Callable[[str], Awaitable[MemberRef]]


def message_id(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_message_id(value: str) -> tuple[str | None, str]:
    """(channel, ts) of a message id; a bare ts has no channel."""
    channel, sep, ts = value.rpartition(":")
    return (channel or None, ts) if sep else (None, value)


def when(ts: str | float | None) -> datetime:
    """A Slack timestamp (`"1712345678.000100"`) as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts or 0), UTC)


def _by_a_member(message: dict[str, Any]) -> bool:
    return bool(message.get("user")) and not message.get("bot_id") and not message.get("app_id")


async def message_event(team_id: str, event: dict[str, Any], lookup: MemberLookup) -> Event | None:
    """A `message` event (any subtype) as MessagePosted/Edited/Deleted, or None to ignore."""
    if event.get("channel_type") not in COMMUNITY_CHANNEL_TYPES:
        return None
    channel = ChannelRef(event.get("channel", ""))
    subtype = event.get("subtype")
    if subtype == "message_changed":
        changed = event.get("message") or {}
        before = event.get("previous_message") or {}
        if not _by_a_member(changed) or changed.get("text") == before.get("text"):
            return None  # thread bookkeeping, unfurls: not an edit by the member
        edited_at = (changed.get("edited") or {}).get("ts") or event.get("event_ts")
        return MessageEdited(
            platform=PLATFORM,
            space_id=team_id,
            at=when(edited_at),
            message_id=message_id(channel.id, changed["ts"]),
            channel=channel,
            author=await lookup(changed["user"]),
            text=changed.get("text"),
        )
    if subtype == "message_deleted":
        deleted = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
        if not deleted:
            return None
        return MessageDeleted(
            platform=PLATFORM,
            space_id=team_id,
            at=when(event.get("event_ts") or event.get("ts")),
            message_id=message_id(channel.id, deleted),
            channel=channel,
        )
    if subtype not in WRITTEN_SUBTYPES or not _by_a_member(event) or event.get("hidden"):
        return None
    ts = event["ts"]
    thread_ts = event.get("thread_ts")
    root = message_id(channel.id, thread_ts) if thread_ts and thread_ts != ts else None
    return MessagePosted(
        platform=PLATFORM,
        space_id=team_id,
        at=when(ts),
        message_id=message_id(channel.id, ts),
        channel=channel,
        author=await lookup(event["user"]),
        text=event.get("text"),
        # A Slack reply answers its thread: the thread's root is what it replies to.
        reply_to=root,
        thread_id=root,
    )


async def reaction_event(
    team_id: str, event: dict[str, Any], lookup: MemberLookup
) -> ReactionAdded | ReactionRemoved | None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not event.get("user"):
        return None
    channel = ChannelRef(item.get("channel", ""))
    author = await lookup(event["item_user"]) if event.get("item_user") else None
    kind = ReactionAdded if event.get("type") == "reaction_added" else ReactionRemoved
    return kind(
        platform=PLATFORM,
        space_id=team_id,
        at=when(event.get("event_ts")),
        message_id=message_id(channel.id, item["ts"]),
        channel=channel,
        reactor=await lookup(event["user"]),
        emoji=event.get("reaction", ""),
        message_author=author,
    )


def joined_event(team_id: str, member: MemberRef, at: datetime) -> MemberJoined:
    return MemberJoined(platform=PLATFORM, space_id=team_id, at=at, member=member)
