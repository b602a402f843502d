"""Every command through Slack's slash commands: a happy path and a bad input each."""

from __future__ import annotations

import pytest
from slack_fakes import FakeSlackApi, Seen, SlackApp

from bot.clock import ManualClock
from bot.config import CommunityDefaults, Settings, SlackSettings
from bot.core import Cercle
from storage.db import Database

pytestmark = pytest.mark.backends("sqlite")

USAGE = "Usage: `"


async def run(
    slack: SlackApp, command: str, text: str, user: str = "UALICE"
) -> list[tuple[str, str]]:
    seen = Seen(slack.api)
    seen.new()
    status, _ = await slack.command(command, text, user=user)
    assert status == 200
    return seen.new()


async def say(slack: SlackApp, command: str, text: str, user: str = "UALICE") -> str:
    return "\n".join(text for _, text in await run(slack, command, text, user))


async def refused(
    slack: SlackApp, command: str, text: str, *expected: str, user: str = "UALICE"
) -> None:
    """A bad input: one ephemeral message, with the right usage when it is a usage error."""
    shown = await run(slack, command, text, user)
    assert [kind for kind, _ in shown] == ["ephemeral"], shown
    for part in expected:
        assert part in shown[0][1], shown[0][1]


async def test_help_lists_what_the_caller_may_run(slack: SlackApp) -> None:
    member = await say(slack, "/cercle", "help")
    assert "/rank" in member and "/idea submit" in member
    assert "/admin points add" not in member
    moderator = await say(slack, "/cercle", "", user="UMONA")  # /cercle alone is help
    assert "/admin points add" in moderator
    await refused(slack, "/cercle", "hepl", "Did you mean")


async def test_rank_and_profile(slack: SlackApp) -> None:
    await slack.message("UBOB", "bob says something long enough", 1)
    assert "bob" in await say(slack, "/rank", "<@UBOB|bob>")
    assert "alice" in await say(slack, "/cercle", "rank")
    assert "alice" in await say(slack, "/cercle", "profile")
    await refused(slack, "/rank", "bob", "must name a member", USAGE + "/rank [member]`")
    await refused(slack, "/cercle", "profile extra", "did not understand", USAGE + "/profile`")


async def test_leaderboard(slack: SlackApp) -> None:
    await slack.message("UBOB", "bob says something long enough", 1)
    assert "bob" in await say(slack, "/leaderboard", "week")
    assert "bob" in await say(slack, "/cercle", "leaderboard all")
    await refused(
        slack,
        "/leaderboard",
        "decade",
        "week, month, all",
        USAGE + "/leaderboard [period] [board]`",
    )


async def test_thanks(slack: SlackApp) -> None:
    shown = await run(slack, "/thanks", "<@UBOB|bob> for the quick fix")
    assert [kind for kind, _ in shown] == ["chat.postMessage"]  # public: the community sees it
    assert "bob" in shown[0][1] and "quick fix" in shown[0][1]
    await refused(
        slack, "/thanks", "<@UBOB|bob>", "`reason` is missing", USAGE + "/thanks <member> <reason>`"
    )
    await refused(slack, "/thanks", "<@UALICE|alice> me", "")  # nobody thanks themselves


async def test_ideas(slack: SlackApp) -> None:
    said = await say(slack, "/idea", 'submit "Dark mode" description="Easier on the eyes at night"')
    assert "Dark mode" in said
    assert "Dark mode" in await say(slack, "/idea", "list")
    assert "Dark mode" in await say(slack, "/idea", "show 1")
    assert "Dark mode" in await say(slack, "/cercle", "idea mine")
    assert await say(slack, "/idea", "vote #1 for", user="UBOB")
    await refused(
        slack, "/idea", "vote 1 maybe", "for, against, none", USAGE + "/idea vote <idea> <choice>`"
    )
    await refused(slack, "/idea", "show 99", "99")
    await refused(
        slack, "/idea", "volunteer x", "number like 12", USAGE + "/idea volunteer <idea>`"
    )
    await refused(slack, "/idea", "", "needs one more word")
    said = await say(
        slack, "/cercle", "admin idea status 1 planned Scheduled for spring", user="UMONA"
    )
    assert "Planned" in said or "planned" in said
    said = await say(slack, "/cercle", 'admin idea testers 1 open "Beta next week"', user="UMONA")
    assert said
    assert await say(slack, "/idea", "volunteer 1", user="UBOB")
    await refused(
        slack, "/cercle", "admin idea status 1 planned Nope", "Only moderators", user="UBOB"
    )


async def test_polls(slack: SlackApp) -> None:
    said = await say(
        slack, "/poll", 'create "What first?" options="Dark mode|Export|SSO" duration=2d'
    )
    assert "What first?" in said and "Export" in said
    assert await say(slack, "/poll", "vote 1 Export", user="UBOB")
    assert "Export" in await say(slack, "/poll", "results 1")
    await refused(
        slack,
        "/poll",
        'create "Q?" options="A|B" duration=soon',
        "duration like 30m",
        USAGE + "/poll create",
    )
    await refused(slack, "/poll", "results twelve", "number like 12")
    await refused(slack, "/cercle", "admin poll close 1", "Only moderators", user="UBOB")
    assert await say(slack, "/cercle", "admin poll close 1", user="UMONA")


async def test_admin_commands(slack: SlackApp) -> None:
    await slack.message("UBOB", "bob says something long enough", 1)
    assert "bob" in await say(
        slack, "/cercle", 'admin points add <@UBOB|bob> 10 "Great talk"', user="UMONA"
    )
    assert "bob" in await say(
        slack, "/cercle", "admin points remove <@UBOB|bob> 5 Mistake", user="UMONA"
    )
    await refused(
        slack, "/cercle", "admin points add <@UBOB|bob> lots Why", "whole number", user="UMONA"
    )
    await refused(
        slack, "/cercle", "admin points add <@UBOB|bob> 10 Why", "Only moderators", user="UALICE"
    )
    await refused(slack, "/cercle", "admin", "Only moderators", user="UALICE")
    assert await say(slack, "/cercle", "admin config", user="UMONA")
    assert "help" in await say(
        slack, "/cercle", "admin exclude channel <#CHELP0001|help>", user="UMONA"
    )
    assert await say(slack, "/cercle", "admin exclude member <@UBOB|bob>", user="UMONA")
    assert await say(slack, "/cercle", "admin exclude role staff", user="UMONA")
    await refused(
        slack, "/cercle", "admin exclude channel help", "must name a channel", user="UMONA"
    )


async def test_a_user_group_listed_in_moderator_roles_moderates(
    db: Database, clock: ManualClock, slack_api: FakeSlackApi
) -> None:
    slack_api.groups.append(
        {"id": "SMODS01", "handle": "community-team", "name": "Team", "users": ["UCAROL"]}
    )
    settings = Settings(
        slack=SlackSettings(api_base_url=slack_api.url),
        defaults=CommunityDefaults(moderator_roles=["community-team"]),
    )
    async with SlackApp(Cercle(db, settings, clock), settings, slack_api) as slack:
        assert "Only moderators" not in await say(slack, "/cercle", "admin config", user="UCAROL")
        await refused(slack, "/cercle", "admin config", "Only moderators", user="UBOB")


async def test_what_only_the_caller_reads_follows_their_own_slack_language(
    slack: SlackApp,
) -> None:
    # Elise's Slack is in French (users.info with include_locale); the workspace's is English.
    assert "Santé de la communauté" in await say(slack, "/cercle", "admin stats", user="UELISE")
    assert "Rang de elise" in await say(slack, "/rank", "", user="UELISE")
    assert "Community health" in await say(slack, "/cercle", "admin stats", user="UMONA")
    board = await say(slack, "/leaderboard", "all", user="UELISE")
    assert "Leaderboard" in board  # posted for the channel: the community's English
