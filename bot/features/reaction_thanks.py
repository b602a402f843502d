"""Thanks by reaction: the platform's thanks emoji on someone's message is `/thanks` to
its author, on every platform the same way.

One thanks per reactor and message, keyed by both (`reaction:<message>:<reactor>`), so a
redelivered event or a re-added reaction never thanks twice; no thanks to oneself; the
reason is written in the community's language."""

from __future__ import annotations

from bot import i18n
from bot.commands import Mention
from bot.config import Settings
from bot.events import CommandInvoked, ReactionAdded


def thanks_emoji(settings: Settings, platform: str) -> str | None:
    """The emoji that thanks on `platform` (its settings section's `thanks_emoji`, or
    Slack's historical name `thanks_reaction`), None where the platform has none."""
    section = getattr(settings, platform, None)
    for name in ("thanks_emoji", "thanks_reaction"):
        value = getattr(section, name, None)
        if isinstance(value, str) and value.strip(":"):
            return value.strip(":")
    return None


def is_thanks(reaction: ReactionAdded, emoji: str | None) -> bool:
    if emoji is None or reaction.message_author is None:
        return False
    # Slack names a skin tone after the emoji (`pray::skin-tone-3`): still a thanks.
    if reaction.emoji.split("::")[0].strip(":") != emoji:
        return False
    return reaction.message_author.user_id != reaction.reactor.user_id


def shown(reaction: ReactionAdded, emoji: str) -> str:
    """The emoji as the platform writes it in text (Slack's `:pray:`, a character as is)."""
    return f":{emoji}:" if emoji.isascii() and emoji.replace("_", "").isalnum() else emoji


def command(reaction: ReactionAdded, emoji: str, locale: str) -> CommandInvoked:
    author = reaction.message_author
    assert author is not None
    return CommandInvoked(
        platform=reaction.platform,
        space_id=reaction.space_id,
        at=reaction.at,
        interaction_id=f"reaction:{reaction.message_id}:{reaction.reactor.user_id}",
        channel=reaction.channel,
        invoker=reaction.reactor,
        path=("thanks",),
        options={
            "member": Mention(author.user_id, author.name or author.user_id),
            "reason": i18n.t(locale, "kudos.reaction_reason", emoji=shown(reaction, emoji)),
        },
        # The author as the platform showed them; one it named by id only (no name) is
        # found by id among the members Cercle knows, and never renamed.
        mentions=(author,) if author.name else (),
    )
