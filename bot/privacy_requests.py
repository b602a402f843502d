"""`cercle privacy export|forget`: an operator answers a member's request that arrived by
email (GDPR articles 15, 17 and 20), with the same result as the member's own `/privacy
export` or `/privacy forget`. The member is named by name (`--member`) or by a platform
account (`--platform discord --id 123`); a name that two members share is refused, so the
wrong person is never erased.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot import audit
from bot.community import load_view
from bot.config import Settings
from bot.features.privacy import export_file, export_filename, forget_member
from storage import members as member_store
from storage import privacy as store
from storage.communities import community_by_slug
from storage.db import Database


class RequestError(Exception):
    """A request that cannot be answered as given (unknown community or member)."""


@dataclass(frozen=True)
class Who:
    name: str | None = None
    platform: str | None = None
    user_id: str | None = None


async def answer(
    db: Database,
    settings: Settings,
    slug: str,
    action: str,
    who: Who,
    folder: Path,
    at: datetime,
) -> str:
    """Carry out `export` (a JSON file written in `folder`) or `forget`; returns what to
    tell the operator (never the forgotten member's name once they are forgotten)."""
    async with db.transaction() as session:
        community = await community_by_slug(session, slug)
        if community is None or community.id is None:
            raise RequestError(f"no community named {slug!r}")
        if who.platform and who.user_id:
            found = await member_store.find_member(session, community.id, who.platform, who.user_id)
            members = [found] if found is not None else []
        else:
            members = await store.find_by_name(session, community.id, who.name or "")
        if not members:
            raise RequestError("no such member in this community")
        if len(members) > 1:
            raise RequestError(
                f"{len(members)} members have that name: name one by --platform and --id"
            )
        member = members[0]
        member_id = member.id
        assert member_id is not None
        view = await load_view(session, community.id, slug, settings)
        # Written to the audit trail by an operator (no actor), by number, never by name.
        await audit.record(session, community.id, action, at=at, actor_id=None, member_id=member_id)
        if action == "export":
            data = await export_file(session, view, member_id)
            path = folder / export_filename(slug, member.display_name)
            await asyncio.to_thread(_write, path, data)
            return f"written to {path}"
        await forget_member(session, view, member_id)
        return f"member #{member_id} forgotten"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
