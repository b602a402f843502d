"""What only a moderator or a member reads (their /admin answers, /privacy) is written in
their own Discord language; what everyone reads stays in the community's."""

from __future__ import annotations

from typing import Any

import discord_payloads as p
import pytest
from test_commands import EPHEMERAL, MOD, ok, said

from bot.config_sections import CommunityDefaults

pytestmark = pytest.mark.backends("sqlite")

HELP = {"channels": {p.HELP: {"id": p.HELP, "name": "help", "type": 0, "permissions": "0"}}}

# (the community's language, the moderator's Discord client, what their answers say)
ENGLISH_MODERATOR_IN_FRENCH = (
    "fr",
    "en-GB",
    {
        "stats": "Community health",
        "exclude": "The channel #help now earns no points",
        "audit": "excluded the channel #help from scoring",
        "config": "Configuration of",
        "locale": "fr (config file)",
        "privacy": "Your data in this community",
        "forget": "Forget me?",
        "forgotten": "Done: Cercle has forgotten you.",
    },
)
FRENCH_MODERATOR_IN_ENGLISH = (
    "en",
    "fr",
    {
        "stats": "Santé de la communauté",
        "exclude": "Le salon #help ne rapporte plus de points",
        "audit": "a exclu le salon #help du décompte",
        "config": "Configuration de",
        "locale": "en (fichier de configuration)",
        "privacy": "Vos données dans cette communauté",
        "forget": "M'oublier",
        "forgotten": "C'est fait",
    },
)


def own(payload: dict[str, Any], locale: str) -> dict[str, Any]:
    payload["locale"] = locale
    return payload


def private(callback: Any) -> str:
    assert callback.json["data"]["flags"] & EPHEMERAL, callback.json
    return ok(callback)


@pytest.mark.parametrize(
    ("community", "client", "words"),
    [ENGLISH_MODERATOR_IN_FRENCH, FRENCH_MODERATOR_IN_ENGLISH],
    ids=["english-moderator-french-community", "french-moderator-english-community"],
)
async def test_private_admin_answers_and_privacy_follow_the_readers_own_language(
    start, community: str, client: str, words: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    harness = await start(defaults=CommunityDefaults(locale=community))

    def mod(path: tuple[str, ...], options: dict[str, Any] | None = None, **kw: Any) -> Any:
        return own(p.command(path, options, permissions=MOD, **kw), client)

    stats = await harness.interact(mod(("admin", "stats")))
    assert words["stats"] in private(stats)
    excluded = await harness.interact(
        mod(
            ("admin", "exclude", "channel"),
            {"channel": p.HELP},
            types={"channel": 7},
            resolved=HELP,
        )
    )
    assert words["exclude"] in private(excluded)
    assert words["audit"] in private(await harness.interact(mod(("admin", "audit"))))
    config = private(await harness.interact(mod(("admin", "config"))))
    # The reply is in the moderator's language; the setting it shows is the community's.
    assert words["config"] in config and f"locale {words['locale']}" in config
    assert words["privacy"] in private(await harness.interact(mod(("privacy",))))
    forget = await harness.interact(mod(("privacy",), {"action": "forget"}))
    assert words["forget"] in private(forget)
    button = forget.json["data"]["components"][0]["components"][0]["custom_id"]
    press = p.button(button, p.snowflake(), user_id="2001", name="alice")
    assert words["forgotten"] in said(await harness.interact(own(press, client)))


async def test_what_everyone_reads_stays_in_the_community_language(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(defaults=CommunityDefaults(locale="fr"))
    await harness.interact(
        own(
            p.command(
                ("admin", "points", "add"),
                {"member": "2002", "amount": 5, "reason": "merci"},
                types={"member": 6},
                resolved=p.user_option("2002", "bob"),
                permissions=MOD,
            ),
            "en-US",
        )
    )
    help_ = await harness.interact(own(p.command(("help",)), "en-US"))
    assert "Cercle commands" in said(help_)  # private: the reader's English
    board = await harness.interact(own(p.command(("leaderboard",), {"period": "all"}), "en-US"))
    assert "Classement" in said(board)  # posted for the channel: the community's French
