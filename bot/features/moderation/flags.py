"""Gaming flags: patterns that game the points, noticed once each and told to moderators.

- a thanks ring: two members thanking each other at least `RING_MIN` times each within
  `moderation.ring_window_days`;
- reaction farming: a member whose reaction points of that window (at least `FARMING_MIN`)
  come mostly (`FARMING_SHARE`) from one or two reactors;
- a burst: at least `BURST_MIN` scored messages of one member within an hour (short
  messages at the cooldown's pace).

A daily scan (a job per community and day) posts each new flag in the moderator channel;
`/admin flags` scans too and lists the open ones; a moderator dismisses a flag or adjusts
the points it brought (a ledger row with the reason, and the audit trail).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, i18n
from bot.actions import Action, Card, PostToChannel, Reply
from bot.awards import award
from bot.commands import Mention, OptionKind, OptionSpec, Permission, command
from bot.community import CommunityView
from bot.config import Settings
from bot.context import CommandContext
from bot.errors import NotFound, UsageError, UserError
from bot.jobs import job_kind, planner
from bot.services import Services
from bot.text import member_text
from storage import gaming as store
from storage import jobs as job_store
from storage import member_counters
from storage import moderation as moderation_store
from storage.members import user_id_on
from storage.models import PlatformSpace
from storage.models.moderation import GamingFlag

RING_MIN = 3
FARMING_MIN = 10
FARMING_SHARE = 0.8
BURST_MIN = 15
BURST_WINDOW = timedelta(hours=1)
JOB = "gaming-scan"
LISTED = 25  # flags named in one card; /admin flags N acts on any of them


async def scan(
    session: AsyncSession, community: CommunityView, settings: Settings, now: datetime
) -> list[int]:
    """Look for the patterns in the ledger; returns the ids of the flags not noticed
    before (a spam wave can bring thousands: they are kept as plain rows)."""
    since = now - timedelta(days=settings.moderation.ring_window_days)
    found: list[dict[str, object]] = []

    def flag(kind: str, key: str, member: int, others: list[int], **evidence: object) -> None:
        found.append(
            {
                "community_id": community.id,
                "kind": kind,
                "key": key,
                "member_id": member,
                "others": ",".join(str(o) for o in others),
                "evidence": json.dumps(evidence, sort_keys=True),
                "status": "open",
                "opened_at": now,
            }
        )

    for giver, receiver, given, back in await store.thanks_rings(
        session, community.id, since, RING_MIN
    ):
        # A pair is flagged once: after a moderator's decision it is theirs to watch.
        flag("ring", f"ring:{giver}-{receiver}", giver, [receiver], given=given, back=back)
    for member, total, share, reactors in await store.reaction_farms(
        session, community.id, since, FARMING_MIN, FARMING_SHARE
    ):
        key = "-".join(str(r) for r in sorted(reactors))
        flag("farming", f"farming:{member}:{key}", member, reactors, total=total, share=share)
    day_ago = now - timedelta(days=1)
    for member, start in await store.burst_starts(
        session, community.id, day_ago, BURST_MIN, BURST_WINDOW
    ):
        day = community.local_day(start).isoformat()
        flag("burst", f"burst:{member}:{day}", member, [], count=BURST_MIN, start=start.isoformat())
    return await store.add_flags(session, community.id, found)


async def describe(session: AsyncSession, community: CommunityView, flag: GamingFlag) -> str:
    """One line a moderator reads: what was noticed, about whom, with the numbers."""
    others = [int(o) for o in flag.others.split(",") if o]
    names = await moderation_store.names(session, {flag.member_id, *others})
    evidence = json.loads(flag.evidence or "{}")
    params: dict[str, object] = {
        "number": flag.id,
        "member": member_text(names.get(flag.member_id, "?"), 50),
        "others": ", ".join(member_text(names.get(o, "?"), 50) for o in others),
        **evidence,
    }
    if flag.kind == "burst":
        start = datetime.fromisoformat(str(evidence["start"]))
        params["start"] = i18n.t(
            community.locale,
            "flags.at",
            time=start.astimezone(community.timezone).strftime("%Y-%m-%d %H:%M"),
        )
    return community.t(f"flags.kind.{flag.kind}", **params)


async def _listed(session: AsyncSession, community: CommunityView, ids: list[int]) -> str:
    """The first `LISTED` of the flags `ids`, one line each, and how many more there are."""
    shown = await store.flags_by_id(session, ids[:LISTED])
    lines = [await describe(session, community, flag) for flag in shown]
    if len(ids) > LISTED:
        lines.append(community.t("flags.more", count=len(ids) - LISTED))
    return "\n".join(lines)


async def _destinations(session: AsyncSession, community_id: int) -> list[str]:
    rows = await session.scalars(
        select(PlatformSpace.platform).where(PlatformSpace.community_id == community_id)
    )
    return sorted(set(rows.all()))


@planner
async def plan_scans(core: Services, session: AsyncSession, now: datetime) -> None:
    """One scan per community and day, run by whichever process claims it."""
    for community_id in await store.community_ids(session):
        day = now.date().isoformat()
        await job_store.schedule(session, community_id, JOB, f"{JOB}:{community_id}:{day}", now)


@job_kind(JOB)
async def run_scan(
    core: Services, session: AsyncSession, community: CommunityView, job: object, now: datetime
) -> list[Action]:
    """Post each new flag in the moderator channel, on each platform of the community
    (with none set, the flags are listed by `/admin flags` only)."""
    new = await scan(session, community, core.settings, now)
    if not new or community.moderator_channel is None:
        # A flag names members: without a moderator channel it waits for `/admin flags`
        # rather than being posted where everyone reads it.
        return []
    card = Card(
        kind="flags",
        title=community.t("flags.noticed"),
        body=await _listed(session, community, new),
        footer=community.t("flags.footer"),
    )
    return [
        PostToChannel(p, community.moderator_channel, card=card)
        for p in await _destinations(session, community.id)
    ]


@command(
    "admin",
    "flags",
    permission=Permission.MODERATOR,
    options=(
        OptionSpec("flag", OptionKind.NUMBER_REF, required=False, min_value=1),
        OptionSpec("action", OptionKind.CHOICE, required=False, choices=("dismiss", "adjust")),
        OptionSpec("points", OptionKind.INTEGER, required=False, min_value=1, max_value=10_000),
        OptionSpec("reason", OptionKind.TEXT, required=False, min_length=1, max_length=200),
    ),
)
async def flags(
    ctx: CommandContext,
    flag: int | None,
    action: str | None,
    points: int | None,
    reason: str | None,
) -> list[Action]:
    if flag is None:
        await scan(ctx.session, ctx.community, ctx.settings, ctx.at)
        open_ = await store.open_flag_ids(ctx.session, ctx.community.id)
        if not open_:
            return [Reply(ctx.t("flags.none"))]
        card = Card(
            kind="flags",
            title=ctx.t("flags.title", count=len(open_)),
            body=await _listed(ctx.session, ctx.community, open_),
            footer=ctx.t("flags.usage"),
        )
        return [Reply(card=card)]
    found = await store.flag(ctx.session, ctx.community.id, flag)
    if found is None:
        raise NotFound("flags.error.unknown", number=flag)
    if found.status != "open":
        raise UserError("flags.error.closed", number=flag)
    if action is None:
        raise UsageError("flags.error.action", usage_path=("admin", "flags"))
    if action == "dismiss":
        await store.close_flag(ctx.session, found, "dismissed", ctx.caller.id, ctx.at)
        return [Reply(ctx.t("flags.dismissed", number=flag))]
    if points is None or not (reason or "").strip():
        raise UsageError("flags.error.adjust", usage_path=("admin", "flags"))
    return await _adjust(ctx, found, points, (reason or "").strip())


async def _adjust(ctx: CommandContext, found: GamingFlag, points: int, reason: str) -> list[Action]:
    """Take `points` back from the member the pattern favoured, in the ledger, with why."""
    names = await moderation_store.names(ctx.session, {found.member_id})
    name = names.get(found.member_id, "?")
    held = (await member_counters.members_by_id(ctx.session, [found.member_id]))[found.member_id]
    if points > held.points:
        raise UserError(
            "admin.points.error.below_zero",
            member=name,
            points=i18n.points(ctx.community.locale, held.points),
        )
    user_id = await user_id_on(ctx.session, ctx.community.id, found.member_id, ctx.platform)
    ref = None
    if user_id is not None:
        _, ref = await ctx.member(Mention(user_id, name))
    entry = await award(
        ctx,
        member_id=found.member_id,
        excluded=False,
        ref=ref,
        kind="admin",
        points=-points,
        source_key=ctx.source_key(f"flag-{found.id}"),
        actor_id=ctx.caller.id,
        reason=reason[:500],
    )
    if entry is None:
        return []
    await audit.by(ctx, "points_remove", member_id=found.member_id, reason=reason, points=-points)
    await store.close_flag(ctx.session, found, "adjusted", ctx.caller.id, ctx.at)
    return [
        Reply(
            ctx.t(
                "flags.adjusted",
                number=found.id,
                member=member_text(name, 50),
                points=i18n.points(ctx.community.locale, points),
            )
        )
    ]
