"""Queries about communities: which one a platform space belongs to, and what moderators
changed at runtime (settings and exclusions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore
from storage.models import Community, CommunitySetting, Exclusion, PlatformSpace


async def community_for_space(session: AsyncSession, platform: str, space_id: str) -> int | None:
    return await session.scalar(
        select(PlatformSpace.community_id).where(
            PlatformSpace.platform == platform, PlatformSpace.space_id == space_id
        )
    )


async def community_by_slug(session: AsyncSession, slug: str) -> Community | None:
    return await session.scalar(select(Community).where(Community.slug == slug))


async def ensure_community(
    session: AsyncSession, platform: str, space_id: str, slug: str, now: datetime
) -> Community:
    """The community of a platform space, creating both on first contact (race-safe).

    A space already stored stays with its community, whatever `slug` the config gives it
    now: its history is there (the caller compares the slugs and says so)."""
    stored = await community_for_space(session, platform, space_id)
    if stored is not None:
        found = await session.get(Community, stored)
        assert found is not None
        return found
    await session.execute(
        insert_ignore(session, Community.__table__, ["slug"]).values(slug=slug, created_at=now)
    )
    community = await community_by_slug(session, slug)
    assert community is not None and community.id is not None
    await session.execute(
        insert_ignore(session, PlatformSpace.__table__, ["platform", "space_id"]).values(
            platform=platform, space_id=space_id, community_id=community.id
        )
    )
    return community


async def created_at(session: AsyncSession, community_id: int) -> datetime | None:
    return await session.scalar(select(Community.created_at).where(Community.id == community_id))


async def community_slug(session: AsyncSession, community_id: int) -> str | None:
    return await session.scalar(select(Community.slug).where(Community.id == community_id))


async def runtime_settings(session: AsyncSession, community_id: int) -> dict[str, str]:
    rows = await session.execute(
        select(CommunitySetting.key, CommunitySetting.value).where(
            CommunitySetting.community_id == community_id
        )
    )
    return dict(rows.all())


async def set_runtime_setting(
    session: AsyncSession, community_id: int, key: str, value: str, by: int | None, now: datetime
) -> None:
    row = await session.get(CommunitySetting, (community_id, key))
    if row is None:
        session.add(
            CommunitySetting(
                community_id=community_id, key=key, value=value, updated_by=by, updated_at=now
            )
        )
    else:
        row.value, row.updated_by, row.updated_at = value, by, now
    await session.flush()


async def exclusions(session: AsyncSession, community_id: int) -> list[Exclusion]:
    rows = await session.scalars(select(Exclusion).where(Exclusion.community_id == community_id))
    return list(rows.all())


async def add_exclusion(
    session: AsyncSession, community_id: int, kind: str, value: str, label: str
) -> bool:
    """Record an exclusion; False when it was already there."""
    result = await session.execute(
        insert_ignore(session, Exclusion.__table__, ["community_id", "kind", "value"]).values(
            community_id=community_id, kind=kind, value=value, label=label
        )
    )
    return bool(result.rowcount)


async def remove_exclusion(session: AsyncSession, community_id: int, kind: str, value: str) -> bool:
    result = await session.execute(
        delete(Exclusion).where(
            Exclusion.community_id == community_id, Exclusion.kind == kind, Exclusion.value == value
        )
    )
    return bool(result.rowcount)


async def kept_value(
    session: AsyncSession, community_id: int, key: str, value: str, now: datetime
) -> str:
    """The community's stored `key`, storing `value` first if it has none (race-safe: two
    processes asking at once both get the one that was stored first)."""
    await session.execute(
        insert_ignore(session, CommunitySetting.__table__, ["community_id", "key"]).values(
            community_id=community_id, key=key, value=value, updated_at=now
        )
    )
    stored = await session.scalar(
        select(CommunitySetting.value).where(
            CommunitySetting.community_id == community_id, CommunitySetting.key == key
        )
    )
    assert stored is not None
    return stored
