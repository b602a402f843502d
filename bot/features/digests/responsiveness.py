"""Whether questions get answered: the responsiveness section of `/admin stats` and of the
digest (questions asked, the share answered within `responsiveness.target_hours`, the
median time to a first response, questions closed by an accepted solution, in all and per
help channel, each with its change against the period before), `/admin unanswered
[channel]` (the questions still waiting after the target, oldest first, with a link and
the asker) and the same list sent to the moderators' channel with the weekly digest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import formatting, i18n
from bot.actions import Action, Card, Reply
from bot.commands import ChannelMention, OptionKind, OptionSpec, Permission, command
from bot.community import CommunityView
from bot.context import CommandContext
from bot.features.digests import cards
from bot.features.digests.data import DigestData
from bot.services import Services
from bot.text import member_text
from storage import questions as store
from storage.metrics.responsiveness import ALL, Responsiveness
from storage.models import PlatformSpace

# Questions listed at most by `/admin unanswered` and the weekly list (then "… and N more").
LISTED = 15
NAME = 40


def duration(view: CommunityView, seconds: float) -> str:
    """`45 min`, `2 h`, `2 h 5 min`, `3 d 4 h` (French `j` for days); under a minute
    `< 1 min`."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return view.t("questions.time.under_minute")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        if not hours:
            return view.t("questions.time.days", days=days)
        return view.t("questions.time.days_hours", days=days, hours=hours)
    if hours:
        if not minutes:
            return view.t("questions.time.hours", hours=hours)
        return view.t("questions.time.hours_minutes", hours=hours, minutes=minutes)
    return view.t("questions.time.minutes", minutes=minutes)


def _share_change(view: CommunityView, now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return view.t("digest.change.same") if now == before else "—"
    points = round((now - before) * 100)
    if points == 0:
        return view.t("digest.change.same")
    sign = "+" if points > 0 else "−"
    return view.t("questions.change.points", delta=f"{sign}{abs(points)}")


def _median_change(view: CommunityView, now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "—"
    if int(now // 60) == int(before // 60):
        return view.t("digest.change.same")
    sign = "+" if now > before else "−"
    return f"{sign}{duration(view, abs(now - before))}"


def _share(view: CommunityView, numbers: Responsiveness) -> str:
    share = numbers.in_time_share
    return "—" if share is None else formatting.percent(view.locale, share)


def question_lines(
    view: CommunityView, data: DigestData, target_hours: int, *, compared: bool = True
) -> str:
    """The section's lines; empty when no question was asked now nor in the period before."""
    compared = compared and data.compared  # nothing before the community to compare with
    now_all, before_all = data.questions
    now, before = now_all.get(ALL, Responsiveness()), before_all.get(ALL, Responsiveness())
    if not now.asked and not (compared and before.asked):
        return ""
    key = "digest.health.line" if compared else "digest.health.line_alone"
    median = "—" if now.median_seconds is None else duration(view, now.median_seconds)
    lines = [
        view.t(
            key,
            label=view.t("questions.asked"),
            value=i18n.number(view.locale, now.asked),
            change=cards.change(view, now.asked, before.asked),
        ),
        view.t(
            key,
            label=view.t("questions.in_time", hours=target_hours),
            value=_share(view, now),
            change=_share_change(view, now.in_time_share, before.in_time_share),
        ),
        view.t(
            key,
            label=view.t("questions.median"),
            value=median,
            change=_median_change(view, now.median_seconds, before.median_seconds),
        ),
        view.t(
            key,
            label=view.t("questions.solved"),
            value=i18n.number(view.locale, now.solved),
            change=cards.change(view, now.solved, before.solved),
        ),
    ]
    for channel in sorted(set(now_all) | (set(before_all) if compared else set()) - {ALL}):
        if channel == ALL:
            continue
        here = now_all.get(channel, Responsiveness())
        was = before_all.get(channel, Responsiveness())
        lines.append(
            view.t(
                "questions.channel",
                channel=f"#{channel}",
                asked=i18n.number(view.locale, here.asked),
                change=cards.change(view, here.asked, was.asked) if compared else "",
                share=_share(view, here),
                hours=target_hours,
                median="—" if here.median_seconds is None else duration(view, here.median_seconds),
                solved=i18n.number(view.locale, here.solved),
            ).replace(" ()", "")
        )
    return "\n".join(lines)


async def _links(
    core: Services, session: AsyncSession, view: CommunityView, rows: list[store.Open]
) -> list[str]:
    """Each question's link on its platform (the console shows its number), else its
    channel."""
    spaces = dict(
        (
            await session.execute(
                select(PlatformSpace.platform, PlatformSpace.space_id).where(
                    PlatformSpace.community_id == view.id
                )
            )
        ).all()
    )
    links = []
    for row in rows:
        platform, _, message_id = row.message_ref.partition(":")
        reader = core.readers.get(platform)
        space = spaces.get(platform)
        link = None
        if reader is not None and space is not None:
            link = reader.message_link(space, row.channel_id, message_id)
        links.append(link or f"#{row.channel_name or row.channel_id}")
    return links


async def unanswered_card(
    core: Services,
    session: AsyncSession,
    view: CommunityView,
    now: datetime,
    channel: ChannelMention | None = None,
) -> tuple[Card, int]:
    """The questions with no response after the target time, oldest first, and how many
    there are."""
    hours = core.settings.responsiveness.target_hours
    where = None if channel is None else (channel.id, channel.name or channel.id)
    rows, total = await store.unanswered(
        session, view.id, now - timedelta(hours=hours), where, LISTED
    )
    title = view.t("questions.unanswered.title", hours=hours)
    if channel is not None:
        shown = (channel.name or channel.id).lstrip("#")
        title = view.t("questions.unanswered.title_in", hours=hours, channel=f"#{shown}")
    if not rows:
        none = "questions.unanswered.none" if channel is None else "questions.unanswered.none_in"
        return Card(kind="unanswered", title=title, body=view.t(none)), 0
    links = await _links(core, session, view, rows)
    lines = [
        view.t(
            "questions.unanswered.line",
            link=link,
            channel=f"#{row.channel_name or row.channel_id}",
            asker=member_text(row.asker, NAME),
            waiting=duration(view, (now - row.asked_at).total_seconds()),
        )
        for row, link in zip(rows, links, strict=True)
    ]
    if total > len(rows):
        lines.append(view.t("digest.more", count=i18n.number(view.locale, total - len(rows))))
    card = Card(
        kind="unanswered",
        title=title,
        body="\n".join(lines),
        footer=view.t("questions.unanswered.footer", count=i18n.number(view.locale, total)),
    )
    return cards.fit(card), total


@command(
    "admin",
    "unanswered",
    permission=Permission.MODERATOR,
    options=(OptionSpec("channel", OptionKind.CHANNEL, required=False),),
    private=True,
)
async def unanswered(ctx: CommandContext, channel: ChannelMention | None) -> list[Action]:
    card, _ = await unanswered_card(ctx.core, ctx.session, ctx.community, ctx.at, channel)
    return [Reply(card=card)]
