"""Reports of messages: a member reports a message, the moderators get one card for it.

However many members report the same message, it has one open card in the moderator
channel (`moderator_channel`; else the default channel, where the reporters are not
named), which counts the reporters and shows their reasons, with the message's link and
author, and two buttons: `Warn` (then the rule broken, which warns the author with the
reports as the reason) and `Dismiss`. Only moderators may press them; the card then says
who handled it and how. The reporter gets a thank-you only they see; the reported member
is never told who reported them.
"""

from __future__ import annotations

from bot import audit
from bot.actions import Action, Button, Card, CardField, PostToChannel, Reply
from bot.cards import updates
from bot.commands import Mention
from bot.context import CommandContext
from bot.errors import NotAllowed, UserError
from bot.events import MessageReported
from bot.features.moderation.structure import rules_of
from bot.features.moderation.warnings import give_warning, target_of
from bot.interactions import button
from bot.text import member_text
from storage import moderation as store
from storage.members import user_id_on
from storage.models.moderation import REASON_MAX, MessageReport

REASONS_SHOWN = 10


def card_ref(report_id: int) -> str:
    return f"report:{report_id}"


async def report(ctx: CommandContext, event: MessageReported) -> list[Action]:
    """Count the caller's report of the message, opening its card or updating it."""
    author_ref = event.message_author
    if (author_ref.platform, author_ref.user_id) == (ctx.invoker.platform, ctx.invoker.user_id):
        raise UserError("moderation.report.error.own")
    author = (await ctx.core.resolve(ctx.session, ctx.community, [author_ref], ctx.at))[
        (author_ref.platform, author_ref.user_id)
    ]
    reason = event.reason.strip()[:REASON_MAX]
    found = await store.open_report(ctx.session, ctx.community.id, ctx.platform, event.message_id)
    if found is None:
        found = await store.create_report(
            ctx.session,
            MessageReport(
                community_id=ctx.community.id,
                platform=ctx.platform,
                channel_id=event.channel.id,
                message_id=event.message_id,
                open_key=store.open_key(ctx.platform, event.message_id),
                author_id=author.id,
                link=event.link[:300],
                opened_at=ctx.at,
            ),
        )
        assert found.id is not None
        await store.add_voice(ctx.session, found.id, ctx.caller.id, reason, ctx.at)
        channel = ctx.community.moderator_channel or ctx.community.default_channel
        post = PostToChannel(
            ctx.platform, channel, card=await _card(ctx, found), card_ref=card_ref(found.id)
        )
        return [post, Reply(ctx.t("moderation.report.thanks"))]
    assert found.id is not None
    if not await store.add_voice(ctx.session, found.id, ctx.caller.id, reason, ctx.at):
        return [Reply(ctx.t("moderation.report.already"))]
    card = await _card(ctx, found)
    return [
        *await updates(ctx.session, ctx.community.id, card_ref(found.id), card),
        Reply(ctx.t("moderation.report.thanks")),
    ]


async def _card(ctx: CommandContext, found: MessageReport) -> Card:
    assert found.id is not None
    voices = await store.voices(ctx.session, found.id)
    names = await store.names(
        ctx.session, {v.member_id for v in voices} | {found.author_id or 0, found.closed_by or 0}
    )
    # Without a moderator channel the card is in the default channel, where the reported
    # member reads it too: the reporters are not named there.
    among_moderators = ctx.community.moderator_channel is not None
    lines = [
        ctx.t(
            "moderation.report.reason_line",
            member=member_text(names.get(v.member_id, "?"), 50),
            reason=member_text(v.reason, REASON_MAX) if v.reason else "—",
        )
        if among_moderators
        else ctx.t(
            "moderation.report.reason_unnamed",
            reason=member_text(v.reason, REASON_MAX) if v.reason else "—",
        )
        for v in voices[:REASONS_SHOWN]
    ]
    fields = [
        CardField(
            ctx.t("moderation.report.author"),
            member_text(names.get(found.author_id or 0, "?"), 50),
            True,
        ),
        CardField(ctx.t("moderation.report.count"), str(len(voices)), True),
        CardField(ctx.t("moderation.report.reasons"), "\n".join(lines)),
    ]
    buttons: tuple[Button, ...] = ()
    footer = ctx.t(
        "moderation.report.footer" if among_moderators else "moderation.report.footer_public"
    )
    if found.status == "open":
        buttons = (
            Button(ctx.t("moderation.report.warn"), f"report:{found.id}:warn", "danger"),
            Button(ctx.t("moderation.report.dismiss"), f"report:{found.id}:dismiss"),
        )
    else:
        by = member_text(names.get(found.closed_by or 0, "?"), 50)
        footer = ctx.t(f"moderation.report.closed_{found.status}", moderator=by)
    return Card(
        kind="report",
        title=ctx.t("moderation.report.title"),
        body=member_text(found.link, 300),
        fields=tuple(fields),
        buttons=buttons,
        footer=footer,
    )


@button("report")
async def pressed(ctx: CommandContext, parts: list[str]) -> list[Action]:
    """`report:<id>:warn` (then `report:<id>:warn:<rule>`) and `report:<id>:dismiss`."""
    if not ctx.is_moderator:
        raise NotAllowed("moderation.report.error.moderators_only")
    if not parts or not parts[0].isdigit():
        raise UserError("error.unknown_button")
    found = await store.report(ctx.session, ctx.community.id, int(parts[0]))
    if found is None:
        raise UserError("error.unknown_button")
    if found.status != "open":
        raise UserError("moderation.report.error.closed")
    match parts[1:]:
        case ["dismiss"]:
            await store.close_report(ctx.session, found, "dismissed", ctx.caller.id, ctx.at)
            await audit.by(
                ctx,
                "report_dismiss",
                member_id=found.author_id,
                target=found.link or found.message_id,
            )
            return [*await _refresh(ctx, found), Reply(ctx.t("moderation.report.dismissed"))]
        case ["warn"]:
            return [Reply(card=_rule_choice(ctx, found))]
        case ["warn", rule] if rule.isdigit():
            return await _warn(ctx, found, int(rule))
    raise UserError("error.unknown_button")


def _rule_choice(ctx: CommandContext, found: MessageReport) -> Card:
    """A card only the moderator sees: which rule the message broke, one button each."""
    rules = rules_of(ctx)
    if not rules:
        raise UserError("moderation.warn.error.no_rules")
    return Card(
        kind="report_rule",
        title=ctx.t("moderation.report.which_rule"),
        body="\n".join(f"{n}. {member_text(r.title, 100)}" for n, r in enumerate(rules, 1)),
        buttons=tuple(
            Button(ctx.t("moderation.report.rule_button", rule=n), f"report:{found.id}:warn:{n}")
            for n in range(1, min(len(rules), 20) + 1)
        ),
    )


async def _warn(ctx: CommandContext, found: MessageReport, rule: int) -> list[Action]:
    if found.author_id is None:
        raise UserError("error.unknown_button")
    user_id = await user_id_on(ctx.session, ctx.community.id, found.author_id, found.platform)
    names = await store.names(ctx.session, {found.author_id})
    if user_id is None:
        raise UserError("error.member_not_found", member=names.get(found.author_id, "?"))
    target, ref = await target_of(ctx, Mention(user_id, names.get(found.author_id, user_id)))
    assert found.id is not None
    reasons = [v.reason for v in await store.voices(ctx.session, found.id) if v.reason]
    reason = ctx.t("moderation.report.warn_reason", reasons="; ".join(reasons) or "—")
    warned = await give_warning(ctx, target, ref, rule, reason[:REASON_MAX])
    await store.close_report(ctx.session, found, "warned", ctx.caller.id, ctx.at)
    return [*warned, *await _refresh(ctx, found)]


async def _refresh(ctx: CommandContext, found: MessageReport) -> list[Action]:
    assert found.id is not None
    return list(
        await updates(ctx.session, ctx.community.id, card_ref(found.id), await _card(ctx, found))
    )
