"""Which gateway intents Cercle asks for, and what to do when Discord refuses one.

Cercle needs guilds, guild messages and reactions; by default it also asks for the two
privileged intents: Server Members (joins, leaves, role changes) and Message Content (the
minimum-length rule reads message text). When Discord closes the gateway with 4014, one of
them is not enabled in the developer portal: the application's flags say which, the log
names it, and Cercle runs without it unless `discord.require_privileged_intents` is set.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.config import DiscordSettings

# Application flags (https://discord.com/developers/docs/resources/application): either
# the full or the "limited" (under 100 guilds) variant means the intent is enabled.
_MEMBERS_FLAGS = (1 << 14) | (1 << 15)
_CONTENT_FLAGS = (1 << 18) | (1 << 19)

PORTAL = "https://discord.com/developers/applications"
PRIVILEGED = {"members": "Server Members Intent", "message_content": "Message Content Intent"}


@dataclass(frozen=True)
class IntentChoice:
    members: bool
    message_content: bool

    @property
    def missing(self) -> tuple[str, ...]:
        """Privileged intents Cercle runs without (for `/admin config` and the log)."""
        return tuple(n for n in PRIVILEGED if not getattr(self, n))


def wanted(settings: DiscordSettings) -> IntentChoice:
    return IntentChoice(settings.members_intent, settings.message_content_intent)


def build(choice: IntentChoice) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
    # "Interested" on the guild scheduled events Cercle makes for its events (not privileged).
    intents.guild_scheduled_events = True
    intents.members = choice.members
    intents.message_content = choice.message_content
    return intents


def granted(choice: IntentChoice, application_flags: int) -> IntentChoice:
    """What remains of `choice` once the intents the application lacks are taken out."""
    return IntentChoice(
        members=choice.members and bool(application_flags & _MEMBERS_FLAGS),
        message_content=choice.message_content and bool(application_flags & _CONTENT_FLAGS),
    )


def refusal_message(asked: IntentChoice, kept: IntentChoice, will_continue: bool) -> str:
    """The operator's log line after a 4014: which toggle to switch on, and where."""
    refused = [PRIVILEGED[n] for n in PRIVILEGED if getattr(asked, n) and not getattr(kept, n)]
    names = " and ".join(refused) or "the privileged intents Cercle asks for"
    action = (
        "Cercle goes on without it (scores still count, features that need it are off)."
        if will_continue
        else "discord.require_privileged_intents is set, so Cercle stops."
    )
    return (
        f"Discord refused the {names}: enable it in {PORTAL} > your application > Bot > "
        f"Privileged Gateway Intents, or set discord.members_intent / "
        f"discord.message_content_intent = false. {action}"
    )
