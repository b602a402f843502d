"""What the core may ask of a platform outside any event.

A digest quotes the message of the week without Cercle ever storing message text: it asks
the platform for the text when the digest is built. Each running adapter registers itself
in `Cercle.readers` under its platform name; a platform with no reader (or a message that
is gone) gives `None`, and the digest links the message instead of quoting it.
"""

from __future__ import annotations

from typing import Protocol


class MessageReader(Protocol):
    async def message_text(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        """The message's current text, or None when it is gone or cannot be read."""
        ...

    def message_link(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        """A link members can open to see the message, when the platform has one."""
        ...
