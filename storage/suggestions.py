"""Look-ups for autocomplete: ideas and polls of a community by number or title word."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.ideas import Idea
from storage.models.polls import Poll

SCANNED = 200  # newest matches read; the caller keeps the first few


async def numbered(
    session: AsyncSession, community_id: int, kind: str, typed: str
) -> list[tuple[int, str]]:
    """(number, title or question) of the community's ideas (`kind="idea"`) or polls,
    newest first: from the number typed upwards, or whose label contains the word."""
    number, label, owner = (
        (Poll.number, Poll.question, Poll.community_id)
        if kind == "poll"
        else (Idea.number, Idea.title, Idea.community_id)
    )
    query = select(number, label).where(owner == community_id)
    if typed.isdigit():
        query = query.where(number >= int(typed))
    elif typed:
        query = query.where(label.ilike(f"%{typed}%"))
    rows = await session.execute(query.order_by(number.desc()).limit(SCANNED))
    return [(int(n), str(text)) for n, text in rows.all()]
