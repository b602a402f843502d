"""`cercle slack manifest`: the app manifest (YAML) to paste in "Create app from manifest".

It declares the `/cercle` command (every core command is a subcommand of it) and the short
aliases, the message shortcut, the App Home tab, the bot events Cercle listens to, the
scopes its Web API calls need, and interactivity. Without a URL the app uses Socket Mode;
with one, Slack sends events, commands and interactions to `<url>/slack/events` (and the
OAuth redirect comes back to `<url>/slack/oauth_redirect` for multi-workspace installs).
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.app import REPORT_SHORTCUT, SOLUTION_SHORTCUT
from adapters.slack.commands import ALIASES, MAIN_COMMAND
from bot import i18n
from bot.command_text import usage_line
from bot.commands import CommandRegistry

EVENTS_PATH = "/slack/events"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"
LOCALE = "en"  # Slack shows one language for an app's commands

BOT_SCOPES = (
    "channels:history",  # message events and the marker check before a digest is posted
    "channels:join",  # join a public channel Cercle is asked to post in
    "channels:read",  # channel names from the config
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",  # the digest's activity chart, in the digest's thread
    "groups:history",
    "groups:read",
    "im:write",  # direct messages (promotions, idea news)
    "metadata.message:read",  # the idempotency marker of a post
    "reactions:read",
    "team:read",
    "usergroups:read",  # moderator and excluded user groups
    "usergroups:write",  # rank user groups
    "users:read",
    "users:read.email",
)
BOT_EVENTS = (
    "app_home_opened",
    "member_joined_channel",
    "message.channels",
    "message.groups",
    "reaction_added",
    "reaction_removed",
    "team_join",
)


def _usage_hint(registry: CommandRegistry, prefix: tuple[str, ...]) -> str:
    specs = [s for s in registry.all() if s.path[: len(prefix)] == prefix]
    if len(specs) == 1 and specs[0].path == prefix:
        return usage_line(specs[0]).split(" ", len(prefix))[-1] if specs[0].options else ""
    words = dict.fromkeys(s.path[len(prefix)] for s in specs)
    return " | ".join(words)


def _description(prefix: tuple[str, ...]) -> str:
    key = "cmd." + ".".join(prefix) + ".description"
    if i18n.has(key, LOCALE):
        return i18n.t(LOCALE, key)
    return i18n.t(LOCALE, "slack.manifest." + ".".join(prefix or ("cercle",)))


def slash_commands(registry: CommandRegistry, url: str | None) -> list[dict[str, Any]]:
    found = []
    for command, prefix in [(MAIN_COMMAND, ()), *ALIASES.items()]:
        entry: dict[str, Any] = {
            "command": command,
            "description": _description(prefix)[:100],
            "should_escape": True,  # mentions arrive as <@U123|name>, never as a bare @name
        }
        hint = _usage_hint(registry, prefix)
        if hint:
            entry["usage_hint"] = hint[:1000]
        if url:
            entry["url"] = url + EVENTS_PATH
        found.append(entry)
    return found


def manifest(
    registry: CommandRegistry, url: str | None = None, name: str = "Cercle", oauth: bool = False
) -> dict[str, Any]:
    url = url.rstrip("/") if url else None
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": url is None,
        "token_rotation_enabled": False,
    }
    if url:
        settings["event_subscriptions"]["request_url"] = url + EVENTS_PATH
        settings["interactivity"]["request_url"] = url + EVENTS_PATH
    oauth_config: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if url and oauth:
        oauth_config["redirect_urls"] = [url + OAUTH_REDIRECT_PATH]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": i18n.t(LOCALE, "slack.manifest.app_description")[:140],
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "shortcuts": [
                {
                    "name": i18n.t(LOCALE, "slack.manifest.solution_shortcut"),
                    "type": "message",
                    "callback_id": SOLUTION_SHORTCUT,
                    "description": i18n.t(LOCALE, "slack.manifest.solution_description"),
                },
                {
                    "name": i18n.t(LOCALE, "slack.manifest.report_shortcut"),
                    "type": "message",
                    "callback_id": REPORT_SHORTCUT,
                    "description": i18n.t(LOCALE, "slack.manifest.report_description"),
                },
            ],
            "slash_commands": slash_commands(registry, url),
        },
        "oauth_config": oauth_config,
        "settings": settings,
    }


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for dicts, lists and scalars; strings are double-quoted JSON
    strings, which YAML reads the same (no YAML library needed for one command)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                nested = to_yaml(item, indent + 1).split("\n")
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(pad + _scalar(value))
    return "\n".join(lines)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(str(value), ensure_ascii=False)


def manifest_yaml(registry: CommandRegistry, url: str | None = None, oauth: bool = False) -> str:
    return to_yaml(manifest(registry, url, oauth=oauth)) + "\n"
