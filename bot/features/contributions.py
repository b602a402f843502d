"""Turning activity events into ledger entries: messages, deletions, reactions, joins.

Events that arrive together are ingested together, in one transaction and a handful of
statements, whatever their number: duplicates are found in one query and skipped by the
database's unique source keys, and aggregates move only for rows really written. The rules
themselves live in `scoring`; this module gathers what they need and records the result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.awards import ledger_entry, touch
from bot.community import CommunityView, LocalCalendar
from bot.config import ResponsivenessSettings, ScoringSettings
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
from bot.features import questions, scoring
from storage import ledger, member_counters, reactions
from storage import solutions as solution_store
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
    responsiveness: ResponsivenessSettings = field(default_factory=ResponsivenessSettings)
    calendar: LocalCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.calendar = self.community.calendar()

    def member(self, ref: MemberRef) -> MemberInfo:
        return self.members[(ref.platform, ref.user_id)]

    def touch(self, member_id: int, ref: MemberRef | None) -> None:
        touch(self.touched, member_id, ref)

    def entry(
        self, member_id: int, kind: str, points: int, key: str, at: datetime, **extra: Any
    ) -> Entry:
        return ledger_entry(
            self.calendar,
            member_id=member_id,
            kind=kind,
            points=points,
            source_key=key,
            at=at,
            **extra,
        )


def message_ref(platform: str, message_id: str) -> str:
    return f"{platform}:{message_id}"


def message_key(platform: str, message_id: str) -> str:
    return f"{platform}:msg:{message_id}"


async def ingest(batch: Ingest, events: Sequence[Event]) -> None:
    """Score a run of activity events: posts first, then the rest in order."""
    posts = [e for e in events if isinstance(e, MessagePosted) and not e.author.is_bot]
    if posts:
        await _ingest_posts(batch, posts)
        await questions.record_posts(
            batch.session,
            batch.community,
            batch.responsiveness,
            [(post, batch.member(post.author).id) for post in posts],
        )
    about_messages = [
        e
        for e in events
        if isinstance(e, MessageDeleted)
        or (isinstance(e, ReactionAdded | ReactionRemoved) and not e.reactor.is_bot)
    ]
    if about_messages:
        await _ingest_reactions_and_deletions(batch, about_messages)
        gone = [
            message_ref(e.platform, e.message_id) for e in events if isinstance(e, MessageDeleted)
        ]
        await questions.deleted(batch.session, batch.community.id, gone)
    for event in events:
        if isinstance(event, MemberJoined | MemberLeft):
            info = batch.member(event.member)
            await set_joined(batch.session, info.id, event.at, isinstance(event, MemberLeft))


async def _ingest_posts(batch: Ingest, posts: Sequence[MessagePosted]) -> None:
    community, rules = batch.community, batch.scoring
    keys = [message_key(p.platform, p.message_id) for p in posts]
    # A message's event time comes with its id (a Discord snowflake, a Slack ts, the
    # console's clock), so a message newer than every message in the ledger cannot be in
    # it: only older ones, redeliveries among them, are looked up.
    newest = await ledger.latest_message_at(batch.session, community.id)
    maybe_seen = (
        []
        if newest is None
        else [key for post, key in zip(posts, keys, strict=True) if post.at <= newest]
    )
    seen = await ledger.existing_keys(batch.session, community.id, maybe_seen)
    # Without a cooldown no message waits on an earlier one: nothing to read first.
    last = (
        await member_counters.last_scored_at(
            batch.session, {batch.member(p.author).id for p in posts}
        )
        if rules.message_cooldown_seconds
        else {}
    )
    # Entries are handed to the ledger as they are made (written while the next are made).
    writer = await ledger.writer(batch.session, community.id)
    try:
        days = await _score_posts(batch, posts, keys, seen, last, writer)
        written = await writer.finish()
    except BaseException:
        await writer.discard()
        raise
    active: dict[tuple[int, date], int] = defaultdict(int)
    for entry in written:
        active[days[entry.source_key]] += 1
    await _open_days(batch, [DayMark(member, day, n) for (member, day), n in active.items()])


async def _score_posts(
    batch: Ingest,
    posts: Sequence[MessagePosted],
    keys: Sequence[str],
    seen: set[str],
    last: dict[int, datetime | None],
    writer: ledger.LedgerWriter,
) -> dict[str, tuple[int, date]]:
    """Each new post's entry, handed to `writer`; returns each one's author and local
    day by key."""
    community, rules = batch.community, batch.scoring
    calendar = batch.calendar
    taken: set[tuple[int, int]] = set()  # (member, window) scored in this batch
    cooldown = bool(rules.message_cooldown_seconds)
    # Whether each channel (by id and name) is excluded, worked out once per batch.
    excluded_channels: dict[tuple[str, str], bool] = {}
    any_excluded = bool(community.excluded_channels)
    weights = bool(rules.channel_weights or rules.role_weights)
    days: dict[str, tuple[int, date]] = {}
    for post, key in zip(posts, keys, strict=True):
        if key in seen:
            continue
        seen.add(key)
        author = batch.member(post.author)
        at = post.at
        window = scoring.cooldown_window(rules, at) if cooldown else None
        in_excluded = False
        if any_excluded:
            channel = post.channel
            found = excluded_channels.get((channel.id, channel.name))
            if found is None:
                found = excluded_channels[(channel.id, channel.name)] = scoring.channel_excluded(
                    community, channel
                )
            in_excluded = found
        points = scoring.message_points(
            rules,
            text=post.text,
            window_taken=window is not None
            and await _window_taken(batch, author.id, window, last.get(author.id), taken),
            author_excluded=author.excluded,
            in_excluded_channel=in_excluded,
        )
        if points and weights:
            points = scoring.weighted(
                points, scoring.message_weight(rules, post.channel, author.roles)
            )
        if points and window is not None:
            taken.add((author.id, window))
            if last.get(author.id) is None or at > last[author.id]:
                last[author.id] = at
        writer.add(
            batch.entry(
                author.id,
                "message",
                points,
                key,
                at,
                channel_id=post.channel.id,
                message_ref=message_ref(post.platform, post.message_id),
                effects=((author.id, "messages", 1),),
            )
        )
        days[key] = (author.id, calendar.of(at)[0])
        batch.touch(author.id, post.author)
    return days


async def _window_taken(
    batch: Ingest,
    member_id: int,
    window: int,
    latest: datetime | None,
    taken: set[tuple[int, int]],
) -> bool:
    """Whether the member already has a scored message in this cooldown window."""
    if (member_id, window) in taken:
        return True
    if latest is None:
        return False
    latest_window = scoring.cooldown_window(batch.scoring, latest)
    assert latest_window is not None
    if window > latest_window:
        return False  # nothing scored after `latest`: the window is free
    if window == latest_window:
        return True
    # A late delivery into an earlier window: the ledger knows what scored there.
    start, end = scoring.window_bounds(batch.scoring, window)
    return await ledger.scored_message_between(
        batch.session, batch.community.id, member_id, start, end
    )


async def _open_days(batch: Ingest, marks: Sequence[DayMark]) -> None:
    opened = await ledger.mark_active_days(batch.session, batch.community.id, marks)
    await member_counters.open_days(batch.session, opened)


@dataclass
class _Play:
    """The state a run of reactions and deletions is played against, and what it yields."""

    book: reactions.ReactionBook
    posts: dict[str, ledger.Contribution]  # message ledger rows, by message ref
    deleted: set[str]  # refs of messages already deleted
    solutions: dict[str, ledger.Contribution]  # accepted-solution awards, by message ref
    entries: list[Entry] = field(default_factory=list)
    days: list[DayMark] = field(default_factory=list)
    unsolved: list[str] = field(default_factory=list)  # solution messages deleted
    excluded: dict[int, bool] = field(default_factory=dict)


async def _ingest_reactions_and_deletions(
    batch: Ingest, events: Sequence[MessageDeleted | ReactionAdded | ReactionRemoved]
) -> None:
    session, community = batch.session, batch.community
    refs = {message_ref(e.platform, e.message_id) for e in events}
    keys = [message_key(e.platform, e.message_id) for e in events]
    rows = await ledger.entries_by_keys(
        session, community.id, keys + [k + ":deleted" for k in keys]
    )
    play = _Play(
        book=await reactions.load(session, community.id, refs),
        posts={
            row.message_ref: row
            for row in rows.values()
            if row.message_ref and row.kind == "message"
        },
        deleted={
            row.message_ref
            for row in rows.values()
            if row.message_ref and row.kind == "message_reversed"
        },
        solutions=await solution_store.awards_for(session, community.id, refs),
    )
    authors = {row.member_id for row in play.posts.values()}
    members = await member_counters.members_by_id(session, authors)
    play.excluded = {m: members[m].excluded for m in authors if m in members}
    for event in events:
        if isinstance(event, MessageDeleted):
            _message_deleted(batch, play, event)
        else:
            _reaction(batch, play, event)
    written = await ledger.record(session, community.id, play.entries)
    ids = {e.source_key: e.id for e in written}
    for award in play.book.awards.values():
        if award.contribution_id is None:
            award.contribution_id = ids.get(_award_key(award))
    # A reversal of an award made in this same run learns what it reverses only now.
    await ledger.link_reversals(
        session,
        {
            e.id: ids[e.source_key.rsplit(":", 1)[0]]
            for e in written
            if e.id is not None and e.reverses_id is None and e.source_key.rsplit(":", 1)[0] in ids
        },
    )
    await reactions.save(session, play.book)
    await solution_store.forget(session, community.id, play.unsolved)
    await _open_days(batch, play.days)


def _award_key(award: reactions.Award) -> str:
    return f"{award.message_ref}:react:{award.reactor_id}:{award.generation}"


def _message_deleted(batch: Ingest, play: _Play, event: MessageDeleted) -> None:
    """A deleted message gives back what it earned, and what reactions to it earned."""
    ref = message_ref(event.platform, event.message_id)
    original = play.posts.get(ref)
    if original is None or ref in play.deleted:
        return
    play.deleted.add(ref)
    # The deletion is written even for a message that earned nothing: it is how a later
    # reaction or a redelivered deletion knows the message is gone.
    assert original.id is not None
    play.entries.append(
        batch.entry(
            original.member_id,
            "message_reversed",
            -original.points,
            original.source_key + ":deleted",
            original.occurred_at,
            channel_id=original.channel_id,
            message_ref=ref,
            reverses_id=original.id,
        )
    )
    if original.points:
        batch.touch(original.member_id, None)
    for award in play.book.live_awards(ref):
        play.entries.append(_award_reversal(batch, award, ":deleted"))
        play.book.award(ref, award.reactor_id).points = 0
        batch.touch(award.author_id or original.member_id, None)
    solution = play.solutions.pop(ref, None)
    if solution is not None:
        assert solution.id is not None
        play.entries.append(
            batch.entry(
                solution.member_id,
                "solution_reversed",
                -solution.points,
                solution.source_key + ":deleted",
                solution.occurred_at,
                message_ref=ref,
                reverses_id=solution.id,
                effects=((solution.member_id, "solutions", -1),),
            )
        )
        play.unsolved.append(ref)
        batch.touch(solution.member_id, None)


def _award_reversal(batch: Ingest, award: reactions.Award, suffix: str) -> Entry:
    assert award.author_id is not None and award.awarded_at is not None
    return batch.entry(
        award.author_id,
        "reaction_reversed",
        -award.points,
        _award_key(award) + suffix,
        award.awarded_at,
        message_ref=award.message_ref,
        actor_id=award.reactor_id,
        reverses_id=award.contribution_id,
    )


def _reaction(batch: Ingest, play: _Play, event: ReactionAdded | ReactionRemoved) -> None:
    """State-based: an emoji already counted is not counted again, one not counted is not
    taken back; each reactor gives a message points once, whatever the emojis."""
    ref = message_ref(event.platform, event.message_id)
    if ref in play.deleted:
        return
    if event.message_author is not None:
        if event.message_author.is_bot:
            return  # reactions to a bot's (or Cercle's own) post earn nobody anything
        author = batch.member(event.message_author)
        author_id, author_excluded = author.id, author.excluded
    elif ref in play.posts:
        author_id = play.posts[ref].member_id
        author_excluded = play.excluded.get(author_id, False)
    else:
        return  # a message from before Cercle was here, or a bot's: nobody to credit
    reactor = batch.member(event.reactor)
    adding = isinstance(event, ReactionAdded)
    if not play.book.set_emoji(ref, reactor.id, event.emoji, adding):
        return
    play.days.append(DayMark(reactor.id, batch.community.local_day(event.at), 0))
    award = play.book.award(ref, reactor.id)
    if adding:
        award.active_emojis += 1
        if award.active_emojis > 1:
            return
        points = scoring.reaction_points(
            batch.scoring,
            self_reaction=author_id == reactor.id,
            reactor_is_bot=reactor.is_bot,
            author_excluded=author_excluded,
            in_excluded_channel=scoring.channel_excluded(batch.community, event.channel),
            already_awarded=play.book.awarded_count(ref),
        )
        award.generation += 1
        award.points, award.author_id, award.awarded_at = points, author_id, event.at
        award.contribution_id = None
        if points:
            play.entries.append(
                batch.entry(
                    author_id,
                    "reaction",
                    points,
                    _award_key(award),
                    event.at,
                    channel_id=event.channel.id,
                    message_ref=ref,
                    actor_id=reactor.id,
                )
            )
            batch.touch(author_id, event.message_author)
    else:
        award.active_emojis = max(0, award.active_emojis - 1)
        if award.active_emojis == 0 and award.points:
            play.entries.append(_award_reversal(batch, award, ":removed"))
            award.points = 0
            batch.touch(author_id, event.message_author)
            _promote_waiting(batch, play, ref, author_id, event)


def _promote_waiting(
    batch: Ingest, play: _Play, ref: str, author_id: int, event: ReactionRemoved
) -> None:
    """A reactor who came after the per-message cap was full takes the freed place, so a
    message's reaction points stay min(cap, distinct reactors)."""
    if play.excluded.get(author_id, False) or scoring.channel_excluded(
        batch.community, event.channel
    ):
        return
    waiting = [
        a
        for a in play.book.awards.values()
        if a.message_ref == ref and a.active_emojis and not a.points and a.reactor_id != author_id
    ]
    if not waiting or play.book.awarded_count(ref) >= batch.scoring.reaction_cap_per_message:
        return
    chosen = min(waiting, key=lambda a: (a.awarded_at or event.at, a.reactor_id))
    award = play.book.award(ref, chosen.reactor_id)
    award.generation += 1
    award.points, award.author_id, award.awarded_at = (
        batch.scoring.reaction_points,
        author_id,
        event.at,
    )
    award.contribution_id = None
    play.entries.append(
        batch.entry(
            author_id,
            "reaction",
            award.points,
            _award_key(award),
            event.at,
            channel_id=event.channel.id,
            message_ref=ref,
            actor_id=chosen.reactor_id,
        )
    )
