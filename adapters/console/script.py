"""Parse one line of a console script into a typed, frozen record.

The console (`cercle console`) replays a conversation written one event per line, e.g.::

    alice: hello everyone             -> Say("alice", "hello everyone")
    bob: /thanks @alice for the help  -> Command("bob", "/thanks @alice for the help")
    bob replies to 3: try this        -> ReplyTo("bob", 3, "try this")
    alice edits 3: hello all          -> Edit("alice", 3, "hello all")
    in #help                          -> InChannel("help")
    carol reacts 3 :+1:               -> React("carol", 3, "+1")
    carol unreacts 3 :+1:             -> Unreact("carol", 3, "+1")
    alice deletes 3                   -> Delete("alice", 3)
    alice marks 5 as solution         -> MarkSolution("alice", 5)
    bob presses For on 7              -> Press("bob", "For", 7)
    dave joins / dave leaves          -> Join("dave") / Leave("dave")
    alice is moderator                -> SetModerator("alice")   (`is not moderator`: Unset)
    erin has role staff               -> GainRole("erin", "staff") (`loses role`: LoseRole)
    helper is a bot                   -> SetBot("helper")
    after 1d12h                       -> After(timedelta(days=1, hours=12))
    carol reports 5: spam links       -> Report("carol", 5, "spam links")  (reason optional)

Member names are `[A-Za-z0-9_.-]+` with their case preserved; keywords are
case-insensitive; message numbers may be written `3`, `[3]` or `#3`. Blank lines and
comments (a line that is `#` or starts with `# `) parse to `None`. A line that matches no
form raises `ScriptSyntaxError`, which names the line and says what is wrong.

The parser is purely syntactic: it knows nothing about members, channels or which
numbers exist; the console checks those when it plays the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeAlias

__all__ = [
    "After",
    "Command",
    "Delete",
    "Edit",
    "GainRole",
    "InChannel",
    "Join",
    "Leave",
    "LoseRole",
    "MarkSolution",
    "Press",
    "React",
    "ReplyTo",
    "Report",
    "Say",
    "ScriptLine",
    "ScriptSyntaxError",
    "SetBot",
    "SetModerator",
    "Unreact",
    "UnsetModerator",
    "parse_line",
]


class ScriptSyntaxError(Exception):
    """A script line that matches none of the console's forms."""

    def __init__(self, line: str, reason: str) -> None:
        super().__init__(line, reason)
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot read script line {self.line.strip()!r}: {self.reason}"


# --- The forms -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Say:
    """`alice: hello everyone` — a post in the current channel."""

    who: str
    text: str


@dataclass(frozen=True, slots=True)
class Command:
    """`bob: /thanks @alice for the help` — `text` keeps its leading slash."""

    who: str
    text: str


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """`bob replies to 3: try this` — even when the text starts with `/`."""

    who: str
    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Edit:
    """`alice edits 3: hello all`."""

    who: str
    number: int
    text: str


@dataclass(frozen=True, slots=True)
class InChannel:
    """`in #help` — `channel` is stored without the `#`."""

    channel: str


@dataclass(frozen=True, slots=True)
class React:
    """`carol reacts 3 :+1:` — `emoji` is stored without colons (`+1`, or `👍` as written)."""

    who: str
    number: int
    emoji: str


@dataclass(frozen=True, slots=True)
class Unreact:
    """`carol unreacts 3 :+1:`."""

    who: str
    number: int
    emoji: str


@dataclass(frozen=True, slots=True)
class Delete:
    """`alice deletes 3`."""

    who: str
    number: int


@dataclass(frozen=True, slots=True)
class MarkSolution:
    """`alice marks 5 as solution`."""

    who: str
    number: int


@dataclass(frozen=True, slots=True)
class Report:
    """`carol reports 5: spam links` — carol reports message [5] to the moderators."""

    who: str
    number: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Press:
    """`bob presses For` (the last card) or `bob presses Dark mode on 7` (card [7])."""

    who: str
    label: str
    number: int | None = None


@dataclass(frozen=True, slots=True)
class Join:
    """`dave joins`."""

    who: str


@dataclass(frozen=True, slots=True)
class Leave:
    """`dave leaves`."""

    who: str


@dataclass(frozen=True, slots=True)
class SetModerator:
    """`alice is moderator`."""

    who: str


@dataclass(frozen=True, slots=True)
class UnsetModerator:
    """`alice is not moderator`."""

    who: str


@dataclass(frozen=True, slots=True)
class GainRole:
    """`erin has role staff`."""

    who: str
    role: str


@dataclass(frozen=True, slots=True)
class LoseRole:
    """`erin loses role staff`."""

    who: str
    role: str


@dataclass(frozen=True, slots=True)
class SetBot:
    """`helper is a bot`."""

    who: str


@dataclass(frozen=True, slots=True)
class After:
    """`after 2h` — the console's virtual clock moves on by `delta` (always positive)."""

    delta: timedelta
    written: str = field(default="", compare=False)  # the duration as the line wrote it


ScriptLine: TypeAlias = (
    Say
    | Command
    | ReplyTo
    | Edit
    | InChannel
    | React
    | Unreact
    | Delete
    | MarkSolution
    | Press
    | Report
    | Join
    | Leave
    | SetModerator
    | UnsetModerator
    | GainRole
    | LoseRole
    | SetBot
    | After
)


# --- Lexical pieces ----------------------------------------------------------------------

_NAME = r"[A-Za-z0-9_.-]+"
_NUMBER = r"(?:\[\s*(?P<n1>\d+)\s*\]|\#(?P<n2>\d+)|(?P<n3>\d+))"
_FLAGS = re.IGNORECASE | re.DOTALL

_COMMENT = re.compile(r"#(?:\s|$)")
# `alice: ...` — the name touches the colon (spaces allowed), so `bob replies to 3: x`
# can never be read as a Say, and `alice: bob replies to 3: x` is always one.
_SAY = re.compile(rf"(?P<who>{_NAME})\s*:(?P<text>.*)", _FLAGS)
_IN = re.compile(rf"in\s+#(?P<channel>{_NAME})", _FLAGS)
_AFTER = re.compile(r"after\s+(?P<duration>\d.*)", _FLAGS)
_DURATION = re.compile(
    r"(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?", re.IGNORECASE
)
_WHO_VERB = re.compile(rf"(?P<who>{_NAME})\s+(?P<verb>[A-Za-z]+)\b\s*(?P<rest>.*)", _FLAGS)

# What follows the verb, per verb. Each pattern is matched against the whole rest.
_REST_TEXT = re.compile(rf"{_NUMBER}\s*:(?P<text>.*)", _FLAGS)
_REST_REPLY = re.compile(rf"(?:to\s+)?{_NUMBER}\s*:(?P<text>.*)", _FLAGS)
_REST_REACT = re.compile(
    rf"(?:to\s+)?{_NUMBER}\s+(?:with\s+)?(?::(?P<code>[^\s:]+):|(?P<bare>[^\s:]+))", _FLAGS
)
_REST_NUMBER = re.compile(_NUMBER, _FLAGS)
_REST_REPORT = re.compile(rf"{_NUMBER}\s*(?::(?P<text>.*))?", _FLAGS)
_REST_SOLUTION = re.compile(rf"{_NUMBER}\s+as\s+(?:the\s+|a\s+)?solution", _FLAGS)
_REST_PRESS = re.compile(rf"(?P<label>.+?)(?:\s+on\s+{_NUMBER})?", _FLAGS)
_REST_ROLE = re.compile(r"role\s+@?(?P<role>.+)", _FLAGS)
_REST_IS = re.compile(r"(?P<neg>not\s+)?(?:an?\s+)?(?P<what>moderator|mod|bot)", _FLAGS)

_QUOTES = {'"': '"', "“": "”", "„": "“"}


def _number(match: re.Match[str], line: str) -> int:
    raw = match.group("n1") or match.group("n2") or match.group("n3")
    value = int(raw)
    if value < 1:
        raise ScriptSyntaxError(line, "message numbers start at [1]")
    return value


def _optional_number(match: re.Match[str], line: str) -> int | None:
    if match.group("n1") is None and match.group("n2") is None and match.group("n3") is None:
        return None
    return _number(match, line)


def _message(text: str, line: str) -> str:
    text = text.strip()
    if not text:
        raise ScriptSyntaxError(line, "empty message")
    return text


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


def _duration(raw: str, line: str) -> timedelta:
    compact = re.sub(r"\s+", "", raw)
    match = _DURATION.fullmatch(compact)
    if match is None or not compact:
        raise ScriptSyntaxError(
            line, f"bad duration {raw.strip()!r} (write e.g. 30m, 2h, 3d, 1w or 1d12h)"
        )
    parts = {unit: int(match.group(unit) or 0) for unit in "wdhm"}
    try:
        delta = timedelta(weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["m"])
    except OverflowError:  # longer than any duration: no clock can move that far either
        delta = timedelta.max
    if delta <= timedelta(0):
        raise ScriptSyntaxError(line, "the clock can only move forward (duration is zero)")
    return delta


# --- The `<name> <verb> ...` forms -------------------------------------------------------

# (who, rest of the line after the verb, original line) -> parsed line, or None: no fit.
_VerbParser: TypeAlias = Callable[[str, str, str], ScriptLine | None]


def _replies(who: str, rest: str, line: str) -> ScriptLine | None:
    match = _REST_REPLY.fullmatch(rest)
    if match is None:
        return None
    return ReplyTo(who, _number(match, line), _message(match.group("text"), line))


def _edits(who: str, rest: str, line: str) -> ScriptLine | None:
    match = _REST_TEXT.fullmatch(rest)
    if match is None:
        return None
    return Edit(who, _number(match, line), _message(match.group("text"), line))


def _reaction(kind: type[React] | type[Unreact]) -> _VerbParser:
    def parse(who: str, rest: str, line: str) -> ScriptLine | None:
        match = _REST_REACT.fullmatch(rest)
        if match is None:
            return None
        code, bare = match.group("code"), match.group("bare")
        # A bare token must be a real emoji (non-ASCII), not a word like `thumbsup`.
        if bare is not None and bare.isascii():
            raise ScriptSyntaxError(line, f"write the emoji as :{bare}: or as the emoji itself")
        return kind(who, _number(match, line), code if code is not None else bare)

    return parse


def _deletes(who: str, rest: str, line: str) -> ScriptLine | None:
    match = _REST_NUMBER.fullmatch(rest)
    return None if match is None else Delete(who, _number(match, line))


def _reports(who: str, rest: str, line: str) -> ScriptLine | None:
    match = _REST_REPORT.fullmatch(rest)
    if match is None:
        return None
    return Report(who, _number(match, line), (match.group("text") or "").strip())


def _marks(who: str, rest: str, line: str) -> ScriptLine | None:
    match = _REST_SOLUTION.fullmatch(rest)
    return None if match is None else MarkSolution(who, _number(match, line))


def _presses(who: str, rest: str, line: str) -> ScriptLine | None:
    match = _REST_PRESS.fullmatch(rest)
    if match is None:
        return None
    label = _unquote(match.group("label"))
    if not label:
        return None
    return Press(who, label, _optional_number(match, line))


def _joins(who: str, rest: str, line: str) -> ScriptLine | None:
    return None if rest else Join(who)


def _leaves(who: str, rest: str, line: str) -> ScriptLine | None:
    return None if rest else Leave(who)


def _is(who: str, rest: str, line: str) -> ScriptLine | None:
    match = _REST_IS.fullmatch(rest)
    if match is None:
        return None
    if match.group("what").lower() == "bot":
        if match.group("neg"):
            raise ScriptSyntaxError(line, "a bot account stays a bot")
        return SetBot(who)
    return UnsetModerator(who) if match.group("neg") else SetModerator(who)


def _role(kind: type[GainRole] | type[LoseRole]) -> _VerbParser:
    def parse(who: str, rest: str, line: str) -> ScriptLine | None:
        match = _REST_ROLE.fullmatch(rest)
        if match is None:
            return None
        role = _unquote(match.group("role"))
        return kind(who, role) if role else None

    return parse


# verb -> (parser of the rest, usage shown when the rest does not fit)
_VERBS: dict[str, tuple[_VerbParser, str]] = {
    "replies": (_replies, "NAME replies to N: TEXT"),
    "edits": (_edits, "NAME edits N: TEXT"),
    "reacts": (_reaction(React), "NAME reacts N :emoji:"),
    "unreacts": (_reaction(Unreact), "NAME unreacts N :emoji:"),
    "deletes": (_deletes, "NAME deletes N"),
    "marks": (_marks, "NAME marks N as solution"),
    "reports": (_reports, "NAME reports N[: REASON]"),
    "presses": (_presses, "NAME presses LABEL [on N]"),
    "joins": (_joins, "NAME joins"),
    "leaves": (_leaves, "NAME leaves"),
    "is": (_is, "NAME is moderator | NAME is not moderator | NAME is a bot"),
    "has": (_role(GainRole), "NAME has role ROLE"),
    "loses": (_role(LoseRole), "NAME loses role ROLE"),
}


# Every form a line may take, shown to a line that matches none of them.
LINE_FORMS = (
    "NAME: TEXT",
    *(usage for _, usage in _VERBS.values()),
    "in #CHANNEL",
    "after DURATION (30m, 2h, 3d)",
)


def _forms() -> str:
    return "the line forms are " + "; ".join(f"`{form}`" for form in LINE_FORMS)


# --- Entry point -------------------------------------------------------------------------


def parse_line(line: str) -> ScriptLine | None:
    """Parse one script line; `None` for a blank line or a comment.

    Raises `ScriptSyntaxError` (naming the line) when the line matches no form.
    """
    text = line.strip()
    if not text or _COMMENT.match(text):
        return None

    if match := _SAY.fullmatch(text):
        who, said = match.group("who"), _message(match.group("text"), line)
        return Command(who, said) if said.startswith("/") else Say(who, said)

    if match := _IN.fullmatch(text):
        return InChannel(match.group("channel"))

    if match := _AFTER.fullmatch(text):
        written = match.group("duration").strip()
        return After(_duration(written, line), written)

    if match := _WHO_VERB.fullmatch(text):
        entry = _VERBS.get(match.group("verb").lower())
        if entry is not None:
            parser, usage = entry
            parsed = parser(match.group("who"), match.group("rest").strip(), line)
            if parsed is None:
                raise ScriptSyntaxError(line, f"expected `{usage}`; {_forms()}")
            return parsed

    if text.lower().startswith("in ") or text.lower() == "in":
        raise ScriptSyntaxError(line, "expected `in #channel`")
    raise ScriptSyntaxError(line, f"no script form matches: {_forms()}")
