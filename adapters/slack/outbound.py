"""The core's actions as Slack Web API calls.

Replies visible only to the caller go through the interaction's response_url (works in any
channel, even one Cercle is not in) or chat.postEphemeral; public replies and posts through
chat.postMessage; card updates through chat.update; direct messages open the conversation
first. A post with a `marker` carries it in its message metadata and is skipped when the
channel's recent history already holds it (a digest run re-delivered after a crash never
posts twice). A post with a `card_ref` is reported to the core (`card_posted`); one with a
`thread_name` opens its discussion as the first reply of its thread. Rank user groups are
kept in step with usergroups.users.update; what Cercle cannot do (no such group, a free
workspace, a missing scope) is told to the moderators once, in their channel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import blocks
from adapters.slack.directory import Directory
from adapters.slack.inbound import message_id, split_message_id
from bot.actions import (
    Action,
    DirectMessage,
    GrantRole,
    Image,
    OpenForm,
    PostToChannel,
    Reply,
    RevokeRole,
    SendFile,
    SyncScheduledEvent,
    UpdateCard,
)
from bot.ports import UnsupportedAction

# What Slack carries out; an OpenForm needs the trigger of an interaction. Slack has no
# scheduled events of its own: the event card is the event, and a `SyncScheduledEvent`
# does nothing.
SUPPORTED: frozenset[type[Action]] = frozenset(
    {
        PostToChannel,
        UpdateCard,
        GrantRole,
        RevokeRole,
        DirectMessage,
        SendFile,
        Reply,
        OpenForm,
        SyncScheduledEvent,
    }
)

if TYPE_CHECKING:
    from bot.ports import CoreFace

log = logging.getLogger("cercle.slack")

PLATFORM = "slack"
MARKER_EVENT = "cercle_post"
HISTORY_LOOKBACK = 100  # messages searched for a marker before posting


@dataclass(frozen=True)
class Target:
    """Where the answers to one event go."""

    team_id: str
    channel_id: str | None = None
    user_id: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    thread_ts: str | None = None


ClientFor = Callable[[str], Awaitable[AsyncWebClient | None]]
FormOpener = Callable[[AsyncWebClient, Target, OpenForm], Awaitable[None]]


class Outbound:
    def __init__(
        self,
        core: CoreFace,
        client_for: ClientFor,
        directory: Callable[[str], Directory],
        open_form: FormOpener | None = None,
    ) -> None:
        self.core = core
        self.client_for = client_for
        self.directory = directory
        self.open_form = open_form
        # Problems already told to the moderators (team, kind, subject): once, not per member.
        self.reported: set[tuple[str, str, str]] = set()

    async def send(
        self, actions: list[Action], target: Target, client: AsyncWebClient | None = None
    ) -> None:
        if not actions:
            return
        client = client or await self.client_for(target.team_id)
        if client is None:
            log.warning(
                "no Slack token for workspace %s; %d actions dropped", target.team_id, len(actions)
            )
            return
        for action in actions:
            try:
                await self._one(client, target, action)
            except SlackApiError as error:
                log.warning(
                    "Slack refused %s: %s", type(action).__name__, error.response.get("error")
                )

    async def _one(self, client: AsyncWebClient, target: Target, action: Action) -> None:
        if getattr(action, "platform", PLATFORM) != PLATFORM:
            return  # for the same community on another platform
        match action:
            case Reply(ephemeral=True):
                await self._ephemeral(client, target, action.text, action)
            case Reply():
                await self._public_reply(client, target, action)
            case PostToChannel():
                await self.post(client, target.team_id, action)
            case UpdateCard(channel_id=channel, message_id=message, card=card):
                chan, ts = split_message_id(message)
                await client.chat_update(channel=chan or channel, ts=ts, **blocks.message("", card))
            case DirectMessage(user_id=user, text=text):
                await self.direct(client, user, blocks.message(text, None))
            case SendFile(user_id=user, text=text, filename=name, data=data):
                opened = await client.conversations_open(users=user)
                await client.files_upload_v2(
                    channel=opened["channel"]["id"],
                    file=data,
                    filename=name,
                    title=name,
                    initial_comment=blocks.escape(text),
                )
            case GrantRole() | RevokeRole():
                await self._usergroup(client, target.team_id, action)
            case SyncScheduledEvent():
                pass
            case OpenForm():
                if self.open_form is not None and target.trigger_id:
                    await self.open_form(client, target, action)
            case _:
                raise UnsupportedAction(
                    f"the slack adapter does not carry out {type(action).__name__}"
                )

    # -- replies ---------------------------------------------------------------------------

    async def _ephemeral(
        self, client: AsyncWebClient, target: Target, text: str, action: Reply
    ) -> None:
        body = blocks.message(text, action.card)
        if target.response_url:
            response = await AsyncWebhookClient(target.response_url).send(
                response_type="ephemeral", replace_original=False, **body
            )
            if response.status_code == 200:
                return
            log.info("response_url answered %s; trying postEphemeral", response.status_code)
        if target.channel_id and target.user_id:
            try:
                await client.chat_postEphemeral(
                    channel=target.channel_id, user=target.user_id, **body
                )
                return
            except SlackApiError as error:
                log.info("postEphemeral failed: %s", error.response.get("error"))
        if target.user_id:
            await self.direct(client, target.user_id, body)

    async def _public_reply(self, client: AsyncWebClient, target: Target, action: Reply) -> None:
        body = blocks.message(action.text, action.card)
        if target.channel_id:
            try:
                await client.chat_postMessage(
                    channel=target.channel_id, thread_ts=target.thread_ts, **body
                )
                return
            except SlackApiError as error:
                if target.response_url is None:
                    raise
                log.info(
                    "postMessage failed (%s); answering in channel", error.response.get("error")
                )
        if target.response_url:
            await AsyncWebhookClient(target.response_url).send(response_type="in_channel", **body)

    async def direct(self, client: AsyncWebClient, user_id: str, body: dict[str, Any]) -> None:
        opened = await client.conversations_open(users=user_id)
        await client.chat_postMessage(channel=opened["channel"]["id"], **body)

    # -- posts -----------------------------------------------------------------------------

    async def post(self, client: AsyncWebClient, team_id: str, action: PostToChannel) -> None:
        channel = await self._channel(client, team_id, action.channel_id)
        if channel is None:
            await self.report(
                team_id, "channel", action.channel_id or "", channel=action.channel_id or ""
            )
            return
        if action.marker is not None and await self._already_posted(client, channel, action.marker):
            log.info("post %s is already in %s; not posting it again", action.marker, channel)
            return
        body = blocks.message(action.text, action.card)
        if action.marker is not None:
            body["metadata"] = {
                "event_type": MARKER_EVENT,
                "event_payload": {"marker": action.marker},
            }
        try:
            posted = await client.chat_postMessage(channel=channel, **body)
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
            await client.conversations_join(channel=channel)  # public channels only
            posted = await client.chat_postMessage(channel=channel, **body)
        ts = posted["ts"]
        channel = posted.get("channel") or channel
        if action.card_ref is not None:
            await self.core.card_posted(
                PLATFORM, team_id, action.card_ref, channel, message_id(channel, ts)
            )
        if action.thread_name is not None:
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=blocks.escape(action.thread_name)
            )
        if action.card is not None and action.card.image is not None:
            await self._upload(client, channel, ts, action.card.image)

    async def _upload(self, client: AsyncWebClient, channel: str, ts: str, image: Image) -> None:
        """Attach a card's picture (the digest's chart) in the post's thread; the card
        already carries its alt text, so a refused upload (no files:write) loses nothing."""
        try:
            await client.files_upload_v2(
                channel=channel,
                thread_ts=ts,
                file=image.png,
                filename=image.filename,
                title=image.alt[:250],
                alt_txt=image.alt[:1000],
            )
        except SlackApiError as error:
            log.info("could not upload %s: %s", image.filename, error.response.get("error"))

    async def _channel(self, client: AsyncWebClient, team_id: str, name: str | None) -> str | None:
        if name is None:
            name = (await self.core.space(PLATFORM, team_id)).default_channel
        return await self.directory(team_id).channel_id(client, name)

    async def _already_posted(self, client: AsyncWebClient, channel: str, marker: str) -> bool:
        try:
            history = await client.conversations_history(
                channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
        except SlackApiError as error:
            log.info("conversations.history failed: %s", error.response.get("error"))
            return False
        for message in history.get("messages", []):
            meta = message.get("metadata") or {}
            if (meta.get("event_payload") or {}).get("marker") == marker:
                return True
        return False

    # -- rank user groups -------------------------------------------------------------------

    async def _usergroup(
        self, client: AsyncWebClient, team_id: str, action: GrantRole | RevokeRole
    ) -> None:
        directory = self.directory(team_id)
        group = await directory.group(client, action.role)
        if group is None:
            await self.report(team_id, "usergroup_missing", action.role, group=action.role)
            return
        users = list(group.users)
        if isinstance(action, GrantRole) and action.user_id not in users:
            users.append(action.user_id)
        elif isinstance(action, RevokeRole) and action.user_id in users:
            users.remove(action.user_id)
        else:
            return
        if not users:
            # Slack refuses an empty group; a group left empty keeps its last member.
            return
        try:
            await client.usergroups_users_update(usergroup=group.id, users=",".join(users))
        except SlackApiError as error:
            code = str(error.response.get("error"))
            await self.report(
                team_id, "usergroup_failed", f"{group.id}:{code}", group=action.role, error=code
            )
        finally:
            directory.forget_groups()

    # -- telling the moderators -------------------------------------------------------------

    async def report(self, team_id: str, kind: str, subject: str, **params: str) -> None:
        """Tell the moderators once that Cercle could not do something on Slack."""
        key = (team_id, kind, subject)
        if key in self.reported:
            return
        self.reported.add(key)
        client = await self.client_for(team_id)
        if client is None:
            return
        view = await self.core.space(PLATFORM, team_id)
        text = view.t(f"slack.problem.{kind}", **params)
        log.warning("reported to moderators of %s: %s", team_id, text)
        channel = await self.directory(team_id).channel_id(
            client, view.moderator_channel or view.default_channel
        )
        if channel is None:
            return
        try:
            await client.chat_postMessage(channel=channel, **blocks.message(text, None))
        except SlackApiError as error:
            log.warning("could not tell the moderators: %s", error.response.get("error"))
