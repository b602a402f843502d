"""`cercle import SOURCE FILE`: standing brought over from another levelling bot.

The file's players (read by `adapters.importing`) become points at `rate` points per XP.
Each imported member gets one ledger row keyed `import:<source>:<user id>`, written by the
core's one entry builder (`bot.awards.ledger_entry`) and the ledger's `record`: importing
the same file again changes nothing, and a newer file adds only what each member gained
since (a row keyed by the new total). Members are matched by platform account; an account
Cercle has not seen yet becomes a member now, so the points are theirs the moment they next
speak. Imported points count for all time only (kind `import`: no week or month total).
An excluded member gets nothing, as with any award. Each import (not a dry run) is
written to the audit trail: the source, the file's rows, the members and points it moved.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot import audit
from bot.awards import ledger_entry
from bot.community import LocalCalendar
from bot.config_sections import Rank
from bot.features.ranks import rank_of, steps
from storage import ledger
from storage.communities import community_by_slug
from storage.counters import MEMBER_COUNTERS
from storage.db import Database
from storage.members import SeenMember, ensure_members
from storage.models import Identity, Member

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

KIND = "import"
# Rows written per statement batch, and between two progress reports.
_CHUNK = 5_000


class ImportFailed(Exception):
    """An import that cannot be made (no such community); nothing was written."""


class Player(Protocol):
    platform: str
    user_id: str
    name: str
    xp: float


@dataclass(frozen=True)
class Future:
    """One member of the dry run's top 10: their points and rank once imported."""

    name: str
    points: int
    rank: str


@dataclass
class Outcome:
    """What an import changed (or, dry, would change)."""

    members: int = 0  # members whose points move
    points: int = 0  # points added in all
    unchanged: int = 0  # players already imported at this figure or more
    excluded: int = 0  # players who are excluded members (no points)
    new_members: int = 0  # accounts Cercle had not seen yet
    top: list[Future] = field(default_factory=list)


def key_of(source: str, user_id: str) -> str:
    return f"{KIND}:{source}:{user_id}"


def _imported_so_far(rows: dict[str, int], source: str) -> dict[str, int]:
    """Points already imported per user id: the first row and any later difference rows
    (`import:<source>:<user id>:<total>`)."""
    prefix = len(key_of(source, ""))
    so_far: dict[str, int] = {}
    for key, points in rows.items():
        user_id = key[prefix:].split(":", 1)[0]
        so_far[user_id] = so_far.get(user_id, 0) + points
    return so_far


async def import_players(
    db: Database,
    community: str,
    source: str,
    players: Sequence[Player],
    rate: float,
    ladder: Sequence[Rank],
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    points_for: Callable[[Player], int] | None = None,
    rank_for: Callable[[Player], str | None] | None = None,
) -> Outcome:
    """Import `players` into the community named `community` (its slug), all in one
    transaction; with `dry_run`, work out the same outcome and write nothing. Each
    player's points are their XP times `rate`, or what `points_for` gives them (the
    points of the rank their level keeps, `bot.import_ranks`); with `rank_for`, each
    member also keeps that rank (`Member.rank_floor`) until they earn a higher one."""
    outcome = Outcome()
    # Serialized: no other process can write these keys between reading and writing them,
    # so the rows go through the ledger's pipelined writer without a per-row check.
    async with db.transaction(serialized=not dry_run) as session:
        found = await community_by_slug(session, community)
        if found is None or found.id is None:
            raise ImportFailed(f"no community named {community!r}")
        cid = found.id
        so_far = _imported_so_far(
            await ledger.points_under(session, cid, key_of(source, "")), source
        )
        standing = {
            (platform, user_id): row
            for platform, user_id, row in await _standings(session, cid, players)
        }
        moving: list[tuple[Player, int, int]] = []  # player, points to add, new total
        for player in players:
            target = points_for(player) if points_for else round(player.xp * rate)
            have = so_far.get(player.user_id, 0)
            known = standing.get((player.platform, player.user_id))
            if known is not None and known.excluded:
                outcome.excluded += 1
            elif target > have:
                moving.append((player, target - have, target))
            else:
                outcome.unchanged += 1
        outcome.members = len(moving)
        outcome.points = sum(delta for _, delta, _ in moving)
        outcome.new_members = sum(
            1 for p, _, _ in moving if (p.platform, p.user_id) not in standing
        )
        if dry_run:
            outcome.top = _top(moving, standing, ladder, rank_for)
            return outcome
        # In the import's transaction: the trail has the entry exactly when it happened.
        await audit.record(
            session,
            cid,
            "import",
            at=now if now.tzinfo else now.replace(tzinfo=UTC),
            actor_id=None,
            target=source,
            what=source,
            source=source,
            count=len(players),
            members=outcome.members,
            points=outcome.points,
        )
        if moving:
            await _write(session, cid, source, moving, so_far, now, progress)
        if rank_for is not None:
            await _keep_ranks(session, cid, players, rank_for, ladder)
    return outcome


async def _keep_ranks(
    session: AsyncSession,
    community_id: int,
    players: Sequence[Player],
    rank_for: Callable[[Player], str | None],
    ladder: Sequence[Rank],
) -> None:
    """Each member's kept rank: the one their level gives, unless they already keep a
    higher one (an older file, another source). The first rank is everyone's anyway."""
    names = [rank.name for rank in ladder]
    kept = {}
    for player in players:
        rank = rank_for(player)
        if rank in names and names.index(rank) > 0:
            kept[(player.platform, player.user_id)] = names.index(rank)
    if not kept:
        return
    rows = await session.execute(
        select(Identity.platform, Identity.user_id, Member.id, Member.rank_floor, Member.excluded)
        .join(Member, Member.id == Identity.member_id)
        .where(Identity.community_id == community_id)
    )
    raised: dict[str, list[int]] = {}
    for platform, user_id, member_id, floor, excluded in rows:
        index = kept.get((platform, user_id))
        if index is None or excluded:
            continue
        if floor not in names or names.index(floor) < index:
            raised.setdefault(names[index], []).append(member_id)
    for rank, ids in raised.items():
        for start in range(0, len(ids), _CHUNK):
            await session.execute(
                update(Member)
                .where(Member.id.in_(ids[start : start + _CHUNK]))
                .values(rank_floor=rank)
                .execution_options(synchronize_session=False)
            )


async def _standings(
    session: AsyncSession, community_id: int, players: Sequence[Player]
) -> list[tuple[str, str, SimpleNamespace]]:
    """The counters of the community's members the file names (one read of the
    community's members: an import names most of them)."""
    wanted = {(p.platform, p.user_id) for p in players}
    columns = [getattr(Member, c) for c in MEMBER_COUNTERS]
    rows = await session.execute(
        select(Identity.platform, Identity.user_id, Member.display_name, Member.excluded, *columns)
        .join(Member, Member.id == Identity.member_id)
        .where(Identity.community_id == community_id)
    )
    found = []
    for platform, user_id, name, excluded, *counters in rows:
        if (platform, user_id) in wanted:
            values = dict(zip(MEMBER_COUNTERS, counters, strict=True))
            found.append(
                (platform, user_id, SimpleNamespace(display_name=name, excluded=excluded, **values))
            )
    return found


def _top(
    moving: Sequence[tuple[Player, int, int]],
    standing: dict[tuple[str, str], SimpleNamespace],
    ladder: Sequence[Rank],
    rank_for: Callable[[Player], str | None] | None = None,
) -> list[Future]:
    """The ten members with the most points once imported, with the rank that gives."""
    ranked = []
    for player, delta, _total in moving:
        known = standing.get((player.platform, player.user_id))
        name = (known.display_name if known else "") or player.name or player.user_id
        ranked.append(((known.points if known else 0) + delta, name, player))
    top = heapq.nsmallest(10, ranked, key=lambda r: (-r[0], r[1]))
    above = steps(ladder) if ladder else None
    futures = []
    for points, name, player in top:
        known = standing.get((player.platform, player.user_id))
        counters = {c: getattr(known, c) if known else 0 for c in MEMBER_COUNTERS}
        counters["points"] = points
        floor = rank_for(player) if rank_for else None
        who = SimpleNamespace(display_name=name, rank_floor=floor, **counters)
        futures.append(Future(name, points, rank_of(who, ladder, above).name if ladder else ""))
    return futures


async def _write(
    session: AsyncSession,
    community_id: int,
    source: str,
    moving: Sequence[tuple[Player, int, int]],
    so_far: dict[str, int],
    now: datetime,
    progress: Callable[[int, int], None] | None,
) -> None:
    # Week and month are irrelevant to an all-time entry; any zone gives the same rows.
    calendar = LocalCalendar(ZoneInfo("UTC"))
    at = now if now.tzinfo else now.replace(tzinfo=UTC)
    total = len(moving)
    # Keys read absent above, in this serialized transaction: the checked writer.
    write = await ledger.writer(session, community_id)
    for start in range(0, total, _CHUNK):
        chunk = moving[start : start + _CHUNK]
        people = [
            SeenMember(p.platform, p.user_id, p.name or p.user_id, False, ()) for p, _, _ in chunk
        ]
        ids = await ensure_members(session, community_id, people, at)
        for entry in (
            ledger_entry(
                calendar,
                member_id=ids[(p.platform, p.user_id)],
                kind=KIND,
                points=delta,
                # The first import of a member is keyed by their id alone; a newer file's
                # difference by the new total, so that file too imports once.
                source_key=key_of(source, p.user_id)
                if p.user_id not in so_far
                else f"{key_of(source, p.user_id)}:{target}",
                at=at,
                reason=f"imported from {source}",
            )
            for p, delta, target in chunk
        ):
            write.add(entry)
        if progress is not None:
            progress(min(start + _CHUNK, total), total)
    try:
        await write.finish()
    except BaseException:
        await write.discard()
        raise
