"""`/link` end to end, in one process: a community spans a Discord guild (the protocol
fake) and a Slack workspace (the fake Web API), both adapters on one core. A code asked
for on Discord and typed on Slack joins alice's two accounts into one member (one ledger,
one total, nothing counted twice); `/link remove` splits them again; wrong, reused,
same-platform and expired codes are refused and change nothing. Runs on both databases."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from slack_fakes import TEAM, FakeSlackApi, Seen, SlackApp
from sqlalchemy import func, select

from adapters.discord.adapter import DiscordAdapter
from benchmarks.discord_fake import FakeDiscord, FakeGuild
from bot.clock import ManualClock
from bot.config import Settings, SlackSettings
from bot.config_process import DiscordSettings
from bot.config_sections import CommunityEntry
from bot.core import Cercle
from storage.db import Database
from storage.models import Contribution, Identity, Member
from storage.models.audit import AuditEntry
from tests.adapters.discord import discord_payloads as p
from tests.adapters.discord.discord_setup import FAKE_READY, SECRETS
from tests.e2e.conftest import take_snapshot

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")
DISCORD_ALICE, DISCORD_BOB = "2001", "2002"


class Both:
    """One core, its Discord adapter on the fake gateway and its Slack app over HTTP."""

    def __init__(self, core: Cercle, fake: FakeDiscord, discord: DiscordAdapter, slack: SlackApp):
        self.core, self.fake, self.discord, self.slack = core, fake, discord, slack

    async def on_discord(
        self, path: tuple[str, ...], options: dict[str, Any] | None = None, **who: Any
    ) -> str:
        payload = p.command(path, options, **who)
        await self.fake.dispatch("INTERACTION_CREATE", payload, p.GUILD)
        calls = await self.fake.wait_for("POST", f"/interactions/{payload['id']}/", within=10)
        await asyncio.sleep(0.05)
        await self.discord.idle()
        data = calls[0].json.get("data") or {}
        assert data.get("flags", 0) & (1 << 6), data  # ephemeral: only the caller sees it
        parts = [data.get("content") or ""]
        for embed in data.get("embeds", []):
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        return "\n".join(parts)

    async def on_slack(self, text: str, user: str = "UALICE") -> str:
        seen = Seen(self.slack.api)
        seen.new()
        status, _ = await self.slack.command("/cercle", text, user=user)
        assert status == 200
        shown = seen.new()
        assert [kind for kind, _ in shown] == ["ephemeral"], shown
        return shown[0][1]


@pytest.fixture
async def both(db: Database, clock: ManualClock) -> AsyncIterator[Both]:
    fake = await FakeDiscord(
        [FakeGuild(id=p.GUILD, name="Acme", channels={"general": p.GENERAL})]
    ).start()
    api = FakeSlackApi()
    await api.start()
    settings = Settings(
        slack=SlackSettings(api_base_url=api.url),
        discord=DiscordSettings(api_base_url=fake.base_url),
        communities=[CommunityEntry(name="acme", spaces={"discord": p.GUILD, "slack": TEAM})],
    )
    core = Cercle(db, settings, clock)
    discord = DiscordAdapter(settings, SECRETS, guild_ready_timeout=FAKE_READY)
    await discord.start(core)
    await discord.wait_ready(within=15)
    try:
        async with SlackApp(core, settings, api) as slack:
            yield Both(core, fake, discord, slack)
    finally:
        await discord.stop()
        await fake.stop()
        await api.close()


async def member_of(db: Database, platform: str, user_id: str) -> Member:
    async with db.transaction() as session:
        found = await session.scalar(
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.platform == platform, Identity.user_id == user_id)
        )
    assert found is not None
    return found


async def ledger_sum(db: Database, member_id: int) -> int:
    async with db.transaction() as session:
        total = await session.scalar(
            select(func.coalesce(func.sum(Contribution.points), 0)).where(
                Contribution.member_id == member_id
            )
        )
    return int(total or 0)


def points_in(text: str) -> int:
    match = re.search(r"Points\W*([\d,\u202f\u00a0 ]+)\s*points?", text)
    assert match, text
    return int(re.sub(r"\D", "", match.group(1)))


async def earn(both: Both) -> None:
    """alice is thanked on Slack, so her Slack account has points of its own."""
    await both.slack.command("/cercle", "thanks <@UALICE|alice> for the Slack fix", user="UBOB")
    await both.slack.command("/cercle", "thanks <@UALICE|alice> for the second fix", user="UCAROL")


async def test_a_code_from_discord_joins_alices_slack_account_into_one_member(both, db):
    await earn(both)
    # bob thanks alice on Discord too (a member option, resolved as Discord sends it).
    resolved = {
        "users": {
            DISCORD_ALICE: {
                "id": DISCORD_ALICE,
                "username": "alice",
                "discriminator": "0",
                "avatar": None,
                "global_name": None,
            }
        }
    }
    payload_who = {"user_id": DISCORD_BOB, "name": "bob"}
    seen = p.command(
        ("thanks",),
        {"member": DISCORD_ALICE, "reason": "for the Discord fix"},
        types={"member": 6},
        resolved=resolved,
        **payload_who,
    )
    await both.fake.dispatch("INTERACTION_CREATE", seen, p.GUILD)
    await both.fake.wait_for("POST", f"/interactions/{seen['id']}/", within=10)
    await both.discord.idle()

    on_discord = await member_of(db, "discord", DISCORD_ALICE)
    on_slack = await member_of(db, "slack", "UALICE")
    assert on_discord.id != on_slack.id
    assert on_discord.points > 0 and on_slack.points > 0
    total = on_discord.points + on_slack.points
    kudos = on_discord.kudos_received + on_slack.kudos_received
    assert kudos == 3

    asked = await both.on_discord(("link",), user_id=DISCORD_ALICE, name="alice")
    code = CODE.search(asked)
    assert code, asked
    assert "10 minutes" in asked

    before = await take_snapshot(db)
    wrong = await both.on_slack("link ABCD-EFGH")
    assert "`ABCD-EFGH` is not a link code here" in wrong
    same = await both.on_discord(
        ("link",), {"code": code.group()}, user_id=DISCORD_ALICE, name="alice"
    )
    assert "type it on the community's other platform" in same
    assert await take_snapshot(db) == before

    done = await both.on_slack(f"link {code.group().lower().replace('-', ' ')}")
    assert "Your accounts are linked" in done
    one = await member_of(db, "slack", "UALICE")
    assert one.id == on_discord.id == (await member_of(db, "discord", DISCORD_ALICE)).id
    assert one.points == total == await ledger_sum(db, one.id)
    assert one.kudos_received == kudos
    assert (await member_of(db, "slack", "UALICE")).points == total
    # Both platforms show the one total.
    assert points_in(await both.on_slack("rank")) == total
    assert points_in(await both.on_discord(("rank",), user_id=DISCORD_ALICE, name="alice")) == total

    # The code is used up.
    again = await both.on_slack(f"link {code.group()}", user="UCAROL")
    assert "is not a link code here" in again

    # Thanks from Slack now count once, for the one member.
    await both.slack.command("/cercle", "thanks <@UALICE|alice> for more help", user="UBOB")
    after_link = (await member_of(db, "discord", DISCORD_ALICE)).points
    assert after_link > total
    assert after_link == await ledger_sum(db, one.id)

    # Unlinking: the Slack account gets back what it had earned on Slack before the link.
    removed = await both.on_slack("link remove")
    assert "Your Slack account is unlinked" in removed
    slack_again = await member_of(db, "slack", "UALICE")
    discord_again = await member_of(db, "discord", DISCORD_ALICE)
    assert slack_again.id == on_slack.id and discord_again.id == on_discord.id
    assert slack_again.points == on_slack.points == await ledger_sum(db, slack_again.id)
    assert discord_again.points == after_link - on_slack.points
    assert discord_again.points == await ledger_sum(db, discord_again.id)
    assert slack_again.kudos_received == on_slack.kudos_received
    not_linked = await both.on_slack("link remove")
    assert "is not linked to another one" in not_linked

    async with db.transaction() as session:
        kinds = list(await session.scalars(select(AuditEntry.kind).order_by(AuditEntry.id)))
    assert kinds == ["link", "unlink"]


async def test_an_expired_code_is_refused_and_changes_nothing(both, db, clock):
    asked = await both.on_discord(("link",), user_id=DISCORD_ALICE, name="alice")
    code = CODE.search(asked)
    assert code
    await both.on_slack("rank")  # alice's Slack account exists
    clock.advance(timedelta(minutes=10, seconds=1))
    before = await take_snapshot(db)
    expired = await both.on_slack(f"link {code.group()}")
    assert f"The code `{code.group()}` has expired" in expired
    assert await take_snapshot(db) == before
    assert (await member_of(db, "slack", "UALICE")).id != (
        await member_of(db, "discord", DISCORD_ALICE)
    ).id
