"""What the core names after member counters agrees with `storage.counters`: badge
metrics, the members export and the rank requirements."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot import exports
from bot.config import BADGE_METRICS, Badge, Rank
from bot.features import ranks
from storage.counters import MEMBER_COUNTERS


def test_badge_metrics_are_exactly_the_member_counters() -> None:
    assert sorted(BADGE_METRICS) == sorted(MEMBER_COUNTERS)
    for metric in MEMBER_COUNTERS:
        assert Badge(key="b", name="B", metric=metric, threshold=1).metric == metric
    with pytest.raises(ValidationError):
        Badge(key="b", name="B", metric="display_name", threshold=1)  # type: ignore[arg-type]


def test_members_export_columns_are_unchanged() -> None:
    assert exports.MEMBER_FIELDS == (
        "member_id",
        "name",
        "accounts",
        "customer_id",
        "account",
        "points",
        "rank",
        "messages",
        "solutions",
        "kudos_received",
        "kudos_given",
        "ideas_submitted",
        "ideas_shipped",
        "poll_votes",
        "events_attended",
        "active_days",
        "last_active_day",
        "joined_at",
        "left_at",
        "is_bot",
        "excluded",
    )


def test_members_export_carries_every_counter_but_the_ones_it_leaves_out() -> None:
    exported = [name for name in exports.MEMBER_FIELDS if name in MEMBER_COUNTERS]
    assert set(MEMBER_COUNTERS) >= exports.UNEXPORTED_COUNTERS
    assert exported == [c for c in MEMBER_COUNTERS if c not in exports.UNEXPORTED_COUNTERS]


def test_every_rank_setting_is_a_requirement_on_a_member_counter() -> None:
    settings = {name for name in Rank.model_fields if name.startswith("min_")}
    # All-time requirements on member counters, and the rolling-window ones of the trust
    # ladder (read from the ledger over their window).
    assert settings == {f"min_{name}" for name in (*ranks.REQUIREMENTS, *ranks.WINDOWED)}
    assert set(ranks.REQUIREMENTS.values()) <= set(MEMBER_COUNTERS)


def test_rank_requirements_name_their_counters() -> None:
    rank = Rank(name="All", min_points=1, min_active_days=2, min_solutions=3, min_kudos=4)
    assert ranks.requirements(rank) == (
        ("points", "points", 1),
        ("active_days", "active_days", 2),
        ("solutions", "solutions", 3),
        ("kudos", "kudos_received", 4),
    )
    assert ranks.requirements(Rank(name="Some", min_points=0, min_kudos=2)) == (
        ("kudos", "kudos_received", 2),
    )
