"""The bolt AsyncApp and its listeners: Slack requests in, core events, actions out.

Events are acknowledged by bolt itself once received. An interaction (a command, a
button, a shortcut, a form) is recorded before it is acknowledged: Slack never sends an
acknowledged interaction again, so a crash right after the 200 must not lose it. The core
gets `ACK_WITHIN` seconds (its work takes milliseconds) and then the interaction is
acknowledged anyway, well within Slack's 3 seconds, while the work finishes; what it
answers (replies, updated cards) is sent after the acknowledgement. Each interaction
carries its delivery's identity (trigger id, action time), so a retried or replayed
request changes nothing. Activity events go through the core's
activity batcher (bot.batching), which hands the core everything that arrived together
in one `handle_many` (one transaction for a burst). Requests are verified by bolt with
the signing secret (bad signature or a timestamp older than five minutes: 401).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import commands, home, inbound, modals
from adapters.slack.directory import Directory
from adapters.slack.outbound import Outbound, Target
from bot.actions import OpenForm, Reply
from bot.batching import ActivityBatcher, Journal
from bot.commands import Mention
from bot.config import IngestSettings
from bot.events import (
    ButtonPressed,
    ChannelRef,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberRef,
    MessageReported,
    ReactionAdded,
    SolutionMarked,
)
from bot.ports import CoreFace

log = logging.getLogger("cercle.slack")

PLATFORM = "slack"
ACK_WITHIN = 2.0  # seconds the core gets to record an interaction before it is acknowledged
SOLUTION_SHORTCUT = "mark_solution"
REPORT_SHORTCUT = "report_message"
ClientFor = Callable[[str], Awaitable[AsyncWebClient | None]]


class SlackBridge:
    """What the listeners share: the core, the workspaces' directories, the outbound side."""

    def __init__(
        self,
        core: CoreFace,
        client_for: ClientFor,
        flush_window: float = 0.02,
        ingest: IngestSettings | None = None,
    ) -> None:
        self.core = core
        self.client_for = client_for
        self.directories: dict[str, Directory] = {}
        self.outbound = Outbound(core, client_for, self.directory, self.open_form)
        ingest = ingest or IngestSettings()
        self.inbox = ActivityBatcher(
            self._activity,
            window=flush_window,
            name=PLATFORM,
            journal=Journal(ingest.journal, PLATFORM),
            memory_events=ingest.memory_events,
        )
        self.busy = 0
        self.team_urls: dict[str, str] = {}
        self._general: dict[tuple[str, str], bool] = {}

    # -- shared helpers -----------------------------------------------------------------------

    def directory(self, team_id: str) -> Directory:
        if team_id not in self.directories:
            self.directories[team_id] = Directory(team_id)
        return self.directories[team_id]

    def lookup(self, client: AsyncWebClient, team_id: str) -> inbound.MemberLookup:
        directory = self.directory(team_id)

        async def member(user_id: str) -> MemberRef:
            return await directory.member(client, user_id)

        return member

    async def locale(self, team_id: str) -> str:
        return (await self.core.space(PLATFORM, team_id)).locale

    @asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        self.busy += 1
        try:
            yield
        except Exception:
            log.exception("a Slack listener failed")
        finally:
            self.busy -= 1

    async def settle(self, quiet_rounds: int = 5) -> None:
        """Wait until every listener and the inbox are done (tests, shutdown)."""
        quiet = 0
        while quiet < quiet_rounds:
            await asyncio.sleep(0.01)
            await self.inbox.idle()
            quiet = quiet + 1 if self.busy == 0 else 0

    async def _activity(self, team_id: str, events: Sequence[Event]) -> None:
        actions = await self.core.handle_many(events)
        client = await self.client_for(team_id)
        if client is not None:
            await self.outbound.send(actions, Target(team_id), client)

    async def run(self, event: Event, target: Target, client: AsyncWebClient) -> list[Any]:
        actions = await self.core.handle(event)
        await self.outbound.send(actions, target, client)
        return actions

    async def recorded(self, ack: Any, work: Awaitable[Any]) -> Any:
        """Run `work` (building an event and handing it to the core), then acknowledge:
        after it is done, or after `ACK_WITHIN` seconds if the core is slow (it goes on)."""
        task = asyncio.ensure_future(work)
        try:
            await asyncio.wait({task}, timeout=ACK_WITHIN)
        finally:
            await ack()
        return await task

    async def open_form(self, client: AsyncWebClient, target: Target, form: OpenForm) -> None:
        locale = await self.locale(target.team_id)
        metadata = {"channel": target.channel_id or ""}
        await client.views_open(
            trigger_id=target.trigger_id, view=modals.form_view(locale, form, metadata)
        )

    async def is_general(self, client: AsyncWebClient, team_id: str, channel: str) -> bool:
        key = (team_id, channel)
        if key not in self._general:
            try:
                info = await client.conversations_info(channel=channel)
                self._general[key] = bool((info.get("channel") or {}).get("is_general"))
            except SlackApiError:
                self._general[key] = False
        return self._general[key]

    # -- listeners ------------------------------------------------------------------------------

    async def on_message(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        async with self.working():
            team = body.get("team_id") or event.get("team", "")
            found = await inbound.message_event(team, event, self.lookup(client, team))
            if found is not None:
                self.inbox.put(found)

    async def on_reaction(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        async with self.working():
            team = body.get("team_id", "")
            found = await inbound.reaction_event(team, event, self.lookup(client, team))
            if found is None:
                return
            self.inbox.put(found)
            if isinstance(found, ReactionAdded):
                # Whether it thanks the author is the core's to say (bot.ports).
                actions = await self.core.reaction_thanks(found)
                _, ts = inbound.split_message_id(found.message_id)
                target = Target(team, found.channel.id, found.reactor.user_id, thread_ts=ts)
                await self.outbound.send(actions, target, client)

    async def on_joined_team(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        async with self.working():
            team = body.get("team_id", "")
            user = event.get("user") or {}
            user_id = user.get("id") if isinstance(user, dict) else user
            if not user_id:
                return
            if isinstance(user, dict):
                self.directory(team).remember(user)
            member = await self.directory(team).member(client, user_id)
            self.inbox.put(inbound.joined_event(team, member, inbound.when(event.get("event_ts"))))

    async def on_joined_channel(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        """Joining the workspace's #general is joining the community (every full member is
        in it); other channel joins only warm the caches."""
        async with self.working():
            team = body.get("team_id") or event.get("team", "")
            member = await self.directory(team).member(client, event.get("user", ""))
            if await self.is_general(client, team, event.get("channel", "")):
                at = inbound.when(event.get("event_ts"))
                self.inbox.put(inbound.joined_event(team, member, at))

    async def on_home(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        async with self.working():
            if event.get("tab") != "home":
                return
            team = body.get("team_id", "")
            await home.publish(self, client, team, event.get("user", ""))

    async def on_command(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        team = body.get("team_id", "")
        target = Target(
            team,
            body.get("channel_id"),
            body.get("user_id"),
            body.get("response_url"),
            body.get("trigger_id"),
        )
        path = commands.wants_form(body.get("command", ""), body.get("text") or "")
        spec = self.core.commands.get(path) if path else None
        if spec is not None:
            await ack()  # nothing to record yet: the form's submission is recorded
            async with self.working():
                view = modals.command_view(
                    await self.locale(team), spec, {"channel": target.channel_id or ""}
                )
                await client.views_open(trigger_id=target.trigger_id, view=view)
            return

        async def record() -> list[Any]:
            event = await commands.invocation(body, self.lookup(client, team), self.core.now())
            return [] if event is None else await self.core.handle(event)

        await self._answer(ack, record(), target, client)

    async def _answer(
        self, ack: Any, work: Awaitable[list[Any]], target: Target, client: AsyncWebClient
    ) -> None:
        """Record an interaction, acknowledge it, then send what the core answered."""
        async with self.working():
            actions = await self.recorded(ack, work)
            await self.outbound.send(actions, target, client)

    async def on_button(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        team = (body.get("team") or {}).get("id", "")
        user = (body.get("user") or {}).get("id", "")
        pressed = (body.get("actions") or [{}])[0]
        custom_id = pressed.get("value") or pressed.get("action_id", "")
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
        ts = (body.get("message") or {}).get("ts") or container.get("message_ts")
        trigger = body.get("trigger_id") or ""

        async def record() -> list[Any]:
            event = ButtonPressed(
                platform=PLATFORM,
                space_id=team,
                at=self.core.now(),
                interaction_id=trigger or pressed.get("action_ts", ""),
                channel=ChannelRef(channel),
                presser=await self.directory(team).member(client, user),
                custom_id=custom_id,
                message_id=inbound.message_id(channel, ts) if channel and ts else None,
                delivery=f"{trigger}:{pressed.get('action_ts', '')}",
            )
            return await self.core.handle(event)

        if container.get("type") != "view":
            target = Target(team, channel or None, user, body.get("response_url"))
            await self._answer(ack, record(), target, client)
            return
        async with self.working():  # pressed in the App Home tab
            actions = await self.recorded(ack, record())
            notes = [a.text for a in actions if isinstance(a, Reply) and a.text]
            rest = [a for a in actions if not isinstance(a, Reply)]
            await self.outbound.send(rest, Target(team, None, user), client)
            await home.publish(self, client, team, user, notice="\n".join(notes))

    async def on_solution_shortcut(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        team = (body.get("team") or {}).get("id", "")
        user = (body.get("user") or {}).get("id", "")
        channel = (body.get("channel") or {}).get("id", "")
        message = body.get("message") or {}
        ts = message.get("ts") or body.get("message_ts", "")
        thread = message.get("thread_ts")
        target = Target(team, channel, user, body.get("response_url"))

        async def record() -> list[Any]:
            directory = self.directory(team)
            is_reply = bool(thread) and thread != ts
            asker = await self._thread_author(client, team, channel, thread) if is_reply else None
            author = message.get("user")
            trigger = body.get("trigger_id", "")
            event = SolutionMarked(
                platform=PLATFORM,
                space_id=team,
                at=self.core.now(),
                interaction_id=f"{channel}:{ts}:{trigger}",
                channel=ChannelRef(channel),
                marker=await directory.member(client, user),
                solution_id=inbound.message_id(channel, ts),
                solution_author=(
                    await directory.member(client, author)
                    if author
                    # A message with no user is an app's: the core refuses a bot's answer.
                    else MemberRef(PLATFORM, message.get("bot_id") or "bot", "", is_bot=True)
                ),
                # Not a reply in a thread: the question is unknown and the core refuses.
                question_id=inbound.message_id(channel, thread) if is_reply else None,
                question_author=asker,
                delivery=trigger or None,
            )
            return await self.core.handle(event)

        await self._answer(ack, record(), target, client)

    async def on_report_shortcut(self, ack: Any, body: dict, client: AsyncWebClient) -> None:
        """The Report message shortcut: the message goes to the moderators; the reporter is
        thanked where only they see it."""
        team = (body.get("team") or {}).get("id", "")
        user = (body.get("user") or {}).get("id", "")
        channel = (body.get("channel") or {}).get("id", "")
        message = body.get("message") or {}
        ts = message.get("ts") or body.get("message_ts", "")
        target = Target(team, channel, user, body.get("response_url"))

        async def record() -> list[Any]:
            directory = self.directory(team)
            author = message.get("user")
            trigger = body.get("trigger_id", "")
            message_id = inbound.message_id(channel, ts)
            base = self.team_urls.get(team, "https://slack.com/").rstrip("/")
            event = MessageReported(
                platform=PLATFORM,
                space_id=team,
                at=self.core.now(),
                interaction_id=f"{channel}:{ts}:{trigger}",
                channel=ChannelRef(channel),
                reporter=await directory.member(client, user),
                message_id=message_id,
                message_author=(
                    await directory.member(client, author)
                    if author
                    else MemberRef(PLATFORM, message.get("bot_id") or "bot", "", is_bot=True)
                ),
                link=f"{base}/archives/{channel}/p{ts.replace('.', '')}",
                delivery=trigger or None,
            )
            return await self.core.handle(event)

        await self._answer(ack, record(), target, client)

    async def _thread_author(
        self, client: AsyncWebClient, team: str, channel: str, thread: str
    ) -> MemberRef | None:
        try:
            replies = await client.conversations_replies(channel=channel, ts=thread, limit=1)
        except SlackApiError:
            return None
        first = (replies.get("messages") or [{}])[0]
        if first.get("ts") != thread or not first.get("user"):
            return None
        return await self.directory(team).member(client, first["user"])

    async def on_view(self, ack: Any, body: dict, view: dict, client: AsyncWebClient) -> None:
        team = (body.get("team") or {}).get("id") or view.get("team_id", "")
        user = (body.get("user") or {}).get("id", "")
        kind, _, name = (view.get("callback_id") or "").partition(":")
        metadata = modals.metadata(view)
        target = Target(team, metadata.get("channel") or None, user)
        # A view is submitted once; its id and state hash name this submission.
        delivery = f"{view.get('id', '')}:{view.get('hash', '')}"
        if kind == modals.FORM_CALLBACK:

            async def submitted() -> list[Any]:
                event = FormSubmitted(
                    platform=PLATFORM,
                    space_id=team,
                    at=self.core.now(),
                    interaction_id=view.get("id", ""),
                    channel=ChannelRef(target.channel_id or ""),
                    submitter=await self.directory(team).member(client, user),
                    form_id=name,
                    values={k: str(v or "") for k, v in modals.submitted_values(view).items()},
                    delivery=delivery,
                )
                return await self.core.handle(event)

            await self._answer(ack, submitted(), target, client)
            return
        spec = self.core.commands.get(tuple(name.split()))
        if spec is None:
            await ack()
            return
        options = modals.command_options(spec, view)
        errors = modals.field_errors(await self.locale(team), spec, options)
        if errors:
            await ack(response_action="errors", errors=errors)
            return

        async def invoked() -> list[Any]:
            assert spec is not None
            directory = self.directory(team)
            mentioned = [v.user_id for v in options.values() if isinstance(v, Mention)]
            event = CommandInvoked(
                platform=PLATFORM,
                space_id=team,
                at=self.core.now(),
                interaction_id=view.get("id", ""),
                channel=ChannelRef(target.channel_id or ""),
                invoker=await directory.member(client, user),
                path=spec.path,
                options=options,
                mentions=tuple([await directory.member(client, uid) for uid in mentioned]),
                delivery=delivery,
            )
            return await self.core.handle(event)

        await self._answer(ack, invoked(), target, client)


def build_app(bridge: SlackBridge, **app_args: Any) -> AsyncApp:
    """The AsyncApp with every listener Cercle needs (`app_args` go to AsyncApp)."""
    app = AsyncApp(**app_args)
    app.event("message")(bridge.on_message)
    app.event("reaction_added")(bridge.on_reaction)
    app.event("reaction_removed")(bridge.on_reaction)
    app.event("team_join")(bridge.on_joined_team)
    app.event("member_joined_channel")(bridge.on_joined_channel)
    app.event("app_home_opened")(bridge.on_home)
    for name in (commands.MAIN_COMMAND, *commands.ALIASES):
        app.command(name)(bridge.on_command)
    app.shortcut(SOLUTION_SHORTCUT)(bridge.on_solution_shortcut)
    app.shortcut(REPORT_SHORTCUT)(bridge.on_report_shortcut)
    app.action(re.compile(".+"))(bridge.on_button)
    app.view(re.compile(r"^cercle-"))(bridge.on_view)
    return app
