"""The one parser for command text: console lines and Slack's `/cercle` text.

`parse_command("/thanks @alice for the help", registry)` finds the longest registered
command path in the leading words (case-insensitive), then reads the options:

- by position in their declared order, or as `name=value` for any declared option;
- `"double quotes"` (straight, curly or « ») around a value with spaces;
- the last text option, given by position, takes the rest of the line without quotes
  (up to a later `name=value` of a declared option not given yet);
- members are `@name` or Slack's `<@U123|name>`, channels `#name` or `<#C123|name>`,
  roles `@name`, `name` or `<!subteam^S123|@name>`; numbers of ideas and polls `12` or `#12`;
- Slack's `<...>` tokens are never split, and its escaping (`&lt;` `&gt;` `&amp;`) is
  undone outside of them.

Every mistake is a `UsageError` with an `error.*` catalog key; nothing else escapes.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.commands import (
    PERIODS,
    ChannelMention,
    CommandRegistry,
    CommandSpec,
    Mention,
    OptionKind,
    OptionSpec,
)
from bot.errors import UsageError

# The longest command text read: room for the longest command (an idea with its
# description) written with Slack's escaping, far below what would take a noticeable time.
TEXT_MAX = 8000
_OPENERS = '"“”„«'
_DOUBLE_CLOSERS = '"“”'
_NAME_EQ = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)=")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}
_ENTITY = re.compile(r"&(?:lt|gt|amp);")
_SLACK_MEMBER = re.compile(r"<@([^|>]+)(?:\|([^>]*))?>")
_SLACK_CHANNEL = re.compile(r"<#([^|>]+)(?:\|([^>]*))?>")
_SLACK_ROLE = re.compile(r"<!subteam\^([^|>]+)(?:\|([^>]*))?>")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_NUMBER_REF = re.compile(r"#?([0-9]{1,18})")
_DURATION = re.compile(r"(?:[0-9]{1,7}[wdhm])+", re.IGNORECASE)
_DURATION_PART = re.compile(r"([0-9]+)([wdhm])", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60}
_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group()], text)


def usage_line(spec: CommandSpec) -> str:
    """`/admin points add <member> <amount> <reason>`; optional options in `[brackets]`."""
    options = [f"<{o.name}>" if o.required else f"[{o.name}]" for o in spec.options]
    return " ".join([spec.text_name, *options])


@dataclass(frozen=True)
class _Token:
    value: str  # quotes removed; escaping undone outside Slack tokens
    start: int
    end: int
    quoted: bool  # the whole token is one quoted string
    unclosed: bool  # a quote opened and never closed (the token runs to the end)


# Slack's own tokens: <@U1|name>, <#C1|name>, <!here>, <!subteam^S1|@name>, <https://...|x>,
# each up to the next `>`.
_SLACK_TOKEN_HEAD = re.compile(r"<(?:[@#!]|[A-Za-z][A-Za-z0-9+.-]*:)")


class _Scanner:
    """Reads tokens of one text in time linear in its length, however hostile the text.

    A Slack token runs from its `<` to the next `>`: where each `>` is, is listed once, so
    a text of many `<@` and no `>` is not searched to its end at every `<`.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._closers = [m.start() for m in re.finditer(">", text)]

    def slack_token_end(self, i: int) -> int | None:
        """The end of the Slack token starting at `i`, or None when none starts there."""
        if self.text[i] != "<" or (head := _SLACK_TOKEN_HEAD.match(self.text, i)) is None:
            return None
        after = bisect.bisect_left(self._closers, head.end())
        return self._closers[after] + 1 if after < len(self._closers) else None

    def next_token(self, pos: int) -> _Token | None:
        """The token starting at or after `pos`, or None at the end of the text."""
        text = self.text
        n = len(text)
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            return None
        start = i = pos
        # a quote opens a value at the token's start or right after `name=`
        name_eq = _NAME_EQ.match(text, start)
        value_start = name_eq.end() if name_eq else start
        parts: list[str] = []
        plain_from = i
        quote_end = -1
        unclosed = False
        while i < n and not text[i].isspace():
            slack_end = self.slack_token_end(i)
            opens_quote = text[i] in _OPENERS and i in (start, value_start)
            if slack_end is None and not opens_quote:
                i += 1
                continue
            parts.append(_unescape(text[plain_from:i]))
            if slack_end is not None:
                parts.append(text[i:slack_end])
                i = slack_end
            else:
                closers = "»" if text[i] == "«" else _DOUBLE_CLOSERS
                close = next((j for j in range(i + 1, n) if text[j] in closers), n)
                unclosed = unclosed or close == n
                parts.append(_unescape(text[i + 1 : close]))
                whole = close < n and i == start
                i = min(close + 1, n)
                if whole:
                    quote_end = i
            plain_from = i
        parts.append(_unescape(text[plain_from:i]))
        quoted = quote_end == i
        return _Token("".join(parts), start, i, quoted, unclosed)

    def list_items(self) -> list[str]:
        r"""The `|`-separated items of the text, each stripped; an item may be empty (`A||B`),
        for the caller to refuse. `\|` is a `|` inside an item; a `|` inside a Slack token
        separates none."""
        text, items, current, start, i = self.text, [], [], 0, 0
        while i < len(text):
            slack_end = self.slack_token_end(i)
            if slack_end is not None:
                i = slack_end
            elif text.startswith("\\|", i):
                current.append(text[start:i] + "|")
                start = i = i + 2
            elif text[i] == "|":
                items.append("".join([*current, text[start:i]]))
                current, start = [], i + 1
                i += 1
            else:
                i += 1
        items.append("".join([*current, text[start:]]))
        return [item.strip() for item in items]


class _Parser:
    def __init__(self, text: str, registry: CommandRegistry, prefix: tuple[str, ...]) -> None:
        text = text.strip()
        self.text = text[1:] if text.startswith("/") else text
        self.scanner = _Scanner(self.text)
        self.registry = registry
        self.prefix = prefix

    def token(self, pos: int, usage: tuple[str, ...] | None = None) -> _Token | None:
        """The next token; an unclosed quote is an error."""
        tok = self.scanner.next_token(pos)
        if tok is not None and tok.unclosed:
            raise UsageError("error.unclosed_quote", usage_path=usage)
        return tok

    def command(self) -> tuple[CommandSpec, int]:
        """The command named by the prefix and the leading words; the position after them."""
        typed = list(self.prefix)
        groups = self.registry.groups()
        pos = 0
        while True:
            path = tuple(w.lower() for w in typed)
            spec = self.registry.get(path)
            if spec is not None:
                return spec, pos
            if path and path not in groups:
                raise UsageError(
                    "error.unknown_command",
                    command=" ".join(typed),
                    suggestion=self.suggest(path),
                )
            tok = self.token(pos)
            if tok is None:
                words = {
                    s.path[len(path)] for s in self.registry.all() if s.path[: len(path)] == path
                }
                raise UsageError(
                    "error.incomplete_command",
                    command=" ".join(typed),
                    choices=", ".join(sorted(words)),
                )
            typed.append(tok.value)
            pos = tok.end

    def suggest(self, path: tuple[str, ...]) -> str:
        """The command (or group, when several commands share it) closest to `path`."""
        specs = self.registry.all()
        heads = {" ".join(s.path[: len(path)]) for s in specs}
        match = difflib.get_close_matches(" ".join(path), sorted(heads), n=1)
        if not match:
            return ""
        under = [s for s in specs if " ".join(s.path[: len(path)]) == match[0]]
        return under[0].text_name if len(under) == 1 else "/" + match[0]

    def options(self, spec: CommandSpec, pos: int) -> dict[str, Any]:
        by_name = {o.name.lower(): o for o in spec.options}
        texts = [o for o in spec.options if o.kind is OptionKind.TEXT]
        rest_option = texts[-1] if texts else None
        given: dict[str, str] = {}
        usage = spec.path or None
        while (tok := self.scanner.next_token(pos)) is not None:
            target = next((o for o in spec.options if o.name not in given), None)
            named = _NAME_EQ.match(self.text, tok.start)
            option = by_name.get(named.group(1).lower()) if named else None
            if named and option is None and (target is None or target is not rest_option):
                raise UsageError("error.unknown_option", usage_path=usage, option=named.group(1))
            if option is not None:
                if option.name in given:
                    raise UsageError("error.duplicate_option", usage_path=usage, option=option.name)
                if tok.unclosed:
                    raise UsageError("error.unclosed_quote", usage_path=usage)
                given[option.name] = tok.value[tok.value.index("=") + 1 :]
                pos = tok.end
            elif target is None:
                extra = _unescape(self.text[tok.start :]).strip()
                raise UsageError("error.too_many_arguments", usage_path=usage, extra=extra)
            elif target is rest_option:
                given[target.name], pos = self.rest(tok, by_name, given, target)
            else:
                tok = self.token(tok.start, usage)
                assert tok is not None
                given[target.name] = tok.value
                pos = tok.end
        values: dict[str, Any] = {}
        for option in spec.options:
            raw = given.get(option.name, "")
            value = _convert(option, raw, usage) if raw.strip() else None
            if value is None or value == []:
                if option.required:
                    raise UsageError("error.missing_option", usage_path=usage, option=option.name)
                value = option.default
            values[option.name] = value
        return values

    def rest(
        self,
        first: _Token,
        by_name: dict[str, OptionSpec],
        given: dict[str, str],
        target: OptionSpec,
    ) -> tuple[str, int]:
        """The rest of the line for the last text option, up to a declared `name=` not given.

        When it starts with a quoted string and other options are still to come, the quotes
        delimit it (`/poll create "What first?" a|b`).
        """
        tokens = [first]
        end = len(self.text)
        while (tok := self.scanner.next_token(tokens[-1].end)) is not None:
            named = _NAME_EQ.match(self.text, tok.start)
            option = by_name.get(named.group(1).lower()) if named else None
            if option is not None and option.name not in given and option is not target:
                end = tok.start
                break
            tokens.append(tok)
        later = [o for o in by_name.values() if o.name not in given and o is not target]
        if first.quoted and (len(tokens) == 1 or later):
            return first.value, first.end  # "quoted" text, or more options follow
        return _unescape(self.text[first.start : end]).strip(), end


def _format_duration(seconds: int) -> str:
    parts = []
    for unit, size in _UNIT_SECONDS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0m"


def _out_of_range(option: OptionSpec, number: int) -> bool:
    low, high = option.min_value, option.max_value
    return (low is not None and number < low) or (high is not None and number > high)


def _convert(option: OptionSpec, raw: str, usage: tuple[str, ...] | None) -> Any:
    """The typed value of one option; None when it holds nothing."""
    value = raw.strip()
    name = option.name

    def fail(key: str, **params: Any) -> UsageError:
        return UsageError(key, usage_path=usage, option=name, **params)

    kind = option.kind
    if kind is OptionKind.TEXT:
        if option.max_length is not None and len(value) > option.max_length:
            raise fail("error.text_too_long", max=option.max_length, length=len(value))
        if option.min_length is not None and len(value) < option.min_length:
            raise fail("error.text_too_short", min=option.min_length)
        return value
    if kind is OptionKind.LIST:
        items = _Scanner(value).list_items()
        if any(not item for item in items) and value:
            # `A||B`, `A|`: an empty item is a typing slip, not an option to drop silently.
            raise fail("error.empty_list_item", value=value)
        return [item for item in items if item]
    if kind is OptionKind.MEMBER:
        if m := _SLACK_MEMBER.fullmatch(value):
            return Mention(m.group(1), _unescape(m.group(2) or m.group(1)))
        if len(value) > 1 and value.startswith("@") and not any(c.isspace() for c in value):
            return Mention(value[1:], value[1:])
        raise fail("error.bad_member", value=value)
    if kind is OptionKind.CHANNEL:
        if m := _SLACK_CHANNEL.fullmatch(value):
            return ChannelMention(m.group(1), _unescape(m.group(2) or m.group(1)))
        if len(value) > 1 and value.startswith("#") and not any(c.isspace() for c in value):
            return ChannelMention(value[1:], value[1:])
        raise fail("error.bad_channel", value=value)
    if kind is OptionKind.ROLE:
        if m := _SLACK_ROLE.fullmatch(value):
            value = _unescape(m.group(2) or m.group(1))
        return value.lstrip("@").strip() or None
    if kind is OptionKind.INTEGER or kind is OptionKind.NUMBER_REF:
        pattern = _INTEGER if kind is OptionKind.INTEGER else _NUMBER_REF
        if not (m := pattern.fullmatch(value)) or (
            kind is OptionKind.NUMBER_REF and int(m.group(1)) < 1
        ):
            bad = "error.bad_integer" if kind is OptionKind.INTEGER else "error.bad_number_ref"
            raise fail(bad, value=value)
        number = int(value.lstrip("#"))
        if _out_of_range(option, number):
            raise fail(
                "error.out_of_range", min=option.min_value, max=option.max_value, value=number
            )
        return number
    if kind is OptionKind.PERIOD:
        if value.lower() not in PERIODS:
            raise fail("error.bad_period", value=value, choices=", ".join(PERIODS))
        return value.lower()
    if kind is OptionKind.DURATION:
        if not _DURATION.fullmatch(value):
            raise fail("error.bad_duration", value=value)
        parts = _DURATION_PART.findall(value)
        seconds = sum(int(count) * _UNIT_SECONDS[unit.lower()] for count, unit in parts)
        if seconds <= 0 or seconds > timedelta.max.days * 86400:
            raise fail("error.bad_duration", value=value)
        if _out_of_range(option, seconds):
            low, high = option.min_value, option.max_value
            raise fail(
                "error.out_of_range",
                min=None if low is None else _format_duration(low),
                max=None if high is None else _format_duration(high),
                value=value,
            )
        return timedelta(seconds=seconds)
    if kind is OptionKind.BOOLEAN:
        if value.lower() not in _BOOLEANS:
            raise fail("error.bad_boolean", value=value)
        return _BOOLEANS[value.lower()]
    if kind is OptionKind.CHOICE:
        match = next((c for c in option.choices if c.lower() == value.lower()), None)
        if match is None:
            raise fail("error.bad_choice", value=value, choices=", ".join(option.choices))
        return match
    raise AssertionError(f"unhandled option kind {kind}")  # pragma: no cover


def parse_command(
    text: str, registry: CommandRegistry, prefix: tuple[str, ...] = ()
) -> tuple[CommandSpec, dict[str, Any]]:
    """The command named in `text` (after the words in `prefix`) and its typed options.

    Every option of the command is in the dict; an optional one not given holds its
    `default`. Raises `UsageError` for anything the user got wrong.
    """
    if len(text) > TEXT_MAX:  # refused before any work, however it is made
        raise UsageError("error.command_too_long", length=len(text), max=TEXT_MAX)
    parser = _Parser(text, registry, prefix)
    spec, pos = parser.command()
    return spec, parser.options(spec, pos)


def check_options(spec: CommandSpec, given: dict[str, Any]) -> dict[str, Any]:
    """Options a platform already typed (Discord), held to the same limits as parsed text.

    Text values go through the same conversion as a command line; typed values (members,
    channels, numbers) are checked against the option's bounds. Unknown names are refused.
    """
    for name in given:
        if spec.option(name) is None:
            raise UsageError("error.unknown_option", usage_path=spec.path, option=name)
    result: dict[str, Any] = {}
    for option in spec.options:
        value = given.get(option.name)
        if isinstance(value, str) and option.kind is not OptionKind.TEXT:
            value = _convert(option, value, spec.path)
        elif isinstance(value, str):
            value = _convert(option, value, spec.path) or None
        elif (
            isinstance(value, int) and not isinstance(value, bool) and _out_of_range(option, value)
        ):
            raise UsageError(
                "error.out_of_range",
                usage_path=spec.path,
                option=option.name,
                min=option.min_value,
                max=option.max_value,
                value=value,
            )
        if value is None:
            if option.required:
                raise UsageError("error.missing_option", usage_path=spec.path, option=option.name)
            value = option.default
        result[option.name] = value
    return result
