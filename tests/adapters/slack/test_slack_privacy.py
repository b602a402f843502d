"""`/cercle privacy` on Slack: the export is a file shared in the member's DM through
Slack's external upload (files.getUploadURLExternal, the upload, completeUploadExternal),
faked at the HTTP edge."""

from __future__ import annotations

import json

import pytest
from slack_fakes import SlackApp
from test_slack_commands import run

pytestmark = pytest.mark.backends("sqlite")


async def test_the_export_is_uploaded_to_the_members_dm(slack: SlackApp) -> None:
    shown = await run(slack, "/cercle", "privacy export")
    assert any("direct message" in text for _, text in shown), shown
    completed = slack.api.named("files.completeUploadExternal")
    assert len(completed) == 1 and completed[0]["channel_id"] == "DUALICE"
    (uploaded,) = slack.api.uploads.values()
    data = json.loads(uploaded)
    assert data["identities"] == [{"platform": "slack", "user_id": "UALICE"}]
    assert sum(row["points"] for row in data["ledger"]) == data["profile"]["points"]


async def test_privacy_alone_shows_what_is_kept(slack: SlackApp) -> None:
    shown = await run(slack, "/cercle", "privacy")
    assert [kind for kind, _ in shown] == ["ephemeral"]
    assert "slack UALICE" in shown[0][1]
