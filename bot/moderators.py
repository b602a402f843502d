"""Who is a moderator: the one rule, from the facts a platform reports.

An adapter says what the platform says of a member (owner of the space, administrator,
allowed to manage it, timed out, the ids and names of their roles); the core decides.
The owner and administrators always moderate; the Manage Server permission (Slack has
none) counts unless the member is timed out; and so does any role the community lists in
`moderator_roles`, by name or by id."""

from __future__ import annotations

from collections.abc import Collection

from bot.events import MemberRef


def is_moderator(member: MemberRef, moderator_roles: Collection[str]) -> bool:
    if member.is_owner or member.is_admin:
        return True
    if member.manages_space and not member.timed_out:
        return True
    if not moderator_roles:
        return False
    return any(r.lower() in moderator_roles for r in member.roles) or any(
        r in moderator_roles for r in member.role_ids
    )
