"""`cercle import-customers file.csv`: which platform accounts belong to customers.

The CSV has a header row with `customer_id`, `account` (optional) and either `platform` +
`user_id` (a Discord or Slack user id, or a console name) or `email`. An email row is kept
aside and matches a member when a platform tells Cercle their email (Slack, with the
users:read.email scope; Discord never does): `match_emails` then records their account.
Importing again updates the rows; the digest and `/admin stats` then count the active
members who are customers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from storage.db import Database
from storage.dialect import dialect_insert
from storage.models import Community, Identity
from storage.models.digests import Customer, CustomerEmail

_PLATFORM_NAME = re.compile(r"[a-z][a-z0-9_]*")


class ImportError_(Exception):
    """A file Cercle cannot read as a customer list (the message names the line)."""


@dataclass(frozen=True)
class Imported:
    accounts: int
    emails: int
    # Of `accounts`, those that are members (of the community asked about): an account
    # that never joined is kept for when it does, not counted as a customer member.
    members: int = 0


def _known(platform: str, platforms: Collection[str] | None) -> bool:
    if platforms is None:  # any well-formed name (the core knows no platform list)
        return bool(_PLATFORM_NAME.fullmatch(platform))
    return platform in platforms


def _rows(text: str, platforms: Collection[str] | None) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in reader.fieldnames or ()}
    if "customer_id" not in fields or not ({"platform", "user_id"} <= fields or "email" in fields):
        raise ImportError_(
            "the header must name customer_id and either platform and user_id, or email"
        )
    rows = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not row.get("customer_id"):
            raise ImportError_(f"line {line}: customer_id is empty")
        platform = row.get("platform", "").lower()
        if row.get("user_id") and not _known(platform, platforms):
            raise ImportError_(
                f"line {line}: platform must be one of {', '.join(sorted(platforms))}"
                if platforms is not None
                else f"line {line}: {platform!r} is not a platform name"
            )
        if not row.get("user_id") and not row.get("email"):
            raise ImportError_(f"line {line}: give a user_id (with its platform) or an email")
        rows.append(row)
    return rows


async def import_customers(
    db: Database,
    text: str,
    now: datetime,
    platforms: Collection[str] | None = None,
    community: str | None = None,
) -> Imported:
    """Import the rows of `text`; `platforms` are the names a `platform` column may hold
    (the composition root's registry), any well-formed name without it. `community` (a
    slug) is where imported accounts are counted as members; every community without it."""
    rows = _rows(text, platforms)
    accounts = [r for r in rows if r.get("user_id")]
    emails = [r for r in rows if not r.get("user_id") and r.get("email")]
    async with db.transaction() as session:
        if accounts:
            stmt = dialect_insert(session, Customer.__table__)
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["platform", "user_id"],
                    set_={
                        "customer_id": stmt.excluded.customer_id,
                        "account": stmt.excluded.account,
                        "imported_at": stmt.excluded.imported_at,
                    },
                ),
                [
                    {
                        "platform": r["platform"].lower(),
                        "user_id": r["user_id"],
                        "customer_id": r["customer_id"],
                        "account": r.get("account", ""),
                        "imported_at": now,
                    }
                    for r in accounts
                ],
            )
        if emails:
            stmt = dialect_insert(session, CustomerEmail.__table__)
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["email"],
                    set_={
                        "customer_id": stmt.excluded.customer_id,
                        "account": stmt.excluded.account,
                        "imported_at": stmt.excluded.imported_at,
                    },
                ),
                [
                    {
                        "email": r["email"].lower(),
                        "customer_id": r["customer_id"],
                        "account": r.get("account", ""),
                        "imported_at": now,
                    }
                    for r in emails
                ],
            )
        # Every community counts customers: the import is written installation-wide.
        await audit.record(
            session,
            None,
            "import",
            at=now,
            actor_id=None,
            what="customers",
            count=len(accounts) + len(emails),
        )
        members = await _members_among(session, accounts, community)
    return Imported(len(accounts), len(emails), members)


async def _members_among(
    session: AsyncSession, accounts: Sequence[dict[str, str]], community: str | None
) -> int:
    """How many of the imported accounts are members (of `community` when named)."""
    keys = {(r["platform"].lower(), r["user_id"]) for r in accounts}
    if not keys:
        return 0
    query = select(Identity.platform, Identity.user_id).where(
        Identity.user_id.in_({user for _, user in keys})
    )
    if community is not None:
        found = await session.scalar(select(Community.id).where(Community.slug == community))
        if found is None:
            raise ImportError_(f"no community named {community!r}")
        query = query.where(Identity.community_id == found)
    return len({tuple(row) for row in await session.execute(query)} & keys)


async def match_emails(
    session: AsyncSession, seen: Sequence[tuple[str, str, str]], now: datetime
) -> int:
    """Record the accounts of members seen with an imported customer's email: (platform,
    user id, email). Emails that match no customer are not kept."""
    by_email = {email.lower(): (platform, user_id) for platform, user_id, email in seen if email}
    if not by_email:
        return 0
    found = list(
        await session.scalars(select(CustomerEmail).where(CustomerEmail.email.in_(by_email)))
    )
    if not found:
        return 0
    stmt = dialect_insert(session, Customer.__table__)
    await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["platform", "user_id"]),
        [
            {
                "platform": by_email[c.email][0],
                "user_id": by_email[c.email][1],
                "customer_id": c.customer_id,
                "account": c.account,
                "imported_at": now,
            }
            for c in found
        ],
    )
    return len(found)
