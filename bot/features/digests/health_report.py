"""`/admin stats [period]`: the community's health numbers on demand, for moderators.

The same numbers as the digest's health section (active and new members, messages, kudos,
accepted solutions, ideas submitted and shipped, poll turnout, customers among the active
members), each with its change against the period before, the events held (people going,
attendance, show-up rate) when there were any, and the participation shape.
`week` is the last seven days up to today, `month` the last thirty, `all` everything since
the community began (compared with nothing).
"""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Action, Card, CardField, Reply
from bot.commands import PERIODS, OptionKind, OptionSpec, Permission, command
from bot.context import CommandContext
from bot.features.digests import cards, responsiveness
from bot.features.digests.data import health_of
from bot.features.digests.schedule import Period
from storage import communities as community_store

SPAN = {"week": 7, "month": 30}


@command(
    "admin",
    "stats",
    permission=Permission.MODERATOR,
    options=(OptionSpec("period", OptionKind.PERIOD, required=False, default="week"),),
    private=True,
)
async def stats(ctx: CommandContext, period: str | None) -> list[Action]:
    view = ctx.community
    name = period if period in PERIODS else "week"
    end = view.local_day(ctx.at) + timedelta(days=1)
    if name == "all":
        created = await community_store.community_by_slug(ctx.session, view.slug)
        first = view.local_day(created.created_at) if created is not None else end
        start = min(first, end - timedelta(days=1))
    else:
        start = end - timedelta(days=SPAN[name])
    shown = Period(start, end, view.timezone)
    # Read side by side from what is committed: this command's own transaction has
    # written at most its caller's member row (a moderator seen for the first time is
    # counted among the members from the next reading on).
    data = await health_of(ctx.core, ctx.session, view, shown, concurrent=True)
    fields = [
        # Everything since the beginning has no period before it to compare with.
        CardField(
            ctx.t("digest.health.name"), cards.health_lines(view, data, compared=name != "all")
        ),
    ]
    events = cards.events_lines(view, data, compared=name != "all")
    if events:
        fields.append(CardField(ctx.t("digest.events.name"), events))
    asked = responsiveness.question_lines(
        view, data, ctx.settings.responsiveness.target_hours, compared=name != "all"
    )
    if asked:
        fields.append(CardField(ctx.t("questions.name"), asked))
    fields.append(CardField(ctx.t("digest.shape.name"), cards.shape_line(view, data)))
    card = Card(
        kind="stats",
        title=ctx.t(
            "stats.title",
            period=ctx.t(f"stats.period.{name}"),
            dates=cards.period_label(view, shown),
        ),
        fields=tuple(fields),
        footer="" if name == "all" else cards.footer(view, data),
    )
    return [Reply(card=cards.fit(card))]
