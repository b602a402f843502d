"""The core's one entry point: `handle` an event, get the actions that answer it.

It finds the event's community, resolves the members it names, routes activity to the
contribution rules in batches and commands to their handlers (checking who may run them
on every call), reviews ranks and badges of whoever moved, and turns errors into replies:
a `UserError` becomes a localised ephemeral message and changes nothing (its transaction
is rolled back); anything else is logged with an id and the user gets a short apology.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot import command_text, customers, i18n, interactions
from bot.actions import Action, Card, Reply
from bot.clock import Clock
from bot.commands import CommandRegistry, CommandSpec, Permission
from bot.community import CommunityView, entry_for, load_view, slug_for
from bot.config import Settings
from bot.context import CommandContext
from bot.errors import DatabaseUnavailable, NotAllowed, UsageError, UserError
from bot.events import (
    ACTIVITY,
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    InterestMarked,
    MemberRef,
    MessagePosted,
    MessageReported,
    ReactionAdded,
    SolutionMarked,
)
from bot.features import (
    contributions,
    home,
    reaction_thanks,
    recognition,
    solutions,
    suggestions,
)
from bot.features import web as web_pages
from bot.features.events import interest as event_interest
from bot.features.moderation import reports, welcome
from bot.features.registry import COMMANDS
from bot.jobs import JobRunner
from bot.moderators import is_moderator
from bot.ports import (
    Adapter,
    BoardPage,
    DashboardPage,
    IdeaSection,
    MemberPage,
    Notice,
    PollPage,
    PublicCommunity,
    SpaceInfo,
    Suggestion,
)
from bot.readers import MessageReader
from storage import cards, ledger, receipts
from storage import communities as community_store
from storage import moderation as moderation_store
from storage.db import Database, unavailable
from storage.members import (
    MemberCache,
    MemberInfo,
    SeenMember,
    confirm_unchanged,
    find_member,
    resolve_members,
    roles_of,
    vouched,
)

log = logging.getLogger("cercle.core")

VIEW_TTL_SECONDS = 5.0
MODERATORS_REMEMBERED = 50_000  # (community, member) moderator records this process keeps


def seen_as(ref: MemberRef) -> SeenMember:
    """What member resolution compares of a member an event shows."""
    return SeenMember(ref.platform, ref.user_id, ref.name, ref.is_bot, ref.roles)


def people_in(event: Event) -> list[MemberRef]:
    """Every member an activity event names, so a batch resolves them in one go."""
    if type(event) is MessagePosted:  # most of a busy server's activity
        return [event.author]
    found: list[MemberRef] = []
    for name in ("author", "reactor", "message_author", "member"):
        ref = getattr(event, name, None)
        if isinstance(ref, MemberRef):
            found.append(ref)
    return found


class Cercle:
    """The platform-neutral bot: one per process, shared by every adapter."""

    def __init__(
        self, db: Database, settings: Settings, clock: Clock, registry: CommandRegistry = COMMANDS
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.registry = registry
        self.members = MemberCache()
        self._spaces: dict[tuple[str, str], tuple[int, str]] = {}
        # Spaces the config names under another community than the one holding them.
        self._misnamed: set[tuple[str, str]] = set()
        # Effective settings per community, re-read after a few seconds so that a change
        # made by another process is seen soon; changes made here are seen at once.
        self._views: dict[int, tuple[float, CommunityView]] = {}
        self.jobs = JobRunner(self)
        # Running adapters (`attach`): they read messages back (see bot.readers) and
        # tell what moderators should know about their connection.
        self.readers: dict[str, MessageReader] = {}
        self.adapters: dict[str, Adapter] = {}
        # Who this process last recorded as moderating or not, per (community, member):
        # `/team` lists moderators, and the record is written only when it changes.
        self._moderators: dict[tuple[int, int], bool] = {}
        # Signs `/admin dashboard` links (CERCLE_WEB_SECRET, set by the composition root);
        # None: a secret generated per community and kept in the database.
        self.web_secret: str | None = None
        # Called after a command scheduled something (the live scheduler plans its wake-up).
        self.on_schedule_change: Callable[[], Awaitable[object]] | None = None

    # -- entry points -------------------------------------------------------------------

    async def handle(self, event: Event) -> list[Action]:
        return await self.handle_many([event])

    async def handle_many(self, events: Sequence[Event]) -> list[Action]:
        """Handle events in order; consecutive activity of one space shares a transaction."""
        actions: list[Action] = []
        run: list[Event] = []
        for event in events:
            if isinstance(event, ACTIVITY) and (
                not run or (run[0].platform, run[0].space_id) == (event.platform, event.space_id)
            ):
                run.append(event)
                continue
            if run:
                actions += await self._activity(run)
                run = []
            if isinstance(event, ACTIVITY):
                run.append(event)
            else:
                actions += await self._interaction(event)
        if run:
            actions += await self._activity(run)
        return actions

    async def run_due(self, now: datetime) -> list[tuple[int, Action]]:
        """Claim and run what has fallen due; returns (community id, action) pairs."""
        return await self.jobs.run_due(now)

    async def card_posted(
        self, platform: str, space_id: str, card_ref: str, channel_id: str, message_id: str
    ) -> None:
        """An adapter tells where a card with a `card_ref` was posted, so that later changes
        (votes, status) can update it in place."""
        async with self.db.transaction() as session:
            community = await self.community(session, platform, space_id, self.clock.now())
            await cards.remember(session, community.id, card_ref, platform, channel_id, message_id)

    # -- the face an adapter sees (bot.ports.CoreFace) -------------------------------------

    @property
    def commands(self) -> CommandRegistry:
        return self.registry

    def now(self) -> datetime:
        return self.clock.now()

    async def space(self, platform: str, space_id: str) -> SpaceInfo:
        async with self.db.transaction() as session:
            view = await self.community(session, platform, space_id, self.clock.now())
        return SpaceInfo(
            community_id=view.id,
            slug=view.slug,
            locale=view.locale,
            default_channel=view.default_channel,
            announce_channel=view.announce_channel or view.default_channel,
            moderator_channel=view.moderator_channel,
        )

    async def stored_member(self, platform: str, space_id: str, user_id: str) -> MemberRef:
        async with self.db.transaction() as session:
            view = await self.community(session, platform, space_id, self.clock.now())
            row = await find_member(session, view.id, platform, user_id)
            if row is None or row.id is None:
                return MemberRef(platform, user_id, user_id)
            roles = await self.roles_of(session, row.id)
        return MemberRef(platform, user_id, row.display_name, row.is_bot, roles)

    async def last_messages(
        self, platform: str, space_id: str, since: datetime
    ) -> dict[str, datetime]:
        async with self.db.transaction() as session:
            view = await self.community(session, platform, space_id, self.clock.now())
            return await ledger.newest_messages(session, view.id, since)

    async def suggestions(
        self, platform: str, space_id: str, path: tuple[str, ...], option: str, typed: str
    ) -> list[Suggestion]:
        async with self.db.transaction() as session:
            view = await self.community(session, platform, space_id, self.clock.now())
            return await suggestions.suggest(session, view.id, self.registry, path, option, typed)

    async def home(self, invoker: MemberRef, space_id: str) -> list[Card]:
        return await home.page(self, invoker, space_id)

    async def public_community(self, slug: str) -> PublicCommunity | None:
        return await web_pages.public_community(self, slug)

    async def board_page(self, slug: str, period: str, page: int, size: int) -> BoardPage:
        return await web_pages.board_page(self, slug, period, page, size)

    async def ideas_board(self, slug: str) -> tuple[IdeaSection, ...]:
        return await web_pages.ideas_board(self, slug)

    async def member_page(self, slug: str, name: str) -> MemberPage | None:
        return await web_pages.member_page(self, slug, name)

    async def poll_page(self, slug: str, number: int) -> PollPage | None:
        return await web_pages.poll_page(self, slug, number)

    async def dashboard(self, slug: str, until: int, signature: str) -> DashboardPage | None:
        return await web_pages.dashboard_page(self, slug, until, signature)

    async def reaction_thanks(self, reaction: ReactionAdded) -> list[Action]:
        emoji = reaction_thanks.thanks_emoji(self.settings, reaction.platform)
        if not reaction_thanks.is_thanks(reaction, emoji):
            return []
        info = await self.space(reaction.platform, reaction.space_id)
        return await self.handle(reaction_thanks.command(reaction, emoji, info.locale))

    async def refusal(self, platform: str, space_id: str, key: str, **params: Any) -> str:
        return (await self.space(platform, space_id)).t(key, **params)

    def attach(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter
        self.readers[adapter.platform] = adapter

    def detach(self, adapter: Adapter) -> None:
        if self.adapters.get(adapter.platform) is adapter:
            del self.adapters[adapter.platform]
            self.readers.pop(adapter.platform, None)

    def notices(self, platform: str, space_id: str) -> list[Notice]:
        """What the running adapter of `platform` wants the moderators to know."""
        adapter = self.adapters.get(platform)
        return adapter.notices(space_id) if adapter is not None else []

    def use_clock(self, clock: Clock) -> None:
        self.clock = clock

    def adapter_session(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self.db.transaction()

    @property
    def engine(self) -> AsyncEngine:
        return self.db.engine

    # -- communities and members ----------------------------------------------------------

    async def community(
        self, session: AsyncSession, platform: str, space_id: str, now: datetime
    ) -> CommunityView:
        known = self._spaces.get((platform, space_id))
        if known is None:
            slug = slug_for(platform, space_id, self.settings)
            row = await community_store.ensure_community(session, platform, space_id, slug, now)
            assert row.id is not None
            named = entry_for(slug, self.settings) is not None
            if row.slug != slug and named and (platform, space_id) not in self._misnamed:
                self._misnamed.add((platform, space_id))
                log.warning(
                    "%s space %s belongs to community %r, which holds its history; the "
                    "config names it under %r, whose settings do not apply to it: name "
                    "that [[communities]] entry %r",
                    platform,
                    space_id,
                    row.slug,
                    slug,
                    row.slug,
                )
            known = self._spaces[(platform, space_id)] = (row.id, row.slug)
        cached = self._views.get(known[0])
        if cached is not None and time.monotonic() - cached[0] < VIEW_TTL_SECONDS:
            return cached[1]
        view = await load_view(session, known[0], known[1], self.settings)
        self._views[known[0]] = (time.monotonic(), view)
        return view

    def settings_changed(self, community_id: int) -> None:
        """Forget what this process cached about a community after a moderator changed it."""
        self._views.pop(community_id, None)
        self.members.forget_community(community_id)

    async def resolve(
        self,
        session: AsyncSession,
        community: CommunityView,
        refs: Sequence[MemberRef],
        now: datetime,
    ) -> dict[tuple[str, str], MemberInfo]:
        # A batch names each member many times: the last sight of each is what counts.
        latest = {(r.platform, r.user_id): r for r in refs}
        seen = [seen_as(r) for r in latest.values()]
        emails = [(r.platform, r.user_id, r.email) for r in refs if r.email]
        if emails:  # a customer imported by email is matched to their account (Slack)
            await customers.match_emails(session, emails, now)
        return await resolve_members(
            session,
            community.id,
            seen,
            now,
            community.excluded_members,
            community.excluded_roles,
            self.members,
            community.hidden_by_default,
        )

    def _remember_moderator(self, key: tuple[int, int], moderator: bool) -> None:
        """Bounded, as the member cache is: the oldest is forgotten first, and a member
        forgotten costs one write of the same record at their next command."""
        known = self._moderators
        if key not in known and len(known) >= MODERATORS_REMEMBERED:
            del known[next(iter(known))]
        known[key] = moderator

    async def roles_of(self, session: AsyncSession, member_id: int) -> tuple[str, ...]:
        return await roles_of(session, member_id)

    # -- activity ---------------------------------------------------------------------------

    def _forget_uncommitted(self) -> None:
        """A rolled-back transaction may have created communities or members that the
        caches already hold: drop the caches so nothing points at rows that do not exist."""
        self._spaces.clear()
        self._views.clear()
        self.members.clear()
        self._moderators.clear()

    async def _activity(self, events: Sequence[Event]) -> list[Action]:
        try:
            return await self._activity_batch(events)
        except Exception as error:
            self._forget_uncommitted()
            if unavailable(error):
                # Nothing was written: the caller keeps the events and tries again.
                await self.db.reconnect()
                raise DatabaseUnavailable(_first_line(error)) from error
            if len(events) == 1:
                log.exception("could not score %r", events[0])
                return []
            # One bad event must not lose the others: retry them one by one.
            actions: list[Action] = []
            for event in events:
                actions += await self._activity([event])
            return actions

    async def _activity_batch(self, events: Sequence[Event]) -> list[Action]:
        first = events[0]
        async with self.db.transaction(serialized=True) as session:
            community = await self.community(session, first.platform, first.space_id, first.at)
            refs = [ref for event in events for ref in people_in(event)]
            members = await self.resolve(session, community, refs, first.at)
            batch = contributions.Ingest(
                session,
                community,
                self.settings.scoring,
                members,
                responsiveness=self.settings.responsiveness,
            )
            await contributions.ingest(batch, events)
            now = self.clock.now()
            # The welcome and its checklist follow who joined and what they posted.
            greeted = await welcome.greet(session, community, self.settings, events, members)
            ticked = await welcome.progress(session, community, self.settings, events, members, now)
            reviewed = await recognition.review(
                session, community, self.settings, batch.touched, first.platform, now
            )
            return [*greeted, *reviewed, *ticked]

    # -- commands and interactions -----------------------------------------------------------

    async def _interaction(self, event: Event) -> list[Action]:
        answered = await self._answer_reading(event)
        if answered is not None:
            return answered
        locale = self.settings.defaults.locale
        try:
            # Serialized: an interaction reads then writes (its receipt, a vote), and on
            # SQLite it then queues behind a burst's batch instead of polling for the lock.
            async with self.db.transaction(serialized=True) as session:
                community = await self.community(session, event.platform, event.space_id, event.at)
                locale = reader_locale(event, community.locale)
                delivery = getattr(event, "delivery", None)
                if delivery and not await receipts.first_delivery(
                    session, event.platform, delivery, self.clock.now()
                ):
                    log.info("%s interaction %s delivered again: ignored", event.platform, delivery)
                    return []
                actions = await self._dispatch(session, community, event)
                scheduled = session.info.get("scheduled", False)
            if scheduled and self.on_schedule_change is not None:
                await self.on_schedule_change()
            return actions
        except UsageError as error:
            self._forget_uncommitted()
            return [Reply(self._usage_message(locale, error))]
        except UserError as error:
            self._forget_uncommitted()
            return [Reply(community_t(locale, error.key, error.params))]
        except Exception as error:
            self._forget_uncommitted()
            if unavailable(error):  # the next interaction gets fresh connections
                await self.db.reconnect()
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s while handling %r", error_id, event)
            return [Reply(community_t(locale, "error.unexpected", {"error_id": error_id}))]

    async def _answer_reading(self, event: Event) -> list[Action] | None:
        """A command that only reads (`CommandSpec.reads_only`) on SQLite, in a space this
        process knows: answered in a read-only transaction, without queueing for the write
        lock behind a burst's batch (a member's /rank during a busy hour). None sends it
        the ordinary way: another kind of interaction, a refusal or an error to explain,
        or anything to write (a member seen for the first time, a new name or role, a
        moderator's status), which that way is recorded with its delivery.

        A caller this process has not seen yet (its first command since it started) is
        read first: stored as they are seen now, they are answered here too.

        Its delivery is not recorded: a command that writes nothing changes nothing when
        it is answered twice."""
        if self.db.dialect != "sqlite" or not isinstance(event, CommandInvoked):
            return None
        known = self._spaces.get((event.platform, event.space_id))
        cached = self._views.get(known[0]) if known is not None else None
        if known is None or cached is None:
            return None
        invoker = event.invoker
        remembered = self.members.get((known[0], invoker.platform, invoker.user_id))
        # Changed since this process wrote them: resolving them writes, the ordinary way.
        if remembered is not None and not self._vouched(cached[1], invoker):
            return None
        try:
            spec, _ = self._parse(event)
        except UsageError:
            return None
        if not spec.reads_only:
            return None
        try:
            async with self.db.reading() as session:
                community = await self.community(session, event.platform, event.space_id, event.at)
                if remembered is None and not await self._confirmed(session, community, invoker):
                    return None
                return await self._dispatch(session, community, event)
        except Exception as error:
            # What it put in the member cache before it failed is read again that way.
            for person in (event.invoker, *event.mentions):
                self.members.forget((known[0], person.platform, person.user_id))
            log.debug("%s answered the ordinary way: %s", spec.text_name, error)
            return None

    async def _confirmed(
        self, session: AsyncSession, community: CommunityView, ref: MemberRef
    ) -> bool:
        """Whether a caller the cache does not hold is stored as seen now (then cached,
        with whether they were last seen as a moderator, read in the same statement)."""
        confirmed = await confirm_unchanged(
            session,
            community.id,
            seen_as(ref),
            community.excluded_members,
            community.excluded_roles,
            self.members,
        )
        if confirmed is None:
            return False
        self._remember_moderator((community.id, confirmed.info.id), confirmed.seen_moderator)
        return True

    def _vouched(self, community: CommunityView, ref: MemberRef) -> bool:
        return vouched(
            self.members,
            community.id,
            seen_as(ref),
            community.excluded_members,
            community.excluded_roles,
        )

    def _usage_message(self, locale: str, error: UsageError) -> str:
        message = community_t(locale, error.key, error.params)
        spec = self.registry.get(error.usage_path) if error.usage_path else None
        if spec is not None:
            message += "\n" + community_t(
                locale, "error.usage", {"usage": command_text.usage_line(spec)}
            )
        return message

    async def _dispatch(
        self, session: AsyncSession, community: CommunityView, event: Event
    ) -> list[Action]:
        if isinstance(event, CommandInvoked):
            ctx = await self._context(session, community, event, event.invoker, event.mentions)
            try:
                spec, options = self._parse(event)
            except UsageError as error:
                self._refuse_moderator_group(ctx, error)
                raise
            self._check_permission(ctx, spec)
            assert spec.handler is not None
            if spec.private:  # only the caller reads it: in their own language
                ctx = _speaking_to_reader(ctx, event)
            actions = list(await spec.handler(ctx, **options))
        elif isinstance(event, SolutionMarked):
            ctx = await self._context(session, community, event, event.marker)
            actions = await solutions.mark(ctx, event)
        elif isinstance(event, MessageReported):
            ctx = await self._context(session, community, event, event.reporter)
            actions = await reports.report(ctx, event)
        elif isinstance(event, ButtonPressed):
            ctx = await self._context(session, community, event, event.presser)
            head, parts = interactions.split_id(event.custom_id)
            handler = interactions.BUTTONS.get(head)
            if handler is None:
                return [Reply(community.t("error.unknown_button"))]
            if head in interactions.PRIVATE_BUTTONS:  # on a card only the presser sees
                ctx = _speaking_to_reader(ctx, event)
            actions = list(await handler(ctx, parts))
        elif isinstance(event, InterestMarked):
            ctx = await self._context(session, community, event, event.member)
            actions = await event_interest.marked(ctx, event)
        elif isinstance(event, FormSubmitted):
            ctx = await self._context(session, community, event, event.submitter)
            head, parts = interactions.split_id(event.form_id)
            form_handler = interactions.FORMS.get(head)
            if form_handler is None:
                return [Reply(community.t("error.unknown_button"))]
            actions = list(await form_handler(ctx, parts, event.values))
        else:
            raise TypeError(f"unhandled event {type(event).__name__}")
        actions += await recognition.review(
            session, community, self.settings, ctx.touched, event.platform, self.clock.now()
        )
        return actions

    def _parse(self, event: CommandInvoked) -> tuple[CommandSpec, dict[str, object]]:
        if event.text is not None:
            return command_text.parse_command(event.text, self.registry, event.path)
        spec = self.registry.get(event.path)
        if spec is None:
            raise UsageError(
                "error.unknown_command", command="/" + " ".join(event.path), suggestion=""
            )
        return spec, command_text.check_options(spec, event.options)

    async def _context(
        self,
        session: AsyncSession,
        community: CommunityView,
        event: Event,
        invoker: MemberRef,
        mentions: tuple[MemberRef, ...] = (),
    ) -> CommandContext:
        caller = (await self.resolve(session, community, [invoker], event.at))[
            (invoker.platform, invoker.user_id)
        ]
        moderator = is_moderator(invoker, community.moderator_roles)
        if not invoker.is_bot and self._moderators.get((community.id, caller.id)) is not moderator:
            await moderation_store.saw_moderator(
                session, community.id, caller.id, moderator, event.at
            )
            self._remember_moderator((community.id, caller.id), moderator)
        return CommandContext(
            core=self,
            session=session,
            community=community,
            settings=self.settings,
            platform=event.platform,
            space_id=event.space_id,
            interaction_id=getattr(event, "interaction_id", ""),
            channel=event.channel,
            invoker=invoker,
            caller=caller,
            at=event.at,
            mentions=mentions,
            is_moderator=moderator,
        )

    def _refuse_moderator_group(self, ctx: CommandContext, error: UsageError) -> None:
        """`/admin` (or `/admin points`) typed by a member: say it is for moderators rather
        than listing commands they may not run."""
        if ctx.is_moderator or error.key != "error.incomplete_command":
            return
        words = tuple(str(error.params.get("command", "")).lower().split())
        under = [s for s in self.registry.all() if words and s.path[: len(words)] == words]
        if under and all(s.permission is Permission.MODERATOR for s in under):
            raise NotAllowed("error.moderators_only", command="/" + " ".join(words))

    @staticmethod
    def _check_permission(ctx: CommandContext, spec: CommandSpec) -> None:
        if spec.permission is Permission.MODERATOR and not ctx.is_moderator:
            raise NotAllowed("error.moderators_only", command=spec.text_name)


def reader_locale(event: Event, community_locale: str) -> str:
    """The language of what only the event's member sees (a refusal, an error): their own
    client's where the platform tells it and the catalog has it, else the community's."""
    member = getattr(event, "invoker", None) or getattr(event, "presser", None)
    member = member or getattr(event, "submitter", None) or getattr(event, "reporter", None)
    own = getattr(member, "locale", None)
    language = own.split("-")[0].lower() if own else None
    return language if language in i18n.LOCALES else community_locale


def _speaking_to_reader(ctx: CommandContext, event: Event) -> CommandContext:
    """`ctx` answering its member alone, in their own language (see `reader_locale`); what
    the core posts for everyone afterwards keeps the community's."""
    own = reader_locale(event, ctx.community.locale)
    return dataclasses.replace(ctx, community=ctx.community.speaking(own))


def _first_line(error: BaseException) -> str:
    """What the database said, without the statement and parameters SQLAlchemy adds."""
    origin = getattr(error, "orig", None) or error
    return (str(origin).strip().splitlines() or [type(origin).__name__])[0][:200]


def community_t(locale: str, key: str, params: dict[str, object]) -> str:
    if key == "error.unknown_command":
        suggestion = params.get("suggestion")
        params = {
            **params,
            "suggestion_text": i18n.t(locale, "error.did_you_mean", suggestion=suggestion)
            if suggestion
            else "",
        }
    return i18n.t(locale, key, **params)
