"""The door of Slack's HTTP endpoint: what reaches bolt is signed with the signing secret
and shaped as Slack sends it.

bolt itself fails with a 500 and a traceback on a request that is neither: a timestamp
that is not a number, a signature that is not ASCII, a body that is not UTF-8 or not the
JSON object it expects. This aiohttp middleware answers those first: 401 for a request
that is not Slack's (nothing of it is read further), 400 for a signed body Slack would
never send; one warning line each, no traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

log = logging.getLogger("cercle.slack")

MAX_AGE = 5 * 60  # seconds: Slack's own replay window
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
# Fields bolt reads from a payload, and the shapes Slack gives them.
_OBJECTS = ("event", "view", "container", "message", "state")
_OBJECTS_OR_IDS = ("team", "user", "channel", "enterprise")
_LISTS_OF_OBJECTS = ("authorizations", "actions")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def unauthenticated(secret: str, headers: Any, body: bytes, now: float) -> str | None:
    """Why the request is not signed by Slack with `secret`; None when it is."""
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not _TIMESTAMP.fullmatch(stamp):
        return "the timestamp is not a number"
    if abs(now - int(stamp)) > MAX_AGE:
        return "the timestamp is more than five minutes away"
    if not _SIGNATURE.fullmatch(signature):
        return "no readable signature"
    # Slack signs the raw bytes, whatever they are (slack_sdk's verifier decodes them first)
    base = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "the signature does not match"
    return None


def _payload(body: bytes, content_type: str) -> object:
    """The payload as bolt will read it (ValueError when it cannot be read)."""
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text)
    form = dict(parse_qsl(text, keep_blank_values=True))
    return json.loads(form["payload"]) if "payload" in form else form


def malformed(body: bytes, content_type: str) -> str | None:
    """What is wrong with a signed body's shape; None when bolt can read it."""
    try:
        payload = _payload(body, content_type)
    except ValueError as error:
        return f"the body cannot be read ({type(error).__name__})"
    if not isinstance(payload, dict):
        return f"the payload is a JSON {type(payload).__name__}, not an object"
    for key in _OBJECTS:
        if key in payload and not isinstance(payload[key], dict):
            return f"`{key}` is not an object"
    for key in _OBJECTS_OR_IDS:
        if key in payload and not isinstance(payload[key], dict | str | None):
            return f"`{key}` is neither an object nor an id"
    for key in _LISTS_OF_OBJECTS:
        value = payload.get(key)
        if key in payload and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            return f"`{key}` is not a list of objects"
    return None


def gate(secret: str, path: str) -> Callable[[web.Request, Handler], Awaitable[Any]]:
    """The middleware guarding POSTs to `path` with the signing `secret`."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        body = await request.read()  # kept by aiohttp: bolt reads the same bytes
        problem = unauthenticated(secret, request.headers, body, time.time())
        status = 401
        if problem is None:
            problem, status = malformed(body, request.content_type), 400
        if problem is None:
            return await handler(request)
        log.warning("Slack request from %s refused (%s): %s", request.remote, status, problem)
        return web.Response(status=status)

    return guard
