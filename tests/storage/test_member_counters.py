"""One list of member counters (`storage.counters`): the `member` table, the ledger and the
benchmark fixture's member rows all agree with it, so a counter added in one place and not
in the others fails here."""

from __future__ import annotations

from sqlalchemy import Column, Integer

from benchmarks import fixture
from storage import ledger
from storage.counters import DAY_COUNTERS, LEDGER_COUNTERS, MEMBER_COUNTERS
from storage.models import Member

MEMBER_TABLE = Member.__table__


def counter_like(column: Column[object]) -> bool:
    """An integer column of the member row that is neither its key nor a reference."""
    return isinstance(column.type, Integer) and not column.primary_key and not column.foreign_keys


def test_the_list_names_each_counter_once_ledger_counters_first() -> None:
    assert len(set(MEMBER_COUNTERS)) == len(MEMBER_COUNTERS)
    assert not set(LEDGER_COUNTERS) & set(DAY_COUNTERS)
    assert (*LEDGER_COUNTERS, *DAY_COUNTERS) == MEMBER_COUNTERS


def test_every_counter_is_a_member_column_and_every_counter_like_column_a_counter() -> None:
    columns = [c.name for c in MEMBER_TABLE.columns if counter_like(c)]
    # In the table's own order, which the members export and the fixture rows follow.
    assert tuple(columns) == MEMBER_COUNTERS


def test_every_counter_column_starts_at_zero_and_is_never_null() -> None:
    for name in MEMBER_COUNTERS:
        column = MEMBER_TABLE.c[name]
        assert isinstance(column.type, Integer), name
        assert column.nullable is False, name
        assert Member.model_fields[name].default == 0, name


def test_counter_like_check_sees_keys_and_references_apart() -> None:
    assert not counter_like(MEMBER_TABLE.c.id)
    assert not counter_like(MEMBER_TABLE.c.community_id)
    assert counter_like(MEMBER_TABLE.c.points)


def test_ledger_entries_move_exactly_the_ledger_counters() -> None:
    assert frozenset(LEDGER_COUNTERS) == ledger.ENTRY_COUNTERS
    assert not ledger.ENTRY_COUNTERS & set(DAY_COUNTERS)


def test_benchmark_fixture_writes_every_member_column() -> None:
    assert sorted(fixture.MEMBER_COLUMNS) == sorted(c.name for c in MEMBER_TABLE.columns)
    assert len(set(fixture.MEMBER_COLUMNS)) == len(fixture.MEMBER_COLUMNS)


def test_benchmark_fixture_counters_follow_the_list() -> None:
    history = fixture.History(2)
    for name in fixture.SUMMED:
        assert name in LEDGER_COUNTERS, name
        getattr(history, name)[1] = LEDGER_COUNTERS.index(name) + 1
    activity = fixture.Activity(active_days=7, streak=3, longest=4, last_day=9)
    counters = dict(zip(MEMBER_COUNTERS, history.counters(1, activity, 3), strict=True))
    expected = {name: LEDGER_COUNTERS.index(name) + 1 for name in fixture.SUMMED}
    expected |= {"active_days": 7, "streak_days": 3}
    # What the generated ledger never holds (ideas, polls) stays at zero.
    assert counters == {name: expected.get(name, 0) for name in MEMBER_COUNTERS}
    view = history.member_view(1, activity, 4)
    assert {name: getattr(view, name) for name in MEMBER_COUNTERS} == counters | {"streak_days": 4}
