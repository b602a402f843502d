"""`/leaderboard [period] [board]`: the top members of the week, the month or all time, by
points (default), as helpers (accepted solutions and first responses to questions) or as
givers (thanks given)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot import formatting, i18n
from bot.actions import Action, Card, Reply
from bot.commands import PERIODS, OptionKind, OptionSpec, command
from bot.community import CommunityView
from bot.context import CommandContext
from storage import leaderboards

BOARD_SIZE = 10


def period_start(community: CommunityView, period: str, ctx_at) -> date | None:  # type: ignore[no-untyped-def]
    if period == "week":
        return community.week_start(ctx_at)
    if period == "month":
        return community.month_start(ctx_at)
    return None


def period_label(community: CommunityView, period: str, start: date | None) -> str:
    if start is None:
        return community.t("period.all")
    if period == "week":
        end = start + timedelta(days=6)
        return community.t("period.week", days=formatting.days(community.locale, start, end))
    return community.t("period.month", month=formatting.month(community.locale, start))


BOARDS = ("points", "helpers", "givers")


@command(
    "leaderboard",
    options=(
        OptionSpec("period", OptionKind.PERIOD, required=False, choices=PERIODS, default="week"),
        OptionSpec("board", OptionKind.CHOICE, required=False, choices=BOARDS, default="points"),
    ),
)
async def leaderboard(ctx: CommandContext, period: str, board: str = "points") -> list[Action]:
    community = ctx.community
    start = period_start(community, period, ctx.at)
    if board in ("helpers", "givers"):
        return [Reply(card=await _activity_board(ctx, period, board, start), ephemeral=False)]
    standings = await leaderboards.top(ctx.session, community.id, period, start, BOARD_SIZE)
    lines = [
        ctx.t(
            "leaderboard.line",
            place=s.place,
            member=s.name,
            points=i18n.points(community.locale, s.points),
        )
        for s in standings
    ]
    if not lines:
        lines = [ctx.t("leaderboard.empty")]
    elif all(s.member_id != ctx.caller.id for s in standings):
        mine = await leaderboards.place_of(ctx.session, community.id, ctx.caller.id, period, start)
        if mine is not None:
            lines.append(
                ctx.t(
                    "leaderboard.you",
                    place=mine.place,
                    points=i18n.points(community.locale, mine.points),
                )
            )
    card = Card(
        kind="leaderboard",
        title=ctx.t("leaderboard.title", period=period_label(community, period, start)),
        body="\n".join(lines),
    )
    return [Reply(card=card, ephemeral=False)]


async def _activity_board(ctx: CommandContext, period: str, board: str, start: date | None) -> Card:
    """The helpers (accepted solutions and first responses) or givers (thanks given)."""
    community = ctx.community
    since = None if start is None else datetime.combine(start, time(), community.timezone)
    standings = await leaderboards.activity_top(ctx.session, community.id, board, since, BOARD_SIZE)
    lines = [
        ctx.t(
            "leaderboard.line",
            place=s.place,
            member=s.name,
            points=i18n.plural(community.locale, f"leaderboard.unit.{board}", s.points),
        )
        for s in standings
    ] or [ctx.t(f"leaderboard.empty_{board}")]
    return Card(
        kind="leaderboard",
        title=ctx.t(f"leaderboard.title_{board}", period=period_label(community, period, start)),
        body="\n".join(lines),
    )
