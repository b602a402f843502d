"""The little the core knows about platforms: the traits that change one of its rules.

The core reads every per-platform setting (a community's `spaces`, a rank's `roles`, the
digest's `channels`) as a map keyed by the platform's name, and knows no platform by name.
Which platforms exist, how to build their adapters and whether their credentials are set
is the composition root's registry (`adapters/platforms.py`), which `bot/` never imports.
A platform whose spaces and roles behave like Discord's and Slack's (ids that the operator
maps to communities, roles that are configured per rank) needs nothing here; only one that
bends a core rule is listed, with the rule it bends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformTraits:
    """How a platform bends the core's rules (the default bends none)."""

    # A space's id is the name of its community (the console's `--community demo`): an
    # entry is found by its `name` as well as by its `spaces`, and an unnamed space becomes
    # the community of that very name rather than `<platform>-<id>`.
    spaces_are_communities: bool = False
    # Roles are plain names that need no setting: a rank with no role for the platform
    # grants a role named after the rank.
    ranks_are_roles: bool = False
    # A member can be timed out by Cercle (a ladder step is applied, not only suggested,
    # when `moderation.apply_timeouts` is on).
    timeouts: bool = False


ORDINARY = PlatformTraits()

TRAITS: Mapping[str, PlatformTraits] = {
    "console": PlatformTraits(spaces_are_communities=True, ranks_are_roles=True),
    "discord": PlatformTraits(timeouts=True),
}


def traits(platform: str) -> PlatformTraits:
    """The traits of `platform` (any name: an unlisted one is ordinary)."""
    return TRAITS.get(platform, ORDINARY)
