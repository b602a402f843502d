"""Every feature module that declares commands or job kinds, imported once: `COMMANDS` is
the command registry they filled. The core takes it (`Cercle(..., registry=COMMANDS)` is
the default), so declaring commands is an explicit dependency of the core on its
features and never a side effect that features rely on."""

from bot.commands import REGISTRY, CommandRegistry
from bot.features import (  # noqa: F401
    admin,
    audit_log,
    help,
    kudos,
    leaderboards,
    link,
    privacy,
    profiles,
    rank_review,
)
from bot.features.digests import health_report, posting, responsiveness  # noqa: F401
from bot.features.events import admin as event_admin  # noqa: F401
from bot.features.events import commands as event_commands  # noqa: F401
from bot.features.events import reminders  # noqa: F401
from bot.features.ideas import commands, moderation  # noqa: F401
from bot.features.moderation import flags, structure, warnings  # noqa: F401
from bot.features.polls import closing  # noqa: F401
from bot.features.polls import commands as poll_commands  # noqa: F401
from bot.features.web import dashboard  # noqa: F401

COMMANDS: CommandRegistry = REGISTRY
