"""`cercle setup`: from nothing to `cercle run` in one guided step.

Asks which platforms, reads each token with hidden input, checks it with the platform
(`adapters.setup_checks`, at `discord.api_base_url` / `slack.api_base_url`) and says in
one line what is missing and where to fix it; then writes `config.toml` (the example with
what was chosen) and `.env` (the secrets, mode 0600), and prints the Discord invite URL
and the Slack app manifest. `--non-interactive` takes everything from options and the
environment, for scripts. Running it again keeps what is there: `config.toml` is rewritten
only with `--force`, and a secret in `.env` only when a new value is given for it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from dotenv import dotenv_values

from adapters import platforms, setup_files
from adapters.setup_checks import Check, check_discord, check_slack
from bot.config import DEFAULT_CONFIG_FILE, ConfigError, Settings

CHOICES = ("discord", "slack")
ATTEMPTS = 3  # interactive: a refused token may be typed again this many times in all
# The secrets each platform's answers fill in, in the order they are asked.
DISCORD_TOKEN, SLACK_BOT, SLACK_APP, SLACK_SIGNING = (
    "DISCORD_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
)
# Each secret's option, as argparse names it.
FLAGS = {
    DISCORD_TOKEN: "discord_token",
    SLACK_BOT: "slack_bot_token",
    SLACK_APP: "slack_app_token",
    SLACK_SIGNING: "slack_signing_secret",
}


class Prompter(Protocol):
    """How the questions are asked: the terminal, or a test's script."""

    def ask(self, question: str, default: str = "") -> str: ...

    def secret(self, question: str) -> str: ...


class Terminal:
    """Questions on the terminal; secrets without echo (getpass)."""

    def ask(self, question: str, default: str = "") -> str:
        shown = f"{question} [{default}]: " if default else f"{question}: "
        return input(shown).strip() or default

    def secret(self, question: str) -> str:
        return getpass.getpass(f"{question}: ").strip()


def add_parser(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--non-interactive",
        action="store_true",
        help="ask nothing: platforms, tokens and choices from the options below and the "
        "environment (DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET)",
    )
    command.add_argument(
        "--platforms",
        help="comma-separated: discord, slack or discord,slack (default: asked; with "
        "--non-interactive, the platforms whose token is given)",
    )
    for name, attribute in FLAGS.items():
        command.add_argument(
            "--" + attribute.replace("_", "-"),
            help=f"{name} (prefer the environment variable: options show in the process list)",
        )
    command.add_argument(
        "--slack-url", help="public base URL of HTTP mode, for the manifest (default: Socket Mode)"
    )
    command.add_argument(
        "--community",
        help="name (slug) of a [[communities]] entry to write, with the Slack workspace the "
        "token belongs to and --discord-server (default: none; each server or workspace "
        "becomes a community on first contact)",
    )
    command.add_argument("--discord-server", help="the Discord server (guild) id of --community")
    command.add_argument("--locale", choices=("en", "fr"), help="language of replies (en)")
    command.add_argument("--timezone", help="IANA time zone of days and digests (UTC)")
    command.add_argument("--database", help="database URL (default: the SQLite file cercle.db)")
    command.add_argument("--env-file", default=".env", help="where the secrets go (.env)")
    command.add_argument(
        "--force",
        action="store_true",
        help="write config.toml afresh even if it exists (secrets in .env are replaced only "
        "by the ones given)",
    )


@dataclass
class Plan:
    """What the answers add up to."""

    platforms: list[str]
    secrets: dict[str, str] = field(default_factory=dict)  # new values only
    checks: list[Check] = field(default_factory=list)
    settings: dict[tuple[str, str], str] = field(default_factory=dict)  # (section, key)
    community: str | None = None
    spaces: dict[str, str] = field(default_factory=dict)


class SetupFailed(Exception):
    """Setup stops here and writes nothing; the text is one line for the operator."""


async def run(
    args: argparse.Namespace, prompter: Prompter, say: Callable[[str], None] = print
) -> int:
    """The whole guided set-up; returns the exit status."""
    config = Path(args.config or os.environ.get("CERCLE_CONFIG") or DEFAULT_CONFIG_FILE)
    env_file = Path(args.env_file)
    kept = await asyncio.to_thread(_read_env, env_file)
    try:
        settings = _current_settings(config)
        interactive = not args.non_interactive
        plan = Plan(_platforms(args, prompter, interactive, kept))
        if "discord" in plan.platforms:
            await _discord(args, prompter, interactive, kept, settings, plan)
        if "slack" in plan.platforms:
            await _slack(args, prompter, interactive, kept, settings, plan)
    except SetupFailed as error:
        say(f"cercle setup: {error}; nothing was written")
        return 1
    for check in plan.checks:
        say(check.said)
        for line in check.missing:
            say(f"  ! {line}")
    if args.force or not await asyncio.to_thread(config.exists):
        _choose(args, prompter, interactive, plan)
        try:
            await asyncio.to_thread(_write_config, config, plan)
        except ConfigError as error:
            say(f"cercle setup: {error}; nothing was written")
            return 2
        say(f"{config} written")
    else:
        say(f"{config} kept as it is (it exists; --force writes it afresh)")
    await asyncio.to_thread(_write_env, env_file, plan.secrets)
    names = ", ".join(sorted({*kept, *plan.secrets} & set(FLAGS))) or "no secret"
    say(f"{env_file} written, readable by you only (mode 0600): {names}")
    _next_steps(args, plan, say)
    return 0


def _read_env(env_file: Path) -> dict[str, str]:
    """The secrets .env holds already (what a re-run keeps)."""
    if not env_file.is_file():
        return {}
    return {k: v for k, v in dotenv_values(env_file).items() if v}


def _current_settings(config: Path) -> Settings:
    """The settings `cercle run` would use with `config` (which may not exist yet)."""
    if config.exists():
        return platforms.load(config)
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "config.toml"
        empty.write_text("", encoding="utf-8")
        return platforms.load(empty)


def _platforms(
    args: argparse.Namespace, prompter: Prompter, interactive: bool, kept: dict[str, str]
) -> list[str]:
    raw = args.platforms
    if raw is None and interactive:
        raw = prompter.ask(
            "Platforms to connect (discord, slack or discord,slack)", "discord,slack"
        )
    if raw is None:  # scripts: the platforms whose token is at hand
        have = {**kept, **{k: v for k, v in os.environ.items() if v}}
        raw = ",".join(
            p
            for p, name in (("discord", DISCORD_TOKEN), ("slack", SLACK_BOT))
            if _given(args, name) or name in have
        )
    chosen = [p.strip().lower() for p in raw.replace(" ", ",").split(",") if p.strip()]
    unknown = [p for p in chosen if p not in CHOICES]
    if unknown or not chosen:
        raise SetupFailed(
            f"--platforms: {', '.join(unknown) or 'none given'}: choose discord, slack or both"
        )
    return list(dict.fromkeys(chosen))


def _given(args: argparse.Namespace, name: str) -> str | None:
    """The value the option of secret `name` was given (None: not given)."""
    return getattr(args, FLAGS[name], None) or None


def _secret(
    args: argparse.Namespace,
    prompter: Prompter,
    interactive: bool,
    kept: dict[str, str],
    name: str,
    question: str,
    required: bool = True,
) -> str | None:
    """A secret: the option, else (asked) what is typed, Enter keeping .env's value; else
    (scripts) the environment, which holds .env's value too."""
    flag = FLAGS[name]
    value = _given(args, name)
    if value:
        return str(value).strip()
    if interactive:
        hint = " (Enter keeps the one in .env)" if name in kept else ""
        if not required and not hint:
            hint = " (Enter: none)"
        typed = prompter.secret(f"{question}{hint}")
        return typed or kept.get(name)
    found = (os.environ.get(name) or "").strip() or kept.get(name)
    if found is None and required:
        raise SetupFailed(f"{name} is not set: give --{flag.replace('_', '-')} or set {name}")
    return found


async def _usable_token(
    args: argparse.Namespace,
    prompter: Prompter,
    interactive: bool,
    kept: dict[str, str],
    name: str,
    what: str,
    question: str,
    check: Callable[[str], Awaitable[Check]],
) -> tuple[str, Check]:
    """The token `name` and what the platform said of it, once `check` finds it usable:
    typed again (up to ATTEMPTS times) when asked interactively, else refused at once."""
    for attempt in range(1, ATTEMPTS + 1):
        token = _secret(args, prompter, interactive, kept, name, question)
        if not token:
            raise SetupFailed(f"no {what} was given")
        said = await check(token)
        if said.usable:
            return token, said
        if not interactive or attempt == ATTEMPTS or _given(args, name):
            raise SetupFailed(said.said)
        prompter.ask(f"{said.said}. Press Enter to type it again")
        kept.pop(name, None)
    raise AssertionError("the last attempt returns or raises")


async def _discord(
    args: argparse.Namespace,
    prompter: Prompter,
    interactive: bool,
    kept: dict[str, str],
    settings: Settings,
    plan: Plan,
) -> None:
    token, check = await _usable_token(
        args,
        prompter,
        interactive,
        kept,
        DISCORD_TOKEN,
        "Discord bot token",
        "Discord bot token",
        lambda typed: check_discord(settings.discord.api_base_url, typed, settings.discord),
    )
    plan.checks.append(check)
    if token != kept.get(DISCORD_TOKEN):
        plan.secrets[DISCORD_TOKEN] = token


async def _slack(
    args: argparse.Namespace,
    prompter: Prompter,
    interactive: bool,
    kept: dict[str, str],
    settings: Settings,
    plan: Plan,
) -> None:
    from adapters.slack.manifest import BOT_SCOPES

    token, check = await _usable_token(
        args,
        prompter,
        interactive,
        kept,
        SLACK_BOT,
        "Slack bot token",
        "Slack bot token (xoxb-...)",
        lambda typed: check_slack(settings.slack.api_base_url, typed, BOT_SCOPES),
    )
    if token != kept.get(SLACK_BOT):
        plan.secrets[SLACK_BOT] = token
    if check.team_id:
        plan.spaces["slack"] = check.team_id
    question = "Slack app-level token for Socket Mode (xapp-...; Enter: HTTP mode instead)"
    app = _secret(args, prompter, interactive, kept, SLACK_APP, question, required=False)
    if app:
        if not app.startswith("xapp-"):
            check.missing.append(
                "Slack: SLACK_APP_TOKEN should start with xapp-: create an app-level token "
                "with the connections:write scope in your Slack app > Basic Information"
            )
        if app != kept.get(SLACK_APP):
            plan.secrets[SLACK_APP] = app
    else:
        signing = _secret(
            args, prompter, interactive, kept, SLACK_SIGNING, "Slack signing secret", False
        )
        if not signing:
            raise SetupFailed(
                "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
            )
        if signing != kept.get(SLACK_SIGNING):
            plan.secrets[SLACK_SIGNING] = signing
    plan.checks.append(check)


def _choose(args: argparse.Namespace, prompter: Prompter, interactive: bool, plan: Plan) -> None:
    """The settings config.toml gets: from the options, else asked, else the defaults."""

    def pick(value: str | None, question: str, default: str) -> str:
        if value is not None:
            return value
        return prompter.ask(question, default) if interactive else default

    plan.settings[("defaults", "locale")] = pick(args.locale, "Language of replies (en, fr)", "en")
    plan.settings[("defaults", "timezone")] = pick(
        args.timezone, "Time zone of days and digests (IANA, e.g. Europe/Paris)", "UTC"
    )
    plan.settings[("database", "url")] = pick(
        args.database, "Database URL", "sqlite+aiosqlite:///cercle.db"
    )
    community = pick(
        args.community, "Community name for cercle's commands (Enter: none for now)", ""
    )
    plan.community = community or None
    server = args.discord_server
    if plan.community and "discord" in plan.platforms and server is None and interactive:
        server = prompter.ask("Its Discord server id, if you know it (Enter: skip)", "")
    if plan.community and server:
        plan.spaces = {"discord": server, **plan.spaces}


def _write_config(config: Path, plan: Plan) -> None:
    text = setup_files.example_text()
    for (section, key), value in plan.settings.items():
        text = setup_files.set_key(text, section, key, setup_files.toml_string(value))
    if plan.community:
        text = setup_files.add_community(text, plan.community, plan.spaces)
    # Checked as `cercle run` will read it before it replaces anything.
    trial = config.with_name(f".{config.name}.setup")
    trial.write_text(text, encoding="utf-8")
    try:
        platforms.load(trial)
    except ConfigError as error:
        trial.unlink()
        raise ConfigError(str(error).replace(str(trial), str(config))) from None
    os.replace(trial, config)


def _write_env(env_file: Path, secrets: dict[str, str]) -> None:
    existing = env_file.read_text(encoding="utf-8") if env_file.is_file() else ""
    setup_files.write_private(env_file, setup_files.merged_env(existing, secrets))


def _next_steps(args: argparse.Namespace, plan: Plan, say: Callable[[str], None]) -> None:
    discord = next((c for c in plan.checks if c.platform == "discord"), None)
    if discord is not None and discord.application_id:
        from adapters.discord.invite import invite_url

        say(f"Invite Cercle to your Discord server: {invite_url(discord.application_id)}")
    if "slack" in plan.platforms:
        import bot.core  # noqa: F401  (declares every command)
        from adapters.slack.manifest import manifest_yaml
        from bot.commands import REGISTRY

        say(
            "Slack app manifest (api.slack.com/apps > your app > App Manifest, or Create New "
            "App > From a manifest):"
        )
        say(manifest_yaml(REGISTRY, args.slack_url).rstrip("\n"))
    missing = sum(len(c.missing) for c in plan.checks)
    if missing:
        say(f"Fix the {missing} point(s) above, then start Cercle: cercle run")
    else:
        say("All set: start Cercle with cercle run")
