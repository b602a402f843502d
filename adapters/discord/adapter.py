"""`DiscordAdapter`: Cercle on a Discord bot account, started by `cercle run`.

It logs in and runs the gateway in the background on the running loop (sharded as the
config says), feeds activity to the core in group commits (bot.batching), answers
interactions, syncs the application commands, carries out scheduled actions (`deliver`)
and reads messages back for the digest (`bot.ports.MessageReader`). When Discord
refuses a privileged intent (close code 4014) it says which one and, unless
`discord.require_privileged_intents`, reconnects without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Sequence

import discord

from adapters.discord import (
    app_commands,
    backfill,
    fast_messages,
    intents,
    library_internals,
    routes,
    scheduled_events,
)
from adapters.discord.inbound import Translator
from adapters.discord.interactions import Interactions
from adapters.discord.outbound import SUPPORTED, Outbound
from bot.actions import Action, Reply
from bot.batching import ActivityBatcher, Journal
from bot.commands import CommandRegistry
from bot.config import Secrets, Settings
from bot.events import Event, InterestMarked, MemberRef, ReactionAdded
from bot.ports import CoreFace, Notice, check_supported

# Cercle never joins voice: discord.py's warnings that its voice libraries are missing
# would only add two alarming lines to every operator's log.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
log = logging.getLogger("cercle.discord")

PLATFORM = "discord"
READY_TIMEOUT = 60.0
# How long a burst read from the gateway may hold the event loop before the members'
# commands (and the scoring of what came before) get a turn: a turn costs one pass of the
# loop, tens of microseconds, so handing one every 2 ms costs the stream about 1 %.
GATEWAY_TURN_SECONDS = 0.002


class CercleClient(discord.AutoShardedClient):
    def __init__(self, adapter: DiscordAdapter, choice: intents.IntentChoice) -> None:
        settings = adapter.settings.discord
        super().__init__(
            intents=intents.build(choice),
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
            # A 100k-member guild must not be loaded at start: members come with the events
            # that name them (messages, reactions, interactions carry member and roles).
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=adapter.guild_ready_timeout,
        )
        self.adapter = adapter

    async def setup_hook(self) -> None:
        await routes.discover_gateway(self.http, self.adapter.settings.discord.api_base_url)


class DiscordAdapter:
    platform = PLATFORM
    supports = SUPPORTED

    def __init__(
        self,
        settings: Settings,
        secrets: Secrets,
        flush_window: float = 0.02,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        if secrets.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self.settings = settings
        self._token = secrets.discord_token
        self.flush_window = flush_window
        # How long discord.py waits after the last server arrives before it says ready
        # (its own default); a local fake sends them all at once.
        self.guild_ready_timeout = guild_ready_timeout
        self.missing_intents: list[str] = []
        self.core: CoreFace | None = None
        self.client: CercleClient | None = None
        self.outbound: Outbound | None = None
        self.interactions: Interactions | None = None
        self.translator: Translator | None = None
        self.batcher: ActivityBatcher | None = None
        self.ready: asyncio.Event | None = None
        self.failed: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._synced: set[int | None] = set()
        self._deliveries: set[asyncio.Task[None]] = set()

    # -- Adapter protocol ---------------------------------------------------------------

    async def start(self, core: CoreFace) -> None:
        self.core = core
        core.attach(self)
        routes.use_api_base(self.settings.discord.api_base_url)
        self.ready = asyncio.Event()
        ingest = self.settings.ingest
        self.batcher = ActivityBatcher(
            self._flush,
            window=self.flush_window,
            name=PLATFORM,
            journal=Journal(ingest.journal, PLATFORM),
            memory_events=ingest.memory_events,
        )
        self.batcher.start()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="discord-gateway")

    async def deliver(self, space_id: str, action: Action) -> None:
        check_supported(self, action)
        await self.wait_ready()
        assert self.outbound is not None
        await self.outbound.carry_out(space_id, action)

    async def stop(self) -> None:
        if self.batcher is not None:
            await self.batcher.stop()
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)
        if self.client is not None:
            await self.client.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.core is not None:
            self.core.detach(self)

    def notices(self, space_id: str) -> list[Notice]:
        if not self.missing_intents:
            return []
        intents = tuple(f"discord.intent.{name}" for name in self.missing_intents)
        return [Notice("discord.intents_missing", terms=(("intents", intents),))]

    async def wait_ready(self, within: float = READY_TIMEOUT) -> None:
        assert self.ready is not None, "start() first"
        waiter = asyncio.ensure_future(self.ready.wait())
        watched = {waiter} | ({self._task} if self._task is not None else set())
        await asyncio.wait(watched, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if not self.ready.is_set():
            raise RuntimeError(f"Discord did not become ready: {self.failed!r}")

    async def idle(self) -> None:
        """Wait until the activity received so far is committed and its effects sent."""
        assert self.batcher is not None
        await self.batcher.idle()
        while self._deliveries:
            await asyncio.gather(*list(self._deliveries), return_exceptions=True)

    # -- MessageReader ---------------------------------------------------------------------

    async def message_text(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        if self.client is None:
            return None
        try:
            data = await self.client.http.get_message(int(channel_id), int(message_id))
        except discord.HTTPException:
            return None
        return data.get("content") or None

    def message_link(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        return f"https://discord.com/channels/{space_id}/{channel_id}/{message_id}"

    # -- connection ---------------------------------------------------------------------------

    async def _run(self) -> None:
        choice = intents.wanted(self.settings.discord)
        while True:
            client = self._connect(choice)
            try:
                await client.start(self._token.get_secret_value())
                return
            except discord.PrivilegedIntentsRequired:
                kept = await self._granted(choice)
                allowed = not self.settings.discord.require_privileged_intents
                log.error(intents.refusal_message(choice, kept, allowed))
                if not allowed or kept == choice:
                    self.failed = RuntimeError("privileged intents refused")
                    return
                choice = kept
                self.missing_intents[:] = list(kept.missing)
            except discord.LoginFailure as error:
                self.failed = error  # the runtime says it once (see `failure`)
                return
            except Exception as error:
                self.failed = error
                log.exception("the Discord connection stopped")
                return

    async def connected(self) -> bool:
        """Ready, and every shard's gateway socket open (False while reconnecting)."""
        client = self.client
        if self.failed is not None or client is None or client.is_closed():
            return False
        shards = client.shards.values()
        return client.is_ready() and bool(shards) and not any(s.is_closed() for s in shards)

    async def failure(self) -> str:
        """Wait until the gateway connection has ended by itself; why, in one line."""
        assert self._task is not None, "start() first"
        await asyncio.gather(self._task, return_exceptions=True)
        if self.failed is None:  # closed on purpose (stop): nothing to report
            await asyncio.Event().wait()
        if isinstance(self.failed, discord.LoginFailure):
            return (
                "Discord refused DISCORD_TOKEN (improper token); check the bot token in the "
                "Developer Portal (Bot > Reset Token)"
            )
        return f"the Discord connection stopped ({type(self.failed).__name__}: {self.failed})"

    async def _granted(self, choice: intents.IntentChoice) -> intents.IntentChoice:
        """What the application may have, from its flags (a fresh HTTP session: the
        refused client closed its own)."""
        probe = discord.Client(intents=discord.Intents.none())
        try:
            await probe.login(self._token.get_secret_value())
            info = await probe.application_info()
            return intents.granted(choice, info.flags.value)
        except discord.HTTPException:
            return intents.IntentChoice(members=False, message_content=False)
        finally:
            await probe.close()

    def _connect(self, choice: intents.IntentChoice) -> CercleClient:
        assert self.core is not None
        core = self.core
        client = CercleClient(self, choice)
        self.client = client
        self.translator = Translator(self.settings, core.now, choice.message_content)
        if self.outbound is None:
            self.outbound = Outbound(client, core)
        self.outbound.client = client
        self.interactions = Interactions(core, self.translator, self.outbound)
        translator, batcher = self.translator, self.batcher
        assert batcher is not None

        def put(event: Event | None) -> None:
            if event is not None:
                batcher.put(event)

        # Ordinary messages skip discord.py's Message objects; the rest come to on_message.
        fast_messages.install(client, translator, batcher.put)
        library_internals.share_the_loop(GATEWAY_TURN_SECONDS)
        scheduled_events.install(client, self._interest)

        @client.event
        async def on_ready() -> None:
            # A new gateway session (a start, or a reconnect Discord would not resume):
            # what it did not replay is read back from the channels' history.
            self._backfill(client, translator, batcher)
            await self._sync(client)
            assert self.ready is not None
            self.ready.set()

        @client.event
        async def on_guild_join(guild: discord.Guild) -> None:
            if self.settings.discord.sync_commands == "guild":
                await self._sync_guilds(client, [guild.id])

        @client.event
        async def on_message(message: discord.Message) -> None:
            if client.user is not None and message.author.id == client.user.id:
                return
            put(translator.message_posted(message))

        @client.event
        async def on_raw_message_edit(raw: discord.RawMessageUpdateEvent) -> None:
            put(translator.message_edited(raw))

        @client.event
        async def on_raw_message_delete(raw: discord.RawMessageDeleteEvent) -> None:
            put(translator.message_deleted(raw))

        @client.event
        async def on_raw_bulk_message_delete(raw: discord.RawBulkMessageDeleteEvent) -> None:
            for message_id in sorted(raw.message_ids):
                put(
                    translator.message_deleted(
                        discord.RawMessageDeleteEvent(
                            {
                                "id": str(message_id),
                                "channel_id": str(raw.channel_id),
                                "guild_id": str(raw.guild_id),
                            }  # type: ignore[typeddict-item]
                        )
                    )
                )

        async def reaction(raw: discord.RawReactionActionEvent) -> None:
            guild = client.get_guild(raw.guild_id) if raw.guild_id else None
            event = translator.reaction(raw, guild)
            if event is not None and not event.reactor.name:
                assert self.core is not None
                stored = await self.core.stored_member(
                    PLATFORM, event.space_id, event.reactor.user_id
                )
                event = dataclasses.replace(event, reactor=stored)
            put(event)
            if isinstance(event, ReactionAdded) and raw.message_author_id is not None:
                self._thanks(event, str(raw.message_author_id))

        @client.event
        async def on_raw_reaction_add(raw: discord.RawReactionActionEvent) -> None:
            await reaction(raw)

        @client.event
        async def on_raw_reaction_remove(raw: discord.RawReactionActionEvent) -> None:
            await reaction(raw)

        @client.event
        async def on_member_join(member: discord.Member) -> None:
            put(translator.member_joined(member))

        @client.event
        async def on_raw_member_remove(raw: discord.RawMemberRemoveEvent) -> None:
            put(translator.member_left(raw))

        @client.event
        async def on_interaction(interaction: discord.Interaction) -> None:
            assert self.interactions is not None
            try:
                await self.interactions.handle(interaction)
            except discord.HTTPException:
                log.exception("could not answer interaction %s", interaction.id)

        return client

    def _backfill(
        self, client: discord.Client, translator: Translator, batcher: ActivityBatcher
    ) -> None:
        hours = self.settings.ingest.backfill_hours
        if not hours:
            return
        assert self.core is not None
        reader = backfill.Backfill(client, translator, self.core, batcher.put, hours)
        self._spawn(reader.guilds(list(client.guilds)))

    # -- commands sync ------------------------------------------------------------------------

    async def _sync(self, client: discord.Client) -> None:
        mode = self.settings.discord.sync_commands
        try:
            if mode == "global" and None not in self._synced:
                assert client.application_id is not None
                await app_commands.sync(client.http, client.application_id, self._registry, None)
                self._synced.add(None)
            elif mode == "guild":
                await self._sync_guilds(client, [g.id for g in client.guilds])
        except discord.HTTPException:
            log.exception("could not register the slash commands")

    async def _sync_guilds(self, client: discord.Client, guild_ids: Sequence[int]) -> None:
        todo = [g for g in guild_ids if g not in self._synced]
        if todo and client.application_id is not None:
            await app_commands.sync(client.http, client.application_id, self._registry, todo)
            self._synced.update(todo)

    @property
    def _registry(self) -> CommandRegistry:
        assert self.core is not None
        return self.core.commands

    # -- activity -----------------------------------------------------------------------------

    async def _flush(self, space_id: str, events: Sequence[Event]) -> None:
        assert self.core is not None
        actions = await self.core.handle_many(events)
        if actions:
            self._spawn(self._carry_out(space_id, actions))

    def _spawn(self, work) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.get_running_loop().create_task(work)
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _carry_out(
        self, space_id: str, actions: Sequence[Action], channel_id: str | None = None
    ) -> None:
        assert self.outbound is not None
        for action in actions:
            if isinstance(action, Reply):
                if action.ephemeral or channel_id is None:
                    continue  # nobody to show it to
                with contextlib.suppress(discord.HTTPException):
                    await self.outbound.send(int(channel_id), action.text, action.card)
                continue
            await self.outbound.carry_out(space_id, action)

    def _interest(self, guild_id: str, external_id: str, user_id: str, interested: bool) -> None:
        """A member's "Interested" on a guild scheduled event, for the core to count."""

        async def run() -> None:
            assert self.core is not None
            member = await self.core.stored_member(PLATFORM, guild_id, user_id)
            event = InterestMarked(
                platform=PLATFORM,
                space_id=guild_id,
                at=self.core.now(),
                external_id=external_id,
                member=member,
                interested=interested,
            )
            await self._carry_out(guild_id, await self.core.handle(event))

        self._spawn(run())

    def _thanks(self, event: ReactionAdded, author_id: str) -> None:
        """Ask the core whether the reaction thanks the message's author (the rule and
        its answer are the core's); an author Discord named by id only goes by that id."""
        if event.message_author is None:
            event = dataclasses.replace(event, message_author=MemberRef(PLATFORM, author_id, ""))

        async def run() -> None:
            assert self.core is not None
            actions = await self.core.reaction_thanks(event)
            await self._carry_out(event.space_id, actions, event.channel.id)

        self._spawn(run())
