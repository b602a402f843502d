"""`/leaderboard [period] [board]`: the top members of the week, the month or all time, by
points (default), as helpers (accepted solutions and first responses to questions) or as
givers (thanks given)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot import formatting, i18n
from bot.actions import Action, Button, Card, Reply
from bot.commands import PERIODS, OptionKind, OptionSpec, command
from bot.community import CommunityView
from bot.context import CommandContext
from bot.errors import UserError
from bot.interactions import button
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
    reads_only=True,
)
async def leaderboard(ctx: CommandContext, period: str, board: str = "points") -> list[Action]:
    return [Reply(card=await _board_page(ctx, period, board, 0), ephemeral=False)]


@button("board")
async def turn_page(ctx: CommandContext, parts: list[str]) -> list[Action]:
    """`board:<period>:<board>:<page>`: Next and Previous below a board (only the member
    who pressed sees the page)."""
    match parts:
        case [period, board, number] if (
            period in PERIODS and board in BOARDS and number.isdigit() and int(number) < 10_000
        ):
            return [Reply(card=await _board_page(ctx, period, board, int(number)))]
    raise UserError("error.unknown_button")


async def _board_page(ctx: CommandContext, period: str, board: str, number: int) -> Card:
    community = ctx.community
    start = period_start(community, period, ctx.at)
    offset = number * BOARD_SIZE
    if board in ("helpers", "givers"):
        since = None if start is None else datetime.combine(start, time(), community.timezone)
        found = await leaderboards.activity_top(
            ctx.session, community.id, board, since, BOARD_SIZE + 1, offset
        )
        more, standings = len(found) > BOARD_SIZE, found[:BOARD_SIZE]
        lines = [
            ctx.t(
                "leaderboard.line",
                place=s.place,
                member=s.name,
                points=i18n.plural(community.locale, f"leaderboard.unit.{board}", s.points),
            )
            for s in standings
        ] or [ctx.t(f"leaderboard.empty_{board}")]
        title = ctx.t(f"leaderboard.title_{board}", period=period_label(community, period, start))
    else:
        if number == 0:  # the board as always: no count of the whole board, one more row
            found = await leaderboards.top(ctx.session, community.id, period, start, BOARD_SIZE + 1)
            more, standings = len(found) > BOARD_SIZE, found[:BOARD_SIZE]
        else:
            standings, total = await leaderboards.page(
                ctx.session, community.id, period, start, offset, BOARD_SIZE
            )
            more = offset + len(standings) < total
        lines = await _points_lines(ctx, period, start, standings, first=number == 0)
        title = ctx.t("leaderboard.title", period=period_label(community, period, start))
    buttons: list[Button] = []
    if number > 0:
        buttons.append(
            Button(ctx.t("leaderboard.previous"), f"board:{period}:{board}:{number - 1}")
        )
    if more:
        buttons.append(Button(ctx.t("leaderboard.next"), f"board:{period}:{board}:{number + 1}"))
    return Card(kind="leaderboard", title=title, body="\n".join(lines), buttons=tuple(buttons))


async def _points_lines(
    ctx: CommandContext,
    period: str,
    start: date | None,
    standings: list[leaderboards.Standing],
    *,
    first: bool,
) -> list[str]:
    community = ctx.community
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
        return [ctx.t("leaderboard.empty")] if first else []
    if first and all(s.member_id != ctx.caller.id for s in standings):
        mine = await leaderboards.place_of(ctx.session, community.id, ctx.caller.id, period, start)
        if mine is not None:
            lines.append(
                ctx.t(
                    "leaderboard.you",
                    place=mine.place,
                    points=i18n.points(community.locale, mine.points),
                )
            )
    return lines
