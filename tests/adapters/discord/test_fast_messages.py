"""The MESSAGE_CREATE fast path gives exactly the events discord.py's own objects give.

If a discord.py upgrade moves the parser table, or changes how it reads a message or a
member (names, roles, permissions, timeouts, threads, replies), these tests fail.
"""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import discord_payloads as p
import pytest
from discord.state import ConnectionState
from sqlalchemy import select

from adapters.discord import fast_messages
from benchmarks.discord_fake import snowflake, user
from bot.moderators import is_moderator
from storage.models import Member

pytestmark = pytest.mark.backends("sqlite")

ADMIN_ROLE = "1500000000000000003"
MANAGER_ROLE = "1500000000000000004"
LISTED_ROLE = "1500000000000000005"
OWNER = "1"  # the fake guild's owner
THREAD = "1600000000000000001"


@pytest.fixture
async def rich(fake, start, settings):  # type: ignore[no-untyped-def]
    """An adapter on a guild with powerful roles, a role listed as moderator by id, and a
    thread under #general."""
    guild = fake.guilds[p.GUILD]
    guild.roles["Admins"] = (ADMIN_ROLE, 1 << 3)
    guild.roles["Managers"] = (MANAGER_ROLE, 1 << 5)
    guild.roles["Listed"] = (LISTED_ROLE, 0)
    defaults = settings.defaults.model_copy(update={"moderator_roles": ["Moderators", LISTED_ROLE]})
    harness = await start(defaults=defaults)
    await harness.send(
        "THREAD_CREATE",
        {
            "id": THREAD,
            "guild_id": p.GUILD,
            "parent_id": p.GENERAL,
            "owner_id": "2001",
            "name": "build help",
            "type": 11,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": "2026-01-05T09:00:00+00:00",
                "locked": False,
            },
        },
    )
    await harness.settle()
    return harness


def variants() -> list[tuple[str, dict[str, Any]]]:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases: list[tuple[str, dict[str, Any]]] = []

    def case(name: str, payload: dict[str, Any], **member: Any) -> None:
        payload["member"].update(member)
        cases.append((name, payload))

    case("plain", p.message_create("2001", "alice", "Here is how I fixed it"))
    case("nickname", p.message_create("2001", "alice", "hello"), nick="Ali")
    no_global = p.message_create("2002", "bob", "hello")
    no_global["author"]["global_name"] = None
    case("username only", no_global)
    case("roles", p.message_create("2003", "carol", "hi", roles=(p.REGULAR_ROLE,)))
    case("unknown role", p.message_create("2003", "carol", "hi", roles=("1599999999999999999",)))
    case("moderator role by name", p.message_create("2004", "dan", "hi", roles=(p.MOD_ROLE,)))
    case("moderator role by id", p.message_create("2004", "dan", "hi", roles=(LISTED_ROLE,)))
    case("administrator", p.message_create("2005", "eve", "hi", roles=(ADMIN_ROLE,)))
    case("manage server", p.message_create("2006", "fay", "hi", roles=(MANAGER_ROLE,)))
    case(
        "manage server, timed out",
        p.message_create("2006", "fay", "hi", roles=(MANAGER_ROLE,)),
        communication_disabled_until=soon,
    )
    case(
        "manage server, timeout over",
        p.message_create("2006", "fay", "hi", roles=(MANAGER_ROLE,)),
        communication_disabled_until=past,
    )
    case(
        "administrator, timed out",
        p.message_create("2005", "eve", "hi", roles=(ADMIN_ROLE,)),
        communication_disabled_until=soon,
    )
    case("owner", p.message_create(OWNER, "owner", "hi"))
    case("reply", p.message_create("2001", "alice", "yes", reply_to=snowflake()))
    case("in a thread", p.message_create("2001", "alice", "in the thread", channel_id=THREAD))
    case("in #help", p.message_create("2001", "alice", "help", channel_id=p.HELP))
    bot = p.message_create("2007", "helper-bot", "beep")
    bot["author"] = user("2007", "helper-bot", bot=True)
    case("another bot", bot)
    starter = p.message_create("2001", "alice", "thread starter")
    starter["type"] = 21
    case("thread starter", starter)
    return cases


def slow_event(harness, payload: dict[str, Any]):  # type: ignore[no-untyped-def]
    """What on_message puts for the payload: discord.py's Message, then the translator."""
    client, translator = harness.adapter.client, harness.adapter.translator
    data = copy.deepcopy(payload)
    state = client._connection
    channel, _guild = state._get_guild_channel(data)
    return translator.message_posted(discord.Message(state=state, channel=channel, data=data))


def fast_event(harness, payload: dict[str, Any]):  # type: ignore[no-untyped-def]
    adapter = harness.adapter
    return fast_messages.posted(adapter.client, adapter.translator, copy.deepcopy(payload))


async def test_the_fast_path_is_installed_where_discord_py_looks_for_parsers(harness) -> None:  # type: ignore[no-untyped-def]
    state = harness.adapter.client._connection
    assert hasattr(ConnectionState, "parse_message_create")
    parser = state.parsers["MESSAGE_CREATE"]
    assert getattr(parser, "__qualname__", "").startswith("install.")
    # The shards read the same table (a copy would keep discord.py's parser).
    for shard in harness.adapter.client.shards.values():
        assert shard._parent.ws._discord_parsers is state.parsers


@pytest.mark.parametrize("name", [name for name, _ in variants()])
async def test_fast_and_slow_paths_give_the_same_event(rich, name: str) -> None:  # type: ignore[no-untyped-def]
    payload = dict(variants())[name]
    slow = slow_event(rich, payload)
    assert slow is not None
    assert fast_event(rich, payload) == slow


async def test_a_member_posting_again_gets_the_same_event_as_discord_py_gives(rich) -> None:  # type: ignore[no-untyped-def]
    # The fast path reuses what it worked out for a member's earlier payload: every case,
    # twice over on one connection, still matches discord.py's own objects.
    for _round in range(2):
        for name, payload in variants():
            assert fast_event(rich, payload) == slow_event(rich, payload), name


def role(role_id: str, name: str, permissions: int, position: int = 1) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "color": 0,
        "hoist": False,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
    }


async def test_a_role_change_reaches_the_next_message_of_its_members(rich) -> None:  # type: ignore[no-untyped-def]
    payload = p.message_create("2003", "carol", "hi", roles=(p.REGULAR_ROLE,))
    before = fast_event(rich, payload)
    assert before is not None and not is_moderator(before.author, ())
    assert before.author.roles == ("Regular",)

    # The role is renamed and given Manage Server; the same payload now means a moderator.
    changed = role(p.REGULAR_ROLE, "Champions", 1 << 5)
    await rich.send("GUILD_ROLE_UPDATE", {"guild_id": p.GUILD, "role": changed})
    await rich.settle()
    after = fast_event(rich, payload)
    assert after is not None and is_moderator(after.author, ())
    assert after.author.roles == ("Champions",)
    assert after == slow_event(rich, payload)

    # Deleted: the member keeps the id in their payload but no longer has the role.
    await rich.send("GUILD_ROLE_DELETE", {"guild_id": p.GUILD, "role_id": p.REGULAR_ROLE})
    await rich.settle()
    gone = fast_event(rich, payload)
    assert gone is not None and not is_moderator(gone.author, ()) and gone.author.roles == ()
    assert gone == slow_event(rich, payload)


async def test_a_new_owner_is_a_moderator_from_their_next_message(rich) -> None:  # type: ignore[no-untyped-def]
    payload = p.message_create("2001", "alice", "hi")
    first = fast_event(rich, payload)
    assert first is not None and not is_moderator(first.author, ())
    guild = rich.adapter.client.get_guild(int(p.GUILD))
    data = {
        "id": p.GUILD,
        "name": guild.name,
        "owner_id": "2001",
        "roles": [role(str(r.id), r.name, r.permissions.value, r.position) for r in guild.roles],
        "emojis": [],
        "features": [],
    }
    await rich.send("GUILD_UPDATE", data)
    await rich.settle()
    assert guild.owner_id == 2001
    now = fast_event(rich, payload)
    assert now is not None and is_moderator(now.author, ())
    assert now == slow_event(rich, payload)


async def test_what_the_fast_path_does_not_cover_goes_to_discord_py(rich) -> None:  # type: ignore[no-untyped-def]
    webhook = p.message_create("2001", "alice", "from a webhook")
    webhook["webhook_id"] = "1700000000000000001"
    del webhook["member"]
    pinned = p.message_create("2001", "alice", "")
    pinned["type"] = 6  # "alice pinned a message": not a contribution
    unknown_channel = p.message_create("2001", "alice", "hi", channel_id="1499999999999999999")
    direct = p.message_create("2001", "alice", "hi")
    del direct["guild_id"], direct["member"]
    for payload in (webhook, pinned, unknown_channel, direct):
        with pytest.raises(fast_messages._Slow):
            fast_event(rich, payload)
    assert slow_event(rich, pinned) is None


async def test_messages_on_both_paths_score(rich) -> None:  # type: ignore[no-untyped-def]
    # Ten minutes apart, past any cooldown.
    at = time.time() * 1000
    fast = p.message_create("2001", "alice", "The Windows fix", at_ms=at - 1_200_000)
    slow = p.message_create("2001", "alice", "The Linux fix, for the record", at_ms=at - 600_000)
    slow["webhook_id"] = "1700000000000000001"  # only to take discord.py's own parser
    await rich.send("MESSAGE_CREATE", fast)
    await rich.send("MESSAGE_CREATE", slow)
    own = p.message_create(rich.fake.application_id, "Cercle", "a card, not a contribution")
    await rich.send("MESSAGE_CREATE", own)
    await rich.settle()
    async with rich.core.db.transaction() as session:
        rows = (await session.scalars(select(Member).order_by(Member.id))).all()
    assert [(m.origin, m.points, m.messages) for m in rows] == [("discord:2001", 2, 2)]
