"""Suggestions while a member types an option (Discord's autocomplete): idea and poll
numbers with their titles, newest first, and durations. Read-only look-ups of what the
community already has; every platform with an autocomplete asks the core the same way."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import CommandRegistry, OptionKind
from bot.ports import Suggestion
from bot.text import member_text
from storage import suggestions as suggestion_store

CHOICES_MAX = 25  # Discord's limit, and more than a member reads
LABEL_MAX = 100
DURATIONS = ("30m", "1h", "2h", "6h", "12h", "1d", "2d", "3d", "1w", "2w")
_DURATION = re.compile(r"(\d+[mhdw])+")


async def suggest(
    session: AsyncSession,
    community_id: int,
    registry: CommandRegistry,
    path: tuple[str, ...],
    option: str,
    typed: str,
) -> list[Suggestion]:
    spec = registry.get(path)
    found = spec.option(option) if spec is not None else None
    if found is None:
        return []
    if found.kind is OptionKind.NUMBER_REF:
        return await numbers(session, community_id, option, typed)
    if found.kind is OptionKind.DURATION:
        return durations(typed)
    return []


async def numbers(
    session: AsyncSession, community_id: int, option: str, typed: str
) -> list[Suggestion]:
    """Ideas (or polls, for an option named `poll`) matching what was typed: by number
    prefix or by a word of the title."""
    typed = typed.strip().lstrip("#")
    rows = await suggestion_store.numbered(
        session, community_id, "poll" if option == "poll" else "idea", typed
    )
    if typed.isdigit():
        rows = [r for r in rows if str(r[0]).startswith(typed)]
    return [
        Suggestion(member_text(f"#{number} {label}", LABEL_MAX), int(number))
        for number, label in rows[:CHOICES_MAX]
    ]


def durations(typed: str) -> list[Suggestion]:
    typed = typed.strip().lower()
    found = [d for d in DURATIONS if d.startswith(typed)] if typed else list(DURATIONS)
    if typed and typed not in found and _DURATION.fullmatch(typed):
        found.insert(0, typed)  # any other well-formed duration the member typed
    return [Suggestion(d, d) for d in found[:CHOICES_MAX]]
