"""The audit trail's one way in: `record` an action a moderator, a member or an operator
took by hand, in the same transaction as the action (so an entry exists exactly when the
action happened).

Kinds are stable names (`KINDS`), shown through the catalog (`audit.kind.<kind>`) and
filtered on by `/admin audit`. Members are given by id, never by name, so that the trail
holds no one's name: a forget erases the name on the member row and every entry about
them reads as the forgotten member from then on. `by(ctx, ...)` records what the caller of
a command did.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.text import one_line, shorten
from storage import audit as store
from storage.models.audit import REASON_MAX, TARGET_MAX, AuditEntry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import CommandContext

# Every kind of entry, in the order `/admin audit` offers them as choices.
KINDS = (
    "points_add",
    "points_remove",
    "exclude",
    "include",
    "config",
    "schedule",
    "idea_status",
    "idea_merge",
    "idea_testers",
    "poll_close",
    "event_cancel",
    "event_edit",
    "event_attended",
    "digest_now",
    "link",
    "unlink",
    "import",
    "forget",
    "export",
    "warn",
    "warn_undo",
    "report_dismiss",
)


async def record(
    session: AsyncSession,
    community_id: int | None,
    kind: str,
    *,
    at: datetime,
    actor_id: int | None,
    member_id: int | None = None,
    target: str = "",
    reason: str | None = None,
    **detail: Any,
) -> AuditEntry:
    """Write one entry: at `at`, `actor_id` (None: an operator at the command line) did
    `kind` to `member_id` and/or `target`, for `reason`; `detail` holds the action's facts
    (numbers, statuses: no member text). `community_id` None is installation-wide."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    entry = AuditEntry(
        community_id=community_id,
        at=at,
        actor_id=actor_id,
        kind=kind,
        member_id=member_id,
        target=shorten(one_line(target), TARGET_MAX),
        reason=shorten(reason.strip(), REASON_MAX) if reason and reason.strip() else None,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
    )
    await store.append(session, entry)
    return entry


async def by(
    ctx: CommandContext,
    kind: str,
    *,
    member_id: int | None = None,
    target: str = "",
    reason: str | None = None,
    **detail: Any,
) -> AuditEntry:
    """Record what the caller of a command just did, in the command's transaction."""
    return await record(
        ctx.session,
        ctx.community.id,
        kind,
        at=ctx.at,
        actor_id=ctx.caller.id,
        member_id=member_id,
        target=target,
        reason=reason,
        **detail,
    )
