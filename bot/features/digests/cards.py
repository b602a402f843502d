"""The digest as a card: localised text for every section, within every platform's limits.

The card's title names the period (its first line on the console). Member-written text
(names, idea titles, reasons, the quoted message) is neutralised and cut. The card keeps
to the strictest limits Cercle posts to: Discord embeds (title 256, 25 fields of at most
1024 characters, 6000 in all), which also fit Slack's sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot import formatting, i18n
from bot.actions import Card, CardField, Image
from bot.charts import ActivityChart
from bot.community import CommunityView
from bot.config import Settings
from bot.features.digests.data import HEALTH, Bar, DigestData
from bot.features.digests.schedule import Period
from bot.features.ranks import rank_name_of
from bot.text import member_text, shorten

TITLE_MAX = 256
FIELD_MAX = 1024
BODY_MAX = 4096
TOTAL_MAX = 6000
NAME = 40  # a member's name in a list
QUOTE = 300


def day_label(view: CommunityView, day: date, *, year: bool = True) -> str:
    return formatting.day(view.locale, day, year=year)


def period_label(view: CommunityView, period: Period) -> str:
    """`5–11 January 2026`, `29 December 2025 – 4 January 2026`."""
    return formatting.days(view.locale, period.start, period.end - timedelta(days=1))


def title(
    view: CommunityView, period: Period, *, preview: bool = False, monthly: bool = False
) -> str:
    key = "digest.title_preview" if preview else "digest.title"
    if not preview and period.days > (31 if monthly else 7):
        key = "digest.title_catch_up_monthly" if monthly else "digest.title_catch_up"
    return shorten(view.t(key, period=period_label(view, period)), TITLE_MAX)


def change(view: CommunityView, now: int, before: int) -> str:
    if now == before:
        return view.t("digest.change.same")
    sign = "+" if now > before else "−"
    delta = i18n.number(view.locale, abs(now - before))
    if before == 0:
        return view.t("digest.change.from_zero", delta=f"{sign}{delta}")
    percent = formatting.percent(view.locale, abs(now - before) / before)
    return view.t("digest.change.delta", delta=f"{sign}{delta}", percent=f"{sign}{percent}")


def badge_name(settings: Settings, locale: str, key: str) -> str:
    for badge in settings.badges:
        if badge.key == key:
            return (badge.name_fr if locale == "fr" and badge.name_fr else badge.name) or key
    if key == "welcome":  # the welcome checklist's own badge
        welcome = settings.welcome
        return welcome.badge_name_fr if locale == "fr" else welcome.badge_name
    return key


def _points(view: CommunityView, points: int) -> str:
    return i18n.points(view.locale, points)


def _contributors(view: CommunityView, settings: Settings, data: DigestData) -> str:
    lines = []
    for place, who in enumerate(data.top, start=1):
        line = view.t(
            "digest.top.line",
            place=place,
            member=member_text(who.name, NAME),
            points=_points(view, who.points),
        )
        if who.rank_up:
            rank = rank_name_of(settings.ranks, view.locale, who.rank_up)
            line += view.t("digest.top.rank_up", rank=rank)
        if who.badges:
            names = ", ".join(badge_name(settings, view.locale, b) for b in who.badges)
            line += view.t("digest.top.badges", badges=names)
        lines.append(line)
    return "\n".join(lines)


def _list(view: CommunityView, lines: list[str], total: int) -> str:
    if total > len(lines):
        lines = [*lines, view.t("digest.more", count=i18n.number(view.locale, total - len(lines)))]
    return "\n".join(lines)


def _highlight(view: CommunityView, data: DigestData) -> str:
    found = data.highlight
    assert found is not None
    reactors = i18n.plural(view.locale, "digest.unit.members", found.reactors)
    where = f"#{found.channel.lstrip('#')}" if found.channel else ""
    lines = []
    if found.text and found.text.strip():
        lines.append(view.t("digest.highlight.quote", text=member_text(found.text, QUOTE)))
    lines.append(
        view.t(
            "digest.highlight.by",
            member=member_text(found.author, NAME),
            channel=where,
            reactors=reactors,
        )
    )
    if found.link:
        lines.append(found.link)
    return "\n".join(lines)


def _ideas(view: CommunityView, data: DigestData) -> str:
    lines = []
    if data.ideas_new_total:
        lines.append(
            view.t(
                "digest.ideas.new",
                count=i18n.plural(view.locale, "digest.unit.ideas", data.ideas_new_total),
                list=", ".join(
                    view.t("digest.ideas.item", number=i.number, title=member_text(i.title, 60))
                    for i in data.ideas_new
                ),
            )
        )
    if data.ideas_supported:  # one label for the list, not one per idea
        supported = " · ".join(
            view.t(
                "digest.ideas.supported_item",
                number=idea.number,
                title=member_text(idea.title, 60),
                votes=i18n.plural(view.locale, "digest.unit.votes", votes),
            )
            for idea, votes in data.ideas_supported
        )
        lines.append(view.t("digest.ideas.supported", list=supported))
    for idea, event in data.status_changes:
        lines.append(
            view.t(
                "digest.ideas.status",
                number=idea.number,
                title=member_text(idea.title, 60),
                status=view.t(f"idea.status.{event.to_value}"),
                reason=member_text(event.reason or "", 150),
            )
        )
    return "\n".join(lines)


def _polls(view: CommunityView, data: DigestData) -> str:
    lines = []
    for poll in data.polls:
        if not poll.winners:
            outcome = view.t("digest.polls.no_votes")
        elif len(poll.winners) > 1:
            outcome = view.t(
                "digest.polls.tie", options=", ".join(member_text(w, 60) for w in poll.winners)
            )
        else:
            outcome = view.t("digest.polls.winner", option=member_text(poll.winners[0], 60))
        lines.append(
            view.t(
                "digest.polls.line",
                number=poll.number,
                question=member_text(poll.question, 100),
                outcome=outcome,
                ballots=i18n.plural(view.locale, "digest.unit.ballots", poll.ballots),
            )
        )
    return "\n".join(lines)


def health_lines(view: CommunityView, data: DigestData, *, compared: bool = True) -> str:
    """The health numbers, each with its change against the period before (`compared`,
    and only when the community existed before the period)."""
    compared = compared and data.compared
    lines = []
    for key in HEALTH:
        now, before = data.health.get(key, (0, 0))
        lines.append(
            view.t(
                "digest.health.line" if compared else "digest.health.line_alone",
                label=view.t(f"digest.health.{key}"),
                value=i18n.number(view.locale, now),
                change=change(view, now, before),
            )
        )
    if data.customers is not None:
        active_customers, accounts = data.customers
        lines.append(
            view.t(
                "digest.health.customers",
                value=i18n.number(view.locale, active_customers),
                accounts=i18n.plural(view.locale, "digest.unit.accounts", accounts),
            )
        )
    return "\n".join(lines)


def events_lines(view: CommunityView, data: DigestData, *, compared: bool = True) -> str:
    """Events held, people going, attendance and the show-up rate; empty when no event
    was held in the period nor in the one before."""
    compared = compared and data.compared  # nothing before the community to compare with
    now, before = data.events
    if not now.held and not (compared and before.held):
        return ""
    key = "digest.health.line" if compared else "digest.health.line_alone"
    lines = [
        view.t(
            key,
            label=view.t(f"digest.events.{name}"),
            value=i18n.number(view.locale, getattr(now, name)),
            change=change(view, getattr(now, name), getattr(before, name)),
        )
        for name in ("held", "going", "attended")
    ]
    rate = now.show_up
    lines.append(
        view.t(
            "digest.events.show_up",
            value="—" if rate is None else formatting.percent(view.locale, rate),
        )
    )
    return "\n".join(lines)


def whole_shares(counts: Sequence[int]) -> list[int]:
    """Whole percentages of `counts` that add up to exactly 100 (largest remainders get the
    points rounding lost), so a three-way split never reads 99% or 101%."""
    total = sum(counts)
    if total <= 0:
        return [0 for _ in counts]
    exact = [count * 100 / total for count in counts]
    whole = [int(share) for share in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: (whole[i] - exact[i], -counts[i]))
    for i in by_remainder[: 100 - sum(whole)]:
        whole[i] += 1
    return whole


def shape_line(view: CommunityView, data: DigestData) -> str:
    core, occasional, lurkers = (
        formatting.percent(view.locale, share / 100)
        for share in whole_shares([data.core, data.occasional, data.lurkers])
    )
    return view.t(
        "digest.shape.line",
        core=core,
        occasional=occasional,
        lurkers=lurkers,
        members=i18n.plural(view.locale, "digest.unit.members", data.members),
    )


def bar_label(view: CommunityView, bar: Bar) -> str:
    """A bar's name under the chart and in its alt text: its day, or its span of days."""
    if bar.days == 1:
        return day_label(view, bar.start, year=False)
    return period_label(view, Period(bar.start, bar.end, view.timezone))


def _tick(view: CommunityView, bar: Bar) -> str:
    """Under a bar: the day's short name and number ("Mon 5", "lun. 5"), or where the
    bar's weeks start."""
    if bar.days == 1:
        return f"{formatting.weekday(view.locale, bar.start)} {bar.start.day}"
    return day_label(view, bar.start)


def chart_alt(view: CommunityView, data: DigestData) -> str:
    """What the chart shows, in words: its title, then each day (or span of weeks)."""
    daily = all(bar.days == 1 for bar in data.bars)
    return view.t(
        "digest.chart.alt" if daily else "digest.chart.alt_spans", days=chart_days(view, data)
    )


def chart_days(view: CommunityView, data: DigestData) -> str:
    """Each day's messages and active members, with what the two numbers are."""
    days = "; ".join(
        view.t(
            "digest.chart.day",
            day=bar_label(view, bar),
            messages=i18n.number(view.locale, bar.messages),
            members=i18n.number(view.locale, bar.members),
        )
        for bar in data.bars
    )
    return view.t("digest.chart.days", days=days)


def activity_chart(view: CommunityView, data: DigestData) -> ActivityChart:
    """What the digest's chart shows, in the community's words: the same labels as the
    health lines for the same numbers."""
    daily = all(bar.days == 1 for bar in data.bars)
    return ActivityChart(
        title=view.t("digest.chart.title", period=period_label(view, data.period)),
        labels=[_tick(view, bar) for bar in data.bars],
        messages=[bar.messages for bar in data.bars],
        members=[bar.members for bar in data.bars],
        messages_label=view.t("digest.health.messages"),
        members_label=view.t("digest.health.active"),
        axis_label=view.t("digest.chart.axis_day" if daily else "digest.chart.axis_span"),
        locale=view.locale,
    )


def footer(view: CommunityView, data: DigestData) -> str:
    """What the changes are measured against, or why there is no comparison: the
    community is new, or it began during the period before this one."""
    if data.began is not None and data.began >= data.period.start:
        return view.t("digest.footer_first")
    if data.began is not None:
        return view.t("digest.footer_young", day=day_label(view, data.began))
    return view.t("digest.footer", previous=period_label(view, data.previous))


def digest_card(
    view: CommunityView,
    settings: Settings,
    data: DigestData,
    *,
    preview: bool = False,
    image: Image | None = None,
    questions: str = "",
) -> Card:
    heading = title(view, data.period, preview=preview, monthly=data.monthly)
    month = "_monthly" if data.monthly else ""
    compared = footer(view, data)
    if data.quiet_period:
        # One honest line: nobody acted (and, before anyone joined, no members to count).
        quiet = (
            view.t(f"digest.quiet{month}", members=i18n.number(view.locale, data.members))
            if data.members
            else view.t("digest.quiet_empty")
        )
        footer_text = view.t(f"digest.quiet_footer{month}")
        return Card(kind="digest", title=heading, body=quiet, footer=footer_text)
    fields: list[CardField] = []
    if data.top:
        fields.append(CardField(view.t("digest.top.name"), _contributors(view, settings, data)))
    if data.newcomer is not None:
        fields.append(
            CardField(
                view.t("digest.newcomer.name"),
                view.t(
                    "digest.newcomer.line",
                    member=member_text(data.newcomer.name, NAME),
                    points=_points(view, data.newcomer.points),
                ),
            )
        )
    if data.rank_ups:
        lines = [
            view.t(
                "digest.rank_ups.line",
                member=member_text(name, NAME),
                rank=rank_name_of(settings.ranks, view.locale, rank),
            )
            for name, rank in data.rank_ups
        ]
        fields.append(
            CardField(view.t("digest.rank_ups.name"), _list(view, lines, data.rank_ups_total))
        )
    if data.badges:
        lines = [
            view.t(
                "digest.badges.line",
                member=member_text(name, NAME),
                badge=badge_name(settings, view.locale, key),
            )
            for _, name, key in data.badges[:10]
        ]
        fields.append(
            CardField(view.t("digest.badges.name"), _list(view, lines, data.badges_total))
        )
    if data.highlight is not None:
        highlight = "digest.highlight.name_monthly" if data.monthly else "digest.highlight.name"
        fields.append(CardField(view.t(highlight), _highlight(view, data)))
    ideas = _ideas(view, data)
    if ideas:
        fields.append(CardField(view.t("digest.ideas.name"), ideas))
    polls = _polls(view, data)
    if polls:
        fields.append(CardField(view.t("digest.polls.name"), polls))
    events = events_lines(view, data)
    if events:
        fields.append(CardField(view.t("digest.events.name"), events))
    fields.append(CardField(view.t("digest.health.name"), health_lines(view, data)))
    if questions:
        fields.append(CardField(view.t("questions.name"), questions))
    fields.append(CardField(view.t("digest.shape.name"), shape_line(view, data)))
    if image is None:
        # The field's name already says what it is: its value is the days alone.
        fields.append(CardField(view.t("digest.chart.name"), chart_days(view, data)))
    took_part = data.health["active"][0]
    if took_part:
        active = i18n.plural(view.locale, "digest.unit.members", took_part)
        body = view.t("digest.intro", active=active)
    else:  # members joined, or an idea shipped, but no member acted: say so, thank no one
        body = view.t("digest.intro_nobody")
    return fit(
        Card(
            kind="digest",
            title=heading,
            body=body,
            fields=tuple(fields),
            footer=compared,
            image=image,
        )
    )


def quiet_card(view: CommunityView, data: DigestData) -> Card:
    """For moderators only: regulars who went quiet, so someone can reach out."""
    lines = [
        view.t(
            "digest.quiet_regulars.line",
            member=member_text(name, NAME),
            days=i18n.plural(view.locale, "digest.unit.days", days),
        )
        for name, days in data.quiet
    ]
    return fit(
        Card(
            kind="digest_quiet",
            title=view.t("digest.quiet_regulars.title", period=period_label(view, data.period)),
            body="\n".join(lines) or view.t("digest.quiet_regulars.none"),
            # The advice only when someone went quiet: nobody to bring back otherwise.
            footer=view.t("digest.quiet_regulars.footer") if lines else "",
        )
    )


def _size(card: Card) -> int:
    return (
        len(card.title)
        + len(card.body)
        + len(card.footer)
        + sum(len(f.name) + len(f.value) for f in card.fields)
    )


def fit(card: Card) -> Card:
    """The card within Discord's embed limits (the strictest Cercle posts to)."""
    fields = tuple(
        CardField(shorten(f.name, TITLE_MAX), shorten(f.value, FIELD_MAX), f.inline)
        for f in card.fields[:25]
    )
    fitted = Card(
        kind=card.kind,
        title=shorten(card.title, TITLE_MAX),
        body=shorten(card.body, BODY_MAX),
        fields=fields,
        buttons=card.buttons,
        footer=shorten(card.footer, 2048),
        image=card.image,
    )
    # Too long in all: the longest field gives way until the whole fits.
    while _size(fitted) > TOTAL_MAX and fitted.fields:
        longest = max(range(len(fitted.fields)), key=lambda i: len(fitted.fields[i].value))
        item = fitted.fields[longest]
        cut = max(40, len(item.value) - (_size(fitted) - TOTAL_MAX) - 1)
        shrunk = CardField(item.name, shorten(item.value, cut), item.inline)
        if shrunk == item:
            break
        fitted = Card(
            kind=fitted.kind,
            title=fitted.title,
            body=fitted.body,
            fields=(*fitted.fields[:longest], shrunk, *fitted.fields[longest + 1 :]),
            buttons=fitted.buttons,
            footer=fitted.footer,
            image=fitted.image,
        )
    return fitted
