"""A fake Slack for the adapter tests: the Web API as a local aiohttp server that records
every call (as slack-bolt's own tests do), and signed requests in Slack's documented
shapes posted to the bolt app through its real HTTP path."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.slack.adapter import SlackAdapter
from adapters.slack.manifest import BOT_SCOPES
from bot.config import Secrets, Settings
from bot.core import Cercle

TEAM = "T0CERCLE"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
START_TS = 1767603600  # 2026-01-05 09:00 UTC, the tests' clock

USERS = {
    "UALICE": {"name": "alice"},
    "UBOB": {"name": "bob"},
    "UCAROL": {"name": "carol"},
    "UMONA": {"name": "mona", "is_admin": True},
    "UELISE": {"name": "elise", "is_admin": True, "locale": "fr-FR"},  # her Slack is in French
    "UBOT": {"name": "cercle", "is_bot": True},
}
CHANNELS = {"general": "CGENERAL1", "help": "CHELP0001", "mods": "CMODS0001"}


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class FakeSlackApi:
    """Slack's Web API, answering from a little workspace and recording what it was asked."""

    calls: list[Call] = field(default_factory=list)
    responses: list[Call] = field(default_factory=list)  # posts to response_url
    groups: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # method -> Slack error code
    delays: dict[str, float] = field(default_factory=dict)  # method -> seconds before answering
    # method -> how many of its next calls Slack refuses with HTTP 429 and Retry-After: 0
    rate_limited: dict[str, int] = field(default_factory=dict)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)  # the token of each call, in order
    # The bot token's scopes, which Slack names in the x-oauth-scopes header of each answer.
    scopes: list[str] = field(default_factory=lambda: list(BOT_SCOPES))
    uploads: dict[str, bytes] = field(default_factory=dict)  # file id -> bytes received
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    url: str = ""
    server: TestServer | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response)
        app.router.add_post("/upload/{id}", self._upload)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        self.url = str(self.server.make_url("/api/"))

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def response_url(self, key: str = "1") -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/response/{key}"))

    @staticmethod
    async def _args(request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key, value in list(args.items()):
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(value)
        return args

    async def _response(self, request: web.Request) -> web.Response:
        self.responses.append(Call(request.match_info["id"], await request.json()))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["id"]] = await request.read()
        return web.Response(text="OK")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self.calls.append(Call(method, args))
        self.tokens.append(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            # What Slack answers past a method's rate limit (api.slack.com/docs/rate-limits).
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
            )
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        if method in self.failures:
            return web.json_response({"ok": False, "error": self.failures[method]})
        scopes = {"X-OAuth-Scopes": ",".join(self.scopes)}
        return web.json_response({"ok": True, **self._answer(method, args)}, headers=scopes)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        match method:
            case "auth.test":
                return {
                    "team_id": TEAM,
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                    "url": "https://cercle-test.slack.com/",
                }
            case "users.info":
                user_id = args["user"]
                known = dict(USERS.get(user_id, {"name": user_id.lower()}))
                if str(args.get("include_locale")).lower() not in ("1", "true"):
                    known.pop("locale", None)  # Slack gives it only when asked
                return {"user": {"id": user_id, "team_id": TEAM, **known, "profile": {}}}
            case "usergroups.list":
                return {"usergroups": self.groups}
            case "usergroups.users.update":
                for group in self.groups:
                    if group["id"] == args["usergroup"]:
                        group["users"] = args["users"].split(",")
                return {}
            case "conversations.list":
                return {"channels": [{"id": i, "name": n} for n, i in CHANNELS.items()]}
            case "conversations.info":
                return {
                    "channel": {"id": args["channel"], "is_general": args["channel"] == "CGENERAL1"}
                }
            case "conversations.history":
                oldest = float(args.get("oldest") or 0)
                kept = self.history.get(args["channel"], [])
                found = [m for m in kept if float(m["ts"]) >= oldest]
                return {"messages": sorted(found, key=lambda m: -float(m["ts"]))}
            case "conversations.replies":
                return {
                    "messages": [
                        m for m in self.history.get(args["channel"], []) if m["ts"] == args["ts"]
                    ]
                }
            case "conversations.open":
                return {"channel": {"id": "D" + args["users"]}}
            case "chat.postMessage":
                ts = f"{START_TS + 10_000 + next(self._ts)}.000100"
                message = {"ts": ts, "text": args.get("text", ""), "user": "UBOT", "bot_id": "BBOT"}
                if "metadata" in args:
                    message["metadata"] = args["metadata"]
                self.history.setdefault(args["channel"], []).append(message)
                return {"channel": args["channel"], "ts": ts, "message": message}
            case "chat.postEphemeral":
                return {"message_ts": f"{START_TS}.000001"}
            case "chat.getPermalink":
                return {"permalink": "https://cercle-test.slack.com/archives/x"}
            case "files.getUploadURLExternal":
                file_id = f"F{len(self.uploads) + 1}"
                assert self.server is not None
                return {
                    "upload_url": str(self.server.make_url(f"/upload/{file_id}")),
                    "file_id": file_id,
                }
            case "files.completeUploadExternal":
                return {"files": [{"id": f["id"]} for f in args.get("files", [])]}
            case "views.open" | "views.publish" | "views.update":
                return {"view": {"id": "V1", **args.get("view", {})}}
        return {}

    def named(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]


def ts(seconds: float) -> str:
    """A Slack timestamp `seconds` after the tests' clock start."""
    return f"{START_TS + seconds:.6f}"


def signed(body: str, secret: str = SIGNING_SECRET, at: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


class SlackApp:
    """One Cercle process's Slack side: the adapter's bolt app served over HTTP."""

    def __init__(self, core: Cercle, settings: Settings, api: FakeSlackApi) -> None:
        self.core = core
        self.api = api
        self.adapter = SlackAdapter(
            settings,
            Secrets(slack_bot_token="xoxb-test", slack_signing_secret=SIGNING_SECRET),
        )
        self.http: TestClient | None = None
        self._event_ids = itertools.count(1)
        self._triggers = itertools.count(1)

    async def __aenter__(self) -> SlackApp:
        self.adapter.build(self.core)
        self.http = TestClient(TestServer(self.adapter.web_app(), host="127.0.0.1"))
        await self.http.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.settle()
        await self.adapter.stop()
        assert self.http is not None
        await self.http.close()

    async def settle(self) -> None:
        assert self.adapter.bridge is not None
        await self.adapter.bridge.settle()

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None, **sign: Any
    ) -> tuple[int, str]:
        assert self.http is not None
        all_headers = {"Content-Type": content_type, **signed(body, **sign), **(headers or {})}
        response = await self.http.post("/slack/events", data=body, headers=all_headers)
        text = await response.text()
        await self.settle()
        return response.status, text

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> int:
        payload = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "ACERCLE",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._event_ids):08d}",
            "event_time": START_TS,
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        }
        headers = {}
        if retry is not None:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        status, _ = await self.post(json.dumps(payload), "application/json", headers)
        return status

    async def message(
        self, user: str, text: str, at: float, channel: str = "CGENERAL1", **extra: Any
    ) -> str:
        stamp = ts(at)
        await self.event(
            {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": stamp,
                "event_ts": stamp,
                "channel_type": "channel",
                **extra,
            }
        )
        return stamp

    async def command(
        self,
        command: str,
        text: str,
        user: str = "UALICE",
        channel: str = "CGENERAL1",
        **sign: Any,
    ) -> tuple[int, str]:
        body = urlencode(
            {
                "token": "legacy",
                "team_id": TEAM,
                "team_domain": "cercle-test",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": USERS.get(user, {}).get("name", user),
                "command": command,
                "text": text,
                "api_app_id": "ACERCLE",
                "is_enterprise_install": "false",
                "response_url": self.api.response_url(f"cmd{next(self._triggers)}"),
                "trigger_id": f"1337.4242.{next(self._triggers):032x}",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded", **sign)

    async def interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        payload = {
            "team": {"id": TEAM, "domain": "cercle-test"},
            "api_app_id": "ACERCLE",
            **payload,
        }
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def press(
        self, custom_id: str, user: str, channel: str = "CGENERAL1", message_ts: str | None = None
    ) -> tuple[int, str]:
        message_ts = message_ts or ts(1)
        return await self.interaction(
            {
                "type": "block_actions",
                "user": {
                    "id": user,
                    "username": USERS.get(user, {}).get("name", user),
                    "team_id": TEAM,
                },
                "trigger_id": f"press.{next(self._triggers)}",
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel,
                    "is_ephemeral": False,
                },
                "channel": {"id": channel, "name": "general"},
                "message": {"type": "message", "ts": message_ts, "user": "UBOT", "text": ""},
                "response_url": self.api.response_url(f"press{next(self._triggers)}"),
                "actions": [
                    {
                        "type": "button",
                        "action_id": custom_id,
                        "block_id": "b1",
                        "value": custom_id,
                        "text": {"type": "plain_text", "text": "x"},
                        "action_ts": f"{START_TS}.1",
                    }
                ],
            }
        )

    async def submit(
        self, view: dict[str, Any], values: dict[str, Any], user: str = "UALICE"
    ) -> tuple[int, str]:
        """A view_submission of `view` (as the adapter opened it) with `values` per block."""
        state = {}
        for block in view["blocks"]:
            element = block["element"]
            value = values.get(block["block_id"])
            kind = element["type"]
            if kind == "static_select":
                state[block["block_id"]] = {
                    "value": {
                        "type": kind,
                        "selected_option": None if value is None else {"value": value},
                    }
                }
            elif kind == "checkboxes":
                state[block["block_id"]] = {
                    "value": {
                        "type": kind,
                        "selected_options": [{"value": "true"}] if value else [],
                    }
                }
            else:
                state[block["block_id"]] = {"value": {"type": kind, "value": value}}
        return await self.interaction(
            {
                "type": "view_submission",
                "user": {
                    "id": user,
                    "username": USERS.get(user, {}).get("name", user),
                    "team_id": TEAM,
                },
                "trigger_id": f"submit.{next(self._triggers)}",
                "view": {
                    "id": f"V{next(self._triggers):06d}",
                    "team_id": TEAM,
                    "type": "modal",
                    "callback_id": view["callback_id"],
                    "private_metadata": view.get("private_metadata", ""),
                    "blocks": view["blocks"],
                    "state": {"values": state},
                },
            }
        )


def texts_of(args: dict[str, Any]) -> str:
    """Everything a message shows: its text and the text of every block, unescaped."""
    parts = [str(args.get("text", ""))]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "text" and isinstance(item, str):
                    parts.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(args.get("blocks") or [])
    joined = "\n".join(parts)
    return joined.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Seen:
    """What members saw since the last look: replies to the caller, posts and updates."""

    def __init__(self, api: FakeSlackApi) -> None:
        self.api = api
        self.calls = 0
        self.responses = 0

    def new(self) -> list[tuple[str, str]]:
        """(kind, text) of everything shown since the previous call; kind is `ephemeral`,
        `in_channel`, or the Web API method."""
        shown: list[tuple[str, str]] = []
        for response in self.api.responses[self.responses :]:
            shown.append((response.args.get("response_type", "ephemeral"), texts_of(response.args)))
        for call in self.api.calls[self.calls :]:
            if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
                shown.append((call.method, texts_of(call.args)))
        self.responses, self.calls = len(self.api.responses), len(self.api.calls)
        return shown

    def text(self) -> str:
        return "\n".join(text for _, text in self.new())
