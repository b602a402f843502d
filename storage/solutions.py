"""Accepted solutions: which message answers which question, and the award it earned."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contribution, Solution


async def awards_for(
    session: AsyncSession, community_id: int, solution_refs: Collection[str]
) -> dict[str, Contribution]:
    """The ledger award of each of these messages that is an accepted solution."""
    if not solution_refs:
        return {}
    rows = await session.execute(
        select(Solution.solution_ref, Contribution)
        .join(Contribution, Contribution.id == Solution.contribution_id)
        .where(
            Solution.community_id == community_id, Solution.solution_ref.in_(sorted(solution_refs))
        )
    )
    return {ref: award for ref, award in rows}


async def forget(session: AsyncSession, community_id: int, solution_refs: Sequence[str]) -> None:
    """The questions these messages answered have no accepted solution any more."""
    if solution_refs:
        await session.execute(
            delete(Solution).where(
                Solution.community_id == community_id, Solution.solution_ref.in_(solution_refs)
            )
        )
