"""A player's level on the bot they come from, for `cercle import --ranks keep`.

MEE6, Amari and LevelUp files carry each member's level. A row without one (every
Polaris export, a row whose level is missing) gets the level its XP would have on MEE6's
curve (5 l² + 50 l + 100 XP from level l to l + 1), after the XP is brought to MEE6's
scale by the sources' default rates, which price a message alike on every bot.
"""

from __future__ import annotations

from adapters.importing.formats import Player

MAX_LEVEL = 1_000  # far above any real leaderboard; bounds the walk up the curve


def mee6_level(xp: float) -> int:
    """The MEE6 level `xp` reaches."""
    level, needed = 0, 0.0
    while level < MAX_LEVEL:
        needed += 5 * level * level + 50 * level + 100
        if xp < needed:
            return level
        level += 1
    return level


def level_of(player: Player, scale: float) -> int:
    """`player`'s level: as the file says, else from XP times `scale` on MEE6's curve."""
    if player.level is not None:
        return max(player.level, 0)
    return mee6_level(player.xp * scale)
