"""`/rank [member]` and `/profile`: where a member stands and what they have earned."""

from __future__ import annotations

from bot import i18n
from bot.actions import Action, Card, CardField, Reply
from bot.commands import Mention, OptionKind, OptionSpec, command
from bot.context import CommandContext
from bot.features import badges, ranks
from bot.features.moderation import welcome
from bot.i18n import number
from storage import leaderboards, member_counters
from storage.models import Member


def progress_text(ctx: CommandContext, member: Member) -> str:
    step = ranks.progress(member, ctx.settings.ranks)
    if step.next_rank is None:
        return ctx.t("rank.top")
    needs = [
        ctx.t(
            f"rank.need.{name}",
            have=number(ctx.community.locale, have),
            need=number(ctx.community.locale, need),
        )
        for name, have, need in step.missing
    ]
    if not needs:  # short only of a rolling window (points in 30 days, ...)
        needs = [ctx.t("rank.need.recent")]
    rank = ranks.rank_name(step.next_rank, ctx.community.locale)
    return ctx.t("rank.next", rank=rank, needs=", ".join(needs))


async def badge_names(ctx: CommandContext, member_id: int) -> str:
    held = (await member_counters.badges_of(ctx.session, [member_id]))[member_id]
    names = [
        badges.badge_name(b, ctx.community.locale) for b in ctx.settings.badges if b.key in held
    ]
    if welcome.BADGE in held:  # the welcome checklist's own badge
        names.append(welcome.badge_name(ctx.settings.welcome, ctx.community.locale))
    return ", ".join(names) if names else ctx.t("rank.no_badges")


@command(
    "rank",
    options=(OptionSpec("member", OptionKind.MEMBER, required=False),),
    private=True,
    reads_only=True,
)
async def rank(ctx: CommandContext, member: Mention | None) -> list[Action]:
    if member is None:
        row = (await member_counters.members_by_id(ctx.session, [ctx.caller.id]))[ctx.caller.id]
    else:
        row = await ctx.member_row(member)
    target_id = row.id or 0
    locale = ctx.community.locale
    held = ranks.shown_rank(row, ctx.settings.ranks)
    place = await leaderboards.place_of(
        ctx.session, ctx.community.id, target_id, "all", None, known=row
    )
    fields = [
        CardField(
            ctx.t("rank.field.points"),
            i18n.points(locale, row.points),
            inline=True,
        ),
        CardField(ctx.t("rank.field.rank"), ranks.rank_name(held, locale), inline=True),
    ]
    if place is not None:
        fields.append(
            CardField(
                ctx.t("rank.field.place"), ctx.t("rank.place", place=place.place), inline=True
            )
        )
    fields += [
        CardField(ctx.t("rank.field.next"), progress_text(ctx, row)),
        CardField(ctx.t("rank.field.badges"), await badge_names(ctx, target_id)),
    ]
    if row.excluded:
        fields.append(CardField(ctx.t("rank.field.note"), ctx.t("rank.excluded")))
    elif row.hidden:
        fields.append(CardField(ctx.t("rank.field.note"), ctx.t("privacy.you_are_hidden")))
    card = Card(
        kind="rank", title=ctx.t("rank.title", member=row.display_name), fields=tuple(fields)
    )
    return [Reply(card=card)]


@command("profile", private=True, reads_only=True)
async def profile(ctx: CommandContext) -> list[Action]:
    row = (await member_counters.members_by_id(ctx.session, [ctx.caller.id]))[ctx.caller.id]
    community = ctx.community
    locale = community.locale
    week = await leaderboards.points_of(
        ctx.session, community.id, row.id or 0, "week", community.week_start(ctx.at)
    )
    month = await leaderboards.points_of(
        ctx.session, community.id, row.id or 0, "month", community.month_start(ctx.at)
    )
    n = lambda value: number(locale, value)  # noqa: E731
    fields = (
        CardField(
            ctx.t("profile.points"),
            ctx.t("profile.points_value", all=n(row.points), month=n(month), week=n(week)),
        ),
        CardField(
            ctx.t("rank.field.rank"),
            ranks.rank_name(ranks.shown_rank(row, ctx.settings.ranks), ctx.community.locale),
            inline=True,
        ),
        CardField(ctx.t("profile.messages"), n(row.messages), inline=True),
        CardField(ctx.t("profile.solutions"), n(row.solutions), inline=True),
        CardField(
            ctx.t("profile.kudos"),
            ctx.t("profile.kudos_value", received=n(row.kudos_received), given=n(row.kudos_given)),
            inline=True,
        ),
        CardField(
            ctx.t("profile.active_days"),
            ctx.t("profile.active_value", days=n(row.active_days), streak=n(row.streak_days)),
            inline=True,
        ),
        CardField(ctx.t("rank.field.next"), progress_text(ctx, row)),
        CardField(ctx.t("rank.field.badges"), await badge_names(ctx, ctx.caller.id)),
    )
    if row.hidden:
        fields += (CardField(ctx.t("rank.field.note"), ctx.t("privacy.you_are_hidden")),)
    card = Card(
        kind="profile", title=ctx.t("profile.title", member=row.display_name), fields=fields
    )
    return [Reply(card=card)]
