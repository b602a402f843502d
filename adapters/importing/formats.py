"""Each source's file format, read into `Player` rows, or refused with the row and field.

- `mee6`: the leaderboard JSON MEE6 serves (`{"players": [{"id", "username", "xp",
  "level", ...}]}`), one page, or a list of pages (a JSON array of such objects).
- `amari`: Amari's guild leaderboard JSON (`{"data": [{"id", "username", "exp", "level",
  "weeklyExp"}], "count", "total_count"}`), one page or a list of pages.
- `levelup`: the Red LevelUp cog's (vrt-cogs, v4 data model) guild backup, whose `users`
  map a user id to a profile (`xp`, `level`, `messages`, ...); the whole cog data
  (`{"configs": {guild id: {...}}}`) is accepted when it holds one guild.
- `polaris`: Polaris's "export XP" file (`{"settings": {...}, "users": {user id:
  {"xp", ...}}}`).
- `csv`: `platform,user_id,name,points` with a header; points are Cercle points already.

Weekly figures (`weeklyExp`, LevelUp's `users_weekly`) are ignored: imported standing
counts for all time only.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

SOURCES = ("mee6", "amari", "levelup", "polaris", "csv")
# Discord user ids (snowflakes) are all digits; a CSV may name other platforms' ids.
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")
_PLATFORM = re.compile(r"[a-z][a-z0-9_]*")


class BadFile(Exception):
    """A file that cannot be imported; the message names the row and the field."""


@dataclass(frozen=True, slots=True)
class Player:
    """One member as the source file knows them: `xp` in the source's unit (points for
    CSV), `platform` the account's platform (Discord for every bot's export)."""

    platform: str
    user_id: str
    name: str
    xp: float
    level: int | None = None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadFile(f"line {error.lineno}: not JSON ({error.msg})") from None


def _pages(data: Any, key: str, source: str) -> Iterator[tuple[int, Any]]:
    """The rows of one page or a list of pages, numbered from 1 across pages."""
    pages = data if isinstance(data, list) else [data]
    number = 0
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get(key), list):
            raise BadFile(f"not a {source} leaderboard: no {key!r} list")
        for row in page[key]:
            number += 1
            yield number, row


def _user_id(where: str, value: Any) -> str:
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if not _SNOWFLAKE.fullmatch(text):
        raise BadFile(f"{where}, field id: {value!r} is not a Discord user id")
    return text


def _number(where: str, field: str, value: Any, required: bool = True) -> float | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadFile(f"{where}, field {field}: {value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise BadFile(f"{where}, field {field}: {value!r} is not a number") from None
    if number != number or number < 0 or number == float("inf"):
        raise BadFile(f"{where}, field {field}: {value!r} is not a number of 0 or more")
    return number


def _name(row: dict[str, Any], *fields: str) -> str:
    for field in fields:
        value = row.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _leaderboard(text: str, source: str, key: str, xp_field: str) -> list[Player]:
    players = []
    for number, row in _pages(_json(text), key, source):
        where = f"player {number}"
        if not isinstance(row, dict):
            raise BadFile(f"{where}: not an object")
        if "id" not in row:
            raise BadFile(f"{where}, field id: missing")
        if xp_field not in row:
            raise BadFile(f"{where}, field {xp_field}: missing")
        level = _number(where, "level", row.get("level"), required=False)
        players.append(
            Player(
                "discord",
                _user_id(where, row["id"]),
                _name(row, "username", "name"),
                _number(where, xp_field, row[xp_field]) or 0.0,
                int(level) if level is not None else None,
            )
        )
    return players


def _profiles(users: Any, where: str) -> list[Player]:
    if not isinstance(users, dict):
        raise BadFile(f"{where}: no 'users' object")
    players = []
    for key, profile in users.items():
        row = f"user {key}"
        user_id = _user_id(row, key)
        if not isinstance(profile, dict):
            raise BadFile(f"{row}: not an object")
        if "xp" not in profile:
            raise BadFile(f"{row}, field xp: missing")
        level = _number(row, "level", profile.get("level"), required=False)
        players.append(
            Player(
                "discord",
                user_id,
                _name(profile, "username", "name"),
                _number(row, "xp", profile["xp"]) or 0.0,
                int(level) if level is not None else None,
            )
        )
    return players


def _levelup(text: str) -> list[Player]:
    data = _json(text)
    if isinstance(data, dict) and "configs" in data and "users" not in data:
        guilds = data["configs"]
        if not isinstance(guilds, dict) or len(guilds) != 1:
            count = len(guilds) if isinstance(guilds, dict) else 0
            raise BadFile(
                f"field configs: the LevelUp data holds {count} guilds; "
                "export the one guild to import"
            )
        data = next(iter(guilds.values()))
    if not isinstance(data, dict):
        raise BadFile("not a LevelUp guild backup: no 'users' object")
    return _profiles(data.get("users"), "not a LevelUp guild backup")


def _polaris(text: str) -> list[Player]:
    data = _json(text)
    if not isinstance(data, dict):
        raise BadFile("not a Polaris export: no 'users' object")
    return _profiles(data.get("users"), "not a Polaris export")


def _csv(text: str) -> list[Player]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(f or "").strip().lower() for f in reader.fieldnames or ()]
    missing = [f for f in ("platform", "user_id", "name", "points") if f not in header]
    if missing:
        raise BadFile(f"line 1: the header lacks {', '.join(missing)}")
    players = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        where = f"line {line}"
        platform = row.get("platform", "").lower()
        if not _PLATFORM.fullmatch(platform):
            raise BadFile(f"{where}, field platform: {row.get('platform')!r} is not a platform")
        user_id = row.get("user_id", "")
        if not user_id or len(user_id) > 64:
            raise BadFile(f"{where}, field user_id: missing or too long")
        points = _number(where, "points", row.get("points") or None)
        players.append(Player(platform, user_id, row.get("name", ""), points or 0.0))
    return players


def read(source: str, text: str) -> list[Player]:
    """The players of an exported file, or `BadFile` naming the first bad row and field."""
    if source == "mee6":
        players = _leaderboard(text, "MEE6", "players", "xp")
    elif source == "amari":
        players = _leaderboard(text, "Amari", "data", "exp")
    elif source == "levelup":
        players = _levelup(text)
    elif source == "polaris":
        players = _polaris(text)
    elif source == "csv":
        players = _csv(text)
    else:
        raise BadFile(f"unknown source {source!r} (one of {', '.join(SOURCES)})")
    return list(_unique(players))


def _unique(players: Iterable[Player]) -> Iterator[Player]:
    """One row per account: a member on two pages (the leaderboard moved between two
    page reads) keeps the higher figure."""
    best: dict[tuple[str, str], Player] = {}
    for player in players:
        key = (player.platform, player.user_id)
        known = best.get(key)
        if known is None or player.xp > known.xp:
            best[key] = player
    return iter(best.values())
