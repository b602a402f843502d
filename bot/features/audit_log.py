"""`/admin audit [member] [kind] [period]`: the newest entries of the audit trail, for
moderators only, a page at a time.

Each page is an ephemeral card of `PAGE_SIZE` lines (when, who, what, about whom, why),
newest first, with an `Older` button when more entries match. The button's id carries the
filters and where the page ended (`audit:<before id>:<member id>:<kind>:<period>`), so it
works after a restart on every platform; pressing it is checked as a moderator command
again. Nothing here writes to the trail: no command can change or remove an entry.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time

from bot import audit, formatting, i18n
from bot.actions import Action, Button, Card, Reply
from bot.commands import PERIODS, Mention, OptionKind, OptionSpec, Permission, command
from bot.context import CommandContext
from bot.errors import NotAllowed, UserError
from bot.features.leaderboards import period_label, period_start
from bot.interactions import button
from bot.text import member_text
from storage import audit as store
from storage import member_counters
from storage.models.audit import AuditEntry

PAGE_SIZE = 10
NONE = "-"


@command(
    "admin",
    "audit",
    permission=Permission.MODERATOR,
    options=(
        OptionSpec("member", OptionKind.MEMBER, required=False),
        OptionSpec("kind", OptionKind.CHOICE, required=False, choices=audit.KINDS),
        OptionSpec("period", OptionKind.PERIOD, required=False, choices=PERIODS, default="all"),
    ),
    private=True,
)
async def show(
    ctx: CommandContext, member: Mention | None, kind: str | None, period: str
) -> list[Action]:
    member_id = (await ctx.member(member))[0].id if member is not None else None
    return [Reply(card=await _page(ctx, member_id, kind, period, None))]


@button("audit", private=True)
async def older(ctx: CommandContext, parts: list[str]) -> list[Action]:
    if not ctx.is_moderator:  # the button is a moderator command too
        raise NotAllowed("error.moderators_only", command="/admin audit")
    try:
        before, member, kind, period = parts
        before_id = int(before)
        member_id = None if member == NONE else int(member)
    except ValueError:
        raise UserError("error.unknown_button") from None
    chosen = None if kind == NONE else kind
    if (chosen is not None and chosen not in audit.KINDS) or period not in PERIODS:
        raise UserError("error.unknown_button")
    return [Reply(card=await _page(ctx, member_id, chosen, period, before_id))]


async def _page(
    ctx: CommandContext,
    member_id: int | None,
    kind: str | None,
    period: str,
    before_id: int | None,
) -> Card:
    view = ctx.community
    start = period_start(view, period, ctx.at)
    since = datetime.combine(start, time(), view.timezone) if start is not None else None
    rows = await store.newest(
        ctx.session,
        view.id,
        limit=PAGE_SIZE + 1,
        before_id=before_id,
        member_id=member_id,
        kinds=(kind,) if kind else (),
        since=since,
    )
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    names = await _names(ctx, rows, member_id)
    filters = [period_label(view, period, start)]
    if member_id is not None:
        filters.append(names.get(member_id, "?"))
    if kind is not None:
        filters.append(ctx.t(f"audit.kind.{kind}"))
    lines = [line(ctx, row, names) for row in rows]
    buttons: tuple[Button, ...] = ()
    if more and rows[-1].id is not None:
        state = ":".join(
            (str(rows[-1].id), str(member_id) if member_id else NONE, kind or NONE, period)
        )
        buttons = (Button(ctx.t("audit.older"), f"audit:{state}"),)
    return Card(
        kind="audit",
        title=ctx.t("audit.title", filters=" · ".join(filters)),
        body="\n".join(lines) or ctx.t("audit.empty"),
        buttons=buttons,
        footer=ctx.t("audit.footer") if rows else "",
    )


async def _names(
    ctx: CommandContext, rows: list[AuditEntry], member_id: int | None
) -> dict[int, str]:
    ids = {i for r in rows for i in (r.actor_id, r.member_id) if i is not None}
    if member_id is not None:
        ids.add(member_id)
    members = await member_counters.members_by_id(ctx.session, ids)
    # A forgotten member's row keeps no name: they read as such.
    return {
        i: member_text(m.display_name, 50) if m.display_name else ctx.t("audit.forgotten")
        for i, m in members.items()
    }


def line(ctx: CommandContext, row: AuditEntry, names: dict[int, str]) -> str:
    """One entry as a card line: `2026-01-05 09:12 · alice · gave 50 points to bob — why`."""
    view = ctx.community
    when = row.at.astimezone(view.timezone).strftime("%Y-%m-%d %H:%M")
    who = names.get(row.actor_id, "?") if row.actor_id is not None else ctx.t("audit.operator")
    text = ctx.t("audit.line", when=when, who=who, what=what(ctx, row, names))
    if row.reason:
        text += ctx.t("audit.reason", reason=member_text(row.reason, 120))
    return text


def what(ctx: CommandContext, row: AuditEntry, names: dict[int, str]) -> str:
    """What an entry says was done, in the community's language."""
    locale = ctx.community.locale
    detail = json.loads(row.detail or "{}")
    params: dict[str, object] = {k: v for k, v in detail.items() if isinstance(v, str | int)}
    params["target"] = member_text(row.target, 100)
    params["member"] = names.get(row.member_id, "?") if row.member_id is not None else ""
    if row.kind == "import" and i18n.has(f"audit.import.{detail.get('what')}"):
        params["what"] = ctx.t(f"audit.import.{detail['what']}")
    if "count" in detail:
        params["count"] = i18n.plural(locale, "audit.unit.rows", int(detail["count"]))
    if "points" in detail:
        params["points"] = i18n.points(locale, abs(int(detail["points"])))
    if "scope" in detail:
        name = params["member"] if row.member_id is not None else params["target"]
        params["what"] = ctx.t(f"audit.scope.{detail['scope']}", name=name)
    for key in ("old", "status"):
        if key in detail:
            params[key] = ctx.t(f"idea.status.{detail[key]}")
    if "action" in detail:
        params["action"] = ctx.t(f"audit.testers.{detail['action']}")
    if row.kind == "schedule":
        params["changes"] = ", ".join(
            str(detail[k]) for k in ("schedule", "channel") if k in detail
        )
    if row.kind == "digest_now":
        first, last = date.fromisoformat(detail["start"]), date.fromisoformat(detail["last"])
        params["period"] = formatting.days(locale, first, last)
    return ctx.t(f"audit.what.{row.kind}", **params)
