"""Imports every feature module, so that each declares its commands and job kinds once."""

from bot.features import admin, help, kudos, leaderboards, profiles  # noqa: F401
from bot.features.digests import health_report, posting  # noqa: F401
from bot.features.ideas import commands, moderation  # noqa: F401
from bot.features.polls import closing  # noqa: F401
from bot.features.polls import commands as poll_commands  # noqa: F401
