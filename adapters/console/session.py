"""The console as a platform: script lines in, platform-neutral events to the core, the
core's actions printed as a chat transcript.

The console keeps what a chat platform would keep: numbered messages (who wrote them,
where, what they reply to — not their text), its members' roles and flags, the current
channel and a virtual clock that moves only with `after`. All of it is stored with the
community, so a later run on the same database goes on where the last one stopped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from adapters.console import script
from adapters.console import store as console_store
from adapters.console.outbound import ConsoleOutput
from adapters.console.tables import (
    ERASED,
    ConsoleMember,
    ConsoleMessage,
    ConsoleState,
    watch_erasures,
)
from bot import i18n
from bot.actions import Action, Card
from bot.batching import ActivityBatcher
from bot.clock import ClockOutOfRange, ManualClock
from bot.events import (
    ACTIVITY,
    ButtonPressed,
    ChannelRef,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MemberRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageReported,
    ReactionAdded,
    ReactionRemoved,
    SolutionMarked,
)
from bot.ports import CoreFace
from bot.text import valid_unicode

PLATFORM = "console"
BOT_NAME = "Cercle"


class LineError(Exception):
    """A script line that names something that does not exist (shown, script goes on)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@dataclass
class ConsoleSession:
    """One console attached to one community, fed line by line."""

    core: CoreFace
    slug: str
    emit: Callable[[str], None] = print
    # Sees every action the core answers with (the demo counts promotions with it).
    on_action: Callable[[Action], None] | None = None
    # With batching, activity lines wait and reach the core together (the demo's speed);
    # interactive use and tests see every effect right after its line.
    batch: int = 1
    # Where files Cercle sends (a member's data export) are written; None: shown only.
    files: Path | None = None
    errors: int = 0
    line_number: int = 0
    state: ConsoleState = field(init=False)
    clock: ManualClock = field(init=False)
    locale: str = "en"
    default_channel: str = "general"
    announce_channel: str = "general"
    _messages: dict[int, ConsoleMessage] = field(default_factory=dict)
    _members: dict[str, ConsoleMember] = field(default_factory=dict)
    _dirty_messages: list[ConsoleMessage] = field(default_factory=list)
    _dirty_members: set[str] = field(default_factory=set)
    _batcher: ActivityBatcher = field(init=False)
    _queued: int = 0  # activity put since the batcher last went idle
    # Buttons of the last reply each member alone could see (e.g. "Submit anyway").
    private_buttons: dict[str, list[list[str]]] = field(default_factory=dict)
    _out: ConsoleOutput = field(init=False)

    async def start(self, start_at: datetime | None = None) -> None:
        # The console's clock runs before the community is first seen, so a new community
        # is created at the console's time (its digests start there), not the system's.
        self.core.use_clock(ManualClock(start_at or self.core.now()))
        community = await self.core.space(PLATFORM, self.slug)
        self.locale = community.locale
        self.default_channel = community.default_channel
        self.announce_channel = community.announce_channel
        async with self.core.adapter_session() as session:
            state = await console_store.load_state(session, community.community_id)
            if state is None:
                state = await console_store.create_state(
                    session,
                    console_store.new_state(
                        community.community_id,
                        community.default_channel,
                        start_at or self.core.now(),
                    ),
                )
            elif start_at is not None and start_at > state.clock:
                state.clock = start_at
            self._members = await console_store.members(session, community.community_id)
        self.state = state
        watch_erasures(self)
        self.clock = ManualClock(state.clock)
        self.core.use_clock(self.clock)
        self._out = ConsoleOutput(self)
        # Activity goes to the core through the same group commit as every platform's; the
        # console waits for it after each line (or each `batch` lines), so nothing waits.
        self._batcher = ActivityBatcher(self._activity, window=0.0, name=PLATFORM)

    # -- feeding lines -------------------------------------------------------------------

    async def feed(self, line: str) -> None:
        self.line_number += 1
        line = valid_unicode(line)  # whatever read it, nothing unstorable goes further
        try:
            parsed = script.parse_line(line)
        except script.ScriptSyntaxError as error:
            self.report("console.unreadable", reason=str(error))
            return
        if parsed is None:
            return
        try:
            await self._play(parsed)
        except LineError as error:
            self.report(error.key, **error.params)

    async def finish(self) -> None:
        await self.flush()
        await self._batcher.stop()

    def say(self, key: str, **params: object) -> str:
        """A console string in the community's language."""
        return i18n.t(self.locale, key, **params)

    def report(self, key: str, **params: object) -> None:
        self.errors += 1
        self.emit("! " + i18n.t(self.locale, key, line=self.line_number, **params))

    async def _play(self, line: script.ScriptLine) -> None:
        match line:
            case script.Say(who, text):
                await self._post(who, text, None)
            case script.ReplyTo(who, number, text):
                await self._post(who, text, self._message(number))
            case script.Command(who, text):
                self.emit(f"» #{self.state.channel} {who}: {text}")
                await self._send(
                    CommandInvoked(
                        **self._base(),
                        interaction_id=await self._interaction(),
                        channel=self._channel(),
                        invoker=self.ref(who),
                        text=text,
                        mentions=self._mentioned(text),
                    )
                )
            case script.Edit(who, number, text):
                message = self._own(who, number)
                message.text = text
                self._dirty_messages.append(message)
                edited = self.say("console.edited", number=number)
                self.emit(f"  ({edited}) #{message.channel} {who}: {text}")
                await self._send(
                    MessageEdited(
                        **self._base(),
                        message_id=str(number),
                        channel=self._channel(message.channel),
                        author=self.ref(who),
                        text=text,
                    )
                )
            case script.InChannel(channel):
                self.state.channel = channel
            case script.React(who, number, emoji) | script.Unreact(who, number, emoji):
                message = self._message(number)
                kind = ReactionAdded if isinstance(line, script.React) else ReactionRemoved
                await self._send(
                    kind(
                        **self._base(),
                        message_id=str(number),
                        channel=self._channel(message.channel),
                        reactor=self.ref(who),
                        emoji=emoji,
                        message_author=self.ref(message.author),
                    )
                )
            case script.Delete(who, number):
                message = self._message(number)
                if message.author != who and not self.member(who).is_moderator:
                    raise LineError("console.not_author", who=who, number=number)
                message.deleted = True
                self._dirty_messages.append(message)
                await self._send(
                    MessageDeleted(
                        **self._base(),
                        message_id=str(number),
                        channel=self._channel(message.channel),
                    )
                )
            case script.MarkSolution(who, number):
                await self._mark_solution(who, number)
            case script.Report(who, number, reason):
                message = self._message(number)
                await self._send(
                    MessageReported(
                        **self._base(),
                        interaction_id=await self._interaction(),
                        channel=self._channel(message.channel),
                        reporter=self.ref(who),
                        message_id=str(number),
                        message_author=self.ref(message.author or BOT_NAME),
                        reason=reason,
                        link=f"#{message.channel} [{number}]",
                    )
                )
            case script.Press(who, label, number):
                await self._press(who, label, number)
            case script.Join(who) | script.Leave(who):
                kind = MemberJoined if isinstance(line, script.Join) else MemberLeft
                await self._send(kind(**self._base(), member=self.ref(who)))
            case script.SetModerator(who) | script.UnsetModerator(who):
                self._change(who, is_moderator=isinstance(line, script.SetModerator))
            case script.SetBot(who):
                self._change(who, is_bot=True)
            case script.GainRole(who, role) | script.LoseRole(who, role):
                self.set_role(who, role, isinstance(line, script.GainRole))
            case script.After(delta, written):
                await self.flush()
                try:
                    now = self.clock.advance(delta)
                except ClockOutOfRange:
                    raise LineError(
                        "console.clock_out_of_range",
                        duration=written,
                        time=self.clock.now().strftime("%Y-%m-%d %H:%M UTC"),
                    ) from None
                self.state.clock = now
                await self._save()  # the clock never goes back, even if what is due fails
                self.emit(
                    i18n.t(self.locale, "console.clock", time=now.strftime("%Y-%m-%d %H:%M UTC"))
                )
                # What fell due is shown like any answer (and seen by `on_action`).
                await self._show([action for _, action in await self.core.run_due(now)], None)
                await self.flush()

    # -- members -------------------------------------------------------------------------

    def member(self, name: str) -> ConsoleMember:
        row = self._members.get(name)
        if row is None:
            row = ConsoleMember(community_id=self.state.community_id, name=name)
            self._members[name] = row
            self._dirty_members.add(name)
        return row

    def forget_cached(self, community_id: int, name: str) -> None:
        """A member was forgotten: what this session holds about them goes as it went in
        the database, so that no later save writes it back."""
        if community_id != self.state.community_id:
            return
        self._members.pop(name, None)
        self._dirty_members.discard(name)
        self.private_buttons.pop(name, None)
        for message in self._messages.values():
            if message.author == name:
                message.author, message.text, message.buttons = "", "", ""
            elif name in message.text:
                message.text = message.text.replace(name, ERASED)

    def ref(self, name: str) -> MemberRef:
        if name == BOT_NAME:
            return MemberRef(PLATFORM, BOT_NAME, BOT_NAME, is_bot=True)
        row = self.member(name)
        roles = tuple(r for r in row.roles.split("|") if r)
        return MemberRef(PLATFORM, name, name, row.is_bot, roles, is_admin=row.is_moderator)

    def _mentioned(self, text: str) -> tuple[MemberRef, ...]:
        """The console's members that `@name` in a command names, with what the console
        knows of them (a moderator, a bot, their roles), as a platform resolves mentions."""
        names = dict.fromkeys(re.findall(r"@([A-Za-z0-9_.-]+)", text))
        return tuple(self.ref(name) for name in names if name in self._members)

    def _change(self, name: str, **flags: bool) -> None:
        row = self.member(name)
        for flag, value in flags.items():
            setattr(row, flag, value)
        self._dirty_members.add(name)

    def set_role(self, name: str, role: str, present: bool) -> None:
        row = self.member(name)
        roles = [r for r in row.roles.split("|") if r and r != role]
        row.roles = "|".join([*roles, role] if present else roles)
        self._dirty_members.add(name)

    # -- messages ------------------------------------------------------------------------

    def _base(self) -> dict[str, object]:
        return {"platform": PLATFORM, "space_id": self.slug, "at": self.clock.now()}

    def _channel(self, name: str | None = None) -> ChannelRef:
        name = name or self.state.channel
        return ChannelRef(name, name)

    async def _interaction(self) -> str:
        async with self.core.adapter_session() as session:
            number = await console_store.allocate(
                session, self.state.community_id, "next_interaction"
            )
        return str(number)

    async def next_number(self, message: ConsoleMessage | None = None) -> int:
        """A new message number, taken atomically in the database (two consoles on one
        community never share one); with `message`, it is stored in the same transaction,
        before the core hears of it, as a platform has a message before a bot sees it."""
        async with self.core.adapter_session() as session:
            number = await console_store.allocate(session, self.state.community_id, "next_number")
            if message is not None:
                message.number = number
                session.add(message)
        self.state.next_number = max(self.state.next_number, number + 1)
        if message is not None:
            self._messages[number] = message
        return number

    def remember(self, message: ConsoleMessage) -> None:
        self._messages[message.number] = message
        self._dirty_messages.append(message)

    def update_buttons(self, number: int, card: Card) -> None:
        """A card shown as [number] was updated: its buttons are now the new card's."""
        message = self._messages.get(number)
        if message is not None:
            buttons = [[b.label, b.custom_id] for b in card.buttons]
            message.buttons = json.dumps(buttons) if buttons else ""
            self._dirty_messages.append(message)

    def _message(self, number: int) -> ConsoleMessage:
        message = self._messages.get(number)
        if message is None:
            raise LineError("console.unknown_message", number=number)
        if message.deleted:
            raise LineError("console.deleted", number=number)
        return message

    def _own(self, who: str, number: int) -> ConsoleMessage:
        message = self._message(number)
        if message.author != who:
            raise LineError("console.not_author", who=who, number=number)
        return message

    async def _post(self, who: str, text: str, parent: ConsoleMessage | None) -> None:
        channel = parent.channel if parent else self.state.channel
        root = (parent.thread_root or parent.number) if parent else None
        number = await self.next_number(
            ConsoleMessage(
                community_id=self.state.community_id,
                number=0,
                channel=channel,
                author=who,
                reply_to=parent.number if parent else None,
                thread_root=root,
                text=text,
            )
        )
        self.emit(self._out.post_line(number, channel, who, text))
        await self._send(
            MessagePosted(
                **self._base(),
                message_id=str(number),
                channel=self._channel(channel),
                author=self.ref(who),
                text=text,
                reply_to=str(parent.number) if parent else None,
                thread_id=str(root) if root else None,
            )
        )

    async def _mark_solution(self, who: str, number: int) -> None:
        answer = self._message(number)
        question_number = answer.reply_to if answer.reply_to is not None else answer.thread_root
        if question_number is None:
            raise LineError("console.not_a_reply", number=number)
        question = self._messages.get(question_number)
        await self._send(
            SolutionMarked(
                **self._base(),
                interaction_id=await self._interaction(),
                channel=self._channel(answer.channel),
                marker=self.ref(who),
                solution_id=str(number),
                solution_author=self.ref(answer.author),
                question_id=str(question_number),
                question_author=self.ref(question.author) if question else None,
            )
        )

    async def _press(self, who: str, label: str, number: int | None) -> None:
        private = self.private_buttons.get(who, []) if number is None else []
        custom_id = next((c for lbl, c in private if lbl.lower() == label.lower()), None)
        if custom_id is not None:  # a button of a reply only `who` could see
            await self._send(
                ButtonPressed(
                    **self._base(),
                    interaction_id=await self._interaction(),
                    channel=self._channel(),
                    presser=self.ref(who),
                    custom_id=custom_id,
                )
            )
            return
        card = self._message(number) if number is not None else self._last_card()
        if card is None:
            raise LineError("console.no_card")
        buttons = json.loads(card.buttons or "[]")
        custom_id = next((c for lbl, c in buttons if lbl.lower() == label.lower()), None)
        if custom_id is None:
            raise LineError("console.no_button", number=card.number, label=label)
        await self._send(
            ButtonPressed(
                **self._base(),
                interaction_id=await self._interaction(),
                channel=self._channel(card.channel),
                presser=self.ref(who),
                custom_id=custom_id,
                message_id=str(card.number),
            )
        )

    def _last_card(self) -> ConsoleMessage | None:
        with_buttons = [m for m in self._messages.values() if m.buttons and not m.deleted]
        return max(with_buttons, key=lambda m: m.number, default=None)

    # -- talking to the core ---------------------------------------------------------------

    async def _send(self, event: Event) -> None:
        if isinstance(event, ACTIVITY):
            self._batcher.put(event)
            self._queued += 1
            if self._queued >= self.batch:
                await self.flush()
            return
        await self._settle()
        actor = next(
            (
                getattr(event, name)
                for name in ("invoker", "presser", "marker", "submitter", "reporter")
                if hasattr(event, name)
            ),
            None,
        )
        await self._show(await self.core.handle(event), actor.name if actor else None)
        await self._save()

    async def _activity(self, space_id: str, events: Sequence[Event]) -> None:
        await self._show(await self.core.handle_many(events), None)

    async def _show(self, actions: Sequence[Action], caller: str | None) -> None:
        self._out.caller = caller
        for action in actions:
            if self.on_action is not None:
                self.on_action(action)
            await self._out.show(action)

    async def _settle(self) -> None:
        """Wait until the activity put so far is handled and its answers shown."""
        if self._queued:
            await self._batcher.idle()
            self._queued = 0

    async def flush(self) -> None:
        """Hand the waiting activity to the core, show what it answers, save the console."""
        await self._settle()
        await self._save()

    async def _save(self) -> None:
        async with self.core.adapter_session() as session:
            await console_store.save_state(session, self.state)
            await console_store.save_messages(session, self._dirty_messages)
            await console_store.save_members(
                session, [self._members[name] for name in self._dirty_members]
            )
        self._dirty_messages = []
        self._dirty_members = set()

    async def load_messages(self) -> None:
        """Bring back the numbered messages of earlier runs (for replies, reactions...)."""
        async with self.core.adapter_session() as session:
            self._messages = await console_store.messages(
                session, self.state.community_id, range(1, self.state.next_number)
            )
