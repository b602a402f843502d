"""Hostile requests to Slack's HTTP endpoint, through the real bolt app served by aiohttp:
an unauthenticated one gets 401, a signed but malformed one 400, each with one log line
and no traceback, and none changes anything."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters" / "slack"))
from slack_fakes import SIGNING_SECRET, TEAM, FakeSlackApi, SlackApp

from bot.config import Settings, SlackSettings
from bot.core import Cercle

pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
def settings(slack_api: FakeSlackApi) -> Settings:
    return Settings(slack=SlackSettings(api_base_url=slack_api.url))


@pytest.fixture
async def slack(
    core: Cercle, settings: Settings, slack_api: FakeSlackApi
) -> AsyncIterator[SlackApp]:
    async with SlackApp(core, settings, slack_api) as app:
        yield app


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

UNAUTHENTICATED = {
    "a timestamp that is not a number": {
        "X-Slack-Request-Timestamp": "abc",
        "X-Slack-Signature": "v0=" + "0" * 64,
    },
    "a timestamp of 400 nines": {
        "X-Slack-Request-Timestamp": "9" * 400,
        "X-Slack-Signature": "v0=" + "0" * 64,
    },
    "a non-ASCII signature": {
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=é" + "0" * 63,
    },
    "no signature at all": {"X-Slack-Request-Timestamp": str(int(time.time()))},
}

MALFORMED: dict[str, tuple[bytes, str]] = {
    "JSON that does not parse": (b"{not json", JSON),
    "a JSON list": (b"[]", JSON),
    "JSON null": (b"null", JSON),
    "an event that is a string": (
        json.dumps({"type": "event_callback", "team_id": TEAM, "event": "a string"}).encode(),
        JSON,
    ),
    "an interaction payload that does not parse": (b"payload=%7Bnot", FORM),
    "an interaction payload that is a list": (b"payload=%5B%5D", FORM),
    "bytes that are not UTF-8": (b"\xff\xfe\x00", JSON),
    "form bytes that are not UTF-8": (b"\xff\xfe\x00", FORM),
}


async def post(slack: SlackApp, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    assert slack.http is not None
    response = await slack.http.post("/slack/events", data=body, headers=headers)
    return response.status, await response.text()


def problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.INFO and "slack" in r.name]


@pytest.mark.parametrize("case", UNAUTHENTICATED, ids=list(UNAUTHENTICATED))
async def test_an_unauthenticated_request_gets_401_and_one_log_line(
    slack: SlackApp, core: Cercle, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"type": "event_callback", "team_id": TEAM, "event": {"type": "x"}})
    with caplog.at_level(logging.INFO):
        status, _ = await post(
            slack, body.encode(), {"Content-Type": JSON, **UNAUTHENTICATED[case]}
        )
    assert status == 401
    logged = problems(caplog)
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert logged[0].exc_info is None and "Traceback" not in caplog.text
    assert slack.api.responses == [] and slack.api.named("users.info") == []


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
async def test_a_signed_malformed_body_gets_400_and_one_log_line(
    slack: SlackApp, core: Cercle, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = MALFORMED[case]
    stamp = str(int(time.time()))
    digest = hmac.new(
        SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    with caplog.at_level(logging.INFO):
        status, _ = await post(slack, body, headers)
    assert status == 400
    logged = problems(caplog)
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert logged[0].exc_info is None and "Traceback" not in caplog.text
    assert slack.api.responses == []


async def test_a_signed_well_formed_request_still_works(slack: SlackApp) -> None:
    status, _ = await slack.command("/rank", "")
    assert status == 200


async def test_a_100_thousand_character_command_is_answered_at_once(slack: SlackApp) -> None:
    text = "rank " + "<@U" * 33_300 + "a" * 134
    assert len(text) > 100_000
    started = time.perf_counter()
    status, _ = await slack.command("/cercle", text)  # acknowledged, answered and settled
    assert status == 200
    assert time.perf_counter() - started < 3  # Slack's limit for the acknowledgement
    (answer,) = slack.api.responses
    assert "This command is too long" in json.dumps(answer.args), answer
    assert len(slack.api.named("users.info")) <= 1  # the caller alone, not 33,300 mentions
