"""How the core reads a Slack message back (bot.readers.MessageReader): its text for the
digest's quote (conversations.history, or conversations.replies for a thread reply) and a
link members can open (the workspace's archive URL)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import split_message_id

ClientFor = Callable[[str], Awaitable[AsyncWebClient | None]]


class SlackReader:
    def __init__(self, client_for: ClientFor, team_urls: dict[str, str]) -> None:
        self.client_for = client_for
        # Workspace URL (`https://acme.slack.com/`) by team id, learnt from auth.test.
        self.team_urls = team_urls

    async def message_text(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        channel, ts = split_message_id(message_id)
        channel = channel or channel_id
        client = await self.client_for(space_id)
        if client is None:
            return None
        try:
            found = await client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
            messages = found.get("messages") or []
            if not messages:  # a thread reply is not in the channel's history
                found = await client.conversations_replies(channel=channel, ts=ts, limit=1)
                messages = [m for m in found.get("messages") or [] if m.get("ts") == ts]
        except SlackApiError:
            return None
        for message in messages:
            if message.get("ts") == ts:
                return message.get("text")
        return None

    def message_link(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        channel, ts = split_message_id(message_id)
        base = self.team_urls.get(space_id, "https://slack.com/")
        return f"{base.rstrip('/')}/archives/{channel or channel_id}/p{ts.replace('.', '')}"
