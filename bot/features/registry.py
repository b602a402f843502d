"""Imports every feature module, so that each declares its commands and job kinds once."""

from bot.features import admin, help, ideas, kudos, leaderboards, polls, profiles  # noqa: F401
