"""`/help`: the commands the caller may run, each with its usage and description."""

from __future__ import annotations

from bot.actions import Action, Card, Reply
from bot.command_text import usage_line
from bot.commands import Permission, command
from bot.context import CommandContext


@command("help", private=True)
async def help_command(ctx: CommandContext) -> list[Action]:
    lines = []
    for spec in ctx.core.registry.all():
        if spec.permission is Permission.MODERATOR and not ctx.is_moderator:
            continue
        lines.append(f"{usage_line(spec)} — {ctx.t(spec.key + '.description')}")
    card = Card(
        kind="help", title=ctx.t("help.title"), body="\n".join(lines), footer=ctx.t("help.footer")
    )
    return [Reply(card=card)]
