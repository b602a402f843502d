"""What a poll looks like: its card, the card it becomes once closed, its result card and
the `/poll results` answer, rendered from counts already made (no storage here).

Counts are shown as text bars (`2. Export  ████████░░ 8 (80%)`), which every platform
renders. Member-written text (question, options, names) is neutralised and shortened so a
card stays within Discord's and Slack's limits (10 options x 10 rounds fit). No card ever
names a voter, except `/poll results` of a poll whose votes are public (not anonymous).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import formatting, i18n
from bot.actions import Button, Card, CardField
from bot.community import CommunityView
from bot.features.polls.ballots import Marks, points_of, ranking_of
from bot.features.polls.counting import Counts, Runoff, share
from bot.text import member_text, shorten
from storage.models.polls import Poll

BAR_WIDTH = 10
TITLE_QUESTION = 200  # the rest of a 256-character embed title is ours
BAR_LABEL = 32
BALLOT_LINES = 15
BALLOT_LINE = 64


@dataclass(frozen=True)
class Outcome:
    """A poll's counts at one moment: totals per option, and every round when ranked.

    For a ranked poll `counts` holds the first preferences, shown on the live card.
    """

    counts: Counts
    runoff: Runoff | None = None

    @property
    def voters(self) -> int:
        return self.counts.voters

    @property
    def winners(self) -> tuple[int, ...]:
        return self.runoff.winners if self.runoff is not None else self.counts.winners


@dataclass(frozen=True)
class PollShown:
    """A poll with what every card of it needs."""

    poll: Poll
    labels: tuple[str, ...]
    creator: str

    @property
    def number(self) -> int:
        return self.poll.number

    @property
    def closed(self) -> bool:
        return self.poll.closed_at is not None


def when(view: CommunityView, instant: datetime) -> str:
    """A deadline or closing time: in each reader's own zone where the platform can show it,
    else in the community's zone, named (`7 January 2026, 09:00 UTC`)."""
    return formatting.moment(view.locale, instant, view.timezone)


def bar(fraction: float) -> str:
    filled = max(0, min(BAR_WIDTH, int(fraction * BAR_WIDTH + 0.5)))
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def option_name(labels: Sequence[str], index: int, limit: int = BAR_LABEL) -> str:
    return f"{index + 1}. {member_text(labels[index], limit)}"


def bar_lines(
    view: CommunityView, labels: Sequence[str], votes: dict[int, int], base: int, ordered: bool
) -> list[str]:
    """One bar per option in `votes`: in the poll's order, or most votes first."""
    indexes = sorted(votes, key=lambda i: (-votes[i], i)) if ordered else sorted(votes)
    names = {i: option_name(labels, i) for i in indexes}
    width = max((len(n) for n in names.values()), default=0)
    return [
        view.t(
            "poll.bar",
            label=names[i].ljust(width),
            bar=bar(share(votes[i], base)),
            count=i18n.number(view.locale, votes[i]),
            percent=formatting.percent(view.locale, share(votes[i], base)),
        )
        for i in indexes
    ]


def _names(view: CommunityView, labels: Sequence[str], indexes: Sequence[int]) -> str:
    return view.t("poll.joiner").join(member_text(labels[i], BAR_LABEL) for i in indexes)


def vote_example(poll: Poll, option_count: int) -> str:
    """A valid `/poll vote` choice for this poll, by option numbers (never member text)."""
    if poll.mode == "multi":
        return "1|2"
    if poll.mode == "ranked":
        return ">".join(str(p) for p in (2, 1, 3)[: min(3, option_count)])
    if poll.mode == "budget":
        return f"1:{(poll.budget_points + 1) // 2}|2:{poll.budget_points // 2}"
    return "1"


def how_to_vote(view: CommunityView, poll: Poll, option_count: int) -> str:
    """The card's one line on voting, with an example that fits this poll."""
    return view.t(
        f"poll.how.{poll.mode}",
        number=poll.number,
        example=vote_example(poll, option_count),
        budget=i18n.points(view.locale, poll.budget_points),
    )


def mode_name(view: CommunityView, poll: Poll) -> str:
    return view.t(f"poll.mode.{poll.mode}", budget=i18n.points(view.locale, poll.budget_points))


def _footer(view: CommunityView, shown: PollShown, *, closing: bool) -> str:
    poll = shown.poll
    parts = [mode_name(view, poll)]
    parts.append(
        view.t("poll.anonymous") if poll.anonymous else view.t("poll.public", number=poll.number)
    )
    if closing and poll.closed_at is not None:
        key = "poll.closed_early" if poll.closed_by is not None else "poll.closed_at_deadline"
        parts.append(view.t(key, closed=when(view, poll.closed_at)))
    else:
        parts.append(view.t("poll.asked_by", member=member_text(shown.creator, 100)))
    return "\n".join(parts)


def _title(view: CommunityView, key: str, shown: PollShown) -> str:
    question = shorten(member_text(shown.poll.question, 300), TITLE_QUESTION)
    return view.t(key, number=shown.number, question=question)


def _turnout(view: CommunityView, outcome: Outcome) -> CardField:
    voters = i18n.plural(view.locale, "poll.unit.voters", outcome.voters)
    return CardField(view.t("poll.field.turnout"), voters, inline=True)


def _totals_field(view: CommunityView, shown: PollShown, outcome: Outcome) -> CardField:
    """The counts in the poll's order: votes, first choices (ranked) or points (budget)."""
    name = {"ranked": "poll.field.first_choices", "budget": "poll.field.points"}.get(
        shown.poll.mode, "poll.field.votes"
    )
    counts = outcome.counts
    votes = dict(enumerate(counts.totals))
    return CardField(
        view.t(name), "\n".join(bar_lines(view, shown.labels, votes, counts.base, False))
    )


def outcome_text(view: CommunityView, labels: Sequence[str], outcome: Outcome) -> str:
    """Who wins (or the tie, or that nobody voted), with the deciding round if ranked."""
    winners = outcome.winners
    if not winners:
        return view.t("poll.no_votes")
    if len(winners) > 1:
        return view.t("poll.tie_between", options=_names(view, labels, winners))
    runoff = outcome.runoff
    if runoff is not None:
        last = runoff.rounds[-1]
        return view.t(
            "poll.majority",
            option=member_text(labels[winners[0]], BAR_LABEL),
            votes=i18n.number(view.locale, last.votes[winners[0]]),
            continuing=i18n.number(view.locale, last.continuing),
            round=len(runoff.rounds),
        )
    return view.t("poll.winner_line", option=member_text(labels[winners[0]], BAR_LABEL))


def round_fields(view: CommunityView, labels: Sequence[str], runoff: Runoff) -> list[CardField]:
    fields = []
    for number, counted in enumerate(runoff.rounds, start=1):
        lines = bar_lines(view, labels, dict(counted.votes), counted.continuing, True)
        if counted.exhausted:
            lines.append(
                view.t("poll.exhausted", count=i18n.number(view.locale, counted.exhausted))
            )
        if counted.eliminated:
            lines.append(
                i18n.plural(
                    view.locale,
                    "poll.eliminated",
                    len(counted.eliminated),
                    options=_names(view, labels, counted.eliminated),
                )
            )
        fields.append(CardField(view.t("poll.field.round", round=number), "\n".join(lines)))
    return fields


def poll_card(view: CommunityView, shown: PollShown, outcome: Outcome) -> Card:
    """The poll's own card: open with one button per option, or closed without buttons."""
    poll = shown.poll
    if shown.closed:
        assert poll.closed_at is not None
        fields = [
            _totals_field(view, shown, outcome),
            CardField(view.t("poll.field.outcome"), outcome_text(view, shown.labels, outcome)),
            _turnout(view, outcome),
            CardField(view.t("poll.field.closed"), when(view, poll.closed_at), inline=True),
        ]
        return Card(
            kind="poll",
            title=_title(view, "poll.title_closed", shown),
            fields=tuple(fields),
            footer=_footer(view, shown, closing=True),
        )
    body = [how_to_vote(view, poll, len(shown.labels))]
    if poll.hide_results:
        body.append(view.t("poll.hidden", closes=when(view, poll.closes_at)))
        names = [option_name(shown.labels, i) for i in range(len(shown.labels))]
        counts = CardField(view.t("poll.field.options"), "\n".join(names))
    else:
        counts = _totals_field(view, shown, outcome)
    buttons = tuple(
        Button(member_text(label, 80), f"poll:{poll.number}:opt:{i + 1}", "primary")
        for i, label in enumerate(shown.labels)
    )
    return Card(
        kind="poll",
        title=_title(view, "poll.title", shown),
        body="\n".join(body),
        fields=(
            counts,
            _turnout(view, outcome),
            CardField(view.t("poll.field.closes"), when(view, poll.closes_at), inline=True),
        ),
        buttons=buttons,
        footer=_footer(view, shown, closing=False),
    )


def _final_fields(view: CommunityView, shown: PollShown, outcome: Outcome) -> list[CardField]:
    if outcome.runoff is not None and outcome.voters:
        return round_fields(view, shown.labels, outcome.runoff)
    counts = outcome.counts
    votes = dict(enumerate(counts.totals))
    name = "poll.field.points" if shown.poll.mode == "budget" else "poll.field.votes"
    lines = bar_lines(view, shown.labels, votes, counts.base, True)
    return [CardField(view.t(name), "\n".join(lines))]


def result_card(view: CommunityView, shown: PollShown, outcome: Outcome) -> Card:
    """The card posted once when the poll closes: counts or rounds, outcome, turnout."""
    fields = [
        *_final_fields(view, shown, outcome),
        CardField(view.t("poll.field.outcome"), outcome_text(view, shown.labels, outcome)),
        _turnout(view, outcome),
    ]
    return Card(
        kind="poll_result",
        title=_title(view, "poll.title_result", shown),
        fields=tuple(fields),
        footer=_footer(view, shown, closing=True),
    )


def ballot_text(view: CommunityView, mode: str, labels: Sequence[str], marks: Marks) -> str:
    """One member's ballot in words: `Export`, `Export, SSO`, `Export > SSO`, `Export: 5`."""
    joiner = view.t("poll.joiner")
    if mode == "ranked":
        return " > ".join(member_text(labels[i], BAR_LABEL) for i in ranking_of(marks))
    if mode == "budget":
        return joiner.join(
            view.t("poll.points_item", option=member_text(labels[i], BAR_LABEL), points=p)
            for i, p in points_of(marks).items()
        )
    return joiner.join(member_text(labels[i], BAR_LABEL) for i, _ in marks)


def results_card(
    view: CommunityView,
    shown: PollShown,
    outcome: Outcome,
    ballots: Sequence[tuple[str, Marks]] = (),
) -> Card:
    """`/poll results`: the counts so far (or that they are hidden), or the final results.

    `ballots` (voter name, ballot) is only ever given for a poll that is not anonymous.
    """
    poll = shown.poll
    if poll.hide_results and not shown.closed:
        return Card(
            kind="poll_results",
            title=_title(view, "poll.title_live", shown),
            body=view.t("poll.hidden", closes=when(view, poll.closes_at)),
            fields=(_turnout(view, outcome),),
            footer=_footer(view, shown, closing=False),
        )
    outcome_name = "poll.field.outcome" if shown.closed else "poll.field.leading"
    fields = [
        *_final_fields(view, shown, outcome),
        CardField(view.t(outcome_name), outcome_text(view, shown.labels, outcome)),
        _turnout(view, outcome),
    ]
    if not shown.closed:
        fields.append(
            CardField(view.t("poll.field.closes"), when(view, poll.closes_at), inline=True)
        )
    if ballots and not poll.anonymous:
        lines = [
            shorten(
                f"{member_text(name, 40)}: {ballot_text(view, poll.mode, shown.labels, m)}",
                BALLOT_LINE,
            )
            for name, m in ballots[:BALLOT_LINES]
        ]
        if len(ballots) > BALLOT_LINES:
            more = i18n.number(view.locale, len(ballots) - BALLOT_LINES)
            lines.append(view.t("poll.more", count=more))
        fields.append(CardField(view.t("poll.field.ballots"), "\n".join(lines)))
    key = "poll.title_result" if shown.closed else "poll.title_live"
    return Card(
        kind="poll_results",
        title=_title(view, key, shown),
        fields=tuple(fields),
        footer=_footer(view, shown, closing=shown.closed),
    )
