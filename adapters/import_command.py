"""`cercle import SOURCE FILE --community C`: the command line of `bot.imports`.

Reads the file (`adapters.importing.formats`), converts XP at `--rate` (a default per
source, below), and prints what changed, or with `--dry-run` what would.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from adapters.importing.formats import SOURCES, BadFile, Player, read
from adapters.importing.levels import level_of
from adapters.importing.progress import SHOWN_FROM, Bar
from bot.import_ranks import BadBands, RankBands
from bot.imports import ImportFailed, Outcome, import_players

# Points per XP by default: chosen so that a source's level lands on Cercle's default
# ladder alike. MEE6 and Amari give 15-25 XP a message and need ~67,500 XP for level 30:
# at 1 point per 40 XP that is ~1,700 points, Champion's 1,500 points. LevelUp gives 3-6
# XP a message (1 point per 10 XP) and Polaris 50-100 (1 point per 160 XP), so a message
# there is worth about what it is on MEE6. A CSV's points are Cercle points already.
DEFAULT_RATES = {"mee6": 0.025, "amari": 0.025, "levelup": 0.1, "polaris": 0.00625, "csv": 1.0}

RATE_HELP = (
    "points per XP (default: MEE6 and Amari 0.025, i.e. 1 point per 40 XP, so that level "
    "30 lands near Champion's 1,500 points on the default ladder; LevelUp 0.1 and Polaris "
    "0.00625, which give XP at other speeds; CSV 1, its points are Cercle points)"
)

RANKS_HELP = (
    "keep: instead of --rate, each member starts at the points threshold of the rank their "
    'level maps to, by [imports] ranks = {level = "rank name"} in the config (default: '
    "levels 0 to 30 spread evenly over the ladder: 0, 8, 15, 23 and 30 for the default "
    "five ranks); Polaris rows, which have no level, get the level of their XP on MEE6's "
    "curve. Each member keeps that rank until they earn a higher one, whatever the ladder's "
    "other requirements (active days, solutions, kudos) say"
)


def add_parser(command: argparse.ArgumentParser) -> None:
    command.add_argument("source", choices=SOURCES, help="the bot the file comes from")
    command.add_argument(
        "file",
        help="the exported file: MEE6 or Amari leaderboard JSON (a page or a list of pages), "
        "LevelUp guild backup JSON, Polaris export JSON, or CSV platform,user_id,name,points",
    )
    command.add_argument("--community", required=True, help="the community's name (slug)")
    command.add_argument("--rate", type=float, help=RATE_HELP)
    command.add_argument("--ranks", choices=("keep",), help=RANKS_HELP)
    command.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would change (count, points, top 10 and their rank) and change nothing",
    )
    command.add_argument("--db", help="database file or URL (default: database.url)")


def _rate(args: argparse.Namespace) -> float | None:
    rate = DEFAULT_RATES[args.source] if args.rate is None else args.rate
    if not rate > 0 or rate == float("inf"):
        return None
    return rate


async def run(args: argparse.Namespace, core_for: Callable[[], Awaitable[Any]]) -> int:
    """Import (or, dry, preview) the file; `core_for` builds the composition root's core."""
    name = f"cercle import {args.source}"
    rate = _rate(args)
    if rate is None:
        print(f"{name}: --rate must be a number above 0", file=sys.stderr)
        return 2
    keep = getattr(args, "ranks", None) == "keep"
    if keep and (args.rate is not None or args.source == "csv"):
        why = "--rate gives points by XP" if args.rate is not None else "a CSV has no levels"
        print(f"{name}: --ranks keep gives points by level, and {why}", file=sys.stderr)
        return 2
    try:
        text = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8-sig")
        players = await asyncio.to_thread(read, args.source, text)
    except (OSError, UnicodeDecodeError) as error:
        print(f"{name}: {args.file}: {error}", file=sys.stderr)
        return 1
    except BadFile as error:
        print(f"{name}: {args.file}: {error}; nothing was imported", file=sys.stderr)
        return 1
    core = await core_for()
    points_for = None
    rank_for = None
    if keep:
        try:
            bands = RankBands.of(core.settings.imports.ranks, core.settings.ranks)
        except BadBands as error:
            await core.db.dispose()
            print(f"{name}: {error}; nothing was imported", file=sys.stderr)
            return 2
        scale = DEFAULT_RATES[args.source] / DEFAULT_RATES["mee6"]
        points_for = _by_level(bands, scale)
        rank_for = _rank_by_level(bands, scale)
        print(f"Ranks kept: {bands.describe()}")
    bar = Bar(sys.stderr, "importing") if len(players) > SHOWN_FROM and not args.dry_run else None
    try:
        outcome = await import_players(
            core.db,
            args.community,
            args.source,
            players,
            rate,
            core.settings.ranks,
            core.clock.now(),
            dry_run=args.dry_run,
            progress=bar.update if bar else None,
            points_for=points_for,
            rank_for=rank_for,
        )
    except ImportFailed as error:
        print(f"{name}: {error}; nothing was imported", file=sys.stderr)
        return 1
    finally:
        if bar:
            bar.close()
        await core.db.dispose()
    print(_summary(outcome, args.dry_run))
    return 0


def _by_level(bands: RankBands, scale: float) -> Callable[[Player], int]:
    def points(player: Player) -> int:
        return bands.points_for(level_of(player, scale))

    return points


def _rank_by_level(bands: RankBands, scale: float) -> Callable[[Player], str | None]:
    def rank(player: Player) -> str | None:
        kept = bands.rank_for(level_of(player, scale))
        return kept.name if kept is not None else None

    return rank


def _summary(o: Outcome, dry: bool) -> str:
    verb = "would get" if dry else "got"
    lines = [
        f"{o.members} members {verb} {o.points} points in all "
        f"({o.new_members} not seen by Cercle yet); "
        f"{o.unchanged} already imported, {o.excluded} excluded."
    ]
    if dry and o.top:
        width = max(len(f.name) for f in o.top)
        lines.append("")
        lines.append(f"{'#':>2}  {'member':<{width}}  {'points':>8}  rank")
        for place, future in enumerate(o.top, start=1):
            lines.append(f"{place:>2}  {future.name:<{width}}  {future.points:>8}  {future.rank}")
        lines.append("")
        lines.append("Dry run: nothing was changed.")
    return "\n".join(lines)
