"""Reading a workspace's recent history back after a start or a Socket Mode reconnect.

Slack acknowledges an event as soon as Cercle receives it (bolt does) and never sends it
again; an event received but not committed when the process died, or sent while no
process listened, is found again in the channel's history. After a start (HTTP mode) and
on every new Socket Mode connection (its `hello`), each channel Cercle is in is read with
`conversations.history` from the last message scored there (`oldest`), at most
`ingest.backfill_hours` back. The messages go through the same inbox and ledger keys as
live ones, so one already scored counts nothing. Thread replies are not in a channel's
history and are not read back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound

if TYPE_CHECKING:
    from adapters.slack.app import SlackBridge

log = logging.getLogger("cercle.slack")

PLATFORM = "slack"
# Events of one moment may commit out of order (one waited on a member lookup while a
# later one went through): reading from a little before the last message scored finds one
# that a later one overtook; the ledger keys make the overlap count nothing.
OVERLAP = timedelta(minutes=10)
PAGE = 200


async def _pages(method: Any, key: str, **args: Any) -> AsyncIterator[list[dict[str, Any]]]:
    """Every page of a cursor-paginated Web API method."""
    cursor = None
    while True:
        response = await method(**args, limit=PAGE, **({"cursor": cursor} if cursor else {}))
        yield list(response.get(key) or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


async def workspace(bridge: SlackBridge, client: AsyncWebClient, team_id: str, hours: int) -> int:
    """Read back every channel of `team_id` Cercle is in; the number of messages put."""
    since = bridge.core.now() - timedelta(hours=hours)
    last = await bridge.core.last_messages(PLATFORM, team_id, since)
    lookup = bridge.lookup(client, team_id)
    read = 0
    try:
        async for channels in _pages(
            client.conversations_list,
            "channels",
            types="public_channel,private_channel",
            exclude_archived=True,
        ):
            for channel in channels:
                if channel.get("is_member") is False:
                    continue
                start = max(since, last.get(channel["id"], since) - OVERLAP)
                kind = "group" if channel.get("is_private") else "channel"
                read += await _channel(bridge, client, team_id, channel["id"], kind, start, lookup)
    except SlackApiError as error:
        log.warning("could not read back Slack history: %s", error.response.get("error"))
    if read:
        log.info("read back %d messages of workspace %s", read, team_id)
    return read


async def _channel(
    bridge: SlackBridge,
    client: AsyncWebClient,
    team_id: str,
    channel: str,
    kind: str,
    start: Any,
    lookup: inbound.MemberLookup,
) -> int:
    read = 0
    # The message of the last one scored is read again: its ledger key says it counted.
    oldest = f"{start.timestamp():.6f}"
    async for messages in _pages(
        client.conversations_history, "messages", channel=channel, oldest=oldest, inclusive=True
    ):
        for message in sorted(messages, key=lambda m: float(m.get("ts", 0))):
            event = {**message, "type": "message", "channel": channel, "channel_type": kind}
            found = await inbound.message_event(team_id, event, lookup)
            if found is not None:
                bridge.inbox.put(found)
                read += 1
    return read
