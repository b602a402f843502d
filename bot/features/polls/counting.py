"""Counting a poll's ballots: pure functions, no storage, no platform, no locale.

Options are 0-based indexes in the order the poll lists them.

- **single** and **multi**: each option's count is the number of ballots that choose it;
  its share is that count over the number of voters (so multi shares may add up to more
  than 100 %).
- **budget**: each option's count is the points it received; its share is over all points
  given.
- In those three modes the winner is the option with the highest count; several options
  sharing the highest count is a tie; nothing counted means no winner.
- **ranked**: instant-runoff. In each round every ballot counts for its highest-ranked
  option still in the race. A ballot whose ranked options have all been eliminated is
  *exhausted* and leaves the count (options a voter did not rank are never counted for
  them). An option wins as soon as it holds a majority, more than 50 %, of the ballots
  still counting in that round. Otherwise one option is eliminated and the next round
  begins. When every option still in the race has the same number of votes and none has
  a majority, the poll ends in a tie between them.

  **Elimination tie rule.** The option with the fewest votes in the round is eliminated.
  If several share the fewest, the one among them with fewer votes in the round before is
  eliminated, and so on back through the earlier rounds to the first preferences; if they
  are still level in every round, the one listed last in the poll is eliminated. Options
  with no votes at all are eliminated together in one round: they would go one by one in
  the rounds that follow anyway, and nothing transfers from them, so the outcome is the
  same with fewer rounds to read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

MODES = ("single", "multi", "ranked", "budget")


@dataclass(frozen=True)
class Counts:
    """Totals per option (votes, or points for a budget poll) and the outcome."""

    totals: tuple[int, ...]
    voters: int
    # What shares are taken of: voters (single, multi) or all points given (budget).
    base: int
    winners: tuple[int, ...]

    @property
    def tie(self) -> bool:
        return len(self.winners) > 1


@dataclass(frozen=True)
class Round:
    """One round of an instant-runoff count."""

    # Votes of each option still in the race at the start of the round, by index.
    votes: Mapping[int, int]
    exhausted: int
    eliminated: tuple[int, ...]

    @property
    def continuing(self) -> int:
        """Ballots still counting for an option this round."""
        return sum(self.votes.values())


@dataclass(frozen=True)
class Runoff:
    """Every round of an instant-runoff count and its outcome."""

    rounds: tuple[Round, ...]
    voters: int
    winners: tuple[int, ...]

    @property
    def tie(self) -> bool:
        return len(self.winners) > 1

    @property
    def first_preferences(self) -> tuple[int, ...]:
        """Votes of each option in the first round (all options, by index)."""
        if not self.rounds:
            return ()
        first = self.rounds[0].votes
        return tuple(first.get(i, 0) for i in range(len(first)))


def _leaders(totals: Sequence[int]) -> tuple[int, ...]:
    best = max(totals, default=0)
    if best <= 0:
        return ()
    return tuple(i for i, total in enumerate(totals) if total == best)


def counts_from_totals(totals: Sequence[int], voters: int, base: int | None = None) -> Counts:
    """The outcome of totals already summed (by the database, or by the functions below).

    `base` is what shares are taken of: the voters unless given (budget: all points).
    """
    return Counts(tuple(totals), voters, voters if base is None else base, _leaders(totals))


def count_choices(option_count: int, ballots: Iterable[Collection[int]]) -> Counts:
    """Single and multiple choice: each ballot is the set of options it chooses.

    An empty ballot is no vote; an index outside the poll is ignored.
    """
    totals = [0] * option_count
    voters = 0
    for ballot in ballots:
        chosen = {i for i in ballot if 0 <= i < option_count}
        if not chosen:
            continue
        voters += 1
        for i in chosen:
            totals[i] += 1
    return counts_from_totals(totals, voters)


def count_points(option_count: int, ballots: Iterable[Mapping[int, int]]) -> Counts:
    """Budget (dot voting): each ballot maps options to the points it gives them.

    Ballots were checked when cast (no negative points, within the budget); a ballot with
    no positive points is no vote.
    """
    totals = [0] * option_count
    voters = 0
    for ballot in ballots:
        given = {i: p for i, p in ballot.items() if 0 <= i < option_count and p > 0}
        if not given:
            continue
        voters += 1
        for i, points in given.items():
            totals[i] += points
    return counts_from_totals(totals, voters, base=sum(totals))


def _clean_ranking(ranking: Sequence[int], option_count: int) -> tuple[int, ...]:
    seen: list[int] = []
    for i in ranking:
        if 0 <= i < option_count and i not in seen:
            seen.append(i)
    return tuple(seen)


def _loser(tied: Sequence[int], history: Sequence[Mapping[int, int]]) -> int:
    """The option to eliminate among `tied` (equal fewest votes this round).

    Fewer votes in the previous round goes first, then the round before, back to the first
    preferences; still level everywhere, the option listed last in the poll goes.
    """
    candidates = list(tied)
    for earlier in reversed(history):
        fewest = min(earlier[i] for i in candidates)
        candidates = [i for i in candidates if earlier[i] == fewest]
        if len(candidates) == 1:
            return candidates[0]
    return max(candidates)


def instant_runoff(option_count: int, rankings: Iterable[Sequence[int]]) -> Runoff:
    """Ranked choice: each ranking lists option indexes, most preferred first.

    See the module docstring for the majority, exhaustion and tie rules.
    """
    ballots = [r for r in (_clean_ranking(r, option_count) for r in rankings) if r]
    in_race = set(range(option_count))
    rounds: list[Round] = []
    history: list[dict[int, int]] = []
    winners: tuple[int, ...] = ()
    while in_race:
        votes = dict.fromkeys(sorted(in_race), 0)
        exhausted = 0
        for ballot in ballots:
            top = next((i for i in ballot if i in in_race), None)
            if top is None:
                exhausted += 1
            else:
                votes[top] += 1
        continuing = sum(votes.values())
        best = max(votes.values())
        decided = continuing == 0 or best * 2 > continuing or len(set(votes.values())) == 1
        if decided:
            rounds.append(Round(votes, exhausted, ()))
            if continuing:
                winners = tuple(i for i, v in votes.items() if v == best)
            break
        zeros = tuple(i for i, v in votes.items() if v == 0)
        fewest = min(votes.values())
        out = zeros or (_loser([i for i, v in votes.items() if v == fewest], history),)
        rounds.append(Round(votes, exhausted, out))
        history.append(votes)
        in_race -= set(out)
    return Runoff(tuple(rounds), len(ballots), winners)


def share(count: int, base: int) -> float:
    """`count` as a fraction of `base` (0 when there is nothing to share)."""
    return count / base if base > 0 else 0.0


def percent(count: int, base: int) -> int:
    """`count` as a whole percentage of `base`, rounded half up."""
    return int(share(count, base) * 100 + 0.5) if base > 0 else 0
