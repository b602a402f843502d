"""Imports every feature module, so that each declares its commands and job kinds once."""

from bot.features import admin, help, kudos, leaderboards, profiles  # noqa: F401  # noqa: F401
from bot.features.digests import health_report as stats
from bot.features.digests import posting as digests
from bot.features.ideas import commands as ideas
from bot.features.polls import commands as polls
