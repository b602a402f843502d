"""Queries of the audit trail: append an entry, read a page of the newest ones.

There is deliberately no update or delete here: once written, an entry stays as it was
(`tests/storage/test_audit.py` checks that nothing in Cercle changes or removes one).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.audit import AuditEntry


async def append(session: AsyncSession, entry: AuditEntry) -> None:
    """Write an entry in the caller's transaction (it stands or falls with the action)."""
    session.add(entry)
    await session.flush()


async def newest(
    session: AsyncSession,
    community_id: int,
    *,
    limit: int,
    before_id: int | None = None,
    member_id: int | None = None,
    kinds: Sequence[str] = (),
    since: datetime | None = None,
) -> list[AuditEntry]:
    """Up to `limit` entries of a community (and installation-wide ones), newest first,
    older than `before_id`; only those by or about `member_id`, of `kinds`, at or after
    `since` when given."""
    query = select(AuditEntry).where(
        or_(AuditEntry.community_id == community_id, AuditEntry.community_id.is_(None))
    )
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if member_id is not None:
        query = query.where(
            or_(AuditEntry.member_id == member_id, AuditEntry.actor_id == member_id)
        )
    if kinds:
        query = query.where(AuditEntry.kind.in_(kinds))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    rows = await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return list(rows.all())
