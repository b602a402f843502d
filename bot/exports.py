"""`cercle export`: a community's members, contributions, ideas, polls or events as CSV or
JSON, to join community activity with a customer database; or its audit trail (who did what
by hand), to answer for moderators' actions.

Rows are read in pages and written as they come (a large ledger never sits in memory);
members carry their platform accounts and, once `cercle import-customers` ran, their
customer id and account; every member has their rank, 0 points included. A contribution
names its member and their accounts; an idea carries its description and history; a poll
its options, their counts and the winner; an event its answers and who attended. No
message text is exported: Cercle does not store it.

A CSV cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`,
a tab or a carriage return) is written with a leading `'`, the OWASP advice: member
names and titles are member text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from bot.config import Rank
from bot.features.polls.state import outcome_of
from bot.features.ranks import rank_of, steps
from storage import events as event_store
from storage import polls as poll_store
from storage.counters import MEMBER_COUNTERS
from storage.db import Database
from storage.models import Community, Contribution, Identity, Member
from storage.models.audit import AuditEntry
from storage.models.digests import Customer
from storage.models.ideas import Idea, IdeaEvent
from storage.models.polls import Poll, PollBallot

WHAT = ("members", "contributions", "ideas", "polls", "events", "audit")
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
    "name",
    "accounts",
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
    "description",
    "category",
    "status",
    "status_reason",
    "author_id",
    "votes_for",
    "votes_against",
    "created_at",
    "updated_at",
    # Each step: `when status from→to (reason)`, oldest first.
    "history",
)
POLL_FIELDS = (
    "number",
    "question",
    "mode",
    "anonymous",
    "creator_id",
    "ballots",
    # The options in the poll's order, their counts (votes; points for a budget poll;
    # first preferences for a ranked one) and the winner (after every round when ranked;
    # several when tied).
    "options",
    "counts",
    "winner",
    "created_at",
)
EVENT_FIELDS = (
    "number",
    "title",
    "starts_at",
    "ends_at",
    "capacity",
    "private",
    "host_id",
    "host",
    "cancelled_at",
    "cancel_reason",
    # How many answered each way when the export ran (waitlist: past the capacity).
    "going",
    "maybe",
    "no",
    "waitlist",
    # Who was there (by check-in code or named by the host), in check-in order.
    "attended",
    "attendee_ids",
    "attendees",
    "created_at",
)
AUDIT_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor",
    "kind",
    "member_id",
    "member",
    "target",
    "reason",
    "detail",
)
FIELDS = {
    "audit": AUDIT_FIELDS,
    "members": MEMBER_FIELDS,
    "contributions": CONTRIBUTION_FIELDS,
    "ideas": IDEA_FIELDS,
    "polls": (*POLL_FIELDS, "closes_at", "closed_at"),
    "events": EVENT_FIELDS,
}


class ExportError(Exception):
    pass


# What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = " | "


def _cell(value: Any) -> Any:
    """A CSV cell: a list joined, text that would start a formula made inert."""
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


async def _accounts(
    session: Any, community_id: int, ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    """Each member's platform accounts (platform, user id), sorted."""
    accounts: dict[int, list[tuple[str, str]]] = {}
    for row in await session.execute(
        select(Identity.member_id, Identity.platform, Identity.user_id).where(
            Identity.community_id == community_id, Identity.member_id.in_(ids)
        )
    ):
        accounts.setdefault(row[0], []).append((row[1], row[2]))
    return {member: sorted(found) for member, found in accounts.items()}


def _account_text(accounts: Sequence[tuple[str, str]]) -> str:
    return " ".join(f"{p}:{u}" for p, u in accounts)


async def _members(
    db: Database, community_id: int, ladder: Sequence[Rank]
) -> AsyncIterator[dict[str, Any]]:
    above = steps(ladder) if ladder else None
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
            ids = [m.id for m in members if m.id is not None]
            accounts = await _accounts(session, community_id, ids)
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
            mine = accounts.get(member.id, [])
            customer = next((customers[a] for a in mine if a in customers), None)
            row = {
                "member_id": member.id,
                "name": member.display_name,
                "accounts": _account_text(mine),
                "customer_id": customer.customer_id if customer else None,
                "account": customer.account if customer else None,
                **{name: _plain(getattr(member, name)) for name in MEMBER_FIELDS[5:]},
            }
            if above is not None:  # the rank the member holds by the ladder, 0 points too
                row["rank"] = rank_of(member, ladder, above).name
            yield row
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
            # Fields the table lacks (a contribution's member name) are filled in later.
            yield {name: _plain(getattr(row, name, None)) for name in fields}
        after = getattr(rows[-1], order.key)


async def _named(
    db: Database, community_id: int, rows: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[dict[str, Any]]:
    """`rows` (with a member_id) with the member's name and accounts, a page at a time."""
    page: list[dict[str, Any]] = []

    async def flush() -> list[dict[str, Any]]:
        ids = sorted({r["member_id"] for r in page})
        async with db.transaction() as session:
            names = dict(
                (
                    await session.execute(
                        select(Member.id, Member.display_name).where(Member.id.in_(ids))
                    )
                ).all()
            )
            accounts = await _accounts(session, community_id, ids)
        for r in page:
            r["name"] = names.get(r["member_id"])
            r["accounts"] = _account_text(accounts.get(r["member_id"], []))
        return page

    async for row in rows:
        page.append(row)
        if len(page) >= PAGE:
            for done in await flush():
                yield done
            page = []
    if page:
        for done in await flush():
            yield done


async def _ideas(db: Database, community_id: int) -> AsyncIterator[dict[str, Any]]:
    """Ideas with their history, a page at a time."""
    page: list[dict[str, Any]] = []

    async def flush() -> list[dict[str, Any]]:
        numbers = [r["number"] for r in page]
        async with db.transaction() as session:
            ids = dict(
                (
                    await session.execute(
                        select(Idea.number, Idea.id).where(
                            Idea.community_id == community_id, Idea.number.in_(numbers)
                        )
                    )
                ).all()
            )
            events = list(
                await session.scalars(
                    select(IdeaEvent)
                    .where(IdeaEvent.idea_id.in_(ids.values()))
                    .order_by(IdeaEvent.at, IdeaEvent.id)
                )
            )
        steps_of: dict[int, list[str]] = {}
        for event in events:
            change = f"{event.from_value or 'new'}→{event.to_value}"
            if event.kind != "status":
                change = f"{event.kind} {event.to_value}"
            reason = f" ({event.reason})" if event.reason else ""
            steps_of.setdefault(event.idea_id, []).append(
                f"{event.at.isoformat()} {change}{reason}"
            )
        for r in page:
            r["history"] = steps_of.get(ids.get(r["number"], -1), [])
        return page

    async for row in _rows(db, Idea, community_id, IDEA_FIELDS[:-1], Idea.number):
        page.append(row)
        if len(page) >= PAGE:
            for done in await flush():
                yield done
            page = []
    if page:
        for done in await flush():
            yield done


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
        assert poll.id is not None
        row = {name: _plain(getattr(poll, name, None)) for name in FIELDS["polls"]}
        row["ballots"] = int(counts.get(poll.id, 0))
        async with db.transaction() as session:
            labels = await poll_store.labels(session, poll.id)
            outcome = await outcome_of(session, poll, len(labels))
        row["options"] = labels
        row["counts"] = list(outcome.counts.totals)
        row["winner"] = [labels[i] for i in outcome.winners] if row["ballots"] else []
        yield row


async def _events(db: Database, community_id: int) -> AsyncIterator[dict[str, Any]]:
    """Every event, cancelled ones included, by number, with its answers and attendees."""
    async with db.transaction() as session:
        events = await event_store.in_span(session, community_id, None, None)
    for event in sorted(events, key=lambda e: e.number):
        assert event.id is not None
        row = {name: _plain(getattr(event, name, None)) for name in EVENT_FIELDS}
        async with db.transaction() as session:
            row["host"] = await session.scalar(
                select(Member.display_name).where(Member.id == event.host_id)
            )
            row.update(await event_store.counts(session, event.id))
            present = await event_store.attendees(session, event.id)
        row["attended"] = len(present)
        row["attendee_ids"] = [member_id for member_id, _, _, _ in present]
        row["attendees"] = [name for _, name, _, _ in present]
        yield row


async def _audit(db: Database, community_id: int) -> AsyncIterator[dict[str, Any]]:
    """The community's audit trail and the installation-wide entries, oldest first, with
    the names of who acted and whom it was about (an operator has none)."""
    actor, member = aliased(Member), aliased(Member)
    after = 0
    while True:
        async with db.transaction() as session:
            rows = (
                await session.execute(
                    select(AuditEntry, actor.display_name, member.display_name)
                    .outerjoin(actor, actor.id == AuditEntry.actor_id)
                    .outerjoin(member, member.id == AuditEntry.member_id)
                    .where(
                        or_(
                            AuditEntry.community_id == community_id,
                            AuditEntry.community_id.is_(None),
                        ),
                        AuditEntry.id > after,
                    )
                    .order_by(AuditEntry.id)
                    .limit(PAGE)
                )
            ).all()
        if not rows:
            return
        for entry, actor_name, member_name in rows:
            yield {
                **{name: _plain(getattr(entry, name, None)) for name in AUDIT_FIELDS},
                "actor": actor_name,
                "member": member_name,
            }
        after = rows[-1][0].id


async def export(
    db: Database,
    slug: str,
    what: str,
    fmt: str,
    write: Callable[[str], None],
    ladder: Sequence[Rank] = (),
) -> int:
    """Write the export with `write` (text chunks); returns the number of rows. `ladder`:
    the rank ladder members are ranked by (without it, the rank last stored)."""
    async with db.transaction() as session:
        community = await session.scalar(select(Community).where(Community.slug == slug))
    if community is None or community.id is None:
        raise ExportError(f"no community named {slug!r}")
    cid = community.id
    if what == "members":
        rows = _members(db, cid, ladder)
    elif what == "contributions":
        rows = _named(db, cid, _rows(db, Contribution, cid, CONTRIBUTION_FIELDS, Contribution.id))
    elif what == "ideas":
        rows = _ideas(db, cid)
    elif what == "polls":
        rows = _polls(db, cid)
    elif what == "events":
        rows = _events(db, cid)
    elif what == "audit":
        rows = _audit(db, cid)
    else:
        raise ExportError(f"cannot export {what!r} (choose {', '.join(WHAT)})")
    fields = FIELDS[what]
    count = 0
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        async for row in rows:
            writer.writerow({key: _cell(value) for key, value in row.items()})
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
