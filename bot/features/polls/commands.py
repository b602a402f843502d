"""Polls: single, multiple, ranked (instant-runoff) and budget (dot-voting) polls with a
deadline, closed once by `run_due` or early by a moderator.

`/poll create` numbers the poll (its own per-community sequence), posts its card with one
button per option and schedules a `poll_close` job at the deadline. Members vote with the
buttons or `/poll vote`, and may change their ballot until the poll closes; the first
ballot of a member in a poll scores `scoring.poll_vote_points` once. Closing is one
conditional update, so whichever comes first (the deadline job, a moderator's
`/admin poll close`) closes the poll and posts its result card, and the other does nothing.
How ballots are read is in `ballots`, how they are counted (and the instant-runoff
tie rule) in `counting`, how cards look in `cards`, closing in `closing`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot import i18n
from bot.actions import Action, PostToChannel, Reply
from bot.awards import award, mark_active
from bot.commands import OptionKind, OptionSpec, command
from bot.context import CommandContext
from bot.errors import UserError
from bot.features import gates
from bot.features.polls import ballots
from bot.features.polls.ballots import Marks
from bot.features.polls.cards import (
    PollShown,
    ballot_text,
    how_to_vote,
    option_name,
    poll_card,
    results_card,
    vote_example,
    when,
)
from bot.features.polls.closing import CLOSE_JOB
from bot.features.polls.counting import MODES
from bot.features.polls.state import (
    card_ref,
    close_job_key,
    find_poll,
    open_card_updates,
    outcome_of,
    shown_poll,
)
from bot.interactions import button
from bot.text import one_line
from storage import jobs as job_store
from storage import polls as store
from storage.models.polls import Poll

QUESTION_MAX = 300
LABEL_MAX = 80
CHOICE_MAX = 1000
_NUMBER = re.compile(r"[0-9]{1,9}")


# -- creating -------------------------------------------------------------------------------


def _checked_labels(options: Sequence[str], mode: str, max_options: int) -> list[str]:
    labels = [one_line(option) for option in options]
    labels = [label for label in labels if label]
    if len(labels) < 2:
        raise UserError("poll.error.too_few_options", count=len(labels))
    if len(labels) > max_options:
        raise UserError("poll.error.too_many_options", max=max_options, count=len(labels))
    seen: set[str] = set()
    for label in labels:
        if len(label) > LABEL_MAX:
            raise UserError(
                "poll.error.option_too_long",
                option=label[:40] + "…",
                length=len(label),
                max=LABEL_MAX,
            )
        if label.casefold() in seen:
            raise UserError("poll.error.duplicate_option", option=label)
        seen.add(label.casefold())
        if mode == "ranked" and ">" in label:
            raise UserError("poll.error.ranked_label", option=label)
    return labels


def _duration_text(duration: timedelta) -> str:
    """`45d`, `2h30m`: how the parser reads durations, to show one back."""
    minutes = int(duration.total_seconds()) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return "".join(parts) or "0m"


def _checked_duration(ctx: CommandContext, duration: timedelta | None) -> timedelta:
    settings = ctx.settings.polls
    longest = timedelta(days=settings.max_duration_days)
    if duration is None:
        # A default longer than the allowed maximum (a config slip) is held to the maximum.
        return min(timedelta(hours=settings.default_duration_hours), longest)
    if duration > longest:
        raise UserError(
            "poll.error.too_long",
            max=i18n.plural(ctx.community.locale, "poll.unit.days", settings.max_duration_days),
            value=_duration_text(duration),
        )
    return duration


@command(
    "poll",
    "create",
    options=(
        OptionSpec("question", OptionKind.TEXT, min_length=1, max_length=QUESTION_MAX),
        OptionSpec("options", OptionKind.LIST),
        OptionSpec("duration", OptionKind.DURATION, required=False),
        OptionSpec("mode", OptionKind.CHOICE, required=False, choices=MODES, default="single"),
        OptionSpec("anonymous", OptionKind.BOOLEAN, required=False, default=False),
    ),
)
async def create(
    ctx: CommandContext,
    question: str,
    options: list[str],
    duration: timedelta | None,
    mode: str,
    anonymous: bool,
) -> list[Action]:
    settings = ctx.settings.polls
    question = one_line(question)
    if not question:
        raise UserError("poll.error.empty_question")
    labels = _checked_labels(options, mode, settings.max_options)
    lasting = _checked_duration(ctx, duration)
    number = await store.next_number(ctx.session, ctx.community.id)
    channel = settings.channel.lstrip("#") if settings.channel else None
    poll = await store.create(
        ctx.session,
        Poll(
            community_id=ctx.community.id,
            number=number,
            question=question,
            mode=mode,
            anonymous=anonymous,
            voter_key=store.new_voter_key() if anonymous else None,
            budget_points=settings.budget_points if mode == "budget" else 0,
            hide_results=settings.hide_results_until_close,
            creator_id=ctx.caller.id,
            platform=ctx.platform,
            channel_id=channel,
            created_at=ctx.at,
            closes_at=ctx.at + lasting,
        ),
        labels,
    )
    await job_store.schedule(
        ctx.session,
        ctx.community.id,
        CLOSE_JOB,
        close_job_key(ctx.community.id, number),
        poll.closes_at,
        json.dumps({"poll": number}),
    )
    shown = PollShown(poll, tuple(labels), ctx.caller.name)
    empty = await outcome_of(ctx.session, poll, len(labels), rounds=False)
    closes = when(ctx.community, poll.closes_at)
    return [
        PostToChannel(
            ctx.platform,
            channel,
            card=poll_card(ctx.community, shown, empty),
            card_ref=card_ref(number),
        ),
        Reply(ctx.t("poll.created", number=number, closes=closes)),
    ]


# -- voting ---------------------------------------------------------------------------------


async def _open_for_vote(ctx: CommandContext, number: int) -> Poll:
    if ctx.caller.is_bot:
        raise UserError("poll.error.bot")
    await gates.require(ctx, "poll_vote")
    # Held against a concurrent close, so no ballot lands after the count that closes it.
    poll = await find_poll(ctx.session, ctx.community.id, number, lock=True)
    if poll.closed_at is not None or ctx.at >= poll.closes_at:
        raise UserError("poll.error.closed", number=number)
    return poll


def _read(
    ctx: CommandContext, poll: Poll, labels: Sequence[str], read: Callable[[], Marks]
) -> Marks:
    """Run a ballot reader; its refusal gets the poll's number, options and how to vote."""
    try:
        return read()
    except UserError as error:
        joiner = ctx.t("poll.joiner")
        context = {
            "number": poll.number,
            "options": joiner.join(option_name(labels, i) for i in range(len(labels))),
            "how": how_to_vote(ctx.community, poll, len(labels)),
            "example": vote_example(poll, len(labels)),
        }
        raise UserError(error.key, **{**error.params, **context}) from None


async def _score_first_vote(ctx: CommandContext, poll: Poll) -> int:
    """Points for the member's first ballot in this poll; 0 after that (or if excluded).

    In an anonymous poll the ledger row names neither the poll nor the channel it was cast
    in (the poll card's), only that the member voted in some anonymous poll."""
    hidden = {"channel_id": None} if poll.anonymous else {}
    entry = await award(
        ctx,
        member_id=ctx.caller.id,
        excluded=ctx.caller.excluded,
        ref=ctx.invoker,
        kind="poll_vote",
        points=ctx.settings.scoring.poll_vote_points,
        # Keyed by poll and member: changing or withdrawing a ballot never scores again. In
        # an anonymous poll the key is a hash that names neither (see `store.voter_of`).
        source_key=(
            store.anonymous_vote_key(poll, ctx.caller.id)
            if poll.anonymous
            else f"poll:{poll.id}:vote:{ctx.caller.id}"
        ),
        effects=((ctx.caller.id, "poll_votes", 1),),  # poll votes count toward badges
        **hidden,
    )
    return entry.points if entry is not None else 0


async def _cast(ctx: CommandContext, poll: Poll, shown: PollShown, marks: Marks) -> list[Action]:
    assert poll.id is not None
    await store.save_ballot(ctx.session, poll, ctx.caller.id, marks, ctx.at)
    lines: list[str] = []
    if marks:
        await mark_active(ctx, ctx.caller.id, ctx.at)  # every ballot, changed ones too
        left = poll.budget_points - sum(p for _, p in marks)
        choice = ballot_text(ctx.community, poll.mode, shown.labels, marks)
        lines.append(ctx.t(f"poll.vote.{poll.mode}", number=poll.number, choice=choice, left=left))
        points = await _score_first_vote(ctx, poll)
        if points:
            lines.append(
                ctx.t("poll.vote.scored", points=i18n.points(ctx.community.locale, points))
            )
        lines.append(ctx.t("poll.vote.changeable", closes=when(ctx.community, poll.closes_at)))
    else:
        lines.append(ctx.t("poll.vote.withdrawn", number=poll.number))
    updated = await open_card_updates(ctx.session, ctx.community, poll, shown)
    return [Reply("\n".join(lines)), *updated]


@command(
    "poll",
    "vote",
    options=(
        OptionSpec("poll", OptionKind.NUMBER_REF),
        OptionSpec("choice", OptionKind.TEXT, min_length=1, max_length=CHOICE_MAX),
    ),
)
async def vote(ctx: CommandContext, poll: int, choice: str) -> list[Action]:
    found = await _open_for_vote(ctx, poll)
    shown = await shown_poll(ctx.session, found)
    marks = _read(
        ctx,
        found,
        shown.labels,
        lambda: ballots.parse_ballot(found.mode, shown.labels, choice, found.budget_points),
    )
    return await _cast(ctx, found, shown, marks)


@button("poll")
async def press(ctx: CommandContext, parts: list[str]) -> list[Action]:
    """`poll:<number>:opt:<position>`: see `ballots.press` for what each mode does."""
    if len(parts) != 3 or parts[1] != "opt" or not all(map(_NUMBER.fullmatch, parts[::2])):
        return [Reply(ctx.t("error.unknown_button"))]
    found = await _open_for_vote(ctx, int(parts[0]))
    shown = await shown_poll(ctx.session, found)
    index = int(parts[2]) - 1
    if not 0 <= index < len(shown.labels):
        return [Reply(ctx.t("error.unknown_button"))]
    assert found.id is not None
    current = await store.ballot(ctx.session, found, ctx.caller.id)
    marks = _read(
        ctx,
        found,
        shown.labels,
        lambda: ballots.press(found.mode, current, index, found.budget_points),
    )
    return await _cast(ctx, found, shown, marks)


# -- results ----------------------------------------------------------------------


@command("poll", "results", options=(OptionSpec("poll", OptionKind.NUMBER_REF),))
async def results(ctx: CommandContext, poll: int) -> list[Action]:
    found = await find_poll(ctx.session, ctx.community.id, poll)
    assert found.id is not None
    shown = await shown_poll(ctx.session, found)
    outcome = await outcome_of(ctx.session, found, len(shown.labels))
    hidden = found.hide_results and found.closed_at is None
    # Who voted what exists only for polls that are not anonymous, and only once counts show.
    named = [] if found.anonymous or hidden else await store.named_ballots(ctx.session, found.id)
    return [Reply(card=results_card(ctx.community, shown, outcome, named))]
