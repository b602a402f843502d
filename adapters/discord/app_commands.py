"""The core's command registry as Discord application commands (the JSON Discord syncs).

Each registry path becomes a slash command, a subcommand or a subcommand in a group
(`/idea submit`, `/admin points add`), with typed options, their limits and choices,
autocomplete for idea and poll numbers and durations, and French names and descriptions
from the catalog. Moderator commands live under the one `/admin` command, hidden from
members by `default_member_permissions` (Discord applies it to top-level commands only);
the core still checks every call. Message context menus mark a solution and report a
message to the moderators.
"""

from __future__ import annotations

from typing import Any

import discord

from bot import i18n
from bot.commands import CommandRegistry, CommandSpec, OptionKind, OptionSpec, Permission

NAME_MAX = 32
DESCRIPTION_MAX = 100
CHOICES_MAX = 25
STRING_MAX = 6000
LOCALE = "fr"  # Discord's locale code for French

SOLUTION_MENU = "solution"  # catalog key discord.context.solution
REPORT_MENU = "report"  # catalog key discord.context.report

# Application command and option types
# (https://discord.com/developers/docs/interactions/application-commands).
CHAT_INPUT, MESSAGE_MENU = 1, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE = 3, 4, 5, 6, 7, 8
GUILD_ONLY = [0]
TEXT_CHANNEL_TYPES = [0, 5, 10, 11, 12, 15]

MODERATOR_PERMISSIONS = str(discord.Permissions(manage_guild=True).value)

_TYPES = {
    OptionKind.TEXT: STRING,
    OptionKind.INTEGER: INTEGER,
    OptionKind.MEMBER: USER,
    OptionKind.CHANNEL: CHANNEL,
    OptionKind.ROLE: ROLE,
    OptionKind.PERIOD: STRING,
    OptionKind.DURATION: STRING,
    OptionKind.BOOLEAN: BOOLEAN,
    OptionKind.CHOICE: STRING,
    OptionKind.NUMBER_REF: INTEGER,
    OptionKind.LIST: STRING,
}
AUTOCOMPLETE = (OptionKind.NUMBER_REF, OptionKind.DURATION)


def _cut(text: str, limit: int = DESCRIPTION_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def local_name(word: str, locale: str) -> str:
    """A command, group or option name in `locale` (Discord: lowercase, no spaces, 32)."""
    key = f"discord.name.{word}"
    name = i18n.t(locale, key) if i18n.has(key, locale) else word
    return name.lower().replace(" ", "-")[:NAME_MAX]


def _text(key: str, locale: str, fallback: str) -> str:
    return _cut(i18n.t(locale, key) if i18n.has(key, locale) else fallback)


def _localised(key: str, fallback: str) -> dict[str, Any]:
    return {
        "description": _text(key, "en", fallback),
        "description_localizations": {LOCALE: _text(key, "fr", fallback)},
    }


def _named(word: str) -> dict[str, Any]:
    return {"name": word[:NAME_MAX], "name_localizations": {LOCALE: local_name(word, "fr")}}


def option_json(spec: CommandSpec, option: OptionSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": _TYPES[option.kind],
        **_named(option.name),
        **_localised(f"{spec.key}.opt.{option.name}", option.name),
        "required": option.required,
    }
    if option.kind is OptionKind.TEXT or option.kind is OptionKind.LIST:
        if option.min_length is not None:
            data["min_length"] = option.min_length
        data["max_length"] = min(option.max_length or STRING_MAX, STRING_MAX)
    if option.kind is OptionKind.INTEGER:
        if option.min_value is not None:
            data["min_value"] = option.min_value
        if option.max_value is not None:
            data["max_value"] = option.max_value
    if option.kind is OptionKind.NUMBER_REF:
        data["min_value"] = 1
    if option.kind in AUTOCOMPLETE:
        data["autocomplete"] = True
    if option.kind is OptionKind.CHANNEL:
        data["channel_types"] = TEXT_CHANNEL_TYPES
    if option.choices and option.kind in (OptionKind.CHOICE, OptionKind.PERIOD):
        data["choices"] = [
            {
                "name": choice,
                "name_localizations": {LOCALE: _text(f"discord.choice.{choice}", "fr", choice)},
                "value": choice,
            }
            for choice in option.choices[:CHOICES_MAX]
        ]
    return data


def _leaf(spec: CommandSpec, word: str) -> dict[str, Any]:
    # Discord wants the required options first; the core reads them by name anyway.
    ordered = sorted(spec.options, key=lambda o: not o.required)
    return {
        **_named(word),
        **_localised(f"{spec.key}.description", spec.text_name),
        "options": [option_json(spec, o) for o in ordered],
    }


def _group_description(path: tuple[str, ...]) -> dict[str, Any]:
    return _localised("discord.group." + "_".join(path), "/" + " ".join(path))


def manifest(registry: CommandRegistry) -> list[dict[str, Any]]:
    """Every command of the registry, plus the context menu, as Discord's JSON."""
    tops: dict[str, dict[str, Any]] = {}
    for spec in registry.all():
        head = spec.path[0]
        if len(spec.path) == 1:
            tops[head] = {"type": CHAT_INPUT, **_leaf(spec, head), "contexts": GUILD_ONLY}
            continue
        top = tops.setdefault(
            head,
            {
                "type": CHAT_INPUT,
                **_named(head),
                **_group_description((head,)),
                "options": [],
                "contexts": GUILD_ONLY,
            },
        )
        if spec.permission is Permission.MODERATOR and head == "admin":
            top["default_member_permissions"] = MODERATOR_PERMISSIONS
        if len(spec.path) == 2:
            top["options"].append({"type": SUB_COMMAND, **_leaf(spec, spec.path[1])})
            continue
        group = next(
            (
                o
                for o in top["options"]
                if o["type"] == SUB_COMMAND_GROUP and o["name"] == spec.path[1]
            ),
            None,
        )
        if group is None:
            group = {
                "type": SUB_COMMAND_GROUP,
                **_named(spec.path[1]),
                **_group_description(spec.path[:2]),
                "options": [],
            }
            top["options"].append(group)
        group["options"].append({"type": SUB_COMMAND, **_leaf(spec, spec.path[2])})
    menus = [
        {
            "type": MESSAGE_MENU,
            "name": i18n.t("en", f"discord.context.{menu}"),
            "name_localizations": {LOCALE: i18n.t("fr", f"discord.context.{menu}")},
            "contexts": GUILD_ONLY,
        }
        for menu in (SOLUTION_MENU, REPORT_MENU)
    ]
    return [*tops.values(), *menus]


def is_solution_menu(name: str) -> bool:
    return name == i18n.t("en", f"discord.context.{SOLUTION_MENU}")


def is_report_menu(name: str) -> bool:
    return name == i18n.t("en", f"discord.context.{REPORT_MENU}")


async def sync(
    http: discord.http.HTTPClient,
    application_id: int,
    registry: CommandRegistry,
    guild_ids: list[int] | None,
) -> list[dict[str, Any]]:
    """Register the commands: per guild (instant) when `guild_ids` is given, else globally
    (Discord may take up to an hour to show them). Returns what Discord stored."""
    payload = manifest(registry)
    if guild_ids is None:
        return list(await http.bulk_upsert_global_commands(application_id, payload))
    stored: list[dict[str, Any]] = []
    for guild_id in guild_ids:
        stored = list(await http.bulk_upsert_guild_commands(application_id, guild_id, payload))
    return stored
