"""How Cercle's words read: French typography and numbering, real plurals, localised rank
and category names, one limit for a thanks reason, member text that cannot reverse a line
or hide a link."""

from __future__ import annotations

import re

import bot.core  # noqa: F401  (declares every command)
from bot import i18n
from bot.commands import REGISTRY
from bot.config import Settings
from bot.config_sections import Rank, ScoringSettings
from bot.features.ranks import rank_name
from bot.text import member_text, neutralise

NNBSP = "\u202f"


def test_french_puts_a_narrow_no_break_space_before_high_punctuation() -> None:
    wrong = {
        key: value
        for key, value in i18n.catalog("fr").items()
        if re.search(r"(?<![\u202f])[:?!;](\s|$)", re.sub(r"https?://\S+|`[^`]*`", "", value))
    }
    assert wrong == {}


def test_french_writes_a_number_one_way() -> None:
    numbering = {
        key: value
        for key, value in i18n.catalog("fr").items()
        if re.search(r"#\{(number|target|place)\}|n°(?!\u00a0)", value)
    }
    assert numbering == {}


def test_no_catalog_string_hedges_a_plural() -> None:
    for locale in i18n.LOCALES:
        hedged = {k: v for k, v in i18n.catalog(locale).items() if re.search(r"\((e?s|e)\)", v)}
        assert hedged == {}, locale
    assert i18n.plural("en", "badge.metric.solutions", 1) == "1 accepted solution"
    assert i18n.plural("fr", "badge.metric.ideas_submitted", 2) == "2 idées proposées"


def test_default_ranks_read_in_french_and_a_configured_name_wins() -> None:
    ladder = Settings().ranks
    assert rank_name(ladder[0], "fr") == "Nouveau venu"
    assert rank_name(ladder[0], "en") == "Newcomer"
    own = Rank(name="Pilot", name_fr="Pilote", min_points=0)
    assert rank_name(own, "fr") == "Pilote"
    assert rank_name(Rank(name="Pilot", min_points=0), "fr") == "Pilot"


def test_a_thanks_reason_has_one_limit_everywhere() -> None:
    spec = REGISTRY.get(("thanks",))
    assert spec is not None
    reason = next(o for o in spec.options if o.name == "reason")
    assert reason.max_length == ScoringSettings().kudos_reason_max_length == 200


def test_bidi_overrides_cannot_reverse_member_text() -> None:
    title = "\u202eevil title\u202c and \u2067isolated\u2069"
    assert member_text(title) == "evil title and isolated"


def test_a_masked_link_in_member_text_stays_visible_text() -> None:
    shown = neutralise("see [x](https://evil.example) now")
    assert "](" not in shown
    assert "[x]" in shown and "(https://evil.example)" in shown
