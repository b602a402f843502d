"""A local stand-in for Discord: REST routes discord.py calls, and a gateway websocket.

Point `discord.api_base_url` at `FakeDiscord.base_url`: every REST call is answered here
and recorded (`requests`), `/gateway/bot` sends the client to this server's websocket,
which identifies shards, sends READY and GUILD_CREATE for the guilds each shard owns
(`(guild_id >> 22) % shard_count`), acknowledges heartbeats and pushes the dispatch
events a test or a benchmark gives it. Errors can be injected per route (`fail`).
Used by the Discord adapter's tests and by the Discord benchmark.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1420070400000
HEARTBEAT_ACK_DELAY = 0.02  # seconds: a network round trip to Discord's gateway


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when the content type is exactly this.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


_counter = itertools.count(1)


def snowflake(at_ms: float | None = None) -> str:
    """A new Discord id; its top bits are its time (messages' times come from it)."""
    ms = int(time.time() * 1000 if at_ms is None else at_ms)
    return str(((ms - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF))


def user(user_id: str, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


def message(
    message_id: str,
    channel_id: str,
    author: dict[str, Any],
    content: str,
    guild_id: str | None = None,
    roles: tuple[str, ...] = (),
    kind: int = 0,
) -> dict[str, Any]:
    """A message object in Discord's documented shape (MESSAGE_CREATE's payload, and the
    message an interaction's button sits on); `guild_id` adds the author's member part."""
    data: dict[str, Any] = {
        "id": message_id,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": "2026-01-05T09:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": kind,
        "flags": 0,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
        data["member"] = {
            "roles": list(roles),
            "joined_at": "2025-06-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
        }
    return data


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any

    @property
    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class FakeGuild:
    id: str
    name: str
    channels: dict[str, str] = field(default_factory=dict)  # name -> id
    roles: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (id, perms)
    owner_id: str = "1"

    def payload(self, bot: dict[str, Any], bot_role_ids: list[str]) -> dict[str, Any]:
        roles = [
            {
                "id": self.id,
                "name": "@everyone",
                "permissions": "0",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ]
        for position, (name, (role_id, permissions)) in enumerate(self.roles.items(), start=1):
            roles.append(
                {
                    **roles[0],
                    "id": role_id,
                    "name": name,
                    "permissions": str(permissions),
                    "position": position,
                }
            )
        channels = [
            {
                "id": cid,
                "type": 0,
                "name": name,
                "position": i,
                "permission_overwrites": [],
                "guild_id": self.id,
            }
            for i, (name, cid) in enumerate(self.channels.items())
        ]
        return {
            "id": self.id,
            "name": self.name,
            "owner_id": self.owner_id,
            "unavailable": False,
            "member_count": 2,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": roles,
            "channels": channels,
            "threads": [],
            "members": [
                {
                    "user": bot,
                    "roles": bot_role_ids,
                    "joined_at": "2025-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                }
            ],
            "voice_states": [],
            "presences": [],
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
            "joined_at": "2025-01-01T00:00:00+00:00",
        }


@dataclass
class Session:
    ws: web.WebSocketResponse
    shard: tuple[int, int]
    intents: int
    seq: int = 0


class FakeDiscord:
    def __init__(
        self,
        guilds: list[FakeGuild],
        shard_count: int = 1,
        app_flags: int = (1 << 15) | (1 << 19),
        bot_role_ids: list[str] | None = None,
    ) -> None:
        self.guilds = {g.id: g for g in guilds}
        self.shard_count = shard_count
        self.app_flags = app_flags
        self.application_id = "900000000000000001"
        self.bot = user(self.application_id, "Cercle", bot=True)
        self.bot_role_ids = bot_role_ids or []
        self.requests: list[Recorded] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel id -> oldest first
        self.scheduled_events: dict[str, dict[str, Any]] = {}  # id -> as Discord returns it
        self.sessions: list[Session] = []
        self.identified: list[tuple[int, int]] = []
        self.refuse_intents = 0  # an IDENTIFY asking for any of these gets close code 4014
        self._failures: list[tuple[str, re.Pattern[str], int, int, str]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.sent_events = 0

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v{version}/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        for session in list(self.sessions):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- test controls ---------------------------------------------------------------------

    def fail(
        self, method: str, path: str, status: int, code: int, message: str = "Missing Permissions"
    ) -> None:
        """Answer `method` on paths matching the regex `path` with a Discord error."""
        self._failures.append((method, re.compile(path), status, code, message))

    def calls(self, method: str, path: str) -> list[Recorded]:
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method and pattern.search(r.path)]

    def shard_of(self, guild_id: str) -> int:
        return (int(guild_id) >> 22) % self.shard_count

    def remember(self, message: dict[str, Any]) -> None:
        """Keep a member's message in its channel's history (what `GET .../messages`
        reads back): every MESSAGE_CREATE dispatched, or one posted while no client was
        connected to hear it."""
        self.messages.setdefault(message["channel_id"], []).append(message)

    async def dispatch(self, name: str, data: dict[str, Any], guild_id: str | None = None) -> None:
        """Send a dispatch event to every session whose shard owns `guild_id`."""
        if name == "MESSAGE_CREATE":
            self.remember(data)
        text = None
        for session in self.sessions:
            if guild_id is not None and session.shard[0] != self.shard_of(guild_id):
                continue
            session.seq += 1
            text = json.dumps({"op": 0, "t": name, "s": session.seq, "d": data})
            await session.ws.send_str(text)
        self.sent_events += 1

    async def dispatch_many(self, name: str, items: list[dict[str, Any]], guild_id: str) -> None:
        """Many events of one kind, serialised as fast as the socket takes them."""
        if name == "MESSAGE_CREATE":
            for data in items:
                self.remember(data)
        for session in self.sessions:
            if session.shard[0] != self.shard_of(guild_id):
                continue
            for data in items:
                session.seq += 1
                await session.ws.send_str(
                    json.dumps({"op": 0, "t": name, "s": session.seq, "d": data})
                )
        self.sent_events += len(items)

    def frames(self, name: str, items: list[dict[str, Any]], first_seq: int = 1000) -> list[str]:
        """Dispatch frames serialised ahead of time (a benchmark times the client, not this)."""
        return [
            json.dumps({"op": 0, "t": name, "s": first_seq + i, "d": data})
            for i, data in enumerate(items)
        ]

    async def push(self, frames: list[str], guild_id: str) -> None:
        for session in self.sessions:
            if session.shard[0] == self.shard_of(guild_id):
                for frame in frames:
                    await session.ws.send_str(frame)
        self.sent_events += len(frames)

    async def wait_for(
        self, method: str, path: str, count: int = 1, within: float = 10.0
    ) -> list[Recorded]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = self.calls(method, path)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError(
            f"no {method} {path} after {within}s; got {[(r.method, r.path) for r in self.requests]}"
        )

    async def wait_sessions(self, count: int = 1, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while len([s for s in self.sessions if not s.ws.closed]) < count:
            if time.monotonic() > deadline:
                raise AssertionError("the client did not connect to the fake gateway")
            await asyncio.sleep(0.01)

    # -- gateway ------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        session: Session | None = None
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            op = payload.get("op")
            if op == 1:
                # Discord acknowledges a heartbeat a network round trip later. Answered at
                # once, the acknowledgement can reach discord.py before its keep-alive
                # thread has noted the heartbeat as sent, and it logs the whole interval
                # before as its latency ("Can't keep up ... 41.3s behind").
                await asyncio.sleep(HEARTBEAT_ACK_DELAY)
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                data = payload["d"]
                shard = tuple(data.get("shard") or (0, 1))
                if data.get("intents", 0) & self.refuse_intents:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                session = Session(ws, (int(shard[0]), int(shard[1])), data.get("intents", 0))
                self.identified.append(session.shard)
                await self._ready(session)
                self.sessions.append(session)
            elif op == 6 and session is not None:
                session.seq += 1
                await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": session.seq, "d": {}}))
        if session is not None and session in self.sessions:
            self.sessions.remove(session)
        return ws

    async def _ready(self, session: Session) -> None:
        shard_id, count = session.shard
        mine = [g for g in self.guilds.values() if (int(g.id) >> 22) % count == shard_id]
        ready = {
            "v": 10,
            "user": self.bot,
            "guilds": [{"id": g.id, "unavailable": True} for g in mine],
            "session_id": f"session-{shard_id}-{time.monotonic_ns()}",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "shard": [shard_id, count],
            "application": {"id": self.application_id, "flags": self.app_flags},
            "private_channels": [],
            "relationships": [],
        }
        session.seq += 1
        await session.ws.send_str(json.dumps({"op": 0, "t": "READY", "s": session.seq, "d": ready}))
        for guild in mine:
            session.seq += 1
            await session.ws.send_str(
                json.dumps(
                    {
                        "op": 0,
                        "t": "GUILD_CREATE",
                        "s": session.seq,
                        "d": guild.payload(self.bot, self.bot_role_ids),
                    }
                )
            )

    # -- REST ---------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            body: dict[str, Any] = {"files": []}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body.update(json.loads(await part.text()))  # type: ignore[union-attr]
                else:
                    body["files"].append(part.filename)  # type: ignore[union-attr]
            return body
        if request.can_read_body:
            text = await request.text()
            return json.loads(text) if text else None
        return None

    def _message(
        self, channel_id: str, body: dict[str, Any], message_id: str | None = None
    ) -> dict[str, Any]:
        guild_id = next(
            (g.id for g in self.guilds.values() if channel_id in g.channels.values()), None
        )
        message = {
            "id": message_id or snowflake(),
            "channel_id": channel_id,
            "author": self.bot,
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [
                {
                    "id": snowflake(),
                    "filename": f,
                    "size": 1,
                    "url": f"https://cdn/{f}",
                    "proxy_url": f"https://cdn/{f}",
                }
                for f in body.get("files", [])
            ],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": "2026-01-05T09:00:00+00:00",
            "edited_timestamp": None,
            "type": 0,
            "flags": body.get("flags", 0) or 0,
        }
        if guild_id is not None:
            message["guild_id"] = guild_id
        if body.get("nonce"):
            message["nonce"] = body["nonce"]
        return message

    def _scheduled_event(
        self, method: str, guild_id: str, event_id: str | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        """A guild scheduled event as Discord returns it: created (POST) or changed (PATCH)."""
        if event_id is None or event_id not in self.scheduled_events:
            event_id = event_id or snowflake()
            self.scheduled_events[event_id] = {
                "id": event_id,
                "guild_id": guild_id,
                "channel_id": None,
                "creator_id": self.bot["id"],
                "description": None,
                "entity_id": None,
                "entity_metadata": None,
                "image": None,
                "privacy_level": 2,
                "status": 1,
                "entity_type": 3,
                "scheduled_end_time": None,
                "user_count": 0,
            }
        stored = self.scheduled_events[event_id]
        if method in ("POST", "PATCH"):
            stored.update(body)
        return stored

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._body(request)
        self.requests.append(Recorded(request.method, path, dict(request.query), body))
        for method, pattern, status, code, text in self._failures:
            if method == request.method and pattern.search(path):
                return _json({"message": text, "code": code}, status)
        return self._answer(request.method, path, body or {}, request.query)

    def _answer(self, method: str, path: str, body: dict[str, Any], query: Any) -> web.Response:
        ok = _json
        if path == "/users/@me":
            return ok(self.bot)
        if path in ("/gateway/bot", "/gateway"):
            return ok(
                {
                    "url": f"ws://127.0.0.1:{self.port}/gateway",
                    "shards": self.shard_count,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 1000,
                        "reset_after": 0,
                        "max_concurrency": 16,
                    },
                }
            )
        if path == "/oauth2/applications/@me" or path == "/applications/@me":
            return ok(
                {
                    "id": self.application_id,
                    "name": "Cercle",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user("1", "owner"),
                    "verify_key": "",
                    "flags": self.app_flags,
                    "team": None,
                    "summary": "",
                }
            )
        if path == "/users/@me/guilds":
            return ok(
                [
                    {
                        "id": g.id,
                        "name": g.name,
                        "icon": None,
                        "owner": False,
                        "permissions": "0",
                        "features": [],
                    }
                    for g in self.guilds.values()
                ]
            )
        if m := re.fullmatch(r"/applications/\d+(/guilds/\d+)?/commands", path):
            if method == "PUT":
                return ok(
                    [
                        {
                            **c,
                            "id": snowflake(),
                            "application_id": self.application_id,
                            "version": "1",
                        }
                        for c in body or []
                    ]
                )
            return ok([])
        if m := re.fullmatch(r"/channels/(\d+)/messages", path):
            channel = m.group(1)
            if method == "POST":
                message = self._message(channel, body)
                self.messages.setdefault(channel, []).append(message)
                return ok(message)
            limit = int(query.get("limit", 50))
            history = sorted(self.messages.get(channel, []), key=lambda x: int(x["id"]))
            if "after" in query:  # the oldest `limit` after it, newest first (as Discord)
                later = [x for x in history if int(x["id"]) > int(query["after"])][:limit]
                return ok(list(reversed(later)))
            return ok(list(reversed(history))[:limit])
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            channel, message_id = m.groups()
            stored = next(
                (x for x in self.messages.get(channel, []) if x["id"] == message_id), None
            )
            if method == "PATCH":
                if stored is None:
                    stored = self._message(channel, body, message_id)
                stored.update(
                    {k: v for k, v in body.items() if k in ("content", "embeds", "components")}
                )
                return ok(stored)
            if stored is None:
                return ok({"message": "Unknown Message", "code": 10008}, 404)
            return ok(stored)
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", path):
            channel, message_id = m.groups()
            guild_id = next(
                (g.id for g in self.guilds.values() if channel in g.channels.values()), "0"
            )
            return ok(
                {
                    "id": message_id,
                    "type": 11,
                    "name": body.get("name", ""),
                    "parent_id": channel,
                    "guild_id": guild_id,
                    "owner_id": self.application_id,
                    "member_count": 1,
                    "message_count": 0,
                    "thread_metadata": {
                        "archived": False,
                        "auto_archive_duration": body.get("auto_archive_duration", 1440),
                        "archive_timestamp": "2026-01-05T09:00:00+00:00",
                        "locked": False,
                    },
                }
            )
        if m := re.fullmatch(r"/guilds/(\d+)/scheduled-events(?:/(\d+))?", path):
            return ok(self._scheduled_event(method, m.group(1), m.group(2), body))
        if re.fullmatch(r"/guilds/\d+/members/\d+/roles/\d+", path):
            return web.Response(status=204)
        if (m := re.fullmatch(r"/guilds/\d+/members/(\d+)", path)) and method == "PATCH":
            return ok(  # the member as changed (a timeout: communication_disabled_until)
                {
                    "user": user(m.group(1), "member"),
                    "roles": [],
                    "joined_at": "2026-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "communication_disabled_until": body.get("communication_disabled_until"),
                }
            )
        if path == "/users/@me/channels":
            recipient = str(body.get("recipient_id"))
            return ok(
                {
                    "id": str(int(recipient) + 7),
                    "type": 1,
                    "recipients": [user(recipient, "member")],
                    "last_message_id": None,
                }
            )
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return ok({"interaction": {"id": m.group(1), "type": 2}, "resource": None})
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(/messages/@original)?", path):
            if method == "DELETE":
                return web.Response(status=204)
            return ok(self._message("0", body))
        return ok({"message": f"404: Not Found ({method} {path})", "code": 0}, 404)
