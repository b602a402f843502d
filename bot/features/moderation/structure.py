"""`/rules` and `/team`: the community's public rules with the consequences of breaking
them, and who is who (moderators and the configured team roles, with their rank).

Rules and team roles come from the community's `[[communities]]` entry, else `[defaults]`.
Staff excluded from scoring still appear on the team: being on the team is not a board.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Action, Card, CardField, Reply
from bot.commands import command
from bot.community import entry_for
from bot.config import CommunityRule
from bot.context import CommandContext
from bot.features.moderation import welcome
from bot.features.moderation.ladder import ladder_lines
from bot.features.ranks import rank_name_of
from bot.text import member_text
from storage import moderation as store
from storage.models import Member


def rules_of(ctx: CommandContext) -> Sequence[CommunityRule]:
    entry = entry_for(ctx.community.slug, ctx.settings)
    if entry is not None and entry.rules is not None:
        return entry.rules
    return ctx.settings.defaults.rules


def team_roles_of(ctx: CommandContext) -> dict[str, str]:
    entry = entry_for(ctx.community.slug, ctx.settings)
    roles = entry.team_roles if entry is not None and entry.team_roles is not None else None
    return dict(ctx.settings.defaults.team_roles if roles is None else roles)


def rule_line(number: int, rule: CommunityRule) -> str:
    return f"{number}. {member_text(rule.title, 100)} — {member_text(rule.text, 500)}"


@command("rules", private=True)
async def rules(ctx: CommandContext) -> list[Action]:
    listed = rules_of(ctx)
    # Reading the rules is a step of the welcome checklist.
    ticked = await welcome.rules_read(
        ctx.session, ctx.community, ctx.settings, ctx.caller.id, ctx.platform, ctx.at
    )
    if not listed:
        return [Reply(ctx.t("moderation.rules.none")), *ticked]
    moderation = ctx.settings.moderation
    card = Card(
        kind="rules",
        title=ctx.t("moderation.rules.title", community=ctx.community.slug),
        body="\n".join(rule_line(n, rule) for n, rule in enumerate(listed, start=1)),
        fields=(
            CardField(
                ctx.t("moderation.rules.consequences", days=moderation.window_days),
                "\n".join(ladder_lines(moderation.ladder, ctx.community.locale)),
            ),
        ),
        footer=ctx.t("moderation.rules.footer"),
    )
    return [Reply(card=card), *ticked]


def _person(ctx: CommandContext, member: Member) -> str:
    name = member_text(member.display_name, 50)
    if member.rank is None:
        return name
    rank = rank_name_of(ctx.settings.ranks, ctx.community.locale, member.rank)
    return ctx.t("moderation.team.with_rank", name=name, rank=rank)


@command("team", private=True)
async def team(ctx: CommandContext) -> list[Action]:
    fields: list[CardField] = []
    moderators = await store.seen_moderators(ctx.session, ctx.community.id)
    by_role = await store.members_with_roles(
        ctx.session, ctx.community.id, {*ctx.community.moderator_roles, *team_roles_of(ctx)}
    )
    seen = {m.id for m in moderators}
    moderators += [
        m for role, m in by_role if role in ctx.community.moderator_roles and m.id not in seen
    ]
    if moderators:
        fields.append(
            CardField(
                ctx.t("moderation.team.moderators"), ", ".join(_person(ctx, m) for m in moderators)
            )
        )
    for role, label in team_roles_of(ctx).items():
        people = [m for held, m in by_role if held == role.lower()]
        if people:
            fields.append(
                CardField(member_text(label, 100), ", ".join(_person(ctx, m) for m in people))
            )
    if not fields:
        return [Reply(ctx.t("moderation.team.none"))]
    card = Card(
        kind="team",
        title=ctx.t("moderation.team.title", community=ctx.community.slug),
        fields=tuple(fields),
        footer=ctx.t("moderation.team.footer"),
    )
    return [Reply(card=card)]
