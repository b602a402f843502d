"""`cercle setup` against Discord's and Slack's protocol fakes: what the operator is told
about their tokens, and the files they get (config.toml without a secret, .env 0600)."""

from __future__ import annotations

import asyncio
import stat
import sys
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cercle_cli import REPO, clean_env

from adapters import cli, setup_command
from benchmarks.discord_fake import FakeDiscord
from tests.adapters.slack.slack_fakes import TEAM, FakeSlackApi

DISCORD = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GgTest.discord-secret-token"
SLACK_BOT = "xoxb-1-2-slack-secret"
SLACK_APP = "xapp-1-A1-slack-app-secret"
ALL_INTENTS = (1 << 15) | (1 << 19)


class Script:
    """The operator at the terminal: answers to questions, then secrets, in order."""

    def __init__(self, answers: list[str] = (), secrets: list[str] = ()) -> None:
        self.answers, self.secrets = list(answers), list(secrets)
        self.asked: list[str] = []

    def ask(self, question: str, default: str = "") -> str:
        self.asked.append(question)
        return (self.answers.pop(0) if self.answers else "") or default

    def secret(self, question: str) -> str:
        self.asked.append(question)
        return self.secrets.pop(0) if self.secrets else ""


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord([], app_flags=ALL_INTENTS).start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
def here(tmp_path, monkeypatch, discord, slack) -> Path:
    """An empty folder, with Cercle pointed at the fakes and no secret in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in (*setup_command.FLAGS, "CERCLE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CERCLE_DISCORD__API_BASE_URL", discord.base_url)
    monkeypatch.setenv("CERCLE_SLACK__API_BASE_URL", slack.url)
    return tmp_path


async def setup(*argv: str, script: Script | None = None) -> tuple[int, str]:
    args = cli.parser().parse_args(["setup", *argv])
    said: list[str] = []
    status = await setup_command.run(args, script or Script(), said.append)
    return status, "\n".join(said)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_good_tokens_give_config_env_invite_and_manifest(here, discord):
    script = Script(
        answers=["discord,slack", "fr", "Europe/Paris", "", "acme", "123456789012345678"],
        secrets=[DISCORD, SLACK_BOT, SLACK_APP],
    )
    status, said = await setup(script=script)
    assert status == 0, said
    assert f"Discord: the token is the bot Cercle of application {discord.application_id}" in said
    assert f"({TEAM})" in said
    assert "  ! " not in said  # nothing missing
    assert f"client_id={discord.application_id}" in said  # the invite URL
    assert "oauth_config:" in said and "socket_mode_enabled: true" in said  # the manifest
    assert "All set: start Cercle with cercle run" in said
    config = (here / "config.toml").read_text(encoding="utf-8")
    for secret in (DISCORD, SLACK_BOT, SLACK_APP):
        assert secret not in config
    values = tomllib.loads(config)
    assert values["defaults"]["locale"] == "fr"
    assert values["defaults"]["timezone"] == "Europe/Paris"
    assert values["communities"] == [
        {"name": "acme", "spaces": {"discord": "123456789012345678", "slack": TEAM}}
    ]
    assert len(values["ranks"]) == 5  # the example's, comments and all
    env = (here / ".env").read_text(encoding="utf-8")
    assert f"DISCORD_TOKEN={DISCORD}" in env and f"SLACK_APP_TOKEN={SLACK_APP}" in env
    assert mode(here / ".env") == 0o600
    # Every token was asked without echo.
    assert [q for q in script.asked if "token" in q.lower()] == [
        "Discord bot token",
        "Slack bot token (xoxb-...)",
        "Slack app-level token for Socket Mode (xapp-...; Enter: HTTP mode instead) (Enter: none)",
    ]


async def test_a_missing_intent_is_one_line_naming_where_to_switch_it_on(here, discord):
    discord.app_flags = 1 << 19  # Message Content only
    status, said = await setup("--non-interactive", "--discord-token", DISCORD)
    assert status == 0
    missing = [line for line in said.splitlines() if line.startswith("  ! ")]
    assert len(missing) == 1
    assert "Server Members Intent is off" in missing[0]
    assert "Bot > Privileged Gateway Intents" in missing[0]
    assert "Fix the 1 point(s) above" in said
    assert (here / ".env").exists()  # the token works: it is written


async def test_a_missing_scope_is_one_line_naming_where_to_add_it(here, slack):
    slack.scopes.remove("usergroups:write")
    status, said = await setup(
        "--non-interactive",
        "--platforms",
        "slack",
        "--slack-bot-token",
        SLACK_BOT,
        "--slack-signing-secret",
        "shh",
        "--slack-url",
        "https://cercle.example.org",
    )
    assert status == 0, said
    missing = [line for line in said.splitlines() if line.startswith("  ! ")]
    assert missing == [
        "  ! Slack: the scope usergroups:write is missing: add it in your Slack app > OAuth & "
        "Permissions > Scopes > Bot Token Scopes, then reinstall the app to the workspace"
    ]
    assert "https://cercle.example.org/slack/events" in said  # HTTP mode's manifest
    assert "SLACK_SIGNING_SECRET=shh" in (here / ".env").read_text(encoding="utf-8")


async def test_a_refused_discord_token_writes_nothing(here, discord):
    discord.fail("GET", r"^/users/@me$", 401, 0, "401: Unauthorized")
    status, said = await setup("--non-interactive", "--discord-token", "bad")
    assert status == 1
    assert "Discord refused the token (401 Unauthorized)" in said
    assert "Bot > Reset Token" in said and "nothing was written" in said
    assert list(here.iterdir()) == []


async def test_a_refused_slack_token_writes_nothing(here, slack):
    slack.failures["auth.test"] = "invalid_auth"
    status, said = await setup(
        "--non-interactive", "--platforms", "slack", "--slack-bot-token", "xoxb-bad"
    )
    assert status == 1
    assert "Slack refused the bot token (invalid_auth)" in said
    assert "OAuth & Permissions" in said
    assert list(here.iterdir()) == []


async def test_a_refused_token_is_asked_again(here, discord):
    discord.fail("GET", r"^/users/@me$", 401, 0, "401: Unauthorized")

    class Fixing(Script):
        def secret(self, question: str) -> str:
            if self.secrets == ["fixed"]:  # the second try: the portal is fixed too
                discord._failures.clear()
            return super().secret(question)

    script = Fixing(answers=["discord"], secrets=["bad", "fixed"])
    status, said = await setup(script=script)
    assert status == 0, said
    assert script.asked.count("Discord bot token") == 2
    assert "DISCORD_TOKEN=fixed" in (here / ".env").read_text(encoding="utf-8")


async def test_rerun_keeps_config_and_secrets_unless_asked(here, monkeypatch):
    (here / "config.toml").write_text('[defaults]\nlocale = "fr"\n', encoding="utf-8")
    (here / ".env").write_text(f"# mine\nOTHER=1\nDISCORD_TOKEN={DISCORD}\n", encoding="utf-8")
    (here / ".env").chmod(0o644)
    # What `cercle` does first: .env into the environment.
    monkeypatch.setenv("DISCORD_TOKEN", DISCORD)
    status, said = await setup("--non-interactive")
    assert status == 0, said
    assert "config.toml kept as it is" in said
    assert (here / "config.toml").read_text(encoding="utf-8") == '[defaults]\nlocale = "fr"\n'
    assert (here / ".env").read_text(encoding="utf-8") == (
        f"# mine\nOTHER=1\nDISCORD_TOKEN={DISCORD}\n"
    )
    assert mode(here / ".env") == 0o600
    # Interactively, Enter keeps the token in .env.
    script = Script(answers=["discord"], secrets=[""])
    assert (await setup(script=script))[0] == 0
    assert "Discord bot token (Enter keeps the one in .env)" in script.asked
    # A new token replaces that key only; --force writes config.toml afresh.
    status, said = await setup(
        "--non-interactive", "--force", "--discord-token", "new-token", "--locale", "en"
    )
    assert status == 0, said
    assert (here / ".env").read_text(
        encoding="utf-8"
    ) == "# mine\nOTHER=1\nDISCORD_TOKEN=new-token\n"
    assert tomllib.loads((here / "config.toml").read_text())["defaults"]["locale"] == "en"


async def test_a_bad_choice_is_named_and_nothing_is_written(here):
    status, said = await setup(
        "--non-interactive", "--discord-token", DISCORD, "--timezone", "Mars/Olympus"
    )
    assert status == 2
    assert "config.toml: defaults.timezone" in said and "nothing was written" in said
    assert sorted(p.name for p in here.iterdir()) == []


async def test_non_interactive_from_the_command_line(here, discord, slack):
    env = clean_env(
        DISCORD_TOKEN=DISCORD,
        SLACK_BOT_TOKEN=SLACK_BOT,
        SLACK_APP_TOKEN=SLACK_APP,
        CERCLE_DISCORD__API_BASE_URL=discord.base_url,
        CERCLE_SLACK__API_BASE_URL=slack.url,
    )
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); from adapters.cli import main; "
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code + "sys.exit(main())",
        "setup",
        "--non-interactive",
        "--community",
        "acme",
        cwd=here,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    said = out.decode()
    assert "Discord: the token is the bot Cercle" in said and f"({TEAM})" in said
    assert mode(here / ".env") == 0o600
    assert DISCORD not in (here / "config.toml").read_text(encoding="utf-8")
    communities = tomllib.loads((here / "config.toml").read_text())["communities"]
    assert communities == [{"name": "acme", "spaces": {"slack": TEAM}}]
    assert [r.path for r in discord.requests] == ["/users/@me", "/applications/@me"]
