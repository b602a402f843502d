"""Counting polls: single and multiple choice, budget points, and instant-runoff with its
majority, exhaustion and elimination tie rules (the pure functions of `polls.counting`)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from bot.features.polls.counting import (
    Runoff,
    _loser,
    count_choices,
    count_points,
    counts_from_totals,
    instant_runoff,
    percent,
    share,
)

A, B, C, D = range(4)


def ballots(*groups: tuple[int, Sequence[int]]) -> list[Sequence[int]]:
    """`ballots((3, [A, B]), (2, [C]))`: three A>B ballots and two C ballots."""
    return [ranking for count, ranking in groups for _ in range(count)]


def table(runoff: Runoff) -> list[tuple[dict[int, int], int, tuple[int, ...]]]:
    return [(dict(r.votes), r.exhausted, r.eliminated) for r in runoff.rounds]


# --------------------------------------------------------------------------- single, multi


def test_single_choice_counts_each_ballot_once_and_names_the_winner():
    counts = count_choices(3, [{A}, {B}, {B}, {C}, {B}])
    assert counts.totals == (1, 3, 1)
    assert counts.voters == 5
    assert counts.base == 5
    assert counts.winners == (B,)
    assert not counts.tie


def test_multiple_choice_shares_are_of_voters_and_may_add_up_past_100_percent():
    counts = count_choices(3, [{A, B}, {A}, {A, B, C}, {B}])
    assert counts.totals == (3, 3, 1)
    assert counts.voters == 4
    assert [percent(t, counts.base) for t in counts.totals] == [75, 75, 25]
    assert counts.winners == (A, B)
    assert counts.tie


def test_empty_ballots_and_unknown_options_do_not_count():
    counts = count_choices(2, [set(), {7}, {A, -1}])
    assert counts.totals == (1, 0)
    assert counts.voters == 1


def test_nobody_voting_means_no_winner_and_no_tie():
    counts = count_choices(3, [])
    assert counts.totals == (0, 0, 0)
    assert counts.winners == ()
    assert not counts.tie
    assert [percent(t, counts.base) for t in counts.totals] == [0, 0, 0]


# --------------------------------------------------------------------------- budget


def test_budget_totals_are_points_and_shares_are_of_all_points_given():
    counts = count_points(3, [{A: 5, B: 3}, {B: 10}, {C: 2, A: 0}])
    assert counts.totals == (5, 13, 2)
    assert counts.voters == 3
    assert counts.base == 20
    assert counts.winners == (B,)
    assert percent(13, counts.base) == 65


def test_a_budget_ballot_without_positive_points_is_no_vote():
    counts = count_points(2, [{A: 0}, {}, {B: 1}])
    assert counts.voters == 1
    assert counts.totals == (0, 1)


def test_a_budget_tie_on_points_is_a_tie():
    assert count_points(3, [{A: 4, B: 4, C: 2}]).winners == (A, B)


def test_totals_summed_elsewhere_give_the_same_outcome():
    from_ballots = count_choices(3, [{A}, {B}, {B}])
    assert counts_from_totals([1, 2, 0], 3) == from_ballots
    budget = counts_from_totals([5, 5], 2, base=10)
    assert budget.base == 10 and budget.tie


# --------------------------------------------------------------------------- instant-runoff


def test_a_first_round_majority_wins_at_once():
    runoff = instant_runoff(3, ballots((3, [A]), (1, [B]), (1, [C, B])))
    assert runoff.winners == (A,)
    assert table(runoff) == [({A: 3, B: 1, C: 1}, 0, ())]


def test_half_is_not_a_majority():
    runoff = instant_runoff(3, ballots((2, [A]), (1, [B, A]), (1, [C, B])))
    # A has 2 of 4: not more than half, so the fewest goes (B and C level: C, listed last).
    assert table(runoff) == [
        ({A: 2, B: 1, C: 1}, 0, (C,)),
        ({A: 2, B: 2}, 0, ()),
    ]
    assert runoff.winners == (A, B)
    assert runoff.tie


def test_eliminated_ballots_transfer_to_their_next_preference():
    runoff = instant_runoff(3, ballots((4, [A]), (3, [B, C]), (2, [C, B])))
    assert table(runoff) == [
        ({A: 4, B: 3, C: 2}, 0, (C,)),
        ({A: 4, B: 5}, 0, ()),
    ]
    assert runoff.winners == (B,)
    assert runoff.voters == 9


def test_exhausted_ballots_leave_the_count_and_the_majority_is_of_continuing_ballots():
    # The two C voters ranked nobody else: once C is out their ballots are exhausted, and
    # A's 4 of the 7 ballots still counting is a majority (though not of all 9 voters).
    runoff = instant_runoff(3, ballots((4, [A]), (3, [B]), (2, [C])))
    assert table(runoff) == [
        ({A: 4, B: 3, C: 2}, 0, (C,)),
        ({A: 4, B: 3}, 2, ()),
    ]
    assert runoff.winners == (A,)
    assert runoff.rounds[-1].continuing == 7


def test_unranked_options_count_after_the_ranked_ones_that_is_never():
    # A ballot ranking only D never counts for A, B or C, even when D is out.
    runoff = instant_runoff(4, ballots((3, [A]), (3, [B]), (2, [C]), (1, [D])))
    assert [r.exhausted for r in runoff.rounds] == [0, 1, 3]
    assert runoff.winners == (A, B)  # 3 against 3 after C and D are out: a tie


def test_an_elimination_tie_goes_to_the_option_listed_last_when_nothing_else_differs():
    # B and C have 1 vote each and no earlier round: C, listed later, is eliminated; its
    # ballot moves to B and A and B end level (see the test above). With the roles of B
    # and C swapped, C is still the one eliminated, its ballot moves to A, and A wins.
    swapped = instant_runoff(3, ballots((2, [A]), (1, [C, A]), (1, [B, C])))
    assert table(swapped) == [
        ({A: 2, B: 1, C: 1}, 0, (C,)),
        ({A: 3, B: 1}, 0, ()),
    ]
    assert swapped.winners == (A,)


def test_an_elimination_tie_is_broken_by_the_previous_round():
    # Round 1: A 6, B 4, C 3, D 1 -> D out, its ballot goes to C.
    # Round 2: A 6, B 4, C 4 -> B and C tie for fewest; C had fewer in round 1, so C goes
    # (listed-last would have picked C too, so check with C and B swapped below).
    runoff = instant_runoff(4, ballots((6, [A]), (4, [B]), (3, [C, B]), (1, [D, C])))
    assert table(runoff)[:2] == [
        ({A: 6, B: 4, C: 3, D: 1}, 0, (D,)),
        ({A: 6, B: 4, C: 4}, 0, (C,)),
    ]
    # C's ballots go to B, and the D>C ballot has nobody left: it is exhausted.
    assert table(runoff)[2] == ({A: 6, B: 7}, 1, ())
    assert runoff.winners == (B,)
    # Now the option with fewer first-round votes is listed *first*: it still goes.
    runoff = instant_runoff(4, ballots((6, [A]), (3, [B, C]), (4, [C]), (1, [D, B])))
    assert table(runoff)[1] == ({A: 6, B: 4, C: 4}, 0, (B,))
    assert runoff.winners == (C,)


def test_the_tie_rule_looks_back_round_by_round_then_at_the_poll_order():
    history = [{A: 5, B: 2, C: 3}, {A: 5, B: 3, C: 3}]
    # Level in the previous round (3, 3), B had fewer in the round before: B goes.
    assert _loser([B, C], history) == B
    # Level in every round: the option listed last goes.
    assert _loser([B, C], [{A: 5, B: 3, C: 3}]) == C
    # No earlier round at all: the option listed last goes.
    assert _loser([A, B, C], []) == C


def test_all_remaining_options_level_without_a_majority_is_a_tie():
    runoff = instant_runoff(2, ballots((1, [A, B]), (1, [B, A])))
    assert runoff.winners == (A, B)
    assert runoff.tie
    assert table(runoff) == [({A: 1, B: 1}, 0, ())]


def test_options_without_votes_are_eliminated_together():
    runoff = instant_runoff(4, ballots((2, [A]), (1, [B]), (1, [B, A])))
    assert table(runoff) == [({A: 2, B: 2, C: 0, D: 0}, 0, (C, D)), ({A: 2, B: 2}, 0, ())]
    assert runoff.winners == (A, B)


def test_no_ballots_means_one_empty_round_and_no_winner():
    runoff = instant_runoff(3, [])
    assert runoff.winners == ()
    assert runoff.voters == 0
    assert table(runoff) == [({A: 0, B: 0, C: 0}, 0, ())]
    assert runoff.first_preferences == (0, 0, 0)


def test_repeated_or_unknown_options_in_a_ranking_are_ignored():
    runoff = instant_runoff(2, [[A, A, 9, B], [], [-1]])
    assert runoff.voters == 1
    assert runoff.winners == (A,)


def test_first_preferences_are_the_first_round_votes_of_every_option():
    runoff = instant_runoff(3, ballots((4, [A]), (3, [B, C]), (2, [C, B])))
    assert runoff.first_preferences == (4, 3, 2)


# --------------------------------------------------------------------------- properties


def sequential_runoff(option_count: int, rankings: list[list[int]]) -> tuple[int, ...]:
    """The same rules eliminating exactly one option per round (zeros included)."""
    cleaned = []
    for ranking in rankings:
        seen: list[int] = []
        for i in ranking:
            if 0 <= i < option_count and i not in seen:
                seen.append(i)
        if seen:
            cleaned.append(seen)
    in_race = list(range(option_count))
    history: list[dict[int, int]] = []
    while True:
        votes = dict.fromkeys(in_race, 0)
        for ranking in cleaned:
            top = next((i for i in ranking if i in in_race), None)
            if top is not None:
                votes[top] += 1
        total = sum(votes.values())
        best = max(votes.values())
        if total == 0:
            return ()
        if best * 2 > total or len(set(votes.values())) == 1:
            return tuple(i for i, v in votes.items() if v == best)
        fewest = min(votes.values())
        loser = _loser([i for i, v in votes.items() if v == fewest], history)
        history.append(votes)
        in_race.remove(loser)


rankings_strategy = st.integers(2, 6).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.lists(st.integers(0, n - 1), max_size=n), max_size=40),
    )
)


@given(rankings_strategy)
def test_every_round_accounts_for_every_ballot_and_the_outcome_follows_the_rules(case):
    option_count, rankings = case
    runoff = instant_runoff(option_count, rankings)
    voters = sum(1 for r in rankings if r)
    assert runoff.voters == voters
    gone: set[int] = set()
    exhausted = 0
    for counted in runoff.rounds:
        assert counted.continuing + counted.exhausted == voters
        assert counted.exhausted >= exhausted
        exhausted = counted.exhausted
        assert not gone & set(counted.votes)
        gone |= set(counted.eliminated)
        assert set(counted.eliminated) <= set(counted.votes)
    assert len(runoff.rounds) <= option_count
    last = runoff.rounds[-1]
    assert last.eliminated == ()
    if runoff.winners:
        votes = [last.votes[w] for w in runoff.winners]
        assert len(set(votes)) == 1
        majority = votes[0] * 2 > last.continuing
        all_level = len(set(last.votes.values())) == 1
        assert majority or (runoff.tie and all_level)
    else:
        assert last.continuing == 0


@given(rankings_strategy)
def test_eliminating_options_without_votes_together_never_changes_the_outcome(case):
    option_count, rankings = case
    assert instant_runoff(option_count, rankings).winners == sequential_runoff(
        option_count, rankings
    )


@given(st.integers(1, 6).flatmap(lambda n: st.lists(st.sets(st.integers(0, n - 1)), max_size=30)))
def test_choice_counts_add_up(ballots_):
    counts = count_choices(6, ballots_)
    assert sum(counts.totals) == sum(len(b) for b in ballots_)
    assert counts.voters == sum(1 for b in ballots_ if b)


def test_share_and_percent_round_half_up_and_survive_an_empty_base():
    assert share(1, 4) == 0.25
    assert percent(1, 8) == 13
    assert percent(2, 3) == 67
    assert percent(5, 0) == 0
