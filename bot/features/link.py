"""`/link [code|remove]`: one person's accounts on the community's platforms as one member.

`/link` gives the caller, privately, a one-time code valid `CODE_LIFETIME`; `/link CODE`
typed on the community's other platform joins that account to the member who asked for
the code: one ledger, the totals recomputed from it, ranks and badges reviewed once
(`storage.links.join` says what moves). `/link remove`, from either account, splits them
again: the account gets back what it had earned on its own. A wrong, used or expired code,
a code used on the platform it came from, or an account already linked gets a clear
message and changes nothing. Links and unlinks are written to the audit trail.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from bot import audit, i18n
from bot.actions import Action, Reply
from bot.commands import OptionKind, OptionSpec, command
from bot.context import CommandContext
from bot.errors import UserError
from storage import links as store
from storage import member_counters
from storage.models import Member

CODE_LIFETIME = timedelta(minutes=10)
# No 0/O, 1/I/L: a code is read on one screen and typed on another.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(typed: str) -> str:
    """`abcd efgh`, `ABCD-EFGH` and `abcdefgh` are one code."""
    raw = re.sub(r"[^0-9A-Za-z]", "", typed).upper()
    return f"{raw[:4]}-{raw[4:]}"


@command("link", options=(OptionSpec("code", OptionKind.TEXT, required=False, max_length=20),))
async def link(ctx: CommandContext, code: str | None) -> list[Action]:
    if ctx.caller.is_bot:
        raise UserError("link.error.bot")
    if code is None or not code.strip():
        return await _issue(ctx)
    if code.strip().lower() == "remove":
        return await _remove(ctx)
    return await _join(ctx, normalise(code))


async def _members(ctx: CommandContext, *ids: int) -> list[Member]:
    found = await member_counters.members_by_id(ctx.session, ids)
    return [found[i] for i in ids]


async def _issue(ctx: CommandContext) -> list[Action]:
    if await store.link_of(ctx.session, ctx.caller.id) is not None:
        raise UserError("link.error.already_linked")
    code = new_code()
    # Cercle's own clock, not the platform's event time: the code is typed on another
    # platform, whose clock may differ.
    expires = ctx.core.clock.now() + CODE_LIFETIME
    await store.issue_code(
        ctx.session, ctx.community.id, ctx.caller.id, ctx.platform, code, expires
    )
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return [Reply(ctx.t("link.code", code=code, minutes=minutes))]


async def _join(ctx: CommandContext, code: str) -> list[Action]:
    found = await store.find_code(ctx.session, ctx.community.id, code)
    if found is None:
        raise UserError("link.error.wrong_code", code=code)
    if found.expires_at <= ctx.core.clock.now():
        raise UserError("link.error.expired", code=code)
    if found.platform == ctx.platform or found.member_id == ctx.caller.id:
        raise UserError("link.error.same_platform")
    into, joined = await _members(ctx, found.member_id, ctx.caller.id)
    assert into.id is not None
    if await store.link_of(ctx.session, ctx.caller.id) is not None or (
        ctx.platform in await store.platforms_of(ctx.session, ctx.community.id, into.id)
    ):
        raise UserError("link.error.already_linked")
    if await store.links_into(ctx.session, ctx.caller.id):
        raise UserError("link.error.already_linked")
    await store.use_code(ctx.session, found)
    await store.join(ctx.session, into, joined, ctx.platform, ctx.invoker.user_id, ctx.at)
    await audit.by(ctx, "link", member_id=into.id, platform=ctx.platform)
    ctx.core.settings_changed(ctx.community.id)  # this account now names another member
    ctx.touch(into.id, ctx.invoker)
    points = i18n.points(ctx.community.locale, into.points)
    return [Reply(ctx.t("link.done", member=into.display_name, points=points))]


async def _remove(ctx: CommandContext) -> list[Action]:
    own = await store.link_of(ctx.session, ctx.caller.id)
    if own is None:
        # The caller may be the account the other joined, or the one who asked the code.
        joined_here = [
            link
            for link in await store.links_into(ctx.session, ctx.caller.id)
            if (link.platform, link.user_id) == (ctx.platform, ctx.invoker.user_id)
        ] or await store.links_into(ctx.session, ctx.caller.id)
        if not joined_here:
            raise UserError("link.error.not_linked")
        own = joined_here[0]
    into, joined = await _members(ctx, own.into_id, own.member_id)
    assert into.id is not None and joined.id is not None
    platform = own.platform
    await store.split(ctx.session, own, into, joined)
    await audit.by(ctx, "unlink", member_id=into.id, platform=platform)
    ctx.core.settings_changed(ctx.community.id)
    ctx.touch(into.id, None)
    ctx.touch(joined.id, None)
    locale = ctx.community.locale
    return [
        Reply(
            ctx.t(
                "link.removed",
                platform=i18n.t(locale, f"link.platform.{platform}")
                if i18n.has(f"link.platform.{platform}")
                else platform,
                points=i18n.points(locale, joined.points),
                other=i18n.points(locale, into.points),
            )
        )
    ]
