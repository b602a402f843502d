"""The command registry: every command declared once, for every platform.

A command has a path (`("admin", "points", "add")`), typed options with limits, and who
may run it. Its name and descriptions come from the catalog (`cmd.<path>.description`,
`cmd.<path>.opt.<option>`), so each adapter can show them natively in English and French.
Features declare their commands with `@command(...)`; `core.handle` routes to them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class OptionKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    MEMBER = "member"
    CHANNEL = "channel"
    ROLE = "role"
    PERIOD = "period"  # week | month | all
    DURATION = "duration"  # 30m, 2h, 3d, 1w -> timedelta
    BOOLEAN = "boolean"
    CHOICE = "choice"  # one of `choices`
    NUMBER_REF = "number_ref"  # idea / poll number: 12 or #12
    LIST = "list"  # items separated by |


class Permission(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"


PERIODS = ("week", "month", "all")


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: OptionKind
    required: bool = True
    min_value: int | None = None
    max_value: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class Mention:
    """A member named in command text: `@alice` (console) or `<@U123|bob>` (Slack)."""

    user_id: str
    name: str


@dataclass(frozen=True)
class ChannelMention:
    id: str
    name: str


Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class CommandSpec:
    path: tuple[str, ...]
    options: tuple[OptionSpec, ...] = ()
    permission: Permission = Permission.MEMBER
    handler: Handler | None = field(default=None, compare=False, repr=False)
    # Answers only the caller and posts nothing: shown in the caller's own language where
    # the platform tells it (Discord's interaction.locale) and the catalog has it.
    private: bool = False
    # Writes nothing: on SQLite it is answered without waiting for the write lock that a
    # burst's batch holds (`Cercle._answer_reading`); anything it turns out to need to
    # write sends it the ordinary way.
    reads_only: bool = False

    @property
    def key(self) -> str:
        """The catalog key prefix of this command (`cmd.admin.points.add`)."""
        return "cmd." + ".".join(self.path)

    @property
    def text_name(self) -> str:
        return "/" + " ".join(self.path)

    def option(self, name: str) -> OptionSpec | None:
        return next((o for o in self.options if o.name == name), None)


class CommandRegistry:
    """All declared commands, by path."""

    def __init__(self) -> None:
        self._commands: dict[tuple[str, ...], CommandSpec] = {}
        self._groups: frozenset[tuple[str, ...]] | None = None

    def add(self, spec: CommandSpec) -> CommandSpec:
        for existing in self._commands:
            shorter, longer = sorted((existing, spec.path), key=len)
            if existing == spec.path or longer[: len(shorter)] == shorter:
                raise ValueError(f"command {spec.path} collides with {existing}")
        self._commands[spec.path] = spec
        self._groups = None
        return spec

    def get(self, path: tuple[str, ...]) -> CommandSpec | None:
        return self._commands.get(path)

    def all(self) -> list[CommandSpec]:
        return sorted(self._commands.values(), key=lambda s: s.path)

    def groups(self) -> frozenset[tuple[str, ...]]:
        """Every proper prefix of a command path (`("admin",)`, `("admin", "points")`),
        kept until a command is added (every command text is parsed against them)."""
        if self._groups is None:
            self._groups = frozenset(
                s.path[:i] for s in self._commands.values() for i in range(1, len(s.path))
            )
        return self._groups


REGISTRY = CommandRegistry()


def command(
    *path: str,
    options: tuple[OptionSpec, ...] = (),
    permission: Permission = Permission.MEMBER,
    registry: CommandRegistry = REGISTRY,
    private: bool = False,
    reads_only: bool = False,
) -> Callable[[Handler], Handler]:
    """Declare a command; the decorated coroutine receives the context and typed options.
    `private`: it only answers the caller (see `CommandSpec.private`); `reads_only`: it
    writes nothing (see `CommandSpec.reads_only`)."""

    def decorate(handler: Handler) -> Handler:
        registry.add(CommandSpec(tuple(path), options, permission, handler, private, reads_only))
        return handler

    return decorate
