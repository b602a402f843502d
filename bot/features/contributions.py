"""Turning activity events into ledger entries: messages, deletions, reactions, joins.

Events that arrive together are ingested together, in one transaction and a handful of
statements, whatever their number: duplicates are found in one query and skipped by the
database's unique source keys, and aggregates move only for rows really written. The rules
themselves live in `scoring`; this module gathers what they need and records the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.community import CommunityView
from bot.config import ScoringSettings
from bot.events import (
    Event,
    MemberJoined,
    MemberLeft,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.features import scoring
from storage import ledger, reactions, stats
from storage.ledger import DayMark, Entry
from storage.members import MemberInfo, set_joined


@dataclass
class Ingest:
    """One batch of events of one community, with the members they name already resolved."""

    session: AsyncSession
    community: CommunityView
    scoring: ScoringSettings
    members: dict[tuple[str, str], MemberInfo]
    # Members whose counters changed, with the platform account to act on (roles, DMs).
    # None when the event did not say who they are on its platform (looked up later).
    touched: dict[int, MemberRef | None] = field(default_factory=dict)

    def member(self, ref: MemberRef) -> MemberInfo:
        return self.members[(ref.platform, ref.user_id)]

    def touch(self, member_id: int, ref: MemberRef | None) -> None:
        if ref is not None or member_id not in self.touched:
            self.touched[member_id] = ref

    def entry(
        self, member_id: int, kind: str, points: int, key: str, at: datetime, **extra: object
    ) -> Entry:
        return Entry(
            member_id=member_id,
            kind=kind,
            points=points,
            source_key=key,
            occurred_at=at,
            week=self.community.week_start(at),
            month=self.community.month_start(at),
            **extra,
        )  # type: ignore[arg-type]


def message_ref(platform: str, message_id: str) -> str:
    return f"{platform}:{message_id}"


def message_key(platform: str, message_id: str) -> str:
    return f"{platform}:msg:{message_id}"


async def ingest(batch: Ingest, events: Sequence[Event]) -> None:
    """Score a run of activity events, in order."""
    posts = [e for e in events if isinstance(e, MessagePosted) and not e.author.is_bot]
    if posts:
        await _ingest_posts(batch, posts)
    for event in events:
        if isinstance(event, MessageDeleted):
            await _message_deleted(batch, event)
        elif isinstance(event, ReactionAdded | ReactionRemoved):
            await _reaction(batch, event)
        elif isinstance(event, MemberJoined | MemberLeft):
            info = batch.member(event.member)
            await set_joined(batch.session, info.id, event.at, isinstance(event, MemberLeft))


async def _ingest_posts(batch: Ingest, posts: Sequence[MessagePosted]) -> None:
    community = batch.community
    keys = [message_key(p.platform, p.message_id) for p in posts]
    seen = await ledger.existing_keys(batch.session, community.id, keys)
    authors = {batch.member(p.author).id for p in posts}
    last = await stats.last_scored_at(batch.session, authors)
    entries: list[Entry] = []
    days: dict[str, DayMark] = {}
    for post, key in zip(posts, keys, strict=True):
        if key in seen:
            continue
        seen.add(key)
        author = batch.member(post.author)
        points = scoring.message_points(
            batch.scoring,
            text=post.text,
            at=post.at,
            last_scored=last.get(author.id),
            author_excluded=author.excluded,
            in_excluded_channel=scoring.channel_excluded(community, post.channel),
        )
        if points:
            last[author.id] = post.at
        entries.append(
            batch.entry(
                author.id,
                "message",
                points,
                key,
                post.at,
                channel_id=post.channel.id,
                message_ref=message_ref(post.platform, post.message_id),
                effects=((author.id, "messages", 1),),
            )
        )
        days[key] = DayMark(author.id, community.local_day(post.at), 1)
        batch.touch(author.id, post.author)
    written = await ledger.record(batch.session, community.id, entries)
    scored = {e.member_id: e.occurred_at for e in written if e.points}
    await stats.advance_last_scored(batch.session, scored)
    opened = await ledger.mark_active_days(
        batch.session, community.id, [days[e.source_key] for e in written]
    )
    await stats.open_days(batch.session, opened)


async def _message_deleted(batch: Ingest, event: MessageDeleted) -> None:
    """A deleted message gives back what it earned, and what reactions to it earned."""
    community = batch.community
    original = await ledger.find_entry(
        batch.session, community.id, message_key(event.platform, event.message_id)
    )
    if original is None:
        return
    ref = message_ref(event.platform, event.message_id)
    entries = []
    if original.points:
        entries.append(_reversal(batch, original, original.source_key + ":deleted"))
    for award in await reactions.live_awards(batch.session, community.id, ref):
        if award.contribution_id is None:
            continue
        source = await batch.session.get(ledger.Contribution, award.contribution_id)
        if source is not None:
            entries.append(_reversal(batch, source, source.source_key + ":deleted"))
        await reactions.clear_award(batch.session, award)
    await ledger.record(batch.session, community.id, entries)


def _reversal(batch: Ingest, original: ledger.Contribution, key: str) -> Entry:
    assert original.id is not None
    return batch.entry(
        original.member_id,
        original.kind + "_reversed",
        -original.points,
        key,
        original.occurred_at,
        channel_id=original.channel_id,
        message_ref=original.message_ref,
        actor_id=original.actor_id,
        reverses_id=original.id,
    )


async def _author_of(batch: Ingest, event: ReactionAdded | ReactionRemoved) -> int | None:
    if event.message_author is not None:
        return batch.member(event.message_author).id
    original = await ledger.find_entry(
        batch.session, batch.community.id, message_key(event.platform, event.message_id)
    )
    return None if original is None else original.member_id


async def _reaction(batch: Ingest, event: ReactionAdded | ReactionRemoved) -> None:
    """State-based: an emoji already counted is not counted again, one not counted is not
    taken back; each reactor gives a message points once, whatever the emojis."""
    if event.reactor.is_bot:
        return
    session, community = batch.session, batch.community
    author_id = await _author_of(batch, event)
    if author_id is None:  # a message from before Cercle was here
        return
    reactor = batch.member(event.reactor)
    ref = message_ref(event.platform, event.message_id)
    adding = isinstance(event, ReactionAdded)
    if not await reactions.set_emoji(session, community.id, ref, reactor.id, event.emoji, adding):
        return
    award = await reactions.award(session, community.id, ref, reactor.id)
    if adding:
        award.active_emojis += 1
        if award.active_emojis == 1:
            author_excluded = (
                batch.members.get((event.message_author.platform, event.message_author.user_id))
                if event.message_author
                else None
            )
            points = scoring.reaction_points(
                batch.scoring,
                self_reaction=author_id == reactor.id,
                reactor_is_bot=reactor.is_bot,
                author_excluded=await _excluded(batch, author_id, author_excluded),
                in_excluded_channel=scoring.channel_excluded(community, event.channel),
                already_awarded=await reactions.awarded_count(session, community.id, ref),
            )
            award.generation += 1
            award.points = points
            if points:
                entry = batch.entry(
                    author_id,
                    "reaction",
                    points,
                    f"{event.platform}:react:{event.message_id}:{reactor.id}:{award.generation}",
                    event.at,
                    channel_id=event.channel.id,
                    message_ref=ref,
                    actor_id=reactor.id,
                )
                written = await ledger.record(session, community.id, [entry])
                award.contribution_id = written[0].id if written else None
                batch.touch(author_id, event.message_author)
    else:
        award.active_emojis = max(0, award.active_emojis - 1)
        if award.active_emojis == 0 and award.points and award.contribution_id is not None:
            source = await session.get(ledger.Contribution, award.contribution_id)
            if source is not None:
                await ledger.record(
                    session,
                    community.id,
                    [_reversal(batch, source, f"{source.source_key}:removed")],
                )
            award.points = 0
            batch.touch(author_id, event.message_author)
    opened = await ledger.mark_active_days(
        session, community.id, [DayMark(reactor.id, community.local_day(event.at), 0)]
    )
    await stats.open_days(session, opened)
    await session.flush()


async def _excluded(batch: Ingest, member_id: int, known: MemberInfo | None) -> bool:
    if known is not None:
        return known.excluded
    member = (await stats.members_by_id(batch.session, [member_id])).get(member_id)
    return bool(member and member.excluded)
