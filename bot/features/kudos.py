"""`/thanks member reason`: one member thanks another, who earns kudos points.

Kudos are for the community's members: nobody thanks themselves or a bot, a reason is
required (and length-limited, so it fits any card), and each member has a daily number of
thanks to give, counted on the community's calendar day of the platform's event time.
"""

from __future__ import annotations

from bot import i18n
from bot.actions import Action, Reply
from bot.awards import award
from bot.commands import Mention, OptionKind, OptionSpec, command
from bot.config_sections import KUDOS_REASON_MAX
from bot.context import CommandContext
from bot.errors import UserError
from bot.text import member_text
from storage import ledger


@command(
    "thanks",
    options=(
        OptionSpec("member", OptionKind.MEMBER),
        OptionSpec("reason", OptionKind.TEXT, min_length=1, max_length=KUDOS_REASON_MAX),
    ),
)
async def thanks(ctx: CommandContext, member: Mention, reason: str) -> list[Action]:
    scoring = ctx.settings.scoring
    reason = reason.strip()
    if len(reason) > scoring.kudos_reason_max_length:
        raise UserError(
            "error.text_too_long",
            option="reason",
            max=scoring.kudos_reason_max_length,
            length=len(reason),
        )
    receiver, receiver_ref = await ctx.member(member)
    if receiver.id == ctx.caller.id:
        raise UserError("kudos.error.self")
    if receiver.is_bot:
        raise UserError("kudos.error.bot", member=receiver.name)
    start, end = ctx.community.day_bounds(ctx.at)
    given = await ledger.kudos_given_between(
        ctx.session, ctx.community.id, ctx.caller.id, start, end
    )
    if given >= scoring.kudos_daily_limit:
        raise UserError("kudos.error.daily_limit", limit=scoring.kudos_daily_limit)
    # Thanks given count toward badges too: the giver is reviewed as well as the receiver.
    entry = await award(
        ctx,
        member_id=receiver.id,
        excluded=receiver.excluded,
        ref=receiver_ref,
        kind="kudos",
        points=scoring.kudos_points,
        source_key=ctx.source_key("kudos"),
        actor_id=ctx.caller.id,
        reason=reason,
        effects=((receiver.id, "kudos_received", 1), (ctx.caller.id, "kudos_given", 1)),
    )
    if entry is None:  # the same interaction delivered twice
        return []
    points = entry.points
    key = "kudos.given" if points else "kudos.given_no_points"
    return [
        Reply(
            ctx.t(
                key,
                giver=ctx.caller.name,
                receiver=receiver.name,
                reason=member_text(reason, KUDOS_REASON_MAX),
                points=i18n.points(ctx.community.locale, points),
            ),
            ephemeral=False,
        )
    ]
