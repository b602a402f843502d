"""Interactions (slash commands, the context menu, buttons, modals, autocomplete) -> core
events, and the core's answer -> Discord's interaction responses.

Discord wants an answer within 3 seconds, and an interaction is recorded before it is
answered (a crash after the answer must not lose it): the core gets `DEFER_AFTER` seconds
(its work takes milliseconds), then the interaction is deferred (a "thinking" state for
commands, a silent acknowledgement for buttons) and the answer follows. Replies are
ephemeral unless the core says otherwise; every response goes out with mentions disabled.
`OpenForm` opens a modal. Other actions (cards in channels, roles, DMs) go through the
outbound module.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

import discord

from adapters.discord import app_commands
from adapters.discord.embeds import content, embed_for, file_for, view_for
from adapters.discord.inbound import Translator
from adapters.discord.options import command_options, focused, form_values
from adapters.discord.outbound import NO_MENTIONS, Outbound
from bot.actions import Action, DirectMessage, OpenForm, Reply, SendFile
from bot.events import (
    ButtonPressed,
    ChannelRef,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberRef,
    MessageReported,
    SolutionMarked,
)
from bot.ports import CoreFace

log = logging.getLogger("cercle.discord")

PLATFORM = "discord"
DEFER_AFTER = 2.0  # seconds the core gets before the interaction is deferred
MODAL_TIMEOUT = 900.0
FORM_FIELD_MAX = 4000


class Interactions:
    def __init__(self, core: CoreFace, translator: Translator, outbound: Outbound) -> None:
        self.core = core
        self.translator = translator
        self.outbound = outbound

    # -- interaction -> event -------------------------------------------------------------

    def _invoker(self, interaction: discord.Interaction) -> MemberRef:
        """The member, with what Discord computed of their permissions where they act."""
        ref = self.translator.member(interaction.user, str(interaction.guild_id))
        permissions = interaction.permissions
        return dataclasses.replace(
            ref,
            is_admin=ref.is_admin or permissions.administrator,
            manages_space=ref.manages_space or permissions.manage_guild,
            locale=interaction.locale.value,
        )

    def _base(self, interaction: discord.Interaction) -> dict[str, Any]:
        channel, _thread = self.translator.channel(interaction.channel)
        if not channel.id:
            channel = ChannelRef(str(interaction.channel_id))
        return {
            "platform": PLATFORM,
            "space_id": str(interaction.guild_id),
            "at": interaction.created_at,
            "interaction_id": str(interaction.id),
            "channel": channel,
            # Discord's id of the interaction: a gateway replay of it changes nothing.
            "delivery": str(interaction.id),
        }

    def event_for(self, interaction: discord.Interaction) -> Event | None:
        """The core event for `interaction` (None for a kind Cercle does not answer)."""
        data: dict[str, Any] = dict(interaction.data or {})
        kind = interaction.type
        if kind is discord.InteractionType.application_command:
            if data.get("type") == app_commands.MESSAGE_MENU:
                if app_commands.is_report_menu(str(data.get("name", ""))):
                    return self._report(interaction, data)
                return self._solution(interaction, data)
            path, options, mentions = command_options(data, interaction.guild)
            return CommandInvoked(
                **self._base(interaction),
                invoker=self._invoker(interaction),
                path=path,
                options=options,
                mentions=mentions,
            )
        if kind is discord.InteractionType.component:
            return ButtonPressed(
                **self._base(interaction),
                presser=self._invoker(interaction),
                custom_id=str(data.get("custom_id", "")),
                message_id=str(interaction.message.id) if interaction.message else None,
            )
        if kind is discord.InteractionType.modal_submit:
            return FormSubmitted(
                **self._base(interaction),
                submitter=self._invoker(interaction),
                form_id=str(data.get("custom_id", "")),
                values=form_values(data.get("components", [])),
            )
        return None

    def _report(self, interaction: discord.Interaction, data: dict[str, Any]) -> Event:
        """The Report message menu: the message (as `resolved` shows it) goes to the moderators."""
        target_id = str(data.get("target_id"))
        message = data.get("resolved", {}).get("messages", {}).get(target_id, {})
        author = message.get("author", {})
        member = data.get("resolved", {}).get("members", {}).get(author.get("id"), {})
        channel_id = str(message.get("channel_id") or interaction.channel_id)
        return MessageReported(
            **self._base(interaction),
            reporter=self._invoker(interaction),
            message_id=target_id,
            message_author=MemberRef(
                PLATFORM,
                str(author.get("id")),
                member.get("nick") or author.get("global_name") or author.get("username", ""),
                bool(author.get("bot")),
            ),
            link=f"https://discord.com/channels/{interaction.guild_id}/{channel_id}/{target_id}",
        )

    def _solution(self, interaction: discord.Interaction, data: dict[str, Any]) -> Event:
        target_id = str(data.get("target_id"))
        message = data.get("resolved", {}).get("messages", {}).get(target_id, {})
        author = message.get("author", {})
        member = data.get("resolved", {}).get("members", {}).get(author.get("id"), {})
        solution_author = MemberRef(
            PLATFORM,
            str(author.get("id")),
            member.get("nick") or author.get("global_name") or author.get("username", ""),
            bool(author.get("bot")),
        )
        question_author: MemberRef | None = None
        question_id: str | None = None  # the core refuses a message that answers nothing
        reference = message.get("message_reference") or {}
        referenced = message.get("referenced_message")
        if reference.get("message_id"):
            question_id = str(reference["message_id"])
            if referenced and referenced.get("author"):
                asker = referenced["author"]
                question_author = MemberRef(
                    PLATFORM,
                    str(asker["id"]),
                    asker.get("global_name") or asker.get("username", ""),
                    bool(asker.get("bot")),
                )
        elif isinstance(interaction.channel, discord.Thread) or message.get("channel_id") != str(
            interaction.channel_id
        ):
            # In a thread started from a message, the thread's id is that message's id.
            question_id = str(interaction.channel_id)
        return SolutionMarked(
            **self._base(interaction),
            marker=self._invoker(interaction),
            solution_id=target_id,
            solution_author=solution_author,
            question_id=question_id,
            question_author=question_author,
        )

    # -- answering --------------------------------------------------------------------------

    async def handle(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            return  # Cercle's commands are guild-only
        if interaction.type is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction)
            return
        event = self.event_for(interaction)
        if event is None:
            return
        guild_id = str(interaction.guild_id)
        work = asyncio.ensure_future(self.core.handle(event))
        deferred = False
        done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER)
        if not done:
            deferred = await self._defer(interaction)
        actions = await work
        await self.answer(interaction, guild_id, actions, deferred)

    async def _defer(self, interaction: discord.Interaction) -> bool:
        with contextlib.suppress(discord.HTTPException):
            if interaction.type is discord.InteractionType.component:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
            return True
        return False

    async def answer(
        self,
        interaction: discord.Interaction,
        guild_id: str,
        actions: Sequence[Action],
        deferred: bool,
    ) -> None:
        replies = [a for a in actions if isinstance(a, Reply)]
        forms = [a for a in actions if isinstance(a, OpenForm)]
        others = [a for a in actions if not isinstance(a, Reply | OpenForm)]
        responded = deferred
        if forms and not deferred:
            await interaction.response.send_modal(modal_for(forms[0]))
            responded = True
        for reply in replies:
            responded = await self._reply(interaction, guild_id, reply, responded, deferred)
            deferred = False  # only the first follow-up fills the deferred response
        if not responded:
            # Nothing to say (a vote counted, a redelivery): acknowledge without a message.
            if interaction.type is discord.InteractionType.component:
                await interaction.response.defer()
            else:
                view = await self.outbound.view(guild_id)
                await interaction.response.send_message(
                    view.t("discord.done"), ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        invoker = str(interaction.user.id)

        async def ephemeral(text: str) -> None:
            await interaction.followup.send(
                content(text) or "…", ephemeral=True, allowed_mentions=NO_MENTIONS
            )

        for action in others:
            own_dm = isinstance(action, DirectMessage | SendFile) and action.user_id == invoker
            await self.outbound.carry_out(guild_id, action, ephemeral if own_dm else None)

    async def _reply(
        self,
        interaction: discord.Interaction,
        guild_id: str,
        reply: Reply,
        responded: bool,
        deferred: bool,
    ) -> bool:
        card = reply.card
        kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if card is not None:
            kwargs["embed"] = embed_for(card)
            if (view := view_for(card)) is not None:
                kwargs["view"] = view
            if (file := file_for(card)) is not None:
                kwargs["file"] = file
        text = content(reply.text)
        if not responded:
            await interaction.response.send_message(text, ephemeral=reply.ephemeral, **kwargs)
            return True
        if (
            deferred
            and not reply.ephemeral
            and interaction.type is not (discord.InteractionType.component)
        ):
            # The deferred answer is ephemeral by then: a public reply goes to the channel.
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
            channel_id = interaction.channel_id
            if channel_id is not None:
                await self.outbound.send(channel_id, reply.text, card)
            return True
        await interaction.followup.send(text or "", ephemeral=reply.ephemeral, **kwargs)
        return True

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        path, option_name, typed = focused(dict(interaction.data or {}))
        found = await self.core.suggestions(
            PLATFORM, str(interaction.guild_id), path, option_name, typed
        )
        choices = [
            discord.app_commands.Choice(name=s.label, value=s.value)  # type: ignore[misc]
            for s in found
        ]
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.autocomplete(choices)


class CercleForm(discord.ui.Modal):
    """A modal whose submission the adapter routes by custom id (`FormSubmitted`)."""

    async def on_submit(self, interaction: discord.Interaction) -> None:
        return None  # answered by the adapter's interaction handler


def modal_for(form: OpenForm) -> discord.ui.Modal:
    modal = CercleForm(title=form.title[:45], custom_id=form.form_id[:100], timeout=MODAL_TIMEOUT)
    for name, label in form.fields[:5]:
        modal.add_item(
            discord.ui.TextInput(
                label=label[:45],
                custom_id=name[:100],
                style=discord.TextStyle.paragraph,
                max_length=FORM_FIELD_MAX,
                required=False,
            )
        )
    return modal
