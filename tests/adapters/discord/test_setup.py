"""Connecting, registering commands, inviting, and posting exactly once."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlparse

import discord
import discord_payloads as p
import pytest
from discord_setup import FAKE_READY, SECRETS, discord_settings

from adapters import cli
from adapters.discord import app_commands
from adapters.discord.adapter import DiscordAdapter
from adapters.discord.embeds import embed_for
from adapters.discord.invite import PERMISSIONS
from bot.actions import Card, CardField, Image, PostToChannel
from bot.commands import REGISTRY

pytestmark = pytest.mark.backends("sqlite")


async def test_rest_and_gateway_go_to_the_configured_root(harness) -> None:  # type: ignore[no-untyped-def]
    assert harness.fake.calls("GET", "^/users/@me$"), "login went to the fake"
    assert harness.fake.calls("GET", "^/gateway/bot$"), "the gateway was looked up through it"
    assert harness.fake.identified == [(0, 1)]


def test_manifest_has_every_command_with_french() -> None:
    import bot.core  # noqa: F401

    manifest = app_commands.manifest(REGISTRY)
    tops = {c["name"]: c for c in manifest}
    found: set[tuple[str, ...]] = set()

    def walk(node: dict, path: tuple[str, ...]) -> None:
        assert node["name_localizations"]["fr"]
        assert node["description_localizations"]["fr"]
        assert 1 <= len(node["description"]) <= 100 and len(node["name"]) <= 32
        subs = [o for o in node.get("options", []) if o["type"] in (1, 2)]
        if not subs:
            found.add(path)
            for option in node.get("options", []):
                assert (
                    option["name_localizations"]["fr"] and option["description_localizations"]["fr"]
                )
            required = [o["required"] for o in node.get("options", [])]
            assert required == sorted(required, reverse=True), f"{path}: required options first"
        for sub in subs:
            walk(sub, (*path, sub["name"]))

    for name, command in tops.items():
        if command["type"] == 1:
            walk(command, (name,))
    assert found == {spec.path for spec in REGISTRY.all()}
    assert tops["admin"]["default_member_permissions"] == str(1 << 5)
    assert "default_member_permissions" not in tops["rank"]
    assert tops["leaderboard"]["options"][0]["choices"][0]["name_localizations"]["fr"] == "semaine"
    menu, report = (c for c in manifest if c["type"] == 3)
    assert menu["name"] == "Mark as solution"
    assert menu["name_localizations"]["fr"] == "Marquer comme solution"
    assert report["name"] == "Report message"
    assert report["name_localizations"]["fr"] == "Signaler le message"
    submit = next(o for o in tops["idea"]["options"] if o["name"] == "submit")
    title = next(o for o in submit["options"] if o["name"] == "title")
    assert (title["min_length"], title["max_length"]) == (1, 100)
    show = next(o for o in tops["idea"]["options"] if o["name"] == "show")
    assert show["options"][0]["autocomplete"] is True


async def test_commands_synced_to_the_guild_at_start(harness) -> None:  # type: ignore[no-untyped-def]
    synced = harness.fake.calls("PUT", rf"/applications/\d+/guilds/{p.GUILD}/commands")
    assert len(synced) == 1
    assert {c["name"] for c in synced[0].body} >= {
        "rank",
        "idea",
        "poll",
        "admin",
        "Mark as solution",
    }


def test_invite_url_asks_for_exactly_what_is_needed(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert cli.main(["discord", "invite-url", "--client-id", "123456789"]) == 0
    url = urlparse(capsys.readouterr().out.strip())
    query = parse_qs(url.query)
    assert query["client_id"] == ["123456789"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted == PERMISSIONS
    assert granted.manage_roles and granted.embed_links and granted.create_public_threads
    assert not granted.administrator and not granted.manage_guild and not granted.mention_everyone


async def test_cercle_discord_sync(fake, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    monkeypatch.setenv("CERCLE_DISCORD__API_BASE_URL", fake.base_url)
    args = cli.parser().parse_args(["discord", "sync"])
    assert await args.func(args) == 0
    assert "1 server" in capsys.readouterr().out
    assert fake.calls("PUT", rf"/guilds/{p.GUILD}/commands")


async def test_a_marked_post_is_posted_once(harness) -> None:  # type: ignore[no-untyped-def]
    digest = PostToChannel(
        "discord", "general", card=Card("digest", "Week 2"), marker="digest:1:2026-01-05"
    )
    await harness.adapter.deliver(p.GUILD, digest)
    await harness.adapter.deliver(p.GUILD, digest)  # a claimed run delivered again
    posts = harness.fake.calls("POST", rf"/channels/{p.GENERAL}/messages$")
    assert len(posts) == 1
    assert posts[0].json["nonce"] and posts[0].json["enforce_nonce"] is True
    assert harness.fake.calls("GET", rf"/channels/{p.GENERAL}/messages$")  # history was read


async def test_cards_fit_discord_limits_and_carry_their_image(harness) -> None:  # type: ignore[no-untyped-def]
    big = Card(
        "stats",
        "T" * 400,
        body="B" * 5000,
        fields=tuple(CardField(f"f{i}", "v" * 2000) for i in range(30)),
        image=Image(b"\x89PNG fake", "chart.png", "Activity chart"),
    )
    embed = embed_for(big)
    assert len(embed) <= 6000 and len(embed.title or "") <= 256 and len(embed.fields) <= 25
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    await harness.adapter.deliver(p.GUILD, PostToChannel("discord", "general", card=big))
    post = harness.fake.calls("POST", rf"/channels/{p.GENERAL}/messages$")[-1].json
    assert post["files"] == ["chart.png"]
    assert post["embeds"][0]["image"]["url"] == "attachment://chart.png"


async def test_refused_privileged_intent_is_named_and_cercle_goes_on(
    fake, settings, db, clock, caplog
) -> None:  # type: ignore[no-untyped-def]
    from bot.core import Cercle

    fake.app_flags = 1 << 15  # members granted, message content not
    fake.refuse_intents = 1 << 15  # MESSAGE_CONTENT
    configured = discord_settings(settings, fake)
    core = Cercle(db, configured, clock)
    adapter = DiscordAdapter(configured, SECRETS, guild_ready_timeout=FAKE_READY)
    await adapter.start(core)
    try:
        await adapter.wait_ready(within=15)
        assert "Message Content Intent" in caplog.text
        assert adapter.missing_intents == ["message_content"]
        await fake.dispatch("MESSAGE_CREATE", p.message_create("2001", "alice", ""), p.GUILD)
        await asyncio.sleep(0.1)
        await adapter.idle()
        config = p.command(("admin", "config"), permissions=p.MANAGE_GUILD)
        await fake.dispatch("INTERACTION_CREATE", config, p.GUILD)
        await fake.wait_for("POST", f"/interactions/{config['id']}/")
        followups = await fake.wait_for("POST", f"/webhooks/\\d+/{config['token']}$")
        assert any("Message Content" in (f.json.get("content") or "") for f in followups)
    finally:
        await adapter.stop()


async def test_required_intent_refused_stops(fake, settings, db, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.core import Cercle

    fake.app_flags = 0
    fake.refuse_intents = (1 << 1) | (1 << 15)
    configured = discord_settings(settings, fake, require_privileged_intents=True)
    adapter = DiscordAdapter(configured, SECRETS, guild_ready_timeout=FAKE_READY)
    await adapter.start(Cercle(db, configured, clock))
    with pytest.raises(RuntimeError, match="privileged"):
        await adapter.wait_ready(within=15)
    await adapter.stop()
