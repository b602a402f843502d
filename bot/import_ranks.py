"""`cercle import --ranks keep`: each source level band onto a rank of Cercle's ladder.

A band starts at a source level and gives one rank; a member imported this way starts at
that rank's points threshold (`min_points`), so levels 30 and 34 of the same band start
equal and what they do in Cercle orders them from there. The bands come from
`[imports] ranks = {level = "rank name"}`; without it, the levels 0 to `TOP_LEVEL` are
spread evenly over the ladder (five ranks: from levels 0, 8, 15, 23 and 30). A member
below the first configured band gets nothing. The member also keeps the band's rank
(`Member.rank_floor`, see `bot.features.ranks.rank_of`) whatever the ladder's other
requirements (active days, solutions, kudos) say, until they earn a higher one.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.config_sections import Rank

# The source level that reaches the top of the ladder by default: on MEE6 and Amari, level
# 30 (about 67,500 XP, a few thousand messages) marks a community's core.
TOP_LEVEL = 30


class BadBands(Exception):
    """`[imports] ranks` names a rank the ladder does not have; the text says which."""


@dataclass(frozen=True)
class RankBands:
    """Bands of source levels, lowest first: (first level, rank)."""

    bands: tuple[tuple[int, Rank], ...]

    @classmethod
    def of(cls, configured: Mapping[int, str], ladder: Sequence[Rank]) -> RankBands:
        """The configured bands (checked against the ladder), else the even spread."""
        if not configured:
            if len(ladder) == 1:
                return cls(((0, ladder[0]),))
            last = len(ladder) - 1
            return cls(tuple((math.ceil(TOP_LEVEL * i / last), r) for i, r in enumerate(ladder)))
        by_name = {rank.name.casefold(): rank for rank in ladder}
        bands = []
        for level, name in sorted(configured.items()):
            rank = by_name.get(name.casefold())
            if rank is None:
                names = ", ".join(r.name for r in ladder)
                raise BadBands(
                    f"imports.ranks: level {level}: no rank named {name!r} on the ladder ({names})"
                )
            bands.append((level, rank))
        return cls(tuple(bands))

    def rank_for(self, level: int) -> Rank | None:
        """The rank of the band `level` falls in (None: below every band)."""
        index = bisect.bisect_right([start for start, _ in self.bands], level) - 1
        return self.bands[index][1] if index >= 0 else None

    def points_for(self, level: int) -> int:
        """The points an imported member of `level` starts with."""
        rank = self.rank_for(level)
        return rank.min_points if rank is not None else 0

    def describe(self) -> str:
        """One line: `level 0+ Newcomer, 8+ Regular, ...`."""
        return "level " + ", ".join(f"{start}+ {rank.name}" for start, rank in self.bands)
