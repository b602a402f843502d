"""`/privacy [hide|show|export|forget]`: what Cercle keeps about a member, and their say
over it.

`/privacy` alone shows what is kept (counts), the member's visibility, their linked
accounts and the three commands; `hide` / `show` take them off (or back on) every list
that names members; `export` sends them a JSON file of everything stored about them, by
DM; `forget` asks for a confirmation (a `Forget me` button only they can press), then
erases them (`storage.privacy.forget`). The same export and forget serve operators who
answer a request by email (`cercle privacy export|forget`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.actions import Action, Button, Card, CardField, Reply, SendFile
from bot.commands import OptionKind, OptionSpec, command
from bot.community import CommunityView, privacy_of
from bot.context import CommandContext
from bot.i18n import number
from bot.interactions import button
from bot.jobs import planner
from bot.ports import erase_accounts
from bot.services import Services
from storage import privacy as store
from storage.models import Member

ACTIONS = ("hide", "show", "export", "forget")
COUNTED = ("contributions", "ideas", "votes", "ballots", "thanks")


def export_filename(slug: str, name: str) -> str:
    """`cercle-<community>-<name>.json`, safe as a file name on every platform."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "member"
    return f"cercle-{slug}-{safe[:60]}.json"


async def export_file(session: AsyncSession, view: CommunityView, member_id: int) -> bytes:
    """Everything stored about the member, as an indented UTF-8 JSON document."""
    data = {"community": view.slug, **await store.everything(session, member_id)}
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


async def _status(ctx: CommandContext) -> list[Action]:
    member = await ctx.session.get(Member, ctx.caller.id)
    assert member is not None
    counts = await store.summary(ctx.session, ctx.caller.id)
    accounts = await store.identities(ctx.session, ctx.caller.id)
    locale = ctx.community.locale
    kept = ", ".join(
        ctx.t(f"privacy.count.{name}", n=number(locale, counts[name])) for name in COUNTED
    )
    seen = "hidden" if member.hidden else "public"
    card = Card(
        kind="privacy",
        title=ctx.t("privacy.title"),
        body=ctx.t("privacy.intro"),
        fields=(
            CardField(ctx.t("privacy.field.kept"), kept),
            CardField(ctx.t("privacy.field.visibility"), ctx.t(f"privacy.visibility.{seen}")),
            CardField(
                ctx.t("privacy.field.accounts"),
                ", ".join(f"{platform} {user_id}" for platform, user_id in accounts),
            ),
            CardField(ctx.t("privacy.field.commands"), ctx.t("privacy.commands")),
        ),
    )
    return [Reply(card=card)]


@command(
    "privacy",
    options=(OptionSpec("action", OptionKind.CHOICE, required=False, choices=ACTIONS),),
    private=True,
)
async def privacy(ctx: CommandContext, action: str | None) -> list[Action]:
    if action is None:
        return await _status(ctx)
    if action in ("hide", "show"):
        await store.set_visibility(
            ctx.session, ctx.caller.id, "hidden" if action == "hide" else "public"
        )
        return [Reply(ctx.t(f"privacy.{action}_done"))]
    if action == "export":
        data = await export_file(ctx.session, ctx.community, ctx.caller.id)
        await audit.by(ctx, "export", member_id=ctx.caller.id)
        return [
            SendFile(
                ctx.platform,
                ctx.invoker.user_id,
                ctx.invoker.name,
                ctx.t("privacy.export.dm"),
                export_filename(ctx.community.slug, ctx.caller.name),
                data,
            ),
            Reply(ctx.t("privacy.export.sent")),
        ]
    card = Card(
        kind="privacy_forget",
        title=ctx.t("privacy.forget.title"),
        body=ctx.t("privacy.forget.body"),
        buttons=(
            Button(ctx.t("privacy.forget.button"), f"privacy:forget:{ctx.caller.id}", "danger"),
        ),
    )
    return [Reply(card=card)]


@button("privacy", private=True)
async def press(ctx: CommandContext, parts: list[str]) -> list[Action]:
    """`privacy:forget:<member id>`: only that member's own press forgets them."""
    if len(parts) != 2 or parts[0] != "forget" or not parts[1].isdigit():
        return [Reply(ctx.t("error.unknown_button"))]
    if int(parts[1]) != ctx.caller.id:
        return [Reply(ctx.t("privacy.forget.not_yours"))]
    await forget_member(ctx.session, ctx.community, ctx.caller.id)
    # The trail keeps the member's number only: the stub it names has no name any more.
    await audit.by(ctx, "forget", member_id=ctx.caller.id)
    ctx.core.settings_changed(ctx.community.id)
    return [Reply(ctx.t("privacy.forget.done"))]


async def forget_member(session: AsyncSession, view: CommunityView, member_id: int) -> None:
    """Erase the member (see `storage.privacy.forget`), and what the platforms keep of their
    own about the member's accounts; the caller clears what its process cached about the
    community's members, so the account is a stranger again."""
    accounts = await store.forget(session, member_id)
    await erase_accounts(session, view.id, accounts)


@planner
async def forget_departed(core: Services, session: AsyncSession, now: datetime) -> None:
    """`privacy.forget_departed_after_days`: members who left that long ago and did not come
    back are forgotten, as by `/privacy forget` (checked on every scheduler tick)."""
    settings = core.settings
    slugs = {entry.name for entry in settings.communities}
    days = {slug: privacy_of(slug, settings).forget_departed_after_days for slug in slugs}
    default = settings.privacy.forget_departed_after_days
    known = [d for d in (*days.values(), default) if d is not None]
    if not known:
        return
    forgotten: set[int] = set()
    for member_id, community_id, slug, left_at in await store.departed_before(
        session, now - timedelta(days=min(known))
    ):
        wait = days.get(slug, default)
        if wait is not None and left_at <= now - timedelta(days=wait):
            accounts = await store.forget(session, member_id)
            await erase_accounts(session, community_id, accounts)
            await audit.record(
                session,
                community_id,
                "forget",
                at=now,
                actor_id=None,
                member_id=member_id,
                departed_days=wait,
            )
            forgotten.add(community_id)
    for community_id in forgotten:
        core.settings_changed(community_id)
