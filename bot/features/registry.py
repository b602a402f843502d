"""Imports every feature module, so that each declares its commands and job kinds once."""

from bot.features import admin, help, kudos, leaderboards, profiles  # noqa: F401
