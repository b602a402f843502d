"""Reading a ballot from what a member typed or pressed: pure functions.

A ballot is a tuple of *marks* `(option index, weight)`, sorted by index: the weight is 1
for single and multiple choice, the preference rank for ranked choice (1 is the first
choice) and the points given for a budget poll. Typed ballots (`/poll vote 3 ...`):

- single: one option;
- multi: options separated by `|` (`Export|SSO`);
- ranked: options in order of preference separated by `>` (`Export>SSO`); options left
  out rank after all of them, i.e. the ballot is exhausted once its ranked options are out;
- budget: `option:points` items separated by `|` (`Export:5|SSO:3`), whole points, none
  negative, at least one point in all and at most the poll's budget.

An option is named by its label (case and spacing ignored) or by its position (`2` or
`#2`); a label wins over a position, so an option labelled `2024` is always that option.
Naming an option twice is refused rather than guessed. Every mistake is a `UserError`
whose key starts with `poll.error.`; the caller adds the poll's number and options.

Buttons edit the current ballot: single sets the vote, multi toggles the option, ranked
appends the option to the ranking (or takes it out when it is already ranked) and budget
adds one point to the option while points are left.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.errors import UserError

Marks = tuple[tuple[int, int], ...]

_POSITION = re.compile(r"#?([0-9]{1,3})")
_POINTS = re.compile(r"[+-]?[0-9]{1,9}")


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def resolve_option(labels: Sequence[str], text: str) -> int:
    """The index of the option `text` names, by label first, then by position."""
    wanted = _key(text)
    for index, label in enumerate(labels):
        if _key(label) == wanted:
            return index
    if match := _POSITION.fullmatch(wanted):
        position = int(match.group(1))
        if 1 <= position <= len(labels):
            return position - 1
    raise UserError("poll.error.unknown_option", value=" ".join(text.split()))


def _items(text: str, separator: str) -> list[str]:
    """The non-empty items of `text` (a stray or doubled separator is forgiven)."""
    return [item.strip() for item in text.split(separator) if item.strip()]


def _distinct(labels: Sequence[str], indexes: list[int]) -> list[int]:
    seen: set[int] = set()
    for index in indexes:
        if index in seen:
            raise UserError("poll.error.named_twice", value=labels[index])
        seen.add(index)
    return indexes


def parse_ballot(mode: str, labels: Sequence[str], text: str, budget: int) -> Marks:
    """The marks of a typed ballot; `UserError` for anything that is not a valid one."""
    text = text.strip()
    if not text:
        raise UserError("poll.error.empty_ballot")
    if mode == "single":
        return _single(labels, text)
    if mode == "multi":
        chosen = _distinct(labels, [resolve_option(labels, i) for i in _items(text, "|")])
        if not chosen:
            raise UserError("poll.error.empty_ballot")
        return tuple(sorted((i, 1) for i in chosen))
    if mode == "ranked":
        if "|" in text and ">" not in text:
            raise UserError("poll.error.ranked_separator")
        ranking = _distinct(labels, [resolve_option(labels, i) for i in _items(text, ">")])
        if not ranking:
            raise UserError("poll.error.empty_ballot")
        return tuple(sorted((index, rank) for rank, index in enumerate(ranking, start=1)))
    if mode == "budget":
        return _budget(labels, text, budget)
    raise ValueError(f"unknown poll mode {mode!r}")


def _single(labels: Sequence[str], text: str) -> Marks:
    try:
        return ((resolve_option(labels, text), 1),)
    except UserError:
        # `Export|SSO` in a single-choice poll: say there is one choice, not "unknown".
        if any(sep in text for sep in "|>"):
            raise UserError("poll.error.one_choice") from None
        raise


def _budget(labels: Sequence[str], text: str, budget: int) -> Marks:
    given: dict[int, int] = {}
    for item in _items(text, "|"):
        name, colon, amount = item.rpartition(":")
        amount = amount.strip()
        if not colon or not name.strip() or not _POINTS.fullmatch(amount):
            raise UserError("poll.error.budget_item", value=item)
        points = int(amount)
        if points < 0:
            raise UserError("poll.error.negative_points", value=item)
        index = resolve_option(labels, name)
        if index in given:
            raise UserError("poll.error.named_twice", value=labels[index])
        given[index] = points
    total = sum(given.values())
    if total > budget:
        raise UserError("poll.error.over_budget", total=total, budget=budget)
    if total == 0:
        raise UserError("poll.error.no_points", budget=budget)
    return tuple(sorted((i, p) for i, p in given.items() if p > 0))


def press(mode: str, current: Marks, index: int, budget: int) -> Marks:
    """The ballot after pressing option `index`'s button; `()` means no ballot any more."""
    if mode == "single":
        return ((index, 1),)
    if mode == "multi":
        chosen = {i for i, _ in current} ^ {index}
        return tuple(sorted((i, 1) for i in chosen))
    if mode == "ranked":
        ranking = [i for i in ranking_of(current) if i != index]
        if len(ranking) == len(current):  # it was not ranked yet: it goes last
            ranking.append(index)
        return tuple(sorted((i, rank) for rank, i in enumerate(ranking, start=1)))
    if mode == "budget":
        points = dict(current)
        if sum(points.values()) >= budget:
            raise UserError("poll.error.budget_spent", budget=budget)
        points[index] = points.get(index, 0) + 1
        return tuple(sorted(points.items()))
    raise ValueError(f"unknown poll mode {mode!r}")


def ranking_of(marks: Marks) -> list[int]:
    """The options of a ranked ballot, most preferred first."""
    return [i for i, _ in sorted(marks, key=lambda mark: mark[1])]


def points_of(marks: Marks) -> dict[int, int]:
    return dict(marks)
