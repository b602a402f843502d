"""`cercle export`: a community's members, contributions, ideas or polls as CSV or JSON, to
join community activity with a customer database.

Rows are read in pages and written as they come (a large ledger never sits in memory);
members carry their platform accounts and, once `cercle import-customers` ran, their
customer id and account. No message text is exported: Cercle does not store it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import func, select

from storage.counters import MEMBER_COUNTERS
from storage.db import Database
from storage.models import Community, Contribution, Identity, Member
from storage.models.digests import Customer
from storage.models.ideas import Idea
from storage.models.polls import Poll, PollBallot

WHAT = ("members", "contributions", "ideas", "polls")
PAGE = 5000

# Counters a member export leaves out: the current streak (its last active day is there).
UNEXPORTED_COUNTERS = frozenset({"streak_days"})
MEMBER_FIELDS = (
    "member_id",
    "name",
    "accounts",
    "customer_id",
    "account",
    "points",
    "rank",
    # Then every other counter, in the member table's order.
    *(c for c in MEMBER_COUNTERS if c != "points" and c not in UNEXPORTED_COUNTERS),
    "last_active_day",
    "joined_at",
    "left_at",
    "is_bot",
    "excluded",
)
CONTRIBUTION_FIELDS = (
    "id",
    "member_id",
    "kind",
    "points",
    "occurred_at",
    "channel_id",
    "message_ref",
    "actor_id",
    "reason",
    "reverses_id",
)
IDEA_FIELDS = (
    "number",
    "title",
    "category",
    "status",
    "status_reason",
    "author_id",
    "votes_for",
    "votes_against",
    "created_at",
    "updated_at",
)
POLL_FIELDS = ("number", "question", "mode", "anonymous", "creator_id", "ballots", "created_at")
FIELDS = {
    "members": MEMBER_FIELDS,
    "contributions": CONTRIBUTION_FIELDS,
    "ideas": IDEA_FIELDS,
    "polls": (*POLL_FIELDS, "closes_at", "closed_at"),
}


class ExportError(Exception):
    pass


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


async def _members(db: Database, community_id: int) -> AsyncIterator[dict[str, Any]]:
    after = 0
    while True:
        async with db.transaction() as session:
            members = list(
                await session.scalars(
                    select(Member)
                    .where(Member.community_id == community_id, Member.id > after)
                    .order_by(Member.id)
                    .limit(PAGE)
                )
            )
            if not members:
                return
            ids = [m.id for m in members]
            accounts: dict[int, list[tuple[str, str]]] = {}
            for row in await session.execute(
                select(Identity.member_id, Identity.platform, Identity.user_id).where(
                    Identity.community_id == community_id, Identity.member_id.in_(ids)
                )
            ):
                accounts.setdefault(row[0], []).append((row[1], row[2]))
            keys = [a for found in accounts.values() for a in found]
            customers: dict[tuple[str, str], Customer] = {}
            if keys:
                for customer in await session.scalars(
                    select(Customer).where(
                        Customer.user_id.in_([u for _, u in keys]),
                        Customer.platform.in_({p for p, _ in keys}),
                    )
                ):
                    customers[(customer.platform, customer.user_id)] = customer
        for member in members:
            assert member.id is not None
            mine = sorted(accounts.get(member.id, []))
            customer = next((customers[a] for a in mine if a in customers), None)
            yield {
                "member_id": member.id,
                "name": member.display_name,
                "accounts": " ".join(f"{p}:{u}" for p, u in mine),
                "customer_id": customer.customer_id if customer else None,
                "account": customer.account if customer else None,
                **{name: _plain(getattr(member, name)) for name in MEMBER_FIELDS[5:]},
            }
        after = members[-1].id


async def _rows(
    db: Database, model: Any, community_id: int, fields: tuple[str, ...], order: Any
) -> AsyncIterator[dict[str, Any]]:
    after = None
    while True:
        async with db.transaction() as session:
            query = select(model).where(model.community_id == community_id)
            if after is not None:
                query = query.where(order > after)
            rows = list(await session.scalars(query.order_by(order).limit(PAGE)))
        if not rows:
            return
        for row in rows:
            yield {name: _plain(getattr(row, name)) for name in fields}
        after = getattr(rows[-1], order.key)


async def _polls(db: Database, community_id: int) -> AsyncIterator[dict[str, Any]]:
    async with db.transaction() as session:
        polls = list(
            await session.scalars(
                select(Poll).where(Poll.community_id == community_id).order_by(Poll.number)
            )
        )
        counts = dict(
            (
                await session.execute(
                    select(PollBallot.poll_id, func.count())
                    .where(PollBallot.poll_id.in_([p.id for p in polls]))
                    .group_by(PollBallot.poll_id)
                )
            ).all()
        )
    for poll in polls:
        row = {name: _plain(getattr(poll, name, None)) for name in FIELDS["polls"]}
        row["ballots"] = int(counts.get(poll.id, 0))
        yield row


async def export(db: Database, slug: str, what: str, fmt: str, write: Callable[[str], None]) -> int:
    """Write the export with `write` (text chunks); returns the number of rows."""
    async with db.transaction() as session:
        community = await session.scalar(select(Community).where(Community.slug == slug))
    if community is None or community.id is None:
        raise ExportError(f"no community named {slug!r}")
    cid = community.id
    if what == "members":
        rows = _members(db, cid)
    elif what == "contributions":
        rows = _rows(db, Contribution, cid, CONTRIBUTION_FIELDS, Contribution.id)
    elif what == "ideas":
        rows = _rows(db, Idea, cid, IDEA_FIELDS, Idea.number)
    elif what == "polls":
        rows = _polls(db, cid)
    else:
        raise ExportError(f"cannot export {what!r} (choose {', '.join(WHAT)})")
    fields = FIELDS[what]
    count = 0
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        async for row in rows:
            writer.writerow(row)
            count += 1
            if count % 1000 == 0:
                write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        write(buffer.getvalue())
    else:
        write("[")
        async for row in rows:
            write(("," if count else "") + "\n  " + json.dumps(row, ensure_ascii=False))
            count += 1
        write("\n]\n" if count else "]\n")
    return count
