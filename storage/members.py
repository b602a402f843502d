"""Queries about members: finding them by platform identity (creating them on first
sight), keeping their name, bot flag and roles current, and the exclusion flag that keeps
staff and excluded members off leaderboards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from storage.bulk import BulkInsert, BulkSelect, BulkUpdate
from storage.models import Identity, Member, MemberRole
from storage.models.moderation import SeenModerator


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

    def forget(self, key: tuple[int, str, str]) -> None:
        self._items.pop(key, None)

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
    hidden_by_default: bool = False,
) -> dict[tuple[str, str], MemberInfo]:
    """Members for these platform identities, created if new and updated if changed.

    A batch names thousands of members: what is read and written for those the cache
    does not vouch for goes in a few statements, whatever their number (no ORM objects)."""
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
    made, new_ids = await _create(
        session, community_id, missing, now, excluded_roles, hidden_by_default
    )
    ids.update(made)
    # Members created here have exactly what was written; the others are read back.
    stored = await _stored(session, [ids[k] for k in _keys(pending) if ids[k] not in new_ids])
    stored_roles: dict[int, set[str]] = {}
    for member_id, role in await _ROLES_OF.run(session, sorted({m for m in stored})):
        stored_roles.setdefault(member_id, set()).add(role)

    changed: list[tuple[str, bool, bool, int]] = []
    added: set[tuple[int, str]] = set()
    removed: list[tuple[int, str]] = []
    for person in pending:
        key = (person.platform, person.user_id)
        member_id = ids[key]
        roles = frozenset(person.roles)
        excluded = is_excluded(member_id, roles, excluded_members, excluded_roles)
        name = person.name[:100]
        if member_id in stored and stored[member_id] != (name, person.is_bot, excluded):
            changed.append((name, person.is_bot, excluded, member_id))
        have = stored_roles.get(member_id, set())
        added.update((member_id, role[:100]) for role in roles - have)
        removed.extend((member_id, role) for role in have - roles)
        info = MemberInfo(member_id, name, person.is_bot, roles, excluded)
        cache.put((community_id, *key), info)
        result[key] = info
    await _MEMBER_NAMES.run(session, sorted(changed, key=lambda row: row[-1]))
    await _ADD_ROLES.run(session, sorted(added))
    await _REMOVE_ROLES.run(session, sorted(removed))
    _refresh_loaded(session, changed)
    return result


@dataclass(frozen=True)
class Confirmed:
    """A member stored exactly as they are seen now, and whether the platform was last seen
    showing them as a moderator (`storage.moderation.saw_moderator`)."""

    info: MemberInfo
    seen_moderator: bool


# Built once: a caller this process has not seen yet is read with it (`confirm_unchanged`),
# one row per role (one with no role for a member who has none).
_STORED_AS = (
    select(
        Member.id,
        Member.display_name,
        Member.is_bot,
        Member.excluded,
        MemberRole.role,
        exists()
        .where(
            SeenModerator.community_id == Identity.community_id,
            SeenModerator.member_id == Member.id,
        )
        .label("seen_moderator"),
    )
    .select_from(Identity)
    .join(Member, Member.id == Identity.member_id)
    .outerjoin(MemberRole, MemberRole.member_id == Member.id)
    .where(
        Identity.community_id == bindparam("community_id"),
        Identity.platform == bindparam("platform"),
        Identity.user_id == bindparam("user_id"),
    )
)


async def confirm_unchanged(
    session: AsyncSession,
    community_id: int,
    person: SeenMember,
    excluded_members: frozenset[int],
    excluded_roles: frozenset[str],
    cache: MemberCache,
) -> Confirmed | None:
    """The member if they are stored exactly as they are seen now, read without writing
    (resolving them would then write nothing, and the cache vouches for them from now on);
    None for a member not stored yet or changed since (a new name, role or flag).

    One statement: a command that only reads takes few, and each is a trip to the
    database (to SQLite's connection thread)."""
    bound = {"community_id": community_id, "platform": person.platform, "user_id": person.user_id}
    rows = (await session.execute(_STORED_AS, bound)).all()
    if not rows:
        return None
    member_id, name, is_bot, excluded, _, seen_moderator = rows[0]
    roles = frozenset(row.role for row in rows if row.role is not None)
    info = MemberInfo(member_id, name, bool(is_bot), roles, bool(excluded))
    if not _unchanged(info, person, excluded_members, excluded_roles):
        return None
    cache.put((community_id, person.platform, person.user_id), info)
    return Confirmed(info, bool(seen_moderator))


def _keys(people: Sequence[SeenMember]) -> list[tuple[str, str]]:
    return [(p.platform, p.user_id) for p in people]


def _refresh_loaded(session: AsyncSession, changed: Sequence[tuple[str, bool, bool, int]]) -> None:
    """Members this session already holds as objects show what was just written."""
    for name, is_bot, excluded, member_id in changed:
        loaded = session.identity_map.get(identity_key(Member, member_id))
        if isinstance(loaded, Member):
            set_committed_value(loaded, "display_name", name)
            set_committed_value(loaded, "is_bot", is_bot)
            set_committed_value(loaded, "excluded", excluded)


def vouched(
    cache: MemberCache,
    community_id: int,
    person: SeenMember,
    excluded_members: frozenset[int],
    excluded_roles: frozenset[str],
) -> bool:
    """Whether the cache holds this member as they are seen now: resolving them would read
    and write nothing."""
    cached = cache.get((community_id, person.platform, person.user_id))
    return cached is not None and _unchanged(cached, person, excluded_members, excluded_roles)


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


def _identities_in(users: list[Any]) -> Any:
    table = Identity.__table__
    return select(table.c.user_id, table.c.member_id).where(
        table.c.community_id == bindparam("community_id"),
        table.c.platform == bindparam("platform"),
        table.c.user_id.in_(users),
    )


_IDENTITIES = BulkSelect(_identities_in, fixed=("community_id", "platform"))


def _members_in(ids: list[Any]) -> Any:
    table = Member.__table__
    return select(table.c.id, table.c.display_name, table.c.is_bot, table.c.excluded).where(
        table.c.id.in_(ids)
    )


_MEMBERS = BulkSelect(_members_in)
_ROLES_OF = BulkSelect(
    lambda ids: select(MemberRole.__table__.c.member_id, MemberRole.__table__.c.role).where(
        MemberRole.__table__.c.member_id.in_(ids)
    )
)
_MEMBER_NAMES = BulkUpdate(
    lambda: (
        update(Member.__table__)
        # A member forgotten meanwhile (another process's `cercle privacy forget`) is never
        # named again by what this process still remembers of them.
        .where(
            Member.__table__.c.id == bindparam("mid"),
            Member.__table__.c.visibility.is_distinct_from(literal_column("'forgotten'")),
        )
        .values(
            display_name=bindparam("name"), is_bot=bindparam("bot"), excluded=bindparam("excluded")
        )
    ),
    ("name", "bot", "excluded", "mid"),
)
_ADD_ROLES = BulkInsert(MemberRole.__table__, ("member_id", "role"), conflict=("member_id", "role"))
_REMOVE_ROLES = BulkUpdate(
    lambda: delete(MemberRole.__table__).where(
        MemberRole.__table__.c.member_id == bindparam("mid"),
        MemberRole.__table__.c.role == bindparam("role"),
    ),
    ("mid", "role"),
)
_NEW_MEMBERS = BulkInsert(
    Member.__table__,
    ("community_id", "display_name", "origin", "is_bot", "excluded", "hidden", "joined_at"),
    conflict=("community_id", "origin"),
    returning=("id", "origin"),
)
_NEW_IDENTITIES = BulkInsert(
    Identity.__table__,
    ("community_id", "platform", "user_id", "member_id"),
    conflict=("community_id", "platform", "user_id"),
)


async def _member_ids(
    session: AsyncSession, community_id: int, people: Sequence[SeenMember]
) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    by_platform: dict[str, list[str]] = {}
    for person in people:
        by_platform.setdefault(person.platform, []).append(person.user_id)
    for platform, users in by_platform.items():
        rows = await _IDENTITIES.run(session, users, (community_id, platform))
        found.update({(platform, user_id): member_id for user_id, member_id in rows})
    return found


async def _stored(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[str, bool, bool]]:
    """Name, bot flag and exclusion flag of existing members."""
    rows = await _MEMBERS.run(session, sorted(set(ids)))
    return {member_id: (name, bool(bot), bool(excluded)) for member_id, name, bot, excluded in rows}


async def _create(
    session: AsyncSession,
    community_id: int,
    people: Sequence[SeenMember],
    now: datetime,
    excluded_roles: frozenset[str] = frozenset(),
    hidden: bool = False,
) -> tuple[dict[tuple[str, str], int], set[int]]:
    """Create members and their identities in a few statements, race-safe: a member is
    keyed by the account it was first seen as, so two processes create it once. Returns
    every one's member id, and the ids of those this call created."""
    if not people:
        return {}, set()
    origins = {origin_of(p): p for p in people}  # in the order first seen (ties on boards)
    # Being seen is not joining: a member first seen posting, reacting or running a command
    # (a moderator's first `/admin`, an account that was there before Cercle) has no join
    # time until the platform reports them joining (`set_joined`), so "new members" counts
    # only those who joined.
    joined = None
    created = await _NEW_MEMBERS.run(
        session,
        [
            (
                community_id,
                p.name[:100],
                origin,
                p.is_bot,
                is_excluded(0, p.roles, frozenset(), excluded_roles),
                hidden,
                joined,
            )
            for origin, p in origins.items()
        ],
    )
    ids = {origin: member_id for member_id, origin in created}
    new_ids = set(ids.values())
    missing = sorted(set(origins) - set(ids))
    if missing:  # created meanwhile by another process
        rows = await session.execute(
            select(Member.id, Member.origin).where(
                Member.community_id == community_id, Member.origin.in_(missing)
            )
        )
        ids.update({origin: member_id for member_id, origin in rows})
    await _NEW_IDENTITIES.run(
        session,
        [(community_id, p.platform, p.user_id, ids[origin]) for origin, p in origins.items()],
    )
    return {(p.platform, p.user_id): ids[origin] for origin, p in origins.items()}, new_ids


async def ensure_members(
    session: AsyncSession, community_id: int, people: Sequence[SeenMember], now: datetime
) -> dict[tuple[str, str], int]:
    """The member id of each account, creating the members not known yet (as `people`
    names them) and leaving the known ones as they are: their name, roles and exclusion
    are the platform's to tell, not an imported file's."""
    ids = await _member_ids(session, community_id, people)
    made, _new = await _create(
        session, community_id, [p for p in people if (p.platform, p.user_id) not in ids], now
    )
    ids.update(made)
    return ids


def origin_of(person: SeenMember) -> str:
    return f"{person.platform}:{person.user_id}"[:100]


# Built once (every command looks its members up): building a statement and its cache key
# costs more than the lookup itself. Read fresh: a member this session already holds is
# given their stored counters, as `storage.member_counters.members_by_id` gives them.
_FIND_MEMBER = (
    select(Member)
    .join(Identity, Identity.member_id == Member.id)
    .where(
        Identity.community_id == bindparam("community_id"),
        Identity.platform == bindparam("platform"),
        Identity.user_id == bindparam("user_id"),
    )
    .execution_options(populate_existing=True)
)


async def roles_of(session: AsyncSession, member_id: int) -> tuple[str, ...]:
    """The member's platform roles, sorted."""
    return tuple(sorted(role for _, role in await _ROLES_OF.run(session, [member_id])))


async def find_member(
    session: AsyncSession, community_id: int, platform: str, user_id: str
) -> Member | None:
    bound = {"community_id": community_id, "platform": platform, "user_id": user_id}
    return await session.scalar(_FIND_MEMBER, bound)


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
