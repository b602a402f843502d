"""`/admin warn member rule reason` and `/admin warnings member`: warnings along the
consequence ladder.

A warning names one of the community's rules by number. The n-th warning not withdrawn
within `moderation.window_days` reaches the n-th step of `moderation.ladder`; the member
gets a direct message with the rule, the reason, the step and what the next one is. A
timeout step is applied where the platform has timeouts and `moderation.apply_timeouts`
is on, and suggested to the moderator otherwise, as is a kick or a ban. Bots, moderators
and rules that do not exist are refused with nothing changed. `undo=true` withdraws the
member's last warning (marked, never deleted). Both go to the audit trail.
"""

from __future__ import annotations

from datetime import timedelta

from bot import audit, formatting
from bot.actions import Action, Card, DirectMessage, Reply, TimeoutMember
from bot.commands import Mention, OptionKind, OptionSpec, Permission, command
from bot.context import CommandContext
from bot.errors import UsageError, UserError
from bot.events import MemberRef
from bot.features.moderation.ladder import Step, ordinal, step_at
from bot.features.moderation.structure import rules_of
from bot.moderators import is_moderator
from bot.platforms import traits
from bot.text import member_text
from storage import moderation as store
from storage.members import MemberInfo
from storage.models.moderation import REASON_MAX, MemberWarning

MOD = Permission.MODERATOR
MEMBER = OptionSpec("member", OptionKind.MEMBER)


async def target_of(ctx: CommandContext, member: Mention) -> tuple[MemberInfo, MemberRef]:
    """The member to warn, refused if a bot, a moderator or the caller."""
    target, ref = await ctx.member(member)
    if target.is_bot:
        raise UserError("moderation.warn.error.bot", member=target.name)
    if target.id == ctx.caller.id:
        raise UserError("moderation.warn.error.self")
    if is_moderator(ref, ctx.community.moderator_roles) or await store.is_seen_moderator(
        ctx.session, ctx.community.id, target.id
    ):
        raise UserError("moderation.warn.error.moderator", member=target.name)
    return target, ref


@command(
    "admin",
    "warn",
    permission=MOD,
    options=(
        MEMBER,
        OptionSpec("rule", OptionKind.INTEGER, required=False, min_value=1, max_value=99),
        OptionSpec("reason", OptionKind.TEXT, required=False, min_length=1, max_length=REASON_MAX),
        OptionSpec("undo", OptionKind.BOOLEAN, required=False, default=False),
    ),
)
async def warn(
    ctx: CommandContext, member: Mention, rule: int | None, reason: str | None, undo: bool
) -> list[Action]:
    target, ref = await target_of(ctx, member)
    if undo:
        return await _undo(ctx, target)
    rules = rules_of(ctx)
    if not rules:
        raise UserError("moderation.warn.error.no_rules")
    if rule is None:
        raise UsageError("moderation.warn.error.missing_rule", usage_path=("admin", "warn"))
    if not (reason or "").strip():
        raise UsageError("moderation.warn.error.missing_reason", usage_path=("admin", "warn"))
    return await give_warning(ctx, target, ref, rule, (reason or "").strip())


async def give_warning(
    ctx: CommandContext, target: MemberInfo, ref: MemberRef, rule: int, reason: str
) -> list[Action]:
    """Record the warning, tell the member, and carry out or suggest the step reached."""
    rules = rules_of(ctx)
    if not 1 <= rule <= len(rules):
        raise UserError("moderation.warn.error.unknown_rule", rule=rule, count=len(rules))
    settings = ctx.settings.moderation
    since = ctx.at - timedelta(days=settings.window_days)
    count = len(await store.active_warnings(ctx.session, ctx.community.id, target.id, since)) + 1
    step, following = step_at(settings.ladder, count), step_at(settings.ladder, count + 1)
    await store.add_warning(
        ctx.session,
        MemberWarning(
            community_id=ctx.community.id,
            member_id=target.id,
            rule=rule,
            reason=reason,
            actor_id=ctx.caller.id,
            at=ctx.at,
            step=count,
        ),
    )
    await audit.by(ctx, "warn", member_id=target.id, reason=reason, rule=rule, step=step.written)
    locale = ctx.community.locale
    the_rule = rules[rule - 1]
    params = {
        "member": target.name,
        "rule": rule,
        "title": member_text(the_rule.title, 100),
        "nth": ordinal(locale, count),
        "days": settings.window_days,
        "step": step.text(locale),
    }
    dm = ctx.t(
        "moderation.warn.dm",
        community=ctx.community.slug,
        text=member_text(the_rule.text, 500),
        reason=member_text(reason, REASON_MAX),
        next=following.text(locale),
        **params,
    )
    said, effects = _consequence(ctx, ref, target, step, rule)
    done = "\n".join([ctx.t("moderation.warn.done", **params), *said])
    return [Reply(done), DirectMessage(ref.platform, ref.user_id, target.name, dm), *effects]


def _consequence(
    ctx: CommandContext, ref: MemberRef, target: MemberInfo, step: Step, rule: int
) -> tuple[list[str], list[Action]]:
    """What the step asks beyond the warning: a timeout applied where Cercle can, else
    a suggestion to the moderator who warned (what to tell them, what to do)."""
    if step.kind == "warning":
        return [], []
    locale = ctx.community.locale
    apply = ctx.settings.moderation.apply_timeouts and traits(ref.platform).timeouts
    if step.kind == "timeout" and step.duration is not None and apply:
        duration = step.written.split()[1]
        return [ctx.t("moderation.warn.applied", duration=duration)], [
            TimeoutMember(
                ref.platform,
                ref.user_id,
                target.name,
                until=ctx.at + step.duration,
                reason=ctx.t("moderation.warn.timeout_reason", rule=rule),
                refused=ctx.t(
                    "moderation.warn.timeout_refused",
                    member=target.name,
                    duration=duration,
                    rule=rule,
                ),
            ),
        ]
    return [ctx.t("moderation.warn.suggest", step=step.text(locale), member=target.name)], []


async def _undo(ctx: CommandContext, target: MemberInfo) -> list[Action]:
    warnings = await store.all_warnings(ctx.session, ctx.community.id, target.id)
    last = next((w for w in warnings if w.withdrawn_at is None), None)
    if last is None:
        raise UserError("moderation.warn.error.nothing_to_undo", member=target.name)
    await store.withdraw(ctx.session, last, ctx.at)
    await audit.by(ctx, "warn_undo", member_id=target.id, rule=last.rule)
    day = formatting.day(ctx.community.locale, ctx.community.local_day(last.at))
    return [Reply(ctx.t("moderation.warn.undone", member=target.name, rule=last.rule, date=day))]


@command("admin", "warnings", permission=MOD, options=(MEMBER,))
async def warnings(ctx: CommandContext, member: Mention) -> list[Action]:
    target, _ = await ctx.member(member)
    rows = await store.all_warnings(ctx.session, ctx.community.id, target.id)
    if not rows:
        return [Reply(ctx.t("moderation.warnings.none", member=target.name))]
    actors = await store.names(ctx.session, {w.actor_id for w in rows if w.actor_id is not None})
    locale = ctx.community.locale
    settings = ctx.settings.moderation
    since = ctx.at - timedelta(days=settings.window_days)
    lines = []
    for row in rows:
        line = ctx.t(
            "moderation.warnings.line",
            date=formatting.day(locale, ctx.community.local_day(row.at)),
            rule=row.rule,
            step=step_at(settings.ladder, row.step).text(locale),
            actor=member_text(actors.get(row.actor_id or 0, "?"), 50),
            reason=member_text(row.reason or "—", REASON_MAX),
        )
        lines.append(
            ctx.t("moderation.warnings.withdrawn", line=line) if row.withdrawn_at else line
        )
    in_force = sum(1 for w in rows if w.withdrawn_at is None and w.at >= since)
    card = Card(
        kind="warnings",
        title=ctx.t("moderation.warnings.title", member=target.name),
        body="\n".join(lines[:25]),
        footer=ctx.t("moderation.warnings.footer", count=in_force, days=settings.window_days),
    )
    return [Reply(card=card)]
