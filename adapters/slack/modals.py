"""Modals: forms for the commands that are painful to type, and the core's `OpenForm`.

`/idea submit` and `/poll create` typed without arguments open a modal built from the
command's declared options (labels from the catalog, limits from the registry). A
submission is checked with the core's own option rules before the modal closes: a bad
value is shown on its field (`response_action: errors`) and nothing changes; a good one
becomes the same `CommandInvoked` the text would have been. `OpenForm` actions open a
plain form whose submission is a `FormSubmitted`.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.blocks import plain
from bot import i18n
from bot.actions import OpenForm
from bot.command_text import check_options
from bot.commands import ChannelMention, CommandSpec, Mention, OptionKind, OptionSpec
from bot.errors import UsageError

COMMAND_CALLBACK = "cercle-cmd"
FORM_CALLBACK = "cercle-form"
VALUE = "value"  # the action id of every input element
TITLE_MAX = 24
LABEL_MAX = 2000
PLACEHOLDER_MAX = 150
INPUT_MAX = 3000
LONG_TEXT = 300  # text options allowed longer than this get a multi-line input
SELECT_OPTIONS_MAX = 100


def _label(locale: str, spec: CommandSpec, option: OptionSpec) -> str:
    key = f"{spec.key}.opt.{option.name}"
    described = i18n.t(locale, key) if i18n.has(key, locale) else option.name
    return f"{option.name} — {described}"


def _element(locale: str, option: OptionSpec) -> dict[str, Any]:
    kind = option.kind
    if kind is OptionKind.CHOICE and option.choices:
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": VALUE,
            "options": [
                {"text": plain(choice, 75), "value": choice}
                for choice in option.choices[:SELECT_OPTIONS_MAX]
            ],
        }
        if option.default in option.choices:
            element["initial_option"] = {
                "text": plain(option.default, 75),
                "value": option.default,
            }
        return element
    if kind is OptionKind.BOOLEAN:
        yes = {"text": plain(i18n.t(locale, "slack.modal.yes"), 75), "value": "true"}
        element = {"type": "checkboxes", "action_id": VALUE, "options": [yes]}
        if option.default is True:
            element["initial_options"] = [yes]
        return element
    if kind is OptionKind.MEMBER:
        return {"type": "users_select", "action_id": VALUE}
    if kind is OptionKind.CHANNEL:
        return {"type": "conversations_select", "action_id": VALUE}
    element = {"type": "plain_text_input", "action_id": VALUE}
    if kind is OptionKind.LIST:
        element["multiline"] = True
        element["placeholder"] = plain(i18n.t(locale, "slack.modal.one_per_line"), PLACEHOLDER_MAX)
    elif kind is OptionKind.TEXT:
        if option.max_length is not None:
            element["max_length"] = min(option.max_length, INPUT_MAX)
        if option.max_length is None or option.max_length > LONG_TEXT:
            element["multiline"] = True
    elif kind is OptionKind.DURATION:
        element["placeholder"] = plain("2h, 3d, 1w", PLACEHOLDER_MAX)
    return element


def command_view(locale: str, spec: CommandSpec, metadata: dict[str, str]) -> dict[str, Any]:
    """The modal for a command: one input per option, in declared order."""
    blocks = [
        {
            "type": "input",
            "block_id": option.name,
            "optional": not option.required,
            "label": plain(_label(locale, spec, option), LABEL_MAX),
            "element": _element(locale, option),
        }
        for option in spec.options
    ]
    title_key = "slack.modal.title." + "_".join(spec.path)
    title = i18n.t(locale, title_key) if i18n.has(title_key, locale) else spec.text_name
    return {
        "type": "modal",
        "callback_id": f"{COMMAND_CALLBACK}:{' '.join(spec.path)}",
        "private_metadata": json.dumps(metadata),
        "title": plain(title, TITLE_MAX),
        "submit": plain(i18n.t(locale, "slack.modal.submit"), TITLE_MAX),
        "close": plain(i18n.t(locale, "slack.modal.cancel"), TITLE_MAX),
        "blocks": blocks,
    }


def form_view(locale: str, form: OpenForm, metadata: dict[str, str]) -> dict[str, Any]:
    """The modal for the core's `OpenForm`: one text input per (name, label) field."""
    return {
        "type": "modal",
        "callback_id": f"{FORM_CALLBACK}:{form.form_id}",
        "private_metadata": json.dumps(metadata),
        "title": plain(form.title, TITLE_MAX),
        "submit": plain(i18n.t(locale, "slack.modal.submit"), TITLE_MAX),
        "close": plain(i18n.t(locale, "slack.modal.cancel"), TITLE_MAX),
        "blocks": [
            {
                "type": "input",
                "block_id": name,
                "label": plain(label, LABEL_MAX),
                "element": {"type": "plain_text_input", "action_id": VALUE, "multiline": True},
            }
            for name, label in form.fields
        ],
    }


def _raw(state: dict[str, Any]) -> Any:
    """The value one input element holds, as Slack reports it in `view.state`."""
    match state.get("type"):
        case "static_select":
            return (state.get("selected_option") or {}).get("value")
        case "checkboxes":
            return bool(state.get("selected_options"))
        case "users_select":
            return state.get("selected_user")
        case "conversations_select":
            return state.get("selected_conversation")
        case _:
            return state.get("value")


def submitted_values(view: dict[str, Any]) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    return {block: _raw(inputs.get(VALUE) or {}) for block, inputs in values.items()}


def command_options(spec: CommandSpec, view: dict[str, Any]) -> dict[str, Any]:
    """The submitted values as command options, in the types the core's checks accept."""
    raw = submitted_values(view)
    options: dict[str, Any] = {}
    for option in spec.options:
        value = raw.get(option.name)
        if value is None or value == "":
            continue
        if option.kind is OptionKind.LIST and isinstance(value, str):
            value = [line.strip() for line in value.splitlines() if line.strip()]
        elif option.kind is OptionKind.MEMBER:
            value = Mention(value, value)
        elif option.kind is OptionKind.CHANNEL:
            value = ChannelMention(value, value)
        options[option.name] = value
    return options


def field_errors(locale: str, spec: CommandSpec, options: dict[str, Any]) -> dict[str, str]:
    """`{block_id: message}` for the first value the core's option rules refuse, or {}."""
    try:
        check_options(spec, options)
    except UsageError as error:
        option = str(error.params.get("option") or "")
        target = option if spec.option(option) is not None else spec.options[0].name
        return {target: i18n.t(locale, error.key, **error.params)[:LABEL_MAX]}
    return {}


def metadata(view: dict[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
