"""The catalog: every user-facing string, in English and French.

Strings live in `bot/catalog/<locale>.toml` (and a feature's own
`bot/catalog/<feature>.<locale>.toml`) as nested tables (`[error] unknown_command =
"..."` is the key `error.unknown_command`) with `{name}` placeholders. A community's locale
picks the catalog; a key missing from French falls back to English, and a test keeps the
two catalogs complete.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from bot import formatting
from bot.text import Moment, neutralise

CATALOG_DIR = Path(__file__).parent / "catalog"
LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = str(value)
    return flat


@cache
def catalog(locale: str) -> dict[str, str]:
    """All strings of one locale, by dotted key: `<locale>.toml` and each feature's own
    `<feature>.<locale>.toml` (a key defined twice is an error)."""
    files = [CATALOG_DIR / f"{locale}.toml", *sorted(CATALOG_DIR.glob(f"*.{locale}.toml"))]
    strings: dict[str, str] = {}
    for path in files:
        with path.open("rb") as handle:
            part = _flatten(tomllib.load(handle))
        twice = strings.keys() & part.keys()
        if twice:
            raise ValueError(f"{path.name} defines again: {', '.join(sorted(twice))}")
        strings.update(part)
    return strings


def load() -> None:
    """Read every locale's catalog and CLDR data (plural rules, number symbols) now.

    Both are read on first use, which otherwise falls on a running process's first command
    in each language: some 20 ms of TOML and Babel's data files, on the event loop, while
    that member waits."""
    for locale in LOCALES:
        catalog(locale)
        points(locale, 1234)  # a plural form and a grouped number: Babel's locale data


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def has(key: str, locale: str = DEFAULT_LOCALE) -> bool:
    return key in catalog(locale) or key in catalog(DEFAULT_LOCALE)


def t(locale: str, key: str, **params: Any) -> str:
    """The string `key` in `locale`, with `params` filled in.

    Every text parameter is neutralised first: a member's name or words shown by Cercle can
    never ping @everyone, @here or anyone else, whichever message they end up in.
    """
    params = {
        k: neutralise(v) if isinstance(v, str) and not isinstance(v, Moment) else v
        for k, v in params.items()
    }
    strings = catalog(locale if locale in LOCALES else DEFAULT_LOCALE)
    template = strings.get(key)
    if template is None:
        template = catalog(DEFAULT_LOCALE).get(key, key)
    return template.format_map(_Defaulting(params))


def number(locale: str, value: int) -> str:
    """An integer with the locale's grouping (1,234 / 1 234), see `bot.formatting`."""
    return formatting.number(locale, value)


def points(locale: str, count: int) -> str:
    """`1 point`, `12 points`, `1 234 points` in the locale."""
    return plural(locale, "unit.points", count)


def plural(locale: str, key: str, count: int, **params: Any) -> str:
    """`key.<form>` for `count` by the locale's CLDR plural rules (French says "0 point",
    "1 point", "2 points"); a form the catalog lacks (French "many") falls back to
    `key.other`."""
    form = formatting.babel_locale(locale).plural_form(count)
    if not has(f"{key}.{form}", locale):
        form = "other"
    return t(locale, f"{key}.{form}", count=number(locale, count), **params)
