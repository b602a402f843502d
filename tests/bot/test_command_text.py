from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.command_text import parse_command, usage_line
from bot.commands import (
    ChannelMention,
    CommandRegistry,
    CommandSpec,
    Mention,
    OptionKind,
    OptionSpec,
)
from bot.errors import UsageError

K = OptionKind


def _registry() -> CommandRegistry:
    registry = CommandRegistry()
    specs = [
        CommandSpec(
            ("thanks",),
            (
                OptionSpec("member", K.MEMBER),
                OptionSpec("reason", K.TEXT, max_length=200),
            ),
        ),
        CommandSpec(("rank",), (OptionSpec("member", K.MEMBER, required=False),)),
        CommandSpec(
            ("leaderboard",), (OptionSpec("period", K.PERIOD, required=False, default="week"),)
        ),
        CommandSpec(
            ("admin", "points", "add"),
            (
                OptionSpec("member", K.MEMBER),
                OptionSpec("amount", K.INTEGER, min_value=1, max_value=10000),
                OptionSpec("reason", K.TEXT),
            ),
        ),
        CommandSpec(
            ("admin", "points", "remove"),
            (OptionSpec("member", K.MEMBER), OptionSpec("amount", K.INTEGER)),
        ),
        CommandSpec(
            ("admin", "channel"),
            (
                OptionSpec("channel", K.CHANNEL),
                OptionSpec("role", K.ROLE, required=False),
            ),
        ),
        CommandSpec(
            ("poll", "create"),
            (
                OptionSpec("question", K.TEXT, min_length=2),
                OptionSpec("options", K.LIST),
                OptionSpec(
                    "mode",
                    K.CHOICE,
                    required=False,
                    choices=("single", "multi", "ranked", "budget"),
                    default="single",
                ),
                OptionSpec(
                    "duration", K.DURATION, required=False, min_value=600, max_value=30 * 86400
                ),
                OptionSpec("anonymous", K.BOOLEAN, required=False, default=False),
            ),
        ),
        CommandSpec(("poll", "close"), (OptionSpec("number", K.NUMBER_REF),)),
        CommandSpec(
            ("idea", "submit"),
            (
                OptionSpec("title", K.TEXT, max_length=80),
                OptionSpec("description", K.TEXT, required=False),
            ),
        ),
    ]
    for spec in specs:
        registry.add(spec)
    return registry


REGISTRY = _registry()


def parse(text: str, prefix: tuple[str, ...] = ()) -> tuple[tuple[str, ...], dict[str, Any]]:
    spec, values = parse_command(text, REGISTRY, prefix)
    return spec.path, values


def error(text: str, prefix: tuple[str, ...] = ()) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse_command(text, REGISTRY, prefix)
    return caught.value


# --- command paths -------------------------------------------------------------------


def test_last_text_option_takes_rest_of_line() -> None:
    path, values = parse("/thanks @alice for the help")
    assert path == ("thanks",)
    assert values == {"member": Mention("alice", "alice"), "reason": "for the help"}


def test_leading_slash_is_optional() -> None:
    assert parse("thanks @alice merci")[1]["reason"] == "merci"


def test_command_words_are_case_insensitive() -> None:
    assert parse("/ADMIN Points ADD @bob 5 good work")[0] == ("admin", "points", "add")


def test_longest_registered_path_is_found() -> None:
    path, values = parse("/admin points add @bob 25 ran the meetup")
    assert path == ("admin", "points", "add")
    assert values == {"member": Mention("bob", "bob"), "amount": 25, "reason": "ran the meetup"}


def test_prefix_words_come_before_the_text() -> None:
    path, values = parse('submit "Dark mode" please', prefix=("idea",))
    assert path == ("idea", "submit")
    assert values == {"title": "Dark mode", "description": "please"}


def test_whole_path_may_be_in_the_prefix() -> None:
    assert parse("@carol", prefix=("rank",)) == (("rank",), {"member": Mention("carol", "carol")})


def test_unknown_command_suggests_closest() -> None:
    err = error("/thank @alice for the help")
    assert err.key == "error.unknown_command"
    assert err.params == {"command": "thank", "suggestion": "/thanks"}
    assert err.usage_path is None


def test_unknown_command_without_close_match_has_empty_suggestion() -> None:
    err = error("/zzzzzz")
    assert err.params == {"command": "zzzzzz", "suggestion": ""}


def test_unknown_subcommand_names_the_words_typed() -> None:
    err = error("/admin pionts add @bob 5 x")
    assert err.key == "error.unknown_command"
    assert err.params == {"command": "admin pionts", "suggestion": "/admin points"}


def test_unknown_prefix_is_an_unknown_command() -> None:
    assert error("submit x", prefix=("ideaz",)).key == "error.unknown_command"


def test_group_alone_is_incomplete() -> None:
    err = error("/admin points")
    assert err.key == "error.incomplete_command"
    assert err.params == {"command": "admin points", "choices": "add, remove"}


def test_empty_text_is_incomplete_with_top_level_choices() -> None:
    err = error("  ")
    assert err.key == "error.incomplete_command"
    assert err.params["choices"] == "admin, idea, leaderboard, poll, rank, thanks"


# --- quoting and the rest of the line ------------------------------------------------------


def test_design_example_poll_create() -> None:
    path, values = parse(
        '/poll create "What first?" options="Dark mode|Export|SSO" mode=ranked duration=2d'
    )
    assert path == ("poll", "create")
    assert values == {
        "question": "What first?",
        "options": ["Dark mode", "Export", "SSO"],
        "mode": "ranked",
        "duration": timedelta(days=2),
        "anonymous": False,
    }


def test_curly_quotes_work_like_straight_quotes() -> None:
    values = parse("/poll create “What first?” options=“Dark mode|Export” anonymous=yes")[1]
    assert values["question"] == "What first?"
    assert values["options"] == ["Dark mode", "Export"]
    assert values["anonymous"] is True


def test_french_guillemets_quote_text() -> None:
    assert parse("/idea submit «Mode sombre» vite")[1]["title"] == "Mode sombre"


def test_rest_of_line_that_is_one_quoted_string_loses_its_quotes() -> None:
    assert parse('/thanks @alice "for the help"')[1]["reason"] == "for the help"


def test_quotes_inside_rest_of_line_are_kept() -> None:
    assert parse('/thanks @alice for "the" help')[1]["reason"] == 'for "the" help'


def test_quoted_text_followed_by_more_options_ends_at_its_quote() -> None:
    assert parse('/idea submit "Dark mode" for night owls')[1] == {
        "title": "Dark mode",
        "description": "for night owls",
    }


def test_rest_of_line_starting_with_a_quote_keeps_it_when_nothing_follows() -> None:
    assert parse('/thanks @alice "great" talk')[1]["reason"] == '"great" talk'


def test_option_already_given_is_text_in_rest_of_line() -> None:
    assert parse("/thanks @a x member=@b")[1]["reason"] == "x member=@b"


def test_unclosed_quote_in_rest_of_line_is_text() -> None:
    assert parse('/thanks @alice for the "help')[1]["reason"] == 'for the "help'


def test_unclosed_quote_elsewhere_is_an_error() -> None:
    err = error('/idea submit "Dark mode')
    assert err.key == "error.unclosed_quote"
    assert err.usage_path == ("idea", "submit")
    assert err.params == {}


def test_unclosed_quote_in_named_value_is_an_error() -> None:
    assert error('/poll create "Q?" options="a|b').key == "error.unclosed_quote"


def test_rest_of_line_stops_at_a_declared_option_name() -> None:
    values = parse("/poll create What should we build? options=a|b mode=multi")[1]
    assert values["question"] == "What should we build?"
    assert values["options"] == ["a", "b"]
    assert values["mode"] == "multi"


def test_undeclared_name_equals_in_rest_of_line_is_text() -> None:
    assert parse("/thanks @alice fixed x=1 bug")[1]["reason"] == "fixed x=1 bug"


def test_options_in_declared_order() -> None:
    values = parse('/poll create "Best day?" "Mon|Tue" multi 1w no')[1]
    assert values == {
        "question": "Best day?",
        "options": ["Mon", "Tue"],
        "mode": "multi",
        "duration": timedelta(weeks=1),
        "anonymous": False,
    }


def test_named_option_before_positional_ones() -> None:
    values = parse("/admin points add amount=7 @bob helped out")[1]
    assert values == {"member": Mention("bob", "bob"), "amount": 7, "reason": "helped out"}


def test_option_names_are_case_insensitive() -> None:
    assert parse("/leaderboard PERIOD=Month")[1] == {"period": "month"}


def test_missing_optional_options_get_their_default() -> None:
    assert parse("/leaderboard")[1] == {"period": "week"}
    assert parse("/rank")[1] == {"member": None}
    values = parse('/poll create "Q?" a|b')[1]
    assert values["mode"] == "single"
    assert values["duration"] is None
    assert values["anonymous"] is False


def test_at_and_hash_in_text_options_are_just_text() -> None:
    assert parse("/idea submit #12 @everyone")[1] == {"title": "#12", "description": "@everyone"}


# --- Slack -------------------------------------------------------------------------


def test_slack_member_with_name() -> None:
    assert parse("rank <@U123|bob>")[1] == {"member": Mention("U123", "bob")}


def test_slack_member_without_name_uses_the_id() -> None:
    assert parse("rank <@U123>")[1] == {"member": Mention("U123", "U123")}


def test_slack_tokens_are_never_split() -> None:
    values = parse("admin channel <#C1|help desk> <!subteam^S9|@dev team>")[1]
    assert values == {"channel": ChannelMention("C1", "help desk"), "role": "dev team"}


def test_slack_escaping_is_undone_in_text() -> None:
    values = parse("thanks <@U1|ann> for &lt;b&gt; tags &amp; more")[1]
    assert values["reason"] == "for <b> tags & more"


def test_slack_escaping_is_undone_before_parsing_values() -> None:
    assert parse('idea submit "R&amp;D" x')[1]["title"] == "R&D"


def test_escaped_angle_brackets_become_plain_characters() -> None:
    err = error("rank &lt;bob&gt;")
    assert (err.key, err.params) == ("error.bad_member", {"option": "member", "value": "<bob>"})


def test_slack_mentions_inside_list_items_are_not_split() -> None:
    values = parse('poll create "Who?" options="<@U1|ann>|<@U2|bo> too"')[1]
    assert values["options"] == ["<@U1|ann>", "<@U2|bo> too"]


def test_slack_mention_in_rest_of_line_stays_raw() -> None:
    assert parse("thanks <@U1> with <@U2|bo>")[1]["reason"] == "with <@U2|bo>"


# --- option kinds --------------------------------------------------------------------


def test_channel_by_hash_name() -> None:
    assert parse("/admin channel #help")[1] == {
        "channel": ChannelMention("help", "help"),
        "role": None,
    }


@pytest.mark.parametrize("role", ["staff", "@staff", "<!subteam^S1|@staff>"])
def test_role_forms(role: str) -> None:
    assert parse(f"/admin channel #help {role}")[1]["role"] == "staff"


def test_slack_role_without_name_uses_the_id() -> None:
    assert parse("/admin channel #help <!subteam^S1>")[1]["role"] == "S1"


@pytest.mark.parametrize(("text", "number"), [("12", 12), ("#12", 12), ("#1", 1)])
def test_number_refs(text: str, number: int) -> None:
    assert parse(f"/poll close {text}")[1] == {"number": number}


def test_negative_integer_without_limits() -> None:
    assert parse("/admin points remove @bob -3")[1]["amount"] == -3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("2H", timedelta(hours=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse(f'/poll create "Q?" a|b duration={text}')[1]["duration"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("yes", True), ("ON", True), ("false", False), ("no", False), ("off", False)],
)
def test_booleans(text: str, expected: bool) -> None:
    assert parse(f'/poll create "Q?" a|b anonymous={text}')[1]["anonymous"] is expected


def test_choice_returns_the_canonical_spelling() -> None:
    assert parse('/poll create "Q?" a|b mode=RANKED')[1]["mode"] == "ranked"


def test_list_items_are_stripped_and_an_escaped_bar_stays_in_its_item() -> None:
    assert parse('/poll create "Q?" options=" a | b "')[1]["options"] == ["a", "b"]
    assert parse(r'/poll create "Q?" options="a \| b|c"')[1]["options"] == ["a | b", "c"]


@pytest.mark.parametrize("options", ["a||b", " a | |b", "a|b|", "|a|b"])
def test_an_empty_list_item_is_refused_not_dropped(options: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(f'/poll create "Q?" options="{options}"')
    assert caught.value.key == "error.empty_list_item"


def test_usage_line_marks_optional_options() -> None:
    assert usage_line(REGISTRY.get(("admin", "points", "add"))) == (
        "/admin points add <member> <amount> <reason>"
    )
    assert usage_line(REGISTRY.get(("poll", "create"))) == (
        "/poll create <question> <options> [mode] [duration] [anonymous]"
    )
    assert usage_line(REGISTRY.get(("rank",))) == "/rank [member]"


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("/thanks", "error.missing_option", {"option": "member"}),
        ("/thanks @alice", "error.missing_option", {"option": "reason"}),
        ('/thanks @alice ""', "error.missing_option", {"option": "reason"}),
        (
            '/poll create "Q?" options="|"',
            "error.empty_list_item",
            {"option": "options", "value": "|"},
        ),
        ('/poll create "Q?" a|b colour=red', "error.unknown_option", {"option": "colour"}),
        ("/leaderboard week extra words", "error.too_many_arguments", {"extra": "extra words"}),
        (
            "/admin points add @bob lots x",
            "error.bad_integer",
            {"option": "amount", "value": "lots"},
        ),
        ("/admin points add @bob 1.5 x", "error.bad_integer", {"option": "amount", "value": "1.5"}),
        (
            "/admin points add @bob 0 x",
            "error.out_of_range",
            {"option": "amount", "min": 1, "max": 10000, "value": 0},
        ),
        (
            "/admin points add @bob 10001 x",
            "error.out_of_range",
            {"option": "amount", "min": 1, "max": 10000, "value": 10001},
        ),
        (
            "/thanks @alice " + "x" * 201,
            "error.text_too_long",
            {"option": "reason", "max": 200, "length": 201},
        ),
        ('/poll create "Q" a|b', "error.text_too_short", {"option": "question", "min": 2}),
        ("/thanks alice for it", "error.bad_member", {"option": "member", "value": "alice"}),
        ("/rank @", "error.bad_member", {"option": "member", "value": "@"}),
        ("/admin channel help", "error.bad_channel", {"option": "channel", "value": "help"}),
        (
            "/leaderboard year",
            "error.bad_period",
            {"option": "period", "value": "year", "choices": "week, month, all"},
        ),
        (
            '/poll create "Q?" a|b duration=2y',
            "error.bad_duration",
            {"option": "duration", "value": "2y"},
        ),
        (
            '/poll create "Q?" a|b duration=0h',
            "error.bad_duration",
            {"option": "duration", "value": "0h"},
        ),
        (
            '/poll create "Q?" a|b duration=5m',
            "error.out_of_range",
            {"option": "duration", "min": "10m", "max": "4w2d", "value": "5m"},
        ),
        (
            '/poll create "Q?" a|b anonymous=maybe',
            "error.bad_boolean",
            {"option": "anonymous", "value": "maybe"},
        ),
        (
            '/poll create "Q?" a|b mode=approval',
            "error.bad_choice",
            {"option": "mode", "value": "approval", "choices": "single, multi, ranked, budget"},
        ),
        ("/poll close #0", "error.bad_number_ref", {"option": "number", "value": "#0"}),
        ("/poll close #general", "error.bad_number_ref", {"option": "number", "value": "#general"}),
        ("/rank @bob member=@carol", "error.duplicate_option", {"option": "member"}),
        ("/leaderboard period=week period=all", "error.duplicate_option", {"option": "period"}),
    ],
)
def test_error_keys(text: str, key: str, params: dict[str, Any]) -> None:
    err = error(text)
    assert (err.key, err.params) == (key, params)
    assert err.usage_path is not None
    assert REGISTRY.get(err.usage_path) is not None


def test_too_many_arguments_undoes_slack_escaping() -> None:
    assert error("rank <@U1> &lt;3").params == {"extra": "<3"}


def test_huge_numbers_are_bad_integers_not_crashes() -> None:
    assert error("/admin points remove @bob " + "9" * 5000).key == "error.bad_integer"


def test_huge_durations_are_bad_durations_not_crashes() -> None:
    text = '/poll create "Q?" a|b duration=' + "9999999w" * 200
    assert error(text).key == "error.bad_duration"


# --- robustness ------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "/",
        "thanks",
        "admin",
        "points",
        "add",
        "poll",
        "create",
        "close",
        "idea",
        "submit",
        "rank",
        "leaderboard",
        "channel",
        " ",
        '"',
        "“",
        "”",
        "«",
        "»",
        "=",
        "|",
        "<",
        ">",
        "<@U1|a>",
        "<#C1>",
        "<!subteam^S1|@x>",
        "&lt;",
        "&amp;",
        "@",
        "#",
        "#12",
        "-5",
        "2d",
        "mode=",
        "options=",
        "duration=",
        "member=",
        "anonymous=",
        "period=",
        "week",
        "yes",
    ]
)


@given(
    text=st.one_of(st.text(), st.lists(st.one_of(_PIECES, st.text(max_size=3))).map("".join)),
    prefix=st.sampled_from([(), ("poll",), ("idea",), ("admin", "points"), ("nope",)]),
)
def test_parse_command_raises_only_usage_errors(text: str, prefix: tuple[str, ...]) -> None:
    try:
        spec, values = parse_command(text, REGISTRY, prefix)
    except UsageError as err:
        assert err.key.startswith("error.")
        return
    assert set(values) == {o.name for o in spec.options}
