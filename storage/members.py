"""Queries about members: finding them by platform identity (creating them on first
sight), keeping their name, bot flag and roles current, and the exclusion flag that keeps
staff and excluded members off leaderboards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore
from storage.models import Identity, Member, MemberRole


@dataclass(frozen=True)
class SeenMember:
    """A member as a platform event shows them."""

    platform: str
    user_id: str
    name: str
    is_bot: bool
    roles: tuple[str, ...]


@dataclass(frozen=True)
class MemberInfo:
    id: int
    name: str
    is_bot: bool
    roles: frozenset[str]
    excluded: bool


class MemberCache:
    """What this process last wrote for each identity, so an unchanged member costs no query."""

    def __init__(self, size: int = 200_000) -> None:
        self._size = size
        self._items: dict[tuple[int, str, str], MemberInfo] = {}

    def get(self, key: tuple[int, str, str]) -> MemberInfo | None:
        return self._items.get(key)

    def put(self, key: tuple[int, str, str], info: MemberInfo) -> None:
        if len(self._items) >= self._size:
            self._items.pop(next(iter(self._items)))
        self._items[key] = info

    def clear(self) -> None:
        self._items.clear()

    def forget_community(self, community_id: int) -> None:
        for key in [k for k in self._items if k[0] == community_id]:
            del self._items[key]


def is_excluded(
    member_id: int,
    roles: Iterable[str],
    excluded_members: frozenset[int],
    excluded_roles: frozenset[str],
) -> bool:
    return member_id in excluded_members or any(r.lower() in excluded_roles for r in roles)


async def resolve_members(
    session: AsyncSession,
    community_id: int,
    seen: Sequence[SeenMember],
    now: datetime,
    excluded_members: frozenset[int],
    excluded_roles: frozenset[str],
    cache: MemberCache,
) -> dict[tuple[str, str], MemberInfo]:
    """Members for these platform identities, created if new and updated if changed."""
    latest: dict[tuple[str, str], SeenMember] = {(s.platform, s.user_id): s for s in seen}
    result: dict[tuple[str, str], MemberInfo] = {}
    pending: list[SeenMember] = []
    for key, person in latest.items():
        cached = cache.get((community_id, *key))
        if cached and _unchanged(cached, person, excluded_members, excluded_roles):
            result[key] = cached
        else:
            pending.append(person)
    if not pending:
        return result

    ids = await _member_ids(session, community_id, pending)
    missing = [p for p in pending if (p.platform, p.user_id) not in ids]
    if missing:
        await _create(session, community_id, missing, now)
        ids.update(await _member_ids(session, community_id, missing))

    rows = {
        m.id: m
        for m in await session.scalars(select(Member).where(Member.id.in_(set(ids.values()))))
    }
    role_rows = await session.execute(
        select(MemberRole.member_id, MemberRole.role).where(
            MemberRole.member_id.in_(set(ids.values()))
        )
    )
    stored_roles: dict[int, set[str]] = {}
    for member_id, role in role_rows:
        stored_roles.setdefault(member_id, set()).add(role)

    for person in pending:
        key = (person.platform, person.user_id)
        member = rows[ids[key]]
        assert member.id is not None
        roles = frozenset(person.roles)
        excluded = is_excluded(member.id, roles, excluded_members, excluded_roles)
        if (member.display_name, member.is_bot, member.excluded) != (
            person.name[:100],
            person.is_bot,
            excluded,
        ):
            member.display_name, member.is_bot, member.excluded = (
                person.name[:100],
                person.is_bot,
                excluded,
            )
        await _sync_roles(session, member.id, stored_roles.get(member.id, set()), roles)
        info = MemberInfo(member.id, member.display_name, person.is_bot, roles, excluded)
        cache.put((community_id, *key), info)
        result[key] = info
    await session.flush()
    return result


def _unchanged(
    cached: MemberInfo,
    person: SeenMember,
    excluded_members: frozenset[int],
    excluded_roles: frozenset[str],
) -> bool:
    return (
        cached.name == person.name[:100]
        and cached.is_bot == person.is_bot
        and cached.roles == frozenset(person.roles)
        and cached.excluded
        == is_excluded(cached.id, person.roles, excluded_members, excluded_roles)
    )


async def _member_ids(
    session: AsyncSession, community_id: int, people: Sequence[SeenMember]
) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    keys = [(p.platform, p.user_id) for p in people]
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        rows = await session.execute(
            select(Identity.platform, Identity.user_id, Identity.member_id).where(
                Identity.community_id == community_id,
                tuple_(Identity.platform, Identity.user_id).in_(chunk),
            )
        )
        found.update({(p, u): m for p, u, m in rows})
    return found


async def _create(
    session: AsyncSession, community_id: int, people: Sequence[SeenMember], now: datetime
) -> None:
    """Create members and their identities in a few statements, race-safe: a member is
    keyed by the account it was first seen as, so two processes create it once."""
    table = Member.__table__
    origins = {origin_of(p): p for p in people}  # in the order first seen (ties on boards)
    created = await session.execute(
        insert_ignore(session, table, ["community_id", "origin"]).returning(
            table.c.id, table.c.origin
        ),
        [
            {
                "community_id": community_id,
                "origin": origin,
                "display_name": p.name[:100],
                "is_bot": p.is_bot,
                "joined_at": now,
            }
            for origin, p in origins.items()
        ],
    )
    ids = {origin: member_id for member_id, origin in created}
    missing = sorted(set(origins) - set(ids))
    if missing:  # created meanwhile by another process
        rows = await session.execute(
            select(Member.id, Member.origin).where(
                Member.community_id == community_id, Member.origin.in_(missing)
            )
        )
        ids.update({origin: member_id for member_id, origin in rows})
    await session.execute(
        insert_ignore(session, Identity.__table__, ["community_id", "platform", "user_id"]),
        [
            {
                "community_id": community_id,
                "platform": p.platform,
                "user_id": p.user_id,
                "member_id": ids[origin],
            }
            for origin, p in origins.items()
        ],
    )


def origin_of(person: SeenMember) -> str:
    return f"{person.platform}:{person.user_id}"[:100]


async def _sync_roles(
    session: AsyncSession, member_id: int, stored: set[str], current: frozenset[str]
) -> None:
    added, removed = current - stored, stored - current
    if added:
        await session.execute(
            insert_ignore(session, MemberRole.__table__, ["member_id", "role"]),
            [{"member_id": member_id, "role": role[:100]} for role in added],
        )
    if removed:
        await session.execute(
            delete(MemberRole).where(
                MemberRole.member_id == member_id, MemberRole.role.in_(removed)
            )
        )


async def find_member(
    session: AsyncSession, community_id: int, platform: str, user_id: str
) -> Member | None:
    return await session.scalar(
        select(Member)
        .join(Identity, Identity.member_id == Member.id)
        .where(
            Identity.community_id == community_id,
            Identity.platform == platform,
            Identity.user_id == user_id,
        )
    )


async def find_member_by_name(session: AsyncSession, community_id: int, name: str) -> Member | None:
    return await session.scalar(
        select(Member)
        .where(Member.community_id == community_id, Member.display_name == name)
        .order_by(Member.id)
        .limit(1)
    )


async def user_id_on(
    session: AsyncSession, community_id: int, member_id: int, platform: str
) -> str | None:
    """The member's account id on `platform`, if they have one there."""
    return await session.scalar(
        select(Identity.user_id).where(
            Identity.community_id == community_id,
            Identity.member_id == member_id,
            Identity.platform == platform,
        )
    )


async def refresh_exclusions(
    session: AsyncSession,
    community_id: int,
    excluded_members: frozenset[int],
    excluded_roles: frozenset[str],
) -> None:
    """Recompute every member's exclusion flag after the exclusion lists changed."""
    has_excluded_role = exists().where(
        MemberRole.member_id == Member.id,
        func.lower(MemberRole.role).in_(excluded_roles) if excluded_roles else and_(False),
    )
    flag = or_(
        Member.id.in_(excluded_members) if excluded_members else and_(False), has_excluded_role
    )
    await session.execute(
        update(Member).where(Member.community_id == community_id).values(excluded=flag)
    )


async def set_joined(session: AsyncSession, member_id: int, at: datetime, left: bool) -> None:
    values = {"left_at": at} if left else {"joined_at": at, "left_at": None}
    await session.execute(update(Member).where(Member.id == member_id).values(**values))
