"""Moderator commands of the foundation: adjust points, exclude channels, roles and members
from scoring, and show the effective configuration with where each value comes from."""

from __future__ import annotations

from bot import audit, i18n
from bot.actions import Action, Card, CardField, Reply
from bot.awards import award
from bot.commands import (
    ChannelMention,
    Mention,
    OptionKind,
    OptionSpec,
    Permission,
    command,
)
from bot.community import RUNTIME_KEYS, load_view
from bot.context import CommandContext
from bot.errors import UserError
from bot.features.digests import posting as digests
from bot.text import member_text
from storage import communities as community_store
from storage import member_counters
from storage.members import refresh_exclusions

MOD = Permission.MODERATOR
MAX_POINTS = 10_000  # the option's hard bound; `scoring.admin_max_points` may lower it


def _points_options() -> tuple[OptionSpec, ...]:
    return (
        OptionSpec("member", OptionKind.MEMBER),
        OptionSpec("amount", OptionKind.INTEGER, min_value=1, max_value=MAX_POINTS),
        OptionSpec("reason", OptionKind.TEXT, min_length=1, max_length=200),
    )


async def _adjust(
    ctx: CommandContext, member: Mention, amount: int, reason: str, sign: int
) -> list[Action]:
    limit = ctx.settings.scoring.admin_max_points
    if amount > limit:
        raise UserError("error.out_of_range", option="amount", min=1, max=limit, value=amount)
    target, ref = await ctx.member(member)
    if target.is_bot:
        raise UserError("admin.points.error.bot", member=target.name)
    if sign < 0:
        held = (await member_counters.members_by_id(ctx.session, [target.id]))[target.id].points
        if amount > held:
            raise UserError(
                "admin.points.error.below_zero",
                member=target.name,
                points=i18n.points(ctx.community.locale, held),
            )
    # A moderator's adjustment applies even to an excluded member (never zeroed).
    entry = await award(
        ctx,
        member_id=target.id,
        excluded=False,
        ref=ref,
        kind="admin",
        points=sign * amount,
        source_key=ctx.source_key("admin-points"),
        actor_id=ctx.caller.id,
        reason=reason.strip()[:500],
    )
    if entry is None:
        return []
    kind = "points_add" if sign > 0 else "points_remove"
    await audit.by(ctx, kind, member_id=target.id, reason=reason, points=sign * amount)
    key = "admin.points.added" if sign > 0 else "admin.points.removed"
    return [
        Reply(
            ctx.t(
                key,
                member=target.name,
                amount=i18n.points(ctx.community.locale, amount),
                reason=member_text(reason),
            )
        )
    ]


@command("admin", "points", "add", options=_points_options(), permission=MOD)
async def points_add(
    ctx: CommandContext, member: Mention, amount: int, reason: str
) -> list[Action]:
    return await _adjust(ctx, member, amount, reason, +1)


@command("admin", "points", "remove", options=_points_options(), permission=MOD)
async def points_remove(
    ctx: CommandContext, member: Mention, amount: int, reason: str
) -> list[Action]:
    return await _adjust(ctx, member, amount, reason, -1)


UNDO = OptionSpec("undo", OptionKind.BOOLEAN, required=False, default=False)


async def _exclude(
    ctx: CommandContext,
    kind: str,
    value: str,
    label: str,
    undo: bool,
    member_id: int | None = None,
) -> list[Action]:
    community = ctx.community
    if undo:
        changed = await community_store.remove_exclusion(ctx.session, community.id, kind, value)
    else:
        changed = await community_store.add_exclusion(ctx.session, community.id, kind, value, label)
    if kind != "channel":
        view = await load_view(ctx.session, community.id, community.slug, ctx.settings)
        await refresh_exclusions(
            ctx.session, community.id, view.excluded_members, view.excluded_roles
        )
    ctx.core.settings_changed(community.id)
    if changed:
        await audit.by(
            ctx,
            "include" if undo else "exclude",
            member_id=member_id,
            target="" if member_id is not None else label,
            scope=kind,
        )
    state = "included" if undo else "excluded"
    key = f"admin.exclude.{state}" if changed else f"admin.exclude.already_{state}"
    return [Reply(ctx.t(key, what=ctx.t(f"admin.exclude.kind.{kind}", name=label)))]


@command(
    "admin",
    "exclude",
    "channel",
    permission=MOD,
    options=(OptionSpec("channel", OptionKind.CHANNEL), UNDO),
    private=True,
)
async def exclude_channel(ctx: CommandContext, channel: ChannelMention, undo: bool) -> list[Action]:
    return await _exclude(ctx, "channel", channel.id.lower(), channel.name, undo)


@command(
    "admin",
    "exclude",
    "role",
    permission=MOD,
    options=(OptionSpec("role", OptionKind.ROLE), UNDO),
    private=True,
)
async def exclude_role(ctx: CommandContext, role: str, undo: bool) -> list[Action]:
    return await _exclude(ctx, "role", role.lower(), role, undo)


@command(
    "admin",
    "exclude",
    "member",
    permission=MOD,
    options=(OptionSpec("member", OptionKind.MEMBER), UNDO),
    private=True,
)
async def exclude_member(ctx: CommandContext, member: Mention, undo: bool) -> list[Action]:
    target, _ = await ctx.member(member)
    return await _exclude(ctx, "member", str(target.id), target.name, undo, target.id)


def _questions_and_gates(ctx: CommandContext) -> list[CardField]:
    """What counts as a question, how fast it should be answered, and who may vote."""
    community, settings = ctx.community, ctx.settings
    answer = settings.responsiveness
    ideas, polls = settings.ideas, settings.polls
    help_channels = ", ".join(f"#{c}" for c in sorted(community.help_channels)) or "—"
    questions = (
        f"help_channels={help_channels}, target_hours={answer.target_hours}, "
        f"question_mark={str(answer.question_mark).lower()}"
    )
    gates = (
        f"ideas.submit_min_rank={ideas.submit_min_rank or '—'}, "
        f"ideas.vote_min_rank={ideas.vote_min_rank or '—'}, "
        f"polls.vote_min_rank={polls.vote_min_rank or '—'}, "
        f"ideas.submit_min_member_days={ideas.submit_min_member_days}, "
        f"ideas.vote_min_member_days={ideas.vote_min_member_days}, "
        f"polls.vote_min_member_days={polls.vote_min_member_days}"
    )
    return [CardField("questions", questions), CardField("gates", gates)]


@command("admin", "config", permission=MOD, private=True)
async def config(ctx: CommandContext) -> list[Action]:
    community = ctx.community
    values = {
        "locale": community.own_locale,  # the setting, not the language of this reply
        "timezone": str(community.timezone),
        "default_channel": "#" + community.default_channel,
        "announce_channel": "#" + (community.announce_channel or community.default_channel),
        "moderator_channel": "#" + (community.moderator_channel or community.default_channel),
        "moderator_roles": ", ".join(sorted(community.moderator_roles)) or "—",
    }
    fields = [
        CardField(
            key,
            ctx.t(
                "admin.config.value",
                value=values[key],
                source=ctx.t(f"admin.config.source.{community.sources[key]}"),
            ),
        )
        for key in RUNTIME_KEYS
    ]
    rows = await community_store.exclusions(ctx.session, community.id)
    for kind in ("channel", "role", "member"):
        names = sorted({r.label or r.value for r in rows if r.kind == kind})
        fields.append(CardField(f"excluded {kind}s", ", ".join(names) or "—"))
    scoring = ctx.settings.scoring
    fields.append(
        CardField(
            "scoring", ", ".join(f"{name}={value}" for name, value in scoring.model_dump().items())
        )
    )
    fields.append(
        CardField("ranks", " → ".join(f"{r.name} ({r.min_points})" for r in ctx.settings.ranks))
    )
    fields += _questions_and_gates(ctx)
    fields += await digests.config_fields(ctx)
    card = Card(
        kind="config",
        title=ctx.t("admin.config.title", community=community.slug),
        fields=tuple(fields),
    )
    # What the platform's adapter wants moderators to know (a privileged intent refused).
    notices = ctx.core.notices(ctx.platform, ctx.space_id)
    return [Reply(card=card), *(Reply(n.render(community.locale)) for n in notices)]
