"""Imports every feature module, so that each declares its commands and job kinds once."""

from bot.features import admin, digests, help, ideas, kudos, leaderboards, polls, profiles, stats  # noqa: F401  # noqa: F401
