"""What an event looks like: its card (with Going / Maybe / Can't go and live counts), the
card it becomes once cancelled, and the `/event show` and `/event list` answers; rendered
from what `state` read (no storage here). Member text is neutralised and shortened so a
card stays within every platform's limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import formatting, i18n
from bot.actions import Button, Card, CardField
from bot.community import CommunityView
from bot.text import member_text, shorten
from storage.models.events import Event

TITLE_MAX = 100
NAMES_SHOWN = 30
ANSWERS = ("going", "maybe", "no")


@dataclass(frozen=True)
class EventShown:
    """An event with what its cards need: the host's name and the answers counted."""

    event: Event
    host: str
    counts: dict[str, int]

    @property
    def number(self) -> int:
        return self.event.number


def when(view: CommunityView, instant: datetime) -> str:
    """A start time each reader sees in their own zone where the platform can show it."""
    return formatting.moment(view.locale, instant, view.timezone)


def length(view: CommunityView, span: timedelta) -> str:
    """`1 hour`, `90 minutes`, `2 days` / `1 heure`, `90 minutes`, `2 jours`."""
    minutes = int(span.total_seconds()) // 60
    if minutes % 1440 == 0:
        return i18n.plural(view.locale, "event.unit.days", minutes // 1440)
    if minutes % 60 == 0:
        return i18n.plural(view.locale, "event.unit.hours", minutes // 60)
    return i18n.plural(view.locale, "event.unit.minutes", minutes)


def title_text(event: Event) -> str:
    return shorten(member_text(event.title, TITLE_MAX), TITLE_MAX)


def schedule_line(view: CommunityView, event: Event) -> str:
    return view.t(
        "event.schedule",
        start=when(view, event.starts_at),
        length=length(view, event.ends_at - event.starts_at),
    )


def going_text(view: CommunityView, shown: EventShown) -> str:
    going = i18n.number(view.locale, shown.counts["going"])
    capacity = shown.event.capacity
    if capacity is None:
        return going
    return view.t("event.of_capacity", going=going, capacity=i18n.number(view.locale, capacity))


def buttons(view: CommunityView, number: int) -> tuple[Button, ...]:
    styles = {"going": "success", "maybe": "secondary", "no": "danger"}
    return tuple(
        Button(view.t(f"event.button.{answer}"), f"event:{number}:{answer}", styles[answer])
        for answer in ANSWERS
    )


def event_card(view: CommunityView, shown: EventShown) -> Card:
    """The card members answer on; without buttons once cancelled."""
    event = shown.event
    cancelled = event.cancelled_at is not None
    key = "event.title_cancelled" if cancelled else "event.title"
    fields = [
        CardField(view.t("event.field.when"), schedule_line(view, event)),
        CardField(view.t("event.field.host"), member_text(shown.host, 100), inline=True),
        CardField(view.t("event.field.going"), going_text(view, shown), inline=True),
        CardField(
            view.t("event.field.maybe"),
            i18n.number(view.locale, shown.counts["maybe"]),
            inline=True,
        ),
        CardField(
            view.t("event.field.no"), i18n.number(view.locale, shown.counts["no"]), inline=True
        ),
    ]
    if shown.counts["waitlist"]:
        fields.append(
            CardField(
                view.t("event.field.waitlist"),
                i18n.number(view.locale, shown.counts["waitlist"]),
                inline=True,
            )
        )
    body = member_text(event.description, 1000) if event.description else ""
    if cancelled:
        reason = member_text(event.cancel_reason or "", 300)
        body = view.t("event.cancelled_because", reason=reason)
        footer = ""
    else:
        footer_key = "event.footer_private" if event.private else "event.footer"
        footer = view.t(footer_key, number=event.number)
    return Card(
        kind="event",
        title=view.t(key, number=event.number, title=title_text(event)),
        body=body,
        fields=tuple(fields),
        buttons=() if cancelled else buttons(view, event.number),
        footer=footer,
    )


def names_line(view: CommunityView, names: Sequence[str], others: int) -> str:
    shown = [member_text(n, 60) for n in names[:NAMES_SHOWN]]
    others += max(0, len(names) - NAMES_SHOWN)
    if others:
        shown.append(view.t("event.others", count=others))
    return view.t("event.joiner").join(shown) if shown else "—"


def show_card(
    view: CommunityView, shown: EventShown, people: dict[str, tuple[list[str], int]] | None
) -> Card:
    """`/event show`: the card's facts and, unless the event is private, who answered
    what (`people`: per answer, the names that may be shown and how many others)."""
    card = event_card(view, shown)
    fields = list(card.fields)
    if people is None:
        fields.append(CardField(view.t("event.field.who"), view.t("event.private_list")))
    else:
        for answer in ("going", "waitlist", "maybe"):
            names, others = people.get(answer, ([], 0))
            if names or others:
                fields.append(
                    CardField(view.t(f"event.field.who_{answer}"), names_line(view, names, others))
                )
    return Card(
        kind="event", title=card.title, body=card.body, fields=tuple(fields), footer=card.footer
    )


def list_card(view: CommunityView, shown: Sequence[EventShown]) -> Card:
    """`/event list`: the upcoming events, soonest first."""
    lines = [
        view.t(
            "event.list_line",
            number=s.number,
            title=title_text(s.event),
            start=when(view, s.event.starts_at),
            going=going_text(view, s),
        )
        for s in shown
    ]
    return Card(
        kind="event_list",
        title=view.t("event.list_title"),
        body="\n".join(lines) if lines else view.t("event.list_empty"),
    )
