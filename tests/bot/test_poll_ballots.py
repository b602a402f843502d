"""Reading ballots: typed ballots of every mode, options by label or position, every way a
ballot can be wrong, and what a button press does to the current ballot."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.features.polls.ballots import parse_ballot, press, ranking_of, resolve_option

LABELS = ("Dark mode", "Export", "SSO")


def refused(mode: str, text: str, budget: int = 10) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_ballot(mode, LABELS, text, budget)
    return caught.value


@pytest.mark.parametrize(
    ("text", "index"),
    [("Export", 1), ("export", 1), ("  dark   MODE ", 0), ("3", 2), ("#1", 0)],
)
def test_an_option_is_named_by_label_ignoring_case_and_spacing_or_by_position(text, index):
    assert resolve_option(LABELS, text) == index


def test_a_label_that_looks_like_a_position_wins_over_the_position():
    assert resolve_option(("2025", "2024"), "2024") == 1
    assert resolve_option(("2025", "2024"), "2") == 1
    assert resolve_option(("2025", "2024"), "1") == 0


@pytest.mark.parametrize("text", ["4", "0", "#0", "Exports", "-1"])
def test_unknown_options_and_positions_out_of_range_are_refused(text):
    with pytest.raises(UserError) as caught:
        resolve_option(LABELS, text)
    assert caught.value.key == "poll.error.unknown_option"


def test_single_choice_ballots():
    assert parse_ballot("single", LABELS, "SSO", 10) == ((2, 1),)
    assert parse_ballot("single", LABELS, "2", 10) == ((1, 1),)
    assert refused("single", "Export|SSO").key == "poll.error.one_choice"
    assert refused("single", "Export>SSO").key == "poll.error.one_choice"
    assert refused("single", "Nope").key == "poll.error.unknown_option"


def test_multiple_choice_ballots_separate_options_with_a_bar():
    assert parse_ballot("multi", LABELS, "SSO|Dark mode", 10) == ((0, 1), (2, 1))
    assert parse_ballot("multi", LABELS, "2 | 3 |", 10) == ((1, 1), (2, 1))
    assert parse_ballot("multi", LABELS, "Export", 10) == ((1, 1),)
    error = refused("multi", "Export|export")
    assert (error.key, error.params["value"]) == ("poll.error.named_twice", "Export")
    assert refused("multi", "Export|Nope").params["value"] == "Nope"
    assert refused("multi", "|").key == "poll.error.empty_ballot"


def test_ranked_ballots_list_preferences_with_a_chevron_most_preferred_first():
    marks = parse_ballot("ranked", LABELS, "Export>SSO", 10)
    assert marks == ((1, 1), (2, 2))
    assert ranking_of(marks) == [1, 2]  # Dark mode, unranked, counts after them: never
    assert ranking_of(parse_ballot("ranked", LABELS, "3 > 1 > export", 10)) == [2, 0, 1]
    assert refused("ranked", "Export>SSO>2").key == "poll.error.named_twice"
    assert refused("ranked", "Export|SSO").key == "poll.error.ranked_separator"
    assert refused("ranked", ">").key == "poll.error.empty_ballot"


def test_budget_ballots_give_points_to_options():
    assert parse_ballot("budget", LABELS, "Export:5|SSO:3", 10) == ((1, 5), (2, 3))
    assert parse_ballot("budget", LABELS, "1:10", 10) == ((0, 10),)
    # Zero points are allowed on an item, and left out of the ballot.
    assert parse_ballot("budget", LABELS, "Export:0|SSO: 2", 10) == ((2, 2),)


def test_a_label_with_a_colon_still_reads_in_a_budget_ballot():
    labels = ("Plan: Pro", "Plan: Team")
    assert parse_ballot("budget", labels, "Plan: Team:4", 10) == ((1, 4),)


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("Export:11", "poll.error.over_budget", {"total": 11, "budget": 10}),
        ("Export:6|SSO:5", "poll.error.over_budget", {"total": 11, "budget": 10}),
        ("Export:-1|SSO:3", "poll.error.negative_points", {"value": "Export:-1"}),
        ("Export:0", "poll.error.no_points", {"budget": 10}),
        ("Export", "poll.error.budget_item", {"value": "Export"}),
        ("Export:lots", "poll.error.budget_item", {"value": "Export:lots"}),
        ("Export:2.5", "poll.error.budget_item", {"value": "Export:2.5"}),
        (":4", "poll.error.budget_item", {"value": ":4"}),
        ("Export:2|export:3", "poll.error.named_twice", {"value": "Export"}),
        ("Nope:3", "poll.error.unknown_option", {"value": "Nope"}),
        ("   ", "poll.error.empty_ballot", {}),
    ],
)
def test_bad_budget_ballots_are_refused(text, key, params):
    error = refused("budget", text)
    assert error.key == key
    assert error.params == params


def test_pressing_a_single_choice_button_sets_the_vote():
    assert press("single", (), 1, 10) == ((1, 1),)
    assert press("single", ((1, 1),), 2, 10) == ((2, 1),)
    assert press("single", ((2, 1),), 2, 10) == ((2, 1),)  # a double click changes nothing


def test_pressing_a_multiple_choice_button_toggles_the_option():
    assert press("multi", (), 0, 10) == ((0, 1),)
    assert press("multi", ((0, 1),), 2, 10) == ((0, 1), (2, 1))
    assert press("multi", ((0, 1), (2, 1)), 0, 10) == ((2, 1),)
    assert press("multi", ((2, 1),), 2, 10) == ()  # nothing left: no ballot


def test_pressing_a_ranked_button_appends_the_option_or_takes_it_out():
    marks = press("ranked", (), 1, 10)
    marks = press("ranked", marks, 2, 10)
    marks = press("ranked", marks, 0, 10)
    assert ranking_of(marks) == [1, 2, 0]
    marks = press("ranked", marks, 2, 10)  # SSO out; Dark mode moves up
    assert ranking_of(marks) == [1, 0]
    assert marks == ((0, 2), (1, 1))


def test_pressing_a_budget_button_adds_one_point_while_points_are_left():
    marks = press("budget", (), 1, 3)
    marks = press("budget", marks, 1, 3)
    marks = press("budget", marks, 0, 3)
    assert marks == ((0, 1), (1, 2))
    with pytest.raises(UserError) as caught:
        press("budget", marks, 2, 3)
    assert (caught.value.key, caught.value.params) == ("poll.error.budget_spent", {"budget": 3})
