"""Suggestions while a member types an option: idea and poll numbers with their titles,
and durations. Read-only look-ups of what the community already has, newest first."""

from __future__ import annotations

import re

import discord
from sqlalchemy import select

from bot.core import Cercle
from bot.text import member_text
from storage.idea_models import Idea
from storage.poll_models import Poll

PLATFORM = "discord"
_DURATION = re.compile(r"(\d+[mhdw])+")
CHOICES_MAX = 25
NAME_MAX = 100
DURATIONS = ("30m", "1h", "2h", "6h", "12h", "1d", "2d", "3d", "1w", "2w")


async def numbers(
    core: Cercle, guild_id: str, option: str, typed: str
) -> list[discord.app_commands.Choice[int]]:
    """Ideas (or polls, for an option named `poll`) matching what was typed: by number
    prefix or by a word of the title."""
    table = Poll if option == "poll" else Idea
    label = Poll.question if table is Poll else Idea.title
    typed = typed.strip().lstrip("#")
    async with core.db.transaction() as session:
        community = await core.community(session, PLATFORM, guild_id, core.clock.now())
        query = select(table.number, label).where(table.community_id == community.id)
        if typed.isdigit():
            query = query.where(table.number >= int(typed))
        elif typed:
            query = query.where(label.ilike(f"%{typed}%"))
        rows = (await session.execute(query.order_by(table.number.desc()).limit(200))).all()
    if typed.isdigit():
        rows = [r for r in rows if str(r[0]).startswith(typed)]
    return [
        discord.app_commands.Choice(name=member_text(f"#{n} {text}", NAME_MAX), value=int(n))
        for n, text in rows[:CHOICES_MAX]
    ]


def durations(typed: str) -> list[discord.app_commands.Choice[str]]:
    typed = typed.strip().lower()
    found = [d for d in DURATIONS if d.startswith(typed)] if typed else list(DURATIONS)
    if typed and typed not in found and _DURATION.fullmatch(typed):
        found.insert(0, typed)  # any other well-formed duration the member typed
    return [discord.app_commands.Choice(name=d, value=d) for d in found[:CHOICES_MAX]]
