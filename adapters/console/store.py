"""Reading and writing the console's own tables (adapters.console.tables) in a transaction
the core opens for it (`CoreFace.adapter_session`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.console.tables import ConsoleMember, ConsoleMessage, ConsoleState


async def load_state(session: AsyncSession, community_id: int) -> ConsoleState | None:
    return await session.get(ConsoleState, community_id)


async def create_state(session: AsyncSession, state: ConsoleState) -> ConsoleState:
    """Store a new community's console state (its numbers start counting from there)."""
    return await session.merge(state)


async def save_state(session: AsyncSession, state: ConsoleState) -> None:
    """Save the channel and the clock; the numbers are only ever allocated (`allocate`),
    never written back, so two consoles on one community cannot set them back."""
    await session.execute(
        update(ConsoleState)
        .where(ConsoleState.community_id == state.community_id)
        .values(channel=state.channel, clock=state.clock)
    )


async def allocate(session: AsyncSession, community_id: int, counter: str) -> int:
    """The next message (`next_number`) or interaction (`next_interaction`) number of the
    community's console, taken in one statement: never given twice, whichever console
    asks (as idea and poll numbers are)."""
    column = getattr(ConsoleState, counter)
    taken = await session.scalar(
        update(ConsoleState)
        .where(ConsoleState.community_id == community_id)
        .values({counter: column + 1})
        .returning(column)
    )
    assert taken is not None, "the console's state is created when it starts"
    return int(taken) - 1


async def messages(
    session: AsyncSession, community_id: int, numbers: Sequence[int]
) -> dict[int, ConsoleMessage]:
    rows = await session.scalars(
        select(ConsoleMessage).where(
            ConsoleMessage.community_id == community_id, ConsoleMessage.number.in_(set(numbers))
        )
    )
    return {m.number: m for m in rows.all()}


async def save_messages(session: AsyncSession, rows: Sequence[ConsoleMessage]) -> None:
    for row in rows:
        await session.merge(row)


async def members(session: AsyncSession, community_id: int) -> dict[str, ConsoleMember]:
    rows = await session.scalars(
        select(ConsoleMember).where(ConsoleMember.community_id == community_id)
    )
    return {m.name: m for m in rows.all()}


async def save_members(session: AsyncSession, rows: Sequence[ConsoleMember]) -> None:
    for row in rows:
        await session.merge(row)


def new_state(community_id: int, channel: str, clock: datetime) -> ConsoleState:
    return ConsoleState(community_id=community_id, channel=channel, clock=clock)
